# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Linux adapter: a site's plan as parameters of the linux_* modules.

Same inputs as the RouterOS adapter (the platform-neutral plan, the peers'
public keys, the fleet's preshared-key secret), same rule: a peer whose public
key is not known yet is left out, and the role then keeps, rather than purges,
what the interface already has.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import plan as planner
from ansible_collections.sitelink.tunnels.plugins.module_utils.wireguard import keys

# nftables statements for the plan's firewall entries, by protocol (inet family: l4proto, not "ip protocol")
PROTOCOL_MATCH = {"udp": "meta l4proto udp", "tcp": "meta l4proto tcp", "icmp": "meta l4proto icmp",
                  "icmpv6": "meta l4proto ipv6-icmp", "gre": "meta l4proto gre"}


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
            entry["preshared_key"] = keys.derive_preshared_key(psk_secret, (plan["site"], peer["peer"])) if psk_secret \
                else "<preshared key of %s>" % peer["link"]
        peers.append(entry)
    return {"name": wg["name"], "listen_port": wg["listen_port"], "mtu": wg["mtu"],
            "addresses": [a["address"] for a in plan["addresses"] if a["interface"] == wg["name"]],
            "peers": peers}


complete = planner.keys_complete      # the same rule on every platform


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
    for entry in plan["firewall"] + plan.get("mangle", []):
        parts = []
        if entry.get("in_interface"):
            parts.append('iifname "%s"' % entry["in_interface"])
        if entry.get("out_interface"):
            parts.append('oifname "%s"' % entry["out_interface"])
        if entry.get("src_address"):
            ip = ipaddress.ip_interface(entry["src_address"])
            parts.append("%s saddr %s" % ("ip" if ip.version == 4 else "ip6",
                                          ip.ip if ip.network.prefixlen == ip.max_prefixlen else ip.network))
        for option, word in (("src_address_list", "saddr"), ("dst_address_list", "daddr")):
            if entry.get(option):
                prefixes = [a["address"] for a in plan.get("address_lists", [])
                            if a["list"] == entry[option] and a["family"] == entry["family"]]
                parts.append("%s %s { %s }" % ("ip" if entry["family"] == "ipv4" else "ip6", word, ", ".join(prefixes)))
        if entry.get("dst_port"):
            parts.append("%s dport %s" % (entry["protocol"], entry["dst_port"]))
        elif entry.get("protocol"):
            parts.append(PROTOCOL_MATCH[entry["protocol"]])
        verdict = "tcp option maxseg size set rt mtu" if entry.get("action") == "change-mss" else "counter accept"
        if entry.get("tcp_flags"):
            parts.append("tcp flags %s" % entry["tcp_flags"])
        rule = {"chain": entry["chain"], "name": entry["name"], "rule": " ".join(parts + [verdict])}
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
