# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: linux_config
short_description: A site plan as the parameters of one Linux module
version_added: 1.0.0
description:
  - Turns the plan of M(sitelink.tunnels.site_plan) into the parameters of M(sitelink.tunnels.linux_wireguard)
    (O(part=wireguard) - a dict with C(name), C(listen_port), C(mtu), C(addresses), C(peers)), the
    O(sitelink.tunnels.linux_gre_tunnels#module:config) of M(sitelink.tunnels.linux_gre_tunnels)
    (O(part=gre_tunnels)) or the O(sitelink.tunnels.linux_routes#module:config) of
    M(sitelink.tunnels.linux_routes) (O(part=routes)), the IP families to forward (O(part=forwarding)), the
    rules of M(sitelink.tunnels.linux_firewall) (O(part=firewall)), or the O(sitelink.tunnels.linux_frr#module:config)
    and O(sitelink.tunnels.linux_frr#module:daemons) of M(sitelink.tunnels.linux_frr) (O(part=frr), C(null) when the
    fleet does not run OSPF).
  - Routes through a tunnel take this site's own address on that link as their source address.
  - Used by the C(sitelink.tunnels.site_tunnel) role; with O(part=wireguard) the result holds preshared keys, so
    pass it straight to the module (whose option is no_log) and never print it.
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
options:
  _input:
    description: The site plan (C(sitelink_plan)).
    type: dict
    required: true
  part:
    description: Which parameters to make.
    type: str
    required: true
    choices: [wireguard, gre_tunnels, routes, forwarding, firewall, frr]
  public_keys:
    description: Public key by site name; peers without one are left out until their key can be read.
    type: dict
  psk_secret:
    description: The fleet's preshared-key secret.
    type: str
"""

EXAMPLES = r"""
- name: Routes of this Linux site
  sitelink.tunnels.linux_routes:
    config: "{{ sitelink_plan | sitelink.tunnels.linux_config('routes') }}"
"""

RETURN = r"""
_value:
  description: The parameters - a dict for O(part=wireguard) and O(part=frr) (or C(null)), a list otherwise.
  type: raw
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import linux as adapter

PARTS = {
    "wireguard": adapter.wireguard,          # the only part that takes keys and the secret
    "gre_tunnels": adapter.gre_tunnels,
    "routes": adapter.routes,
    "forwarding": adapter.forwarding,
    "firewall": adapter.firewall,
    "frr": adapter.frr,
}


def linux_config(plan, part, public_keys=None, psk_secret=None):
    if part not in PARTS:
        raise AnsibleFilterError("linux_config: unknown part %r (known: %s)" % (part, ", ".join(sorted(PARTS))))
    if part == "wireguard":
        return adapter.wireguard(plan, public_keys, psk_secret)
    return PARTS[part](plan)


class FilterModule(object):
    def filters(self):
        return {"linux_config": linux_config}
