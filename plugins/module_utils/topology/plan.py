# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Deterministic addressing and each site's desired objects, platform-neutral.

A link's slot in every pool is the triangular index of its two site ids, so a
new site only ever takes new slots: existing links keep their addresses and
tunnel ids.  Keys enter only by reference (the peer site's name); preshared
keys only as "this link has one".
"""

from __future__ import annotations

try:
    import netaddr
    HAS_NETADDR = True
except ImportError:  # pragma: no cover
    HAS_NETADDR = False

UNDERLAY_MTU = 1500
WIREGUARD_OVERHEAD = 80      # IPv6 outer header: the safe figure for either underlay family
# bytes each overlay adds, by the family of the WireGuard transit it runs over: GRE 4 + IPv4 20 (MikroTik's GRE page);
# EoIP 8 (GRE with its key) + Ethernet 14 + IPv4 20; over IPv6 the outer header is 40, and EoIPv6 rides EtherIP
# (2 bytes, IP protocol 97) instead of GRE (lab/FIDELITY.md)
OVERLAY_OVERHEAD = {("gre", "ipv4"): 24, ("eoip", "ipv4"): 42, ("gre", "ipv6"): 44, ("eoip", "ipv6"): 56}
# the IP protocol that carries each overlay, which the far end's input chain must admit
OVERLAY_PROTOCOL = {("gre", "ipv4"): "gre", ("eoip", "ipv4"): "gre", ("gre", "ipv6"): "gre", ("eoip", "ipv6"): "etherip"}
LAN_LIST = "sitelink-lans"   # the address list of every LAN a site's tunnels join (forward rules admit only these)


def width(net):
    """Bits in an address of `net`'s family."""
    return 32 if net.version == 4 else 128


def pair_index(id_a, id_b):
    """0 for ids (1, 2), 1 for (1, 3), 2 for (2, 3), 3 for (1, 4) ... independent of other sites."""
    low, high = sorted((id_a, id_b))
    return (high - 1) * (high - 2) // 2 + (low - 1)


def link_index(model, link):
    return pair_index(model.sites[link.a].id, model.sites[link.b].id)


def transit(model, link, pool_name, prefix_length):
    """({site: its IPAddress on the link}, prefix length) in `pool_name`: the lower-id site takes the lower address."""
    pool = model.pool_nets[pool_name]
    size = 2 ** (width(pool) - prefix_length)
    first = pool.first + size * link_index(model, link)
    offset = 0 if prefix_length >= width(pool) - 1 else 1     # /31 (/127) use both; /30 skips network
    low = netaddr.IPAddress(first + offset, pool.version)
    high = netaddr.IPAddress(first + offset + 1, pool.version)
    site_a, site_b = model.sites[link.a], model.sites[link.b]
    if site_a.id <= site_b.id:
        return {link.a: low, link.b: high}, prefix_length
    return {link.a: high, link.b: low}, prefix_length


def wireguard_transit(model, link):
    return transit(model, link, "wireguard", width(model.pool_nets["wireguard"]) - 1)


def overlay_transit(model, link):
    length = int(model.pools.get("overlay_prefix_length", 31))
    return transit(model, link, "overlay", length)


def tunnel_id(model, link):
    if link.tunnel_id is not None:
        return link.tunnel_id
    return int(model.pools.get("tunnel_id_base", 100)) + link_index(model, link)


def host_prefix(ip):
    """The prefix of the IPAddress `ip` alone, as text."""
    return "%s/%d" % (ip, 32 if ip.version == 4 else 128)


def prefix(model, text):
    """The IPNetwork of a prefix in a plan of `model` (None for a LAN that is not one), without parsing the text
    again: a LAN or an aggregate is the one parsed at load, a host prefix the one the planner made."""
    return _prefixes(model)[text]


def _prefixes(model):
    """{text: IPNetwork or None} of the model's LANs and aggregates (as parsed at load), and the planner's host
    prefixes."""
    if "prefixes" not in model.memo:
        prefixes = dict(zip(model.aggregates, model.aggregate_nets))
        for site in model.sites.values():
            prefixes.update(zip(site.lans, site.lan_nets))
        model.memo["prefixes"] = prefixes
    return model.memo["prefixes"]


def _host_prefix(model, ip):
    """host_prefix(ip), its IPNetwork kept for prefix() (validation reads the plans back)."""
    text = host_prefix(ip)
    prefixes = _prefixes(model)
    if text not in prefixes:
        prefixes[text] = netaddr.IPNetwork(ip)
    return text


def overlay_name(link, peer):
    return "%s-%s" % (link.overlay, peer)


def transit_lans(model, site):
    """Hub-and-spoke: what a spoke routes through its first hub besides the hub's own LANs: {hub: [prefixes]}.

    Without aggregates, every other spoke's LAN; with `sitelink_topology.aggregates`, the aggregates and only
    those spoke LANs that no aggregate covers (validation insists on at least one covered LAN per aggregate).
    """
    if model.topology != "hub_spoke" or site in model.hubs:
        return {}
    neighbours = set(l.other(site) for l in model.links_of(site))
    hubs = [h for h in model.hubs if h in neighbours]
    if not hubs:
        return {}
    hub = hubs[0]
    routed = list(model.aggregates)
    routed += [lan for spoke, lan in _spoke_lans_behind(model, hub) if spoke != site and spoke not in neighbours]
    return {hub: routed}


def backup_lans(model, site, transit):
    """Several hubs (RouterOS sites): {neighbour: (prefixes, rank)} that `site` also routes through that neighbour, at
    the link's distance + rank, for when the way it normally takes is down.

    A spoke keeps each prefix it routes through one hub (that hub's LANs and, through the first hub, the other spokes')
    also through every other hub it is linked to; a hub keeps each of its spokes' LANs also through every other hub
    that spoke is linked to.  Only over overlay links: on a plain WireGuard link a route needs the prefix in the
    peer's allowed addresses, and WireGuard gives a prefix to one peer of an interface only.  `transit`: the site's
    transit_lans, which plan_site has already made.
    """
    if model.topology != "hub_spoke" or len(model.hubs) < 2 or model.sites[site].platform != "routeros":
        return {}
    links = dict((l.other(site), l) for l in model.links_of(site))
    hubs = [h for h in model.hubs if h in links]
    out = {}
    if site in model.hubs:
        spokes = set(n for n in links if n not in model.hubs)
        for rank, hub in enumerate(hubs, start=1):
            lans = [lan for spoke, lan in _spoke_lans_behind(model, hub) if spoke in spokes]
            if lans and links[hub].overlay != "none":
                out[hub] = (lans, rank)
        return out
    primary = dict((h, list(model.sites[h].lans)) for h in hubs)
    for hub, extra in transit.items():
        primary[hub] = primary.get(hub, []) + extra
    for rank, hub in enumerate(hubs, start=1):
        lans = [lan for other in hubs if other != hub for lan in primary[other] if lan not in primary[hub]]
        if lans and links[hub].overlay != "none":
            out[hub] = (lans, rank)
    return out


def _spoke_lans_behind(model, hub):
    """[(spoke, lan)] of the hub's peers that no aggregate covers; computed once per hub and model, since every
    spoke asks (planning the fleet stays linear with aggregates)."""
    cache = model.memo.setdefault("spoke_lans_behind", {})
    if hub not in cache:
        lans = []
        for link in model.links_of(hub):
            other = link.other(hub)
            for lan, net in zip(model.sites[other].lans, model.sites[other].lan_nets):
                if net is None:
                    raise ValueError("%r is not a prefix" % lan)     # reported by validation: no plan
                if not any(net.version == agg.version and net in agg for agg in model.aggregate_nets):
                    lans.append((other, lan))
        cache[hub] = lans
    return cache[hub]


def plan_site(model, name):
    """Everything `name` needs, as plain data."""
    site = model.sites[name]
    iface = site.interface
    mtu = UNDERLAY_MTU - WIREGUARD_OVERHEAD
    out = {"site": name, "platform": site.platform,
           "wireguard": {"name": iface, "listen_port": site.listen_port, "mtu": mtu},
           "peers": [], "overlays": [], "addresses": [], "routes": [], "address_lists": [], "firewall": [],
           "mangle": [], "links": []}
    extra = transit_lans(model, name)
    backups = backup_lans(model, name, extra)
    tunnel_interfaces = [iface]
    interface_families = {iface: set()}         # the families each tunnel interface carries (its transit)
    lan_families = set(family(net) for net in site.lan_nets)
    lans = list(site.lans)                      # every LAN the site's tunnels join: its own and the routed ones
    plain_links = False                         # a link without overlay carries LAN traffic on WireGuard itself
    for link in sorted(model.links_of(name), key=lambda l: l.id):
        peer = model.sites[link.other(name)]
        wg_ips, wg_len = wireguard_transit(model, link)
        wg = dict((site_name, str(ip)) for site_name, ip in wg_ips.items())
        out["addresses"].append({"address": "%s/%d" % (wg[name], wg_len), "interface": iface})
        transit = family(wg_ips[name])
        interface_families[iface].add(transit)
        allowed = [_host_prefix(model, wg_ips[peer.name])]
        routed = list(peer.lans) + extra.get(peer.name, [])
        if link.overlay == "none":
            allowed += routed
            plain_links = plain_links or bool(routed)
        out["peers"].append({
            "link": link.id, "peer": peer.name, "interface": iface,
            "endpoint_address": peer.endpoint or "", "endpoint_port": peer.listen_port if peer.endpoint else 0,
            "allowed_address": allowed,
            "persistent_keepalive": link.keepalive if peer.endpoint else 0,
            "preshared_key": link.preshared_key,
        })
        hop = wg[peer.name]
        verify = wg[peer.name]
        if link.overlay != "none":
            ov_ips, ov_len = overlay_transit(model, link)
            ov = dict((site_name, str(ip)) for site_name, ip in ov_ips.items())
            ov_iface = overlay_name(link, peer.name)
            tunnel_interfaces.append(ov_iface)
            # RouterOS GRE keepalive needs the far end to send the inner packet back; a Linux ip_gre end does not,
            # and the RouterOS side would stay down: no keepalive toward Linux (WireGuard's own keepalive and
            # handshakes already say whether the path is up)
            entry = {"type": link.overlay, "family": transit, "name": ov_iface, "link": link.id,
                     "local_address": wg[name], "remote_address": wg[peer.name],
                     "mtu": mtu - OVERLAY_OVERHEAD[link.overlay, transit], "keepalive": peer.platform != "linux"}
            if link.overlay == "eoip":
                entry["tunnel_id"] = tunnel_id(model, link)
            out["overlays"].append(entry)
            out["addresses"].append({"address": "%s/%d" % (ov[name], ov_len), "interface": ov_iface})
            out["firewall"].append({"name": "overlay-in-%s" % peer.name, "chain": "input",
                                    "protocol": OVERLAY_PROTOCOL[link.overlay, transit],
                                    "src_address": _host_prefix(model, wg_ips[peer.name]), "in_interface": iface,
                                    "family": transit})
            interface_families[ov_iface] = {family(ov_ips[name])}
            hop = verify = ov[peer.name]
        for lan in routed:
            out["routes"].append({"dst_address": lan, "gateway": hop, "distance": link.distance})
            lan_families.add(family(prefix(model, lan)))
            lans.append(lan)
        backup, rank = backups.get(peer.name, ((), 0))
        for lan in backup:
            out["routes"].append({"dst_address": lan, "gateway": hop, "distance": link.distance + rank})
        if peer.endpoint_ip is not None and site.underlay_gateway:
            out["routes"].append({"dst_address": _host_prefix(model, peer.endpoint_ip), "gateway": site.underlay_gateway})
        out["links"].append({"link": link.id, "peer": peer.name, "overlay": link.overlay, "verify_address": verify,
                             "transit_address": wg[peer.name],
                             "peer_public_key": peer.public_key if peer.platform == "external" else None})
    # the WireGuard port is opened in the family peers dial it over: the site's endpoint's (IPv4 without one)
    out["firewall"][:0] = [{"name": "wireguard-in", "chain": "input", "protocol": "udp",
                            "dst_port": str(site.listen_port), "family": family(site.endpoint_ip, "ipv4")}]
    for ifname in tunnel_interfaces:
        for fam in sorted(interface_families[ifname] or {"ipv4"}):
            out["firewall"].append(_named({"name": "ping-in-%s" % ifname, "chain": "input", "in_interface": ifname,
                                           "protocol": "icmp" if fam == "ipv4" else "icmpv6", "family": fam}))
        # only LAN-to-LAN traffic crosses the tunnels: a host on the WAN side sending to a remote LAN is not
        # admitted (the router's own "drop all from WAN" then stands); both ends' addresses must be fleet LANs
        for fam in sorted(lan_families):
            out["firewall"].append(_named({"name": "forward-from-%s" % ifname, "chain": "forward",
                                           "in_interface": ifname, "src_address_list": LAN_LIST,
                                           "dst_address_list": LAN_LIST, "family": fam}))
            out["firewall"].append(_named({"name": "forward-to-%s" % ifname, "chain": "forward",
                                           "out_interface": ifname, "src_address_list": LAN_LIST,
                                           "dst_address_list": LAN_LIST, "family": fam}))
    # GRE and EoIP clamp the TCP MSS by themselves (RouterOS clamp-tcp-mss=yes); LAN traffic straight on WireGuard
    # (MTU 1420) is clamped to the path MTU on the SYN, since filtered ICMP breaks path-MTU discovery
    if plain_links:
        for fam in sorted(lan_families):
            out["mangle"].append(_named({"name": "mss-clamp-%s" % iface, "chain": "forward", "protocol": "tcp",
                                         "tcp_flags": "syn", "out_interface": iface, "action": "change-mss",
                                         "new_mss": "clamp-to-pmtu", "passthrough": True, "family": fam}))
    seen = set()
    for lan in lans:
        if lan not in seen:
            seen.add(lan)
            out["address_lists"].append({"list": LAN_LIST, "address": lan, "family": family(prefix(model, lan))})
    _dedupe_routes(out)
    return out


def family(net, default=None):
    """"ipv4" or "ipv6" of an IPAddress or IPNetwork; `default` for None (a host name, nothing)."""
    return default if net is None else "ipv%d" % net.version


def _named(rule):
    """IPv6 rules carry -ipv6 in their name: one nftables table holds both families (names must differ there)."""
    if rule["family"] == "ipv6":
        rule["name"] += "-ipv6"
    return rule


def peer_public_key(plan, peer_name, public_keys):
    """A peer's public key: an external site's from the inventory (in the plan), any other's from `public_keys`
    (read from the peer itself); None while it is not known."""
    for link in plan["links"]:
        if link["peer"] == peer_name and link.get("peer_public_key"):
            return link["peer_public_key"]
    return (public_keys or {}).get(peer_name)


def keys_complete(plan, public_keys):
    """Whether every peer's key is known; only then may a site's peer list be purged of unknown entries."""
    return all(peer_public_key(plan, p["peer"], public_keys) for p in plan["peers"])


def _dedupe_routes(out):
    seen, routes = set(), []
    for route in out["routes"]:
        key = (route["dst_address"], route["gateway"])
        if key not in seen:
            seen.add(key)
            routes.append(route)
    out["routes"] = routes
