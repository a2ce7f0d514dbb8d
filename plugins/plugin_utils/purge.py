# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The purge guard: which sites a managed entry belongs to, and the refusal of a run that would remove the entries of
sites the inventory does not have (a job slice, a NetBox export that missed sites, a typo in a group).

How the planner names what it makes (topology/plan.py, platforms/routeros.py): a peer and an overlay carry their
link id ("a--b") as comment text; an overlay's interface is "OVERLAY-PEER" (gre-branch-b), and the addresses on it
its interface-list members name it too, and the firewall rules of releases before the interface lists named it
("ping-in-gre-branch-b", "forward-to-eoip-b", "overlay-in-PEER", "-ipv6" for an IPv6 rule; kept, so that a run
that replaces those on a router still sees whose they were). A route or address-list entry there for another site
says which in its comment ("lan of SITE", "endpoint of SITE"); aggregates, the site's own LANs and the rules that
name the tunnel list or the WireGuard interface name no site: they go or stay with the site's run, which the guard
stops as a whole."""

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms.routeros import ABOUT_SITE

# a link id joins its two sites' names (topology.model.Link.id)
LINK_SEPARATOR = "--"
OVERLAY_KINDS = ("gre", "eoip")
# firewall rule name prefix -> whether what follows it is a site's name (else an interface's name)
RULE_PREFIXES = (("overlay-in-", True), ("ping-in-", False), ("forward-from-", False), ("forward-to-", False))


def site_of_interface(name):
    """The peer an overlay interface is named after ("gre-branch-b" -> "branch-b"), or None."""
    for kind in OVERLAY_KINDS:
        if name.startswith(kind + "-") and len(name) > len(kind) + 1:
            return name[len(kind) + 1:]
    return None


def peer_of_link(text, router):
    """The far end of `router`'s link id ("branch-b--hub" on hub -> "branch-b"), or None when the text is no link id
    of `router` (told from the router's side: a site's name may hold the separator)."""
    for own, other in ((router + LINK_SEPARATOR, None), (None, LINK_SEPARATOR + router)):
        if own and text.startswith(own) and len(text) > len(own):
            return text[len(own):]
        if other and text.endswith(other) and len(text) > len(other):
            return text[:-len(other)]
    return None


def sites_of_rule(entry, router):
    name = entry.get("name") or ""
    if entry.get("family") == "ipv6" and name.endswith("-ipv6"):
        name = name[:-len("-ipv6")]
    for prefix, is_site in RULE_PREFIXES:
        if name.startswith(prefix):
            rest = name[len(prefix):]
            site = rest if is_site else site_of_interface(rest)
            return [site] if site else []
    return []


def _by_comment(entry, router):
    site = peer_of_link(entry.get("comment") or "", router)
    return [site] if site else []


def _by_about(entry, router):
    """A route or address-list entry there for another site: its comment says "lan of SITE" / "endpoint of SITE"."""
    text = entry.get("comment") or ""
    for _key, prefix in ABOUT_SITE:
        if text.startswith(prefix) and len(text) > len(prefix) and text[len(prefix):] != router:
            return [text[len(prefix):]]
    return []


def _by_interface(entry, router):
    site = site_of_interface(entry.get("interface") or "")
    return [site] if site else []


# resource -> the sites a managed entry of it names (the entry with option names, as the engine reports it); a
# resource without a row names none
NAMERS = {
    "wireguard_peers": _by_comment,
    "gre_tunnels": _by_comment,
    "eoip_tunnels": _by_comment,
    "gre6_tunnels": _by_comment,
    "eoipv6_tunnels": _by_comment,
    "addresses": _by_interface,
    "interface_list_members": _by_interface,
    "firewall_rules": sites_of_rule,
    "routes": _by_about,
    "address_lists": _by_about,
}


def sites_named(resource_name, entry, router):
    """The sites other than `router` that a managed entry of `resource_name` on `router` belongs to."""
    namer = NAMERS.get(resource_name)
    return namer(entry, router) if namer else []


def unknown_sites(removals, router, known):
    """{site: [resource names]} of the sites, other than `router`, that the `removals` ({resource name: [entries]})
    name and `known(site)` says the inventory does not have."""
    out = {}
    for resource_name, entries in removals.items():
        for entry in entries:
            for site in sites_named(resource_name, entry, router):
                if not known(site):
                    out.setdefault(site, [])
                    if resource_name not in out[site]:
                        out[site].append(resource_name)
    return out


def refused(unknown, purge_sites):
    """The sites of `unknown` the run may not remove: those `purge_sites` does not list."""
    return dict((site, what) for site, what in unknown.items() if site not in (purge_sites or ()))


def refusal(router, refused):
    """The message of a refused run: the router, the sites whose entries would go, what of them, how to allow it."""
    sites = sorted(refused)
    return ("%s: this run would remove the tunnels of %d site(s) that the inventory does not have: %s. A partial "
            "inventory (an AWX job slice, an export that missed sites, a typo in a group) looks like this, so nothing "
            "was written on %s. If those sites are gone for good, allow it for this run with "
            "sitelink_purge_sites: [%s] (or sitelink_purge: true)"
            % (router, len(sites), "; ".join("%s (%s)" % (s, ", ".join(refused[s])) for s in sites), router,
               ", ".join(sites)))
