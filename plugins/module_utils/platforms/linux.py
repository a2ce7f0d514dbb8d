# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Linux: what the planner and validation need to know of it, and a site's desired state as the parameters of
the linux_* modules.

Same inputs as RouterOS's desired state (the platform-neutral plan, the peers'
public keys, the fleet's preshared-key secret), same rule: a peer whose public
key is not known yet is left out, and the role then keeps, rather than purges,
what the interface already has.  The nftables syntax is linux/render.py's.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.sitelink.tunnels.plugins.module_utils.linux import render
from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms.base import Capabilities
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import plan as planner

CAPABILITIES = Capabilities(
    label="Linux",
    configured=True,
    overlays=frozenset({("gre", "ipv4")}),  # ip_gre; ip6gre is not built yet
    answers_gre_keepalive=False,            # ip_gre does not send a keepalive's inner packet back
    backup_routes=False,                    # linux_routes keys a route by its prefix: one route per prefix
    link_local_gateway=False,
    interface_name="interface",             # IFNAMSIZ: 15 characters
    next_hop_family_rule=None,              # ip route takes a next hop of the other family (via inet6 ...)
    overlay_refusal="EoIP is MikroTik's own protocol and %(site)s is a Linux site; use overlay: gre (Linux needs "
                    "the ip_gre kernel module)",
    ipv6_overlay_needs="ip6gre",
    runs_ospf=True,                         # FRR's ospfd and bfdd (the frr part below, linux_frr)
)


def endpoint(address, port):
    """`wg`'s endpoint notation: address:port, [v6]:port."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "%s:%d" % (address, port)          # a host name; wg resolves it
    return ("[%s]:%d" if ip.version == 6 else "%s:%d") % (ip, port)


def wireguard(plan, public_keys=None, psk_secret=None):
    """linux_wireguard parameters: the interface, its transit addresses and every peer whose key is known."""
    wg = plan["wireguard"]
    peers = []
    for peer in plan["peers"]:
        key = planner.peer_public_key(plan, peer["peer"], public_keys)
        if not key:
            continue
        entry = {"public_key": key, "allowed_ips": list(peer["allowed_address"]),
                 "persistent_keepalive": peer["persistent_keepalive"], "comment": peer["link"]}
        address = endpoint(peer["endpoint_address"], peer["endpoint_port"])
        if address:
            entry["endpoint"] = address
        if peer["preshared_key"]:
            entry["preshared_key"] = planner.peer_preshared_key(plan, peer, psk_secret)
        peers.append(entry)
    return {"name": wg["name"], "listen_port": wg["listen_port"], "mtu": wg["mtu"],
            "addresses": [a["address"] for a in plan["addresses"] if a["interface"] == wg["name"]],
            "peers": peers}


def gre_tunnels(plan):
    """linux_gre_tunnels config: one GRE interface per overlay link, with its transit address."""
    out = []
    for ov in plan["overlays"]:
        if ov["type"] != "gre":
            continue
        out.append({"name": ov["name"], "local": ov["local_address"], "remote": ov["remote_address"],
                    "mtu": ov["mtu"], "comment": ov["link"],
                    "addresses": [a["address"] for a in plan["addresses"] if a["interface"] == ov["name"]]})
    return out


def routes(plan):
    """linux_routes config.  A route through a tunnel takes our own address on that link as its source,
    so that the far end (whose allowed addresses name that address) can answer."""
    ours = [ipaddress.ip_interface(a["address"]) for a in plan["addresses"]]
    out = []
    for route in plan["routes"]:
        entry = {"dst": route["dst_address"], "via": route["gateway"]}
        if route.get("distance", 1) != 1:
            entry["metric"] = route["distance"]      # RouterOS's distance as the Linux metric: lower wins
        gateway = ipaddress.ip_address(route["gateway"])
        family = ipaddress.ip_network(route["dst_address"]).version
        for address in ours:
            if gateway in address.network and address.version == family:     # a source of the route's family
                entry["src"] = str(address.ip)
                break
        out.append(entry)
    return out


def firewall(plan):
    """linux_firewall rules: nftables statements for the plan's firewall entries, each named."""
    out = []
    # the MSS clamp first: it ends no chain, while an accept does - after the accepts it never ran (review 3, N10)
    for entry in plan.get("mangle", []) + plan["firewall"]:
        rule = {"chain": entry["chain"], "name": entry["name"],
                "rule": render.nft_statement(entry, plan.get("address_lists", []), plan.get("interface_lists", []))}
        # one inet table sees both families: a rule the plan makes per family but that matches no address is the
        # same statement twice (forward-to-wg), kept once under its first name
        if not any(r["chain"] == rule["chain"] and r["rule"] == rule["rule"] for r in out):
            out.append(rule)
    return out


def forwarding(plan):
    """IP families the site forwards between its LANs and the tunnels."""
    families = set()
    for route in plan["routes"]:
        families.add("ipv%d" % ipaddress.ip_network(route["dst_address"]).version)
    return sorted(families) or ["ipv4"]


def frr(plan):
    """linux_frr parameters in OSPF mode: the FRR configuration of the site's OSPF (render.frr_ospf) and the FRR
    daemons it needs; None in static mode (the site's FRR block goes)."""
    ospf = plan.get("ospf")
    if not ospf:
        return None
    transit = dict((a["interface"], str(ipaddress.ip_interface(a["address"]).network)) for a in plan["addresses"]
                   if ipaddress.ip_interface(a["address"]).version == 4)
    interfaces, passive = [], []
    for template in ospf["templates"]:
        if template.get("passive"):
            passive += template["networks"]
            continue
        for name in template["interfaces"]:
            interfaces.append({"name": name, "network": transit[name], "type": template["type"],
                               "cost": template["cost"], "hello_interval": template["hello_interval"],
                               "dead_interval": template["dead_interval"], "bfd": bool(template.get("use_bfd"))})
    profile = ospf["bfd"][0]["name"] if ospf["bfd"] else None
    config = render.frr_ospf({"router_id": ospf["instance"]["router_id"], "area": ospf["area"]["area_id"],
                              "interfaces": interfaces, "passive_networks": passive, "bfd_profile": profile})
    return {"config": config, "daemons": ["ospfd", "bfdd"] if profile else ["ospfd"]}


# the parts of a Linux site's desired state, each a function of the plan alone but for the peers (keys, secret)
PARTS = ("wireguard", "gre_tunnels", "routes", "forwarding", "firewall", "frr")


def desired(plan, public_keys=None, psk_secret=None, owner=None):
    """The site's desired state: {part: the parameters of its module} for each of PARTS (`owner` is the modules'
    own option, not part of their parameters here)."""
    return {"wireguard": wireguard(plan, public_keys, psk_secret), "gre_tunnels": gre_tunnels(plan),
            "routes": routes(plan), "forwarding": forwarding(plan), "firewall": firewall(plan), "frr": frr(plan)}
