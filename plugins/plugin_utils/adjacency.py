# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OSPF mode's verification: each overlay link's OSPF neighbour state (Full, the state seen, or no neighbour and why)
and its BFD session state, from a RouterOS router's /routing/ospf/neighbor and /routing/bfd/session (MikroTik manual,
OSPF and BFD: both read-only menus); the fleet report folds them into its table (report.py)."""

from __future__ import annotations

NEIGHBORS = ("/routing/ospf/neighbor", ("interface", "address", "router-id", "state"))
# RouterOS 7.11+; remote-address is ADDRESS%INTERFACE (lab/FIDELITY.md: the fields as a print shows them)
BFD_SESSIONS = ("/routing/bfd/session", ("remote-address", "state"))
# read only when an overlay has no neighbour, to say why
TEMPLATES = ("/routing/ospf/interface-template", ("interfaces", "passive", "disabled"))
INTERFACES = ("/interface", ("name", "running", "disabled"))
FULL = "Full"
NO_NEIGHBOUR = "no neighbour"
NO_SESSION = "none"


def overlay_links(plan):
    """{overlay interface: the plan's link} of the site's verified links that run OSPF (over an overlay); {} in static
    mode."""
    if not plan.get("ospf"):
        return {}
    links = dict((link["link"], link) for link in plan["links"])
    return dict((o["name"], links[o["link"]]) for o in plan["overlays"] if o["link"] in links)


def uses_bfd(plan):
    return bool((plan.get("ospf") or {}).get("bfd"))


def full(states):
    """Whether every link's OSPF is Full."""
    return all(s["ospf"] == FULL for s in states.values())


def true(value):
    return str(value).lower() in ("true", "yes")


def link_states(host, plan, neighbors, sessions, templates=None, interfaces=None):
    """{link id: {"interface", "ospf", "bfd", "reason"}} of the site's OSPF links from the rows read: `ospf` is Full,
    the neighbour's state, or "no neighbour"; `reason` says why when it is not Full (from `templates` and
    `interfaces` when they were read); `bfd` is the session's state (up, down, ...), "none" without one, None when the
    fleet runs no BFD."""
    out = {}
    for ifname, link in overlay_links(plan).items():
        seen = [n.get("state") for n in neighbors if n.get("interface") == ifname]
        state = FULL if FULL in seen else (seen[0] if seen else NO_NEIGHBOUR)
        reason = None
        if seen and state != FULL:
            reason = "%s: the OSPF neighbour on %s is %s, not Full" % (host, ifname, state)
        elif not seen:
            reason = why_no_neighbour(host, ifname, templates, interfaces)
        out[link["link"]] = {"interface": ifname, "ospf": state, "reason": reason,
                             "bfd": bfd_state(ifname, link["verify_address"], sessions) if uses_bfd(plan) else None}
    return out


def why_no_neighbour(host, ifname, templates, interfaces):
    """Why an overlay has no OSPF neighbour, as far as this end can tell."""
    named = [t for t in templates or () if ifname in str(t.get("interfaces") or "").split(",")
             and not true(t.get("disabled"))]
    interface = next((i for i in interfaces or () if i.get("name") == ifname), None)
    if templates is not None and not named:
        return "%s: no OSPF neighbour on %s: no enabled OSPF interface template names it" % (host, ifname)
    if named and all(true(t.get("passive")) for t in named):
        return "%s: no OSPF neighbour on %s: its OSPF interface template is passive (sends no hellos)" % (host, ifname)
    if interface is not None and (true(interface.get("disabled")) or not true(interface.get("running"))):
        return "%s: no OSPF neighbour on %s: the overlay is not running" % (host, ifname)
    return ("%s: no OSPF neighbour on %s (the far end's template missing, its hello or dead interval, area or network "
            "type different, or the hellos filtered?)" % (host, ifname))


def bfd_state(ifname, peer_address, sessions):
    """The state of the BFD session toward the overlay's far end (by the interface RouterOS names after the address's
    %, else by the address); "none" without one."""
    for session in sessions:
        address, _sep, interface = str(session.get("remote-address") or "").partition("%")
        if interface == ifname or (not interface and address == peer_address):
            return str(session.get("state") or "").lower() or NO_SESSION
    return NO_SESSION
