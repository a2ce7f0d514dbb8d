# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Deterministic addressing and each site's desired objects, platform-neutral.

A link's slot (addressing.py: by default linear in the links, or the
triangular index of its two site ids with `sitelink_pools.scheme: pairs`)
places it in every pool and in the EoIP tunnel id space; it follows from the
inventory alone, so adding or removing a site never moves another link's
addresses or tunnel id.  Keys enter only by reference (the peer site's name); preshared
keys only as "this link has one" (peer_public_key and peer_preshared_key
resolve both for every platform's desired state).  Where platforms differ,
the planner asks the site's capabilities (platforms/), never its platform.

Dual stack: with a second-family pool (sitelink_pools.wireguard_second,
overlay_second) a link takes a slot in it too, each end an address of that
family, and each LAN is routed to the peer's address of the LAN's family:
RouterOS's /ip/route takes only IPv4 gateways and /ipv6/route only IPv6, and
an interface gateway would not do (wg-sitelink has several peers; EoIP is
Ethernet-like).  The primary pools keep their role (the overlays ride on the
primary WireGuard transit; verification pings the primary next hop).
"""

from __future__ import annotations

# the module, not its names: model imports the platforms, which import this module
from ansible_collections.sitelink.tunnels.plugins.module_utils.common import ipaddrs
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model as inventory
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import addressing
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import ospf
from ansible_collections.sitelink.tunnels.plugins.module_utils.wireguard import keys

UNDERLAY_MTU = 1500
WIREGUARD_OVERHEAD = 80      # IPv6 outer header: the safe figure for either underlay family
# bytes each overlay adds, by the family of the WireGuard transit it runs over: GRE 4 + IPv4 20 (MikroTik's GRE page);
# EoIP 8 (GRE with its key) + Ethernet 14 + IPv4 20; over IPv6 the outer header is 40, and EoIPv6 rides EtherIP
# (2 bytes, IP protocol 97) instead of GRE (lab/FIDELITY.md)
OVERLAY_OVERHEAD = {("gre", "ipv4"): 24, ("eoip", "ipv4"): 42, ("gre", "ipv6"): 44, ("eoip", "ipv6"): 56}
# the IP protocol that carries each overlay, which the far end's input chain must admit
OVERLAY_PROTOCOL = {("gre", "ipv4"): "gre", ("eoip", "ipv4"): "gre", ("gre", "ipv6"): "gre",
                    ("eoip", "ipv6"): "etherip"}
LAN_LIST = "sitelink-lans"   # the address list of every LAN a site's tunnels join (forward rules admit only these)
LOCAL_LIST = "sitelink-local"   # the address list of the site's own LANs: the only sources it sends into a tunnel
TUNNEL_LIST = "sitelink-tunnels"  # the interface list of every tunnel interface the site has (WireGuard, overlays)
# the lists a plan names, each per owner on the router (platforms/routeros.py owned_list)
LISTS = (LAN_LIST, LOCAL_LIST, TUNNEL_LIST)


def width(net):
    """Bits in an address of `net`'s family."""
    return 32 if net.version == 4 else 128


def link_index(model, link):
    """The link's slot (addressing.py): its offset in every pool, in slots, and in the EoIP ids above the base."""
    return addressing.link_slot(model, link)


def slot(model, link, pool_name):
    """(offset, size, prefix length) of the link's slot in `pool_name`: its first address counted from the pool's,
    how many addresses it takes, and their prefix: a /31 (/127) per link in the WireGuard pool, a slot of
    overlay_prefix_length in the overlay pool.  The one place that says where a link's transit addresses lie
    (validation asks it whether the pool is big enough)."""
    pool = model.pool_nets[pool_name]
    length = width(pool) - _slot_host_bits(model, pool_name)
    size = 2 ** (width(pool) - length)
    return size * link_index(model, link), size, length


def _slot_host_bits(model, pool_name):
    """Host bits of a link's slot in `pool_name`: 1 in the WireGuard pools (a /31 or /127); in the overlay pools those
    overlay_prefix_length leaves in the overlay pool's family, so a second-family overlay pool (dual stack) takes
    slots of the same shape (/30 and /126 alike)."""
    if pool_name in ("wireguard", inventory.SECOND_POOLS["wireguard"]):
        return 1
    return width(model.pool_nets["overlay"]) - int(model.pools["overlay_prefix_length"])


def transit(model, link, pool_name):
    """({site: its address on the link}, prefix length) in `pool_name`: the lower-id site takes the lower address."""
    pool = model.pool_nets[pool_name]
    offset, _size, prefix_length = slot(model, link, pool_name)
    # a /31 (/127) uses both addresses; a /30 skips its network address
    first = int(pool.network.network_address) + offset + (0 if prefix_length >= width(pool) - 1 else 1)
    low = ipaddrs.ADDRESSES[pool.version](first)
    high = ipaddrs.ADDRESSES[pool.version](first + 1)
    site_a, site_b = model.sites[link.a], model.sites[link.b]
    if site_a.id <= site_b.id:
        return {link.a: low, link.b: high}, prefix_length
    return {link.a: high, link.b: low}, prefix_length


def wireguard_transit(model, link):
    return transit(model, link, "wireguard")


def overlay_transit(model, link):
    return transit(model, link, "overlay")


def tunnel_id(model, link):
    if link.tunnel_id is not None:
        return link.tunnel_id
    return model.pools["tunnel_id_base"] + link_index(model, link)


def host_prefix(ip):
    """The prefix of the address `ip` alone, as text."""
    return "%s/%d" % (ipaddrs.text(ip), ip.max_prefixlen)


def prefix(model, text):
    """The interface (IPv4Interface, IPv6Interface: its address and .network) of a prefix in a plan of `model` (None
    for a LAN that is not one), without parsing the text again: a LAN or an aggregate is the one parsed at load, a
    host prefix the one the planner made."""
    return _prefixes(model)[text]


def _prefixes(model):
    """{text: interface or None} of the model's LANs and aggregates (as parsed at load), and the planner's host
    prefixes."""
    if "prefixes" not in model.memo:
        prefixes = dict(zip(model.aggregates, model.aggregate_nets))
        for site in model.sites.values():
            prefixes.update(zip(site.lans, site.lan_nets))
        model.memo["prefixes"] = prefixes
    return model.memo["prefixes"]


def lan_owners(model):
    """{LAN text: the site whose LAN it is}; an aggregate belongs to no site."""
    if "lan_owners" not in model.memo:
        model.memo["lan_owners"] = dict((lan, site.name) for site in model.sites.values() for lan in site.lans)
    return model.memo["lan_owners"]


def _about(model, lan):
    """What a route to (or the address-list entry of) `lan` says it is for: the site whose LAN it is, so that a run
    that lacks that site can tell which entries are that site's (plugin_utils/purge.py); nothing for an aggregate."""
    owner = lan_owners(model).get(lan)
    return {"site": owner} if owner else {}


def _host_prefix(model, ip):
    """host_prefix(ip), its interface kept for prefix() (validation reads the plans back)."""
    text = host_prefix(ip)
    prefixes = _prefixes(model)
    if text not in prefixes:
        prefixes[text] = ipaddrs.INTERFACES[ip.version]((int(ip), ip.max_prefixlen))
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
    """Several hubs (on a platform that makes backup routes): {neighbour: (prefixes, rank)} that `site` also routes
    through that neighbour, at the link's distance + rank, for when the way it normally takes is down.

    A spoke keeps each prefix it routes through one hub (that hub's LANs and, through the first hub, the other spokes')
    also through every other hub it is linked to; a hub keeps each of its spokes' LANs also through every other hub
    that spoke is linked to.  Only over overlay links: on a plain WireGuard link a route needs the prefix in the
    peer's allowed addresses, and WireGuard gives a prefix to one peer of an interface only.  `transit`: the site's
    transit_lans, which plan_site has already made.
    """
    if model.topology != "hub_spoke" or len(model.hubs) < 2 or not model.sites[site].capabilities.backup_routes:
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


def static_hub_return_guards(model, name, backups):
    """The overlays of hub `name` toward the other hubs it keeps backup routes through.  Two hubs each route a spoke's
    LAN through the other as a backup: when the spoke is down at both, each hub's only active route points at the
    other and a packet crosses between them until its TTL runs out (routeros-review-3.md N3).  A packet that comes in
    from the other hub and would go back out to it is dropped instead (forward chain, in- and out-interface the
    same overlay): the backup still carries what a spoke's other hub or the hub's own LAN sends, once."""
    if name not in model.hubs:
        return []
    links = dict((l.other(name), l) for l in model.links_of(name))
    return [overlay_name(links[hub], hub) for hub in backups if hub in model.hubs]


# a route's private mark while plan_site works: (the neighbour it goes through, its link, whether it is a backup);
# static_route_preferences reads it and takes it out (no adapter ever sees it)
ROUTE_VIA = "_via"


def static_route_preferences(model, name, routes):
    """The distances and gateway checks of the static routes of site `name`, once every link has added its own.

    For each prefix, its routes by preference: those through a drained hub (sitelink_drain) after every other, then
    by the distance the link and rank gave, a primary before a backup of the same distance.  Each then takes a
    distance above the one before it, so no two of the site's routes to a prefix share one: RouterOS 7 would balance
    over both (ECMP) and hash flows across two hubs (routeros-review-3.md N4).
    Where a prefix has a second route, a route whose link going down would not make it inactive gets
    check-gateway=ping: over plain WireGuard (a WireGuard interface keeps running whatever its peers do) and over an
    overlay without keepalive (toward Linux, which does not answer GRE keepalives; N5, N6).  RouterOS pings the
    gateway every 10 s and takes the route out after two timeouts (/routing/settings check-gateway-ping-interval,
    -count: MikroTik manual, IP Routing).  A prefix with one route gets none: an inactive route there would send the
    LAN's traffic to the default route, out of the tunnels."""
    by_prefix = {}
    for route in routes:
        if ROUTE_VIA in route:
            by_prefix.setdefault(route["dst_address"], []).append(route)
    for group in by_prefix.values():
        ranked = sorted(group, key=lambda r: (r[ROUTE_VIA][0] in model.drained, r["distance"], r[ROUTE_VIA][2]))
        below = 0
        for route in ranked:
            route["distance"] = max(route["distance"], below + 1)
            below = route["distance"]
            if len(group) > 1 and not _link_failure_seen(model, name, route[ROUTE_VIA][1]):
                route["check_gateway"] = "ping"
    for route in routes:
        route.pop(ROUTE_VIA, None)


def _link_failure_seen(model, name, link):
    """Whether a route through `link` goes inactive by itself when the link dies: its overlay's keepalive stops the
    interface (the far end answers it)."""
    return link.overlay != "none" and model.sites[link.other(name)].capabilities.answers_gre_keepalive


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
                if not any(ipaddrs.contains(agg, net) for agg in model.aggregate_nets):
                    lans.append((other, lan))
        cache[hub] = lans
    return cache[hub]


class _Joined(object):
    """What a site's links add up to while plan_site walks them: its tunnel interfaces with the families each
    carries (its transit), the families and prefixes of every LAN they join (its own and the routed ones), and
    whether a link carries LAN traffic on WireGuard itself (no overlay)."""

    def __init__(self, site):
        self.interfaces = [site.interface]
        self.families = {site.interface: set()}
        self.overlay_protocols = set()      # (IP protocol, transit family) of the overlays the site terminates
        self.lan_families = set(family(net) for net in site.lan_nets)
        self.lans = list(site.lans)
        self.plain_links = False
        self.hub_returns = []               # overlays to other hubs where traffic must not come back out (N3)


def plan_site(model, name):
    """Everything `name` needs, as plain data."""
    site = model.sites[name]
    out = {"site": name, "platform": site.platform,
           "wireguard": {"name": site.interface, "listen_port": site.listen_port,
                         "mtu": UNDERLAY_MTU - WIREGUARD_OVERHEAD},
           "peers": [], "overlays": [], "addresses": [], "routes": [], "address_lists": [], "firewall": [],
           "mangle": [], "links": [], "interface_lists": []}
    if site.state == "absent":
        # taken out: every entry of ours goes, its WireGuard interface last (the drivers' order); a site that stays
        # has no "state" key, so its plan is the one made before decommissioning existed
        out["state"] = "absent"
        return out
    extra = transit_lans(model, name)
    backups = backup_lans(model, name, extra)
    joined = _Joined(site)
    joined.hub_returns = static_hub_return_guards(model, name, backups)
    for link in sorted(model.links_of(name), key=lambda l: l.id):
        _plan_link(model, name, link, extra, backups, out, joined)
    dialled = dialled_families(model, name)
    out["firewall"][:0] = [{"name": "wireguard-in" + ("-ipv6" if fam == "ipv6" and len(dialled) > 1 else ""),
                            "chain": "input", "protocol": "udp", "dst_port": str(site.listen_port), "family": fam}
                           for fam in dialled]
    _tunnel_rules(model, out, joined)
    seen = set()
    for lan in joined.lans:
        if lan not in seen:
            seen.add(lan)
            out["address_lists"].append(dict({"list": LAN_LIST, "address": lan, "family": family(prefix(model, lan))},
                                             **_about(model, lan)))
    out["address_lists"] += [{"list": LOCAL_LIST, "address": lan, "family": family(net)}
                             for lan, net in zip(site.lans, site.lan_nets)]
    ospf.plan(model, name, out)         # OSPF mode only: its configuration, rules, and the LAN routes handed to it
    _dedupe_routes(out)
    static_route_preferences(model, name, out["routes"])
    return out


def dialled_families(model, name):
    """The address families the site's WireGuard port is opened in: those its peers dial it over.  Its endpoint's
    family; both for a host name (peers resolve A or AAAA, and an IPv6 underlay's defconf drops what /ip admits
    alone: routeros-review-3 N2); without an endpoint, the families of the endpoints it dials itself (its peers
    answer and re-handshake toward the address it dialled from), both where one of them is a host name; IPv4 where
    nothing says (sorted, so "ipv4" first)."""
    site = model.sites[name]
    if site.endpoint:
        endpoints = [(site.endpoint, site.endpoint_ip)]
    else:
        peers = [model.sites[link.other(name)] for link in model.links_of(name)]
        endpoints = [(peer.endpoint, peer.endpoint_ip) for peer in peers if peer.endpoint]
    families = set()
    for text, address in endpoints:
        families.update(("ipv4", "ipv6") if address is None else (family(address),))
    return sorted(families or {"ipv4"})


def _plan_link(model, name, link, extra, backups, out, joined):
    """One link of `name`: its transit addresses, the peer, the overlay if any, the routes through the link and the
    link's row (what verification checks)."""
    site, peer = model.sites[name], model.sites[link.other(name)]
    iface = site.interface
    wg_ips, hops = _transits(model, name, link, "wireguard", iface, out, joined)
    allowed = [_host_prefix(model, hop) for hop in hops.values()]
    routed = list(peer.lans) + extra.get(peer.name, [])
    if link.overlay == "none":
        allowed += routed
        joined.plain_links = joined.plain_links or bool(routed)
    out["peers"].append({
        "link": link.id, "peer": peer.name, "interface": iface,
        "endpoint_address": peer.endpoint or "", "endpoint_port": peer.listen_port if peer.endpoint else 0,
        "allowed_address": allowed,
        "persistent_keepalive": link.keepalive if peer.endpoint else 0,
        "preshared_key": link.preshared_key,
    })
    if link.overlay != "none":
        hops = _plan_overlay(model, name, link, wg_ips, out, joined)
    hop = ipaddrs.text(next(iter(hops.values())))      # the primary pool's: verification pings it
    for lan in routed:
        out["routes"].append(dict({"dst_address": lan, "gateway": _hop_for(model, lan, hops),
                                   "distance": link.distance, ROUTE_VIA: (peer.name, link, False)},
                                  **_about(model, lan)))
        joined.lan_families.add(family(prefix(model, lan)))
        joined.lans.append(lan)
    backup, rank = backups.get(peer.name, ((), 0))
    for lan in backup:
        out["routes"].append(dict({"dst_address": lan, "gateway": _hop_for(model, lan, hops),
                                   "distance": link.distance + rank, ROUTE_VIA: (peer.name, link, True)},
                                  **_about(model, lan)))
    if peer.endpoint_ip is not None and site.underlay_gateway:
        out["routes"].append({"dst_address": _host_prefix(model, peer.endpoint_ip), "gateway": site.underlay_gateway,
                              "endpoint_of": peer.name})
    # an external peer's key is in the inventory: the plan carries it (the others' are read from the peers)
    out["links"].append({"link": link.id, "peer": peer.name, "overlay": link.overlay, "verify_address": hop,
                         "transit_address": ipaddrs.text(wg_ips[peer.name]),
                         "peer_public_key": None if peer.capabilities.configured else peer.public_key})


def _transits(model, name, link, pool_name, iface, out, joined):
    """`name`'s addresses on `iface` in the link's slot of `pool_name` and, where it is set, of the pool's second-
    family pool (dual stack).  Returns the primary pool's {site: address} and {family: the peer's address}, the
    primary family first (each LAN's next hop is the peer's address of the LAN's family)."""
    hops = {}
    primary = None
    for pool in (pool_name, inventory.SECOND_POOLS[pool_name]):
        if model.pool_nets.get(pool) is None:
            continue                      # no second pool (or one that validation refuses)
        ips, length = transit(model, link, pool)
        primary = primary or ips
        out["addresses"].append({"address": "%s/%d" % (ipaddrs.text(ips[name]), length), "interface": iface})
        joined.families.setdefault(iface, set()).add(family(ips[name]))
        hops[family(ips[name])] = ips[link.other(name)]
    return primary, hops


def _hop_for(model, lan, hops):
    """The next hop of `lan`'s family; the primary one where the link has none of it (a platform that routes a LAN to
    a next hop of the other family, Linux; validation refuses the others)."""
    return ipaddrs.text(hops.get(family(prefix(model, lan)), next(iter(hops.values()))))


def _plan_overlay(model, name, link, wg_ips, out, joined):
    """The link's overlay interface over the WireGuard transit, its addresses and the input rule for its protocol;
    returns {family: the peer's address on the overlay} (the link's next hops)."""
    peer = link.other(name)
    transit_family = family(wg_ips[name])
    ov_iface = overlay_name(link, peer)
    joined.interfaces.append(ov_iface)
    # a GRE keepalive needs the far end to send the inner packet back; a Linux ip_gre end does not, and the
    # RouterOS side would stay down: none toward such a peer (WireGuard's own keepalive and handshakes already say
    # whether the path is up)
    entry = {"type": link.overlay, "family": transit_family, "name": ov_iface, "link": link.id,
             "local_address": ipaddrs.text(wg_ips[name]), "remote_address": ipaddrs.text(wg_ips[peer]),
             "mtu": out["wireguard"]["mtu"] - OVERLAY_OVERHEAD[link.overlay, transit_family],
             "keepalive": model.sites[peer].capabilities.answers_gre_keepalive}
    if entry["keepalive"] and link.overlay_keepalive:
        entry["keepalive_interval"], entry["keepalive_retries"] = link.overlay_keepalive
    if link.overlay == "eoip":
        entry["tunnel_id"] = tunnel_id(model, link)
    out["overlays"].append(entry)
    _ov_ips, hops = _transits(model, name, link, "overlay", ov_iface, out, joined)
    joined.overlay_protocols.add((OVERLAY_PROTOCOL[link.overlay, transit_family], transit_family))
    return hops


def _tunnel_rules(model, out, joined):
    """A fixed handful of rules per family, whatever the number of links: the site's tunnels are the members of the
    interface list TUNNEL_LIST, which the rules name (RouterOS's filter is walked rule by rule, so rules per tunnel
    made every packet of a 200-site hub walk ~270 of them: routeros-review-3.md N8). The overlays' own protocol is
    admitted on the WireGuard interface from the WireGuard pool, once per protocol; the MSS clamp where LAN traffic
    rides WireGuard itself."""
    wg = out["wireguard"]["name"]
    out["interface_lists"] = [{"list": TUNNEL_LIST, "interface": ifname} for ifname in joined.interfaces]
    for protocol, fam in sorted(joined.overlay_protocols):
        out["firewall"].append(_named({"name": "%s-in" % protocol, "chain": "input", "protocol": protocol,
                                       "src_address": ipaddrs.text(model.pool_nets["wireguard"]), "in_interface": wg,
                                       "family": fam}))
    transit_families = set()
    for ifname in joined.interfaces:
        transit_families |= joined.families[ifname] or {"ipv4"}
    for fam in sorted(transit_families):
        out["firewall"].append(_named({"name": "ping-in-tunnels", "chain": "input", "in_interface_list": TUNNEL_LIST,
                                       "protocol": "icmp" if fam == "ipv4" else "icmpv6", "family": fam}))
    # only LAN-to-LAN traffic crosses the tunnels: from a tunnel, fleet LANs to fleet LANs (a hub passes one
    # spoke's traffic on to another); into a tunnel from anywhere else, only the site's own LANs, so a host on the
    # WAN side that forges a remote LAN's source is not admitted (the router's own "drop all from WAN" then stands)
    for fam in sorted(joined.lan_families):
        for ifname in joined.hub_returns:
            out["firewall"].append(_named({"name": "no-return-%s" % ifname, "chain": "forward", "action": "drop",
                                           "in_interface": ifname, "out_interface": ifname, "family": fam}))
        out["firewall"].append(_named({"name": "forward-from-tunnels", "chain": "forward",
                                       "in_interface_list": TUNNEL_LIST, "src_address_list": LAN_LIST,
                                       "dst_address_list": LAN_LIST, "family": fam}))
        out["firewall"].append(_named({"name": "forward-to-tunnels", "chain": "forward",
                                       "in_interface_list": "!" + TUNNEL_LIST, "out_interface_list": TUNNEL_LIST,
                                       "src_address_list": LOCAL_LIST, "dst_address_list": LAN_LIST,
                                       "family": fam}))
    # GRE and EoIP clamp the TCP MSS by themselves (RouterOS clamp-tcp-mss=yes); LAN traffic straight on WireGuard
    # (MTU 1420) is clamped to the path MTU on the SYN, since filtered ICMP breaks path-MTU discovery
    if joined.plain_links:
        for fam in sorted(joined.lan_families):
            out["mangle"].append(_named({"name": "mss-clamp-%s" % wg, "chain": "forward", "protocol": "tcp",
                                         "tcp_flags": "syn", "out_interface": wg, "action": "change-mss",
                                         "new_mss": "clamp-to-pmtu", "passthrough": True, "family": fam}))


def family(net, default=None):
    """"ipv4" or "ipv6" of an address, network or interface; `default` for None (a host name, nothing)."""
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


def public_key_placeholders(plan):
    """{peer: "<public key of PEER>"} for every peer of the plan: what a rendered file shows where only the peer
    knows the key."""
    return dict((p["peer"], "<public key of %s>" % p["peer"]) for p in plan["peers"])


def peer_preshared_key(plan, peer, secret):
    """The preshared key of the plan's `peer` entry (one of plan["peers"]): derived from the fleet's `secret` over
    the pair of site names (HKDF, so both ends derive the same key and no per-link key is stored); a placeholder
    naming the link without a secret (rendered files); None when the link has no preshared key."""
    if not peer["preshared_key"]:
        return None
    if not secret:
        return "<preshared key of %s>" % peer["link"]
    return keys.derive_preshared_key(secret, (plan["site"], peer["peer"]))


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
