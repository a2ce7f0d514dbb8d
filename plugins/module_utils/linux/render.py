# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Text a Linux site is given: its wg-quick file, its nftables table, its route commands.

One place, so that the modules that write them and the render-only mode that shows them agree.
"""

from __future__ import annotations

import hashlib
import ipaddress

from ansible_collections.sitelink.tunnels.plugins.module_utils.common.names import DEFAULT_OWNER, MARKER

NFT_CHAINS = ("input", "forward", "output")
# nftables matches of a plan's firewall entries, by protocol (inet family: l4proto, not "ip protocol")
PROTOCOL_MATCH = {"udp": "meta l4proto udp", "tcp": "meta l4proto tcp", "icmp": "meta l4proto icmp",
                  "icmpv6": "meta l4proto ipv6-icmp", "gre": "meta l4proto gre",
                  "ospf": "meta l4proto ospf"}       # IP protocol 89 (OSPF mode's rule on the tunnels)


def wg_quick(name, listen_port, mtu, addresses, private_key_path, peers):
    """A wg-quick file that names the private key file instead of holding the key; `Table = off` leaves
    routes to linux_routes.  peers: dicts with public_key, allowed_ips, endpoint, persistent_keepalive,
    psk_text (the preshared key, or a placeholder) and comment."""
    lines = ["# sitelink.tunnels: %s (managed; edits are replaced)" % name, "[Interface]"]
    lines += ["Address = %s" % a for a in addresses]
    if listen_port is not None:
        lines.append("ListenPort = %d" % listen_port)
    lines += ["MTU = %d" % mtu, "Table = off", "PostUp = wg set %%i private-key %s" % private_key_path]
    for peer in sorted(peers, key=lambda p: p["public_key"]):
        lines += [""] + (["# %s" % peer["comment"]] if peer.get("comment") else [])
        lines += ["[Peer]", "PublicKey = %s" % peer["public_key"], "AllowedIPs = %s" % ", ".join(peer["allowed_ips"])]
        if peer.get("psk_text"):
            lines.append("PresharedKey = %s" % peer["psk_text"])
        if peer.get("endpoint"):
            lines.append("Endpoint = %s" % peer["endpoint"])
        if peer.get("persistent_keepalive"):
            lines.append("PersistentKeepalive = %d" % peer["persistent_keepalive"])
    return "\n".join(lines) + "\n"


def nft_marker(owner):
    return "%s:%s" % (MARKER, owner or DEFAULT_OWNER)


def statement_problem(text):
    """Why an nftables statement cannot go inside a chain of our table, or None.  The statement is written into
    an `nft -f` script: a line break, `;`, `#` or an unbalanced brace or quote would end it and start something
    else (another rule, another table, a flush)."""
    if not isinstance(text, str) or not text.strip():
        return "is empty"
    depth, quoted = 0, False
    for char in text:
        if ord(char) < 32 or ord(char) == 127:
            return "contains a control character (a line break would start a new statement)"
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char in ";#":
            return "contains %r, which ends the statement in an nft script" % char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return "closes a brace it did not open (it would end the chain)"
    if quoted:
        return "has an unbalanced quote"
    if depth:
        return "has an unbalanced brace"
    return None


def nft_rule_comment(owner, rule):
    """`sitelink:OWNER NAME #HASH`: the hash covers chain and statement, so a rule edited by hand differs."""
    digest = hashlib.sha256(("%s|%s" % (rule["chain"], rule["rule"])).encode("utf-8")).hexdigest()[:8]
    return "%s %s #%s" % (nft_marker(owner), rule["name"], digest)


def nft_table(table, owner, rules, priority):
    lines = ["table inet %s {" % table, '\tcomment "%s"' % nft_marker(owner)]
    for chain in NFT_CHAINS:
        lines.append("\tchain %s {" % chain)
        lines.append("\t\ttype filter hook %s priority %d; policy accept;" % (chain, priority))
        for rule in rules:
            if rule["chain"] == chain:
                lines.append('\t\t%s comment "%s"' % (rule["rule"], nft_rule_comment(owner, rule)))
        lines.append("\t}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def route_command(route, protocol, table="main", verb="replace"):
    """`ip route` arguments for one route (dict with dst and optional via, dev, src, metric)."""
    args = ["ip", "route", verb, route["dst"]]
    if verb == "replace":
        for key in ("via", "dev", "src", "metric"):
            if route.get(key) is not None:
                args += [key, str(route[key])]
                if key == "via" and (":" in route["via"]) != (":" in route["dst"]):
                    args.insert(-1, "inet6" if ":" in route["via"] else "inet")   # a next hop of the other family
    return args + ["proto", str(protocol), "table", table]


def nft_statement(entry, address_lists, interface_lists=()):
    """The nftables statement of one firewall or mangle entry of a site plan; `address_lists` are the plan's
    (an address list becomes the set of its prefixes of the entry's family), `interface_lists` its interface list
    members (an interface list becomes the anonymous set of its interfaces' names: one statement however many
    tunnels; a leading "!" negates it)."""
    parts = []
    if entry.get("in_interface"):
        parts.append('iifname "%s"' % entry["in_interface"])
    if entry.get("out_interface"):
        parts.append('oifname "%s"' % entry["out_interface"])
    for option, word in (("in_interface_list", "iifname"), ("out_interface_list", "oifname")):
        if entry.get(option):
            name = entry[option].lstrip("!")
            members = ", ".join('"%s"' % m["interface"] for m in interface_lists if m["list"] == name)
            parts.append("%s %s{ %s }" % (word, "!= " if entry[option].startswith("!") else "", members))
    if entry.get("src_address"):
        ip = ipaddress.ip_interface(entry["src_address"])
        parts.append("%s saddr %s" % ("ip" if ip.version == 4 else "ip6",
                                      ip.ip if ip.network.prefixlen == ip.max_prefixlen else ip.network))
    for option, word in (("src_address_list", "saddr"), ("dst_address_list", "daddr")):
        if entry.get(option):
            prefixes = [a["address"] for a in address_lists
                        if a["list"] == entry[option] and a["family"] == entry["family"]]
            parts.append("%s %s { %s }" % ("ip" if entry["family"] == "ipv4" else "ip6", word, ", ".join(prefixes)))
    if entry.get("dst_port"):
        ports = [port.strip() for port in str(entry["dst_port"]).split(",")]
        # RouterOS's port list (3784,3785) is an anonymous set in nftables
        parts.append("%s dport %s" % (entry["protocol"], ports[0] if len(ports) == 1 else "{ %s }" % ", ".join(ports)))
    elif entry.get("protocol"):
        parts.append(PROTOCOL_MATCH[entry["protocol"]])
    verdict = "tcp option maxseg size set rt mtu" if entry.get("action") == "change-mss" else "counter accept"
    if entry.get("tcp_flags"):
        parts.append("tcp flags %s" % entry["tcp_flags"])
    return " ".join(parts + [verdict])


# FRR (Debian's frr): OSPF mode's configuration of a Linux site, as one block of FRR's integrated configuration
# (/etc/frr/frr.conf). The plan's template types as FRR's `ip ospf network`
FRR_NETWORK_TYPES = {"ptp": "point-to-point", "broadcast": "broadcast"}
# RouterOS's BFD defaults (MikroTik manual, BFD: min-rx 200ms, min-tx 200ms, multiplier 5) as an FRR profile, so that
# a Linux end detects a failure as fast as a RouterOS end (FRR's own defaults are 300 ms and 3)
FRR_BFD_TIMERS = (("receive-interval", 200), ("transmit-interval", 200), ("detect-multiplier", 5))


def frr_marker(owner, edge):
    """The line that opens (`edge` begin) or closes (end) the block a linux_frr owner owns in frr.conf: an FRR
    comment, which FRR and frr-reload.py skip."""
    return "! %s:%s %s" % (MARKER, owner or DEFAULT_OWNER, edge)


def frr_ospf(ospf):
    """FRR's configuration lines (without the block's markers) for a description of one site's OSPF:
    {"router_id", "area", "interfaces": [{"name", "network" (its transit prefix), "type", "cost", "hello_interval",
    "dead_interval", "bfd"}], "passive_networks": [LAN prefixes], "bfd_profile": a name or None}.

    Every interface joins the area through a `network` statement (the LANs are prefixes, their interfaces' names are
    the host's: FRR refuses `ip ospf area` next to `network` statements), every interface is passive but the
    overlays (`passive-interface default`, `no ip ospf passive`): a LAN is advertised, never a neighbour's way in."""
    lines = []
    for iface in ospf["interfaces"]:
        lines += ["interface %s" % iface["name"], " ip ospf network %s" % FRR_NETWORK_TYPES[iface["type"]],
                  " ip ospf cost %d" % iface["cost"], " ip ospf hello-interval %d" % iface["hello_interval"],
                  " ip ospf dead-interval %d" % iface["dead_interval"], " no ip ospf passive"]
        if iface.get("bfd"):
            lines += [" ip ospf bfd", " ip ospf bfd profile %s" % ospf["bfd_profile"]]
        lines += ["exit", "!"]
    lines += ["router ospf", " ospf router-id %s" % ospf["router_id"], " passive-interface default"]
    networks = [iface["network"] for iface in ospf["interfaces"]] + list(ospf["passive_networks"])
    lines += [" network %s area %s" % (network, ospf["area"]) for network in networks]
    lines += ["exit", "!"]
    if ospf.get("bfd_profile"):
        lines += ["bfd", " profile %s" % ospf["bfd_profile"]]
        lines += ["  %s %d" % timer for timer in FRR_BFD_TIMERS]
        lines += [" exit", " !", "exit", "!"]
    return "\n".join(lines) + "\n"
