# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The renumbering guard: the transit addresses and EoIP tunnel ids a router's existing links hold, against the ones
the plan gives them, and the refusal of a run that would move them unless the operator asked for it.

A fleet deployed before the `linear` addressing scheme became the default (topology/addressing.py) that upgrades
without `sitelink_pools.scheme: pairs` would otherwise get new transit addresses and tunnel ids on every link, one
router at a time: each end of a link drops it until the other end has run too.

Where a link's numbers are read (the planner's names, topology/plan.py, as purge.py reads them): the WireGuard peer
carries the link id as comment and the far end's transit address as a host prefix among its allowed addresses; the
router's own transit address is the address on the WireGuard interface whose network holds it. An overlay carries the
link id as comment, its interface has the overlay transit address, and an EoIP overlay its tunnel id. Entries are
given as the engine reports them (option names, the comment without the ownership marker), planned ones as the
RouterOS adapter makes them: both sides are read by the same code. A Linux site's WireGuard interface (the module
linux_wireguard) is read the same way, its peers by public key: moved_peers()."""

from __future__ import annotations

import ipaddress

# overlay resources (all carry their link id as comment; the EoIP ones a tunnel id)
OVERLAY_RESOURCES = ("gre_tunnels", "eoip_tunnels", "gre6_tunnels", "eoipv6_tunnels")
# every resource whose entries hold a link's numbers
RESOURCES = ("wireguard_peers", "addresses") + OVERLAY_RESOURCES
# links the refusal gives with their old and new values; the others by their id only (a renumbered hub has them all)
DETAILED = 10


def _network(text):
    try:
        return ipaddress.ip_interface(text).network
    except ValueError:
        return None


def _by_network(own_addresses):
    """{network: [the router's addresses in it]} of the addresses on the WireGuard interface, parsed once."""
    out = {}
    for address in own_addresses:
        network = _network(address)
        if network is not None:
            out.setdefault(network, []).append(address)
    return out


def _transit_address(by_network, allowed):
    """The router's addresses (on the WireGuard interface, by_network) whose network holds one of the peer's host
    prefixes: looked up at each prefix length the interface has (a /31 or /127 per link), not address by address."""
    lengths = set(network.prefixlen for network in by_network)
    found = set()
    for host in (n for n in map(_network, allowed) if n is not None and n.num_addresses == 1):
        for length in lengths:
            if length <= host.prefixlen:
                found.update(by_network.get(host.supernet(new_prefix=length), ()))
    return ", ".join(sorted(found)) or None


def numbers(entries, wireguard_interface):
    """{link id: {what: value}} of the links `entries` ({resource name: [entries]}) hold: "address on INTERFACE"
    (the router's transit address on the WireGuard interface, and on the link's overlay) and "tunnel id of
    OVERLAY". A value the entries do not show is left out."""
    on_interface = {}
    for address in entries.get("addresses") or ():
        on_interface.setdefault(address.get("interface"), []).append(address.get("address") or "")
    out, own_networks = {}, _by_network(on_interface.get(wireguard_interface, ()))
    for peer in entries.get("wireguard_peers") or ():
        own = _transit_address(own_networks, peer.get("allowed_address") or ())
        if peer.get("comment") and own:
            out.setdefault(peer["comment"], {})["address on %s" % wireguard_interface] = own
    for resource_name in OVERLAY_RESOURCES:
        for overlay in entries.get(resource_name) or ():
            link, name = overlay.get("comment"), overlay.get("name")
            if not link or not name:
                continue
            if on_interface.get(name):
                out.setdefault(link, {})["address on %s" % name] = ", ".join(sorted(on_interface[name]))
            if overlay.get("tunnel_id") is not None:
                out.setdefault(link, {})["tunnel id of %s" % name] = str(overlay["tunnel_id"])
    return out


def renumbered(existing, planned):
    """[(link id, [(what, old, new)])] of the links in both `existing` and `planned` (numbers()) whose numbers differ;
    a link the router lacks, one the plan drops, or an overlay whose kind changes (a new interface) is none."""
    out = []
    for link in sorted(set(existing) & set(planned)):
        moved = [(what, old, planned[link][what]) for what, old in sorted(existing[link].items())
                 if what in planned[link] and planned[link][what] != old]
        if moved:
            out.append((link, moved))
    return out


def moved_peers(interface, current_peers, addresses, wanted_peers, wanted_addresses):
    """renumbered() of a Linux WireGuard interface: peers {public key: {"allowed_ips": [...], "comment": link id}} as
    it runs and as wanted, its addresses as it has them and as wanted; a link is named by the wanted peer's comment."""
    def entries(peers, own):
        return {"wireguard_peers": [{"comment": key, "allowed_address": peer["allowed_ips"]}
                                    for key, peer in peers.items()],
                "addresses": [{"address": address, "interface": interface} for address in own]}
    moved = renumbered(numbers(entries(current_peers, addresses), interface),
                       numbers(entries(wanted_peers, wanted_addresses), interface))
    return sorted((wanted_peers[key].get("comment") or key, changes) for key, changes in moved)


def refusal(router, moved):
    """The message of a refused run: the router, each link with its old and new numbers, and the two ways out."""
    links = "; ".join("%s (%s)" % (link, ", ".join("%s %s -> %s" % change for change in changes))
                      for link, changes in moved[:DETAILED])
    if len(moved) > DETAILED:
        links += "; and %d more: %s" % (len(moved) - DETAILED, ", ".join(link for link, _changes in moved[DETAILED:]))
    return ("%s: this run would renumber %d existing link(s): %s. The default addressing scheme is now linear and "
            "these links were numbered otherwise (by the old default, pairs, or other pools or slots), so nothing was "
            "written on %s. To keep their addresses and tunnel ids, set sitelink_pools.scheme: pairs. To renumber on "
            "purpose, run with sitelink_renumber: true on both ends of these links in one run: a --limit or a batch "
            "that leaves one end out cuts its links until that end runs too"
            % (router, len(moved), links, router))
