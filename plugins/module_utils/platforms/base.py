# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the planner and validation need to know of a platform, as data: one `Capabilities` per platform.

Validation and the planner ask these fields and never test a platform's name, so a new platform is a module
with its `CAPABILITIES` (and its desired state), registered in `platforms`, and no edit anywhere else.
"""

from __future__ import annotations

import dataclasses

# every (overlay, WireGuard transit family) the planner can make: GRE and EoIP over either family
# (over IPv6 they are RouterOS's gre6 and eoipv6)
ALL_OVERLAYS = frozenset((kind, family) for kind in ("gre", "eoip") for family in ("ipv4", "ipv6"))


@dataclasses.dataclass(frozen=True)
class Capabilities(object):
    """One platform's abilities and limits.  The text fields only word validation's messages."""

    # the platform as messages name it: "RouterOS", "Linux", "external"
    label: str
    # Ansible configures the site; False: a peer it only points tunnels at, whose public key is in the inventory
    # (`sitelink_site.public_key`) and which has no plan of its own
    configured: bool
    # the (overlay, WireGuard transit family) pairs it terminates, as ("gre", "ipv4") or ("eoip", "ipv6")
    overlays: frozenset
    # a GRE keepalive sent to it comes back (RouterOS answers; Linux ip_gre does not, and the far end's GRE
    # interface would stay down): the planner asks its peers for keepalives only then
    answers_gre_keepalive: bool
    # hub_spoke with several hubs: also routes each prefix through the other hubs, at a higher distance
    backup_routes: bool
    # takes an IPv6 link-local underlay gateway with its interface (fe80::1%ether1)
    link_local_gateway: bool
    # the names.RULES kind every interface name it is given must satisfy (Linux: 15 characters); None: no limit
    # beyond the inventory's own
    interface_name: str | None
    # why a LAN's next hop must be of the LAN's family there (RouterOS's route menus); None: any family will do
    next_hop_family_rule: str | None
    # why it terminates no overlay of a kind it lacks, and what to use instead; %(site)s is the site's name
    overlay_refusal: str = "%(overlay)s is not built on %(site)s; use another overlay or overlay: none"
    # what an overlay over an IPv6 WireGuard transit would need there, where it has none (Linux: ip6gre)
    ipv6_overlay_needs: str = "IPv6 overlays"
    # the collection configures OSPF there (sitelink_routing: ospf); the refusal words it where not (%(label)s)
    runs_ospf: bool = False
    ospf_refusal: str = ("%(label)s sites do not run OSPF (RouterOS sites and Linux sites with FRR do): keep "
                         "sitelink_routing: static while the fleet has one")

    def terminates(self, overlay):
        """Whether it terminates an overlay of kind `overlay` over either transit family."""
        return any(kind == overlay for kind, _family in self.overlays)
