# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every problem with the inventory, before any device is touched: (host, variable, why)."""

from __future__ import annotations

import re

from ansible_collections.sitelink.tunnels.plugins.module_utils.common import names
from ansible_collections.sitelink.tunnels.plugins.module_utils.common import ipaddrs
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import addressing
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import ospf
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import plan as planner
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology.model import SECOND_POOLS
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology.plan import width
from ansible_collections.sitelink.tunnels.plugins.module_utils.wireguard import keys

FLEET = "fleet"
OVERLAY_POOLS = ("overlay", SECOND_POOLS["overlay"])
HOSTNAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]"
                      r"([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def _network(model, host, variable, text, net):
    """The network of `text` (an IPv4Network or IPv6Network), which load parsed into `net` (an interface: the address
    as written and its network); None (after a problem) when it is not a prefix."""
    if net is None:
        model.problem(host, variable, "%r is not a prefix (like 192.168.10.0/24)" % (text,))
        return None
    if not str(text).rpartition("/")[2].isdigit() and "/" in str(text):
        # ipaddrs.prefix reads a netmask or host mask after the slash; nft, ip route and RouterOS take the raw text
        model.problem(host, variable, "%s gives a mask, not a prefix length: write %s"
                      % (text, ipaddrs.text(net.network)))
        return None
    if net.ip != net.network.network_address:
        model.problem(host, variable, "%s has host bits set; the network is %s" % (text, ipaddrs.text(net.network)))
    return net.network


def _host_name(text):
    """A DNS name, and not an address-looking string such as 10.0.0.300 (a top label is never all digits)."""
    text = str(text)
    return bool(HOSTNAME.match(text)) and not text.rstrip(".").rsplit(".", 1)[-1].isdigit()


def _address(text):
    try:
        return ipaddrs.address(str(text))
    except (ValueError, TypeError):
        return None


def _a_site(capabilities):
    """"a Linux site", "an external site": a site of that platform, in a message."""
    label = capabilities.label
    return "%s %s site" % ("an" if label[:1].lower() in "aeiou" else "a", label)


def _gateway_problems(model, site):
    """A gateway must be an address; an IPv6 link-local one only where the platform takes one, and then with its
    interface (RouterOS: fe80::1%ether1)."""
    address, interface = site.underlay_gateway_ip, site.underlay_gateway.partition("%")[2]
    where = "sitelink_site.underlay_gateway"
    capabilities = site.capabilities
    if address is None:
        model.problem(site.name, where, "%r is not an address" % (site.underlay_gateway,))
    elif interface and not names.RULES["interface"][0].match(interface):
        model.problem(site.name, where, "%s: the interface after %% may contain %s"
                      % (names.shown(site.underlay_gateway), names.RULES["interface"][1]))
    elif interface and not (address.version == 6 and ipaddrs.is_kind("link_local", address)) \
            and not capabilities.link_local_gateway and not model.refused(site.name, "sitelink_site.platform"):
        # Linux's `ip route ... via` takes an address only: the %INTERFACE form is RouterOS's
        model.problem(site.name, where, "%s: %s takes the gateway's address without %%INTERFACE"
                      % (names.shown(site.underlay_gateway), _a_site(capabilities)))
    # (a refused platform: what it would take is not known)
    elif address.version == 6 and ipaddrs.is_kind("link_local", address) \
            and not model.refused(site.name, "sitelink_site.platform"):
        if not capabilities.link_local_gateway:
            model.problem(site.name, where, "%s is link-local: %s needs a global gateway address"
                          % (site.underlay_gateway, _a_site(capabilities)))
        elif not interface:
            model.problem(site.name, where, "%s is link-local: %s needs the interface it is on too, as %s%%ether1"
                          % (ipaddrs.text(address), capabilities.label, ipaddrs.text(address)))


def plan_fleet(model):
    """Validates the whole model and plans every site it configures (all but external ones), each once.

    Returns {site: plan}, or None when the inventory has problems (all of them are in model.problems).
    Cost is near-linear in sites: overlaps are found by sweeping sorted prefixes, never pair by pair.
    """
    _topology(model)
    lans = _sites(model)
    _unusable_inputs(model)
    pools = _pools(model, lans)
    _links(model, pools)
    aggregates_usable = _aggregates(model, lans, pools)
    if not {"wireguard", "overlay"} <= set(pools) or not aggregates_usable \
            or any(s.id is None for s in model.sites.values()):
        return None
    plans = {}
    for name in sorted(model.sites):
        if not model.sites[name].capabilities.configured:
            continue
        try:
            plans[name] = planner.plan_site(model, name)
        except (ValueError, TypeError, KeyError):
            continue                      # already reported: a site or pool that cannot be planned
    if not model.problems:              # otherwise a clash of LANs or ids would be reported again here
        _allowed_overlaps(model, plans)
        _route_families(model, plans)
        _static_route_distances(model, plans)
    _endpoints_outside_tunnels(model, plans)
    _interface_names(model, plans)
    ospf.check(model, plans)            # OSPF mode only (sitelink_routing: ospf)
    return None if model.problems else plans


# Addresses a peer cannot dial and prefixes that are no site's LAN, with their kind (IANA special-purpose registries,
# RFC 6890); an unspecified or multicast endpoint is _sites' to refuse. A LAN inside one of these is refused.
NOT_DIALABLE = (("127.0.0.0/8", "loopback"), ("255.255.255.255/32", "broadcast"), ("::1/128", "loopback"))
NOT_A_LAN = (("127.0.0.0/8", "loopback"), ("169.254.0.0/16", "link-local"), ("224.0.0.0/4", "multicast"),
             ("255.255.255.255/32", "broadcast"), ("::1/128", "loopback"), ("fe80::/10", "link-local"),
             ("ff00::/8", "multicast"))
# The shortest sitelink_psk_secret taken: it is the only input of every link's preshared key (HKDF stretches
# nothing), so a short one is guessed offline from any one link's key, which then gives every link's keys; and it is
# all that protects recorded traffic should Curve25519 fall. 16 characters of a generated secret (e.g.
# `openssl rand -base64 24`) leave no guessing.
PSK_SECRET_MIN = 16

# each table parsed once, at import
_BLOCKS = dict((table, [(ipaddrs.prefix(block), what) for block, what in table]) for table in (NOT_DIALABLE, NOT_A_LAN))


def _special(text, table):
    """The kind (loopback, multicast, ...) of the special-purpose block in `table` that holds `text`, or None."""
    for block, what in _BLOCKS[table]:
        if ipaddrs.contains(block, text):
            return what
    return None


def _unusable_inputs(model):
    """Inputs that load and parse but mean nothing as a fleet: one problem each (security review 3, N8)."""
    twins = {}
    for name in sorted(model.sites):
        site = model.sites[name]
        twin = twins.setdefault(name.lower(), name)
        if twin != name:
            model.problem(name, "inventory host name", "differs from the site %s only in case: both would write one "
                          "file on a case-insensitive controller (render mode's SITE.rsc, SITE.plan.yml)" % twin)
        kind = site.endpoint_ip is not None and _special(site.endpoint_ip, NOT_DIALABLE)
        if kind:
            model.problem(name, "sitelink_site.endpoint", "%s is a %s address: peers cannot dial it"
                          % (site.endpoint, kind))
        for index, (text, net) in enumerate(zip(site.lans, site.lan_nets)):
            kind = net is not None and _special(net, NOT_A_LAN)
            if kind:
                model.problem(name, "sitelink_site.lans[%d]" % index, "%s is %s %s prefix, not a LAN that can be "
                              "routed between sites" % (text, "an" if kind[0] in "aeiou" else "a", kind))
    _external_keys(model)


def _external_keys(model):
    """External sites' public keys: each a usable key (not all zeros: no private key gives it), each site its own
    (two peers of one key are one peer to WireGuard: the second replaces the first)."""
    seen = {}
    for name in sorted(model.sites):
        site = model.sites[name]
        if site.capabilities.configured or not site.public_key or not keys.is_key(site.public_key):
            continue                    # refused by _sites if it is needed and not a key
        if not any(keys.decode(site.public_key)):
            model.problem(name, "sitelink_site.public_key", "is the all-zero key, which no private key gives: "
                          "copy the peer's real public key")
        elif site.public_key in seen:
            model.problem(name, "sitelink_site.public_key", "is also the public key of %s: WireGuard would take "
                          "the two sites for one peer" % seen[site.public_key])
        seen.setdefault(site.public_key, name)


def psk_secret_problems(model):
    """A sitelink_psk_secret too short to stand for every link's preshared key (PSK_SECRET_MIN); never shown."""
    secret = model.psk_secret
    if isinstance(secret, str) and secret and len(secret) < PSK_SECRET_MIN:
        model.problem(FLEET, "sitelink_psk_secret", "has %d characters; at least %d are needed: it is the only "
                      "input of every link's preshared key, and a short one is guessed offline from any one of "
                      "them (generate one, e.g. openssl rand -base64 24, and keep it in a vault)"
                      % (len(secret), PSK_SECRET_MIN))


def _overlaps(nets):
    """Pairs (later, earlier) of indexes into `nets` (networks or interfaces) whose prefixes overlap, sorted.

    Prefixes either nest or are disjoint, so a sweep in address order only keeps the chain of prefixes that
    contain the current one: O(n log n) plus the pairs found.
    """
    spans = [(net.version,) + ipaddrs.span(net) for net in nets]          # (version, first, last)
    order = sorted(range(len(nets)), key=lambda i: (spans[i][0], spans[i][1], -spans[i][2], i))
    chain, pairs = [], []
    for i in order:
        version, first, _last = spans[i]
        while chain and (spans[chain[-1]][0] != version or spans[chain[-1]][2] < first):
            chain.pop()
        pairs.extend((max(i, j), min(i, j)) for j in chain)
        chain.append(i)
    return sorted(pairs)


def _topology(model):
    names = set(model.sites)
    for (a, b), origin in model.declared:
        for site in (a, b):
            if site not in names and site not in model.refused_sites:
                model.problem(FLEET, origin, "unknown site %r (no host has sitelink_site)" % site)
        if a == b:
            model.problem(FLEET, origin, "site %r cannot peer with itself" % a)
    if model.refused(FLEET, "sitelink_topology.type"):
        return
    if model.topology == "hub_spoke":
        if not model.hubs and not model.refused(FLEET, "sitelink_topology.hubs"):
            model.problem(FLEET, "sitelink_topology.hubs", "hub_spoke needs at least one hub")
        for hub in model.hubs:
            if hub not in names and hub not in model.refused_sites:
                model.problem(FLEET, "sitelink_topology.hubs", "hub %r is not a site" % hub)
    if model.topology == "p2p" and len(names) != 2 and len(model.declared) != 1:
        model.problem(FLEET, "sitelink_topology.type", "p2p joins exactly two sites; there are %d (use links)"
                      % len(names))
    if model.topology == "mesh" and len(names) < 2:
        model.problem(FLEET, "sitelink_topology.type", "a mesh needs at least two sites")
    if model.topology == "links" and not model.declared and not model.refused(FLEET, "sitelink_topology.links"):
        model.problem(FLEET, "sitelink_topology.links", "type links needs a list of links")


def _sites(model):
    ids = {}
    lans = []
    for name in sorted(model.sites):
        site = model.sites[name]
        if site.id is not None:
            if site.id in ids:
                model.problem(name, "sitelink_site.id", "%d is already the id of %s" % (site.id, ids[site.id]))
            ids[site.id] = name
        for index, (text, parsed) in enumerate(zip(site.lans, site.lan_nets)):
            net = _network(model, name, "sitelink_site.lans[%d]" % index, text, parsed)
            if net is not None:
                lans.append((name, net, index))
        endpoint = site.endpoint_ip
        if site.endpoint is not None and endpoint is None and not _host_name(site.endpoint):
            model.problem(name, "sitelink_site.endpoint", "%r is neither an address nor a host name"
                          % (site.endpoint,))
        elif endpoint is not None and (int(endpoint) == 0 or ipaddrs.is_kind("multicast", endpoint)):
            model.problem(name, "sitelink_site.endpoint", "%s is not an address peers can dial (unspecified or "
                          "multicast)" % site.endpoint)
        if site.underlay_gateway is not None:
            _gateway_problems(model, site)
        if not site.capabilities.configured:
            if model.refused(name, "sitelink_site.public_key"):
                pass
            elif not site.public_key:
                model.problem(name, "sitelink_site.public_key", "%s needs its public key" % _a_site(site.capabilities))
            elif not keys.is_key(site.public_key):
                model.problem(name, "sitelink_site.public_key", "is not a WireGuard key (base64 of 32 bytes)")
        elif site.public_key is not None and not model.refused(name, "sitelink_site.platform"):
            model.problem(name, "sitelink_site.public_key", "only external sites take a public key; a %s "
                          "site makes its own" % site.platform)
    clashes = {}                          # one message per LAN, naming every LAN it overlaps
    for later, earlier in _overlaps([net for _name, net, _index in lans]):
        clashes.setdefault(later, []).append(earlier)
    for later in sorted(clashes):
        name, net, index = lans[later]
        said = []
        for earlier in clashes[later]:
            other, other_net = lans[earlier][:2]
            said.append("is also a LAN of %s" % other if net == other_net else
                        "overlaps %s, a LAN of %s" % (ipaddrs.text(other_net), other))
        model.problem(name, "sitelink_site.lans[%d]" % index, "%s %s" % (ipaddrs.text(net), "; and ".join(said)))
    return [(name, net) for name, net, _index in lans]


def _aggregates(model, lans, pools):
    """hub_spoke aggregates: each a prefix that covers spokes' LANs, and routes away no site's own LAN or any
    transit address.  Returns whether the sites can be planned with them."""
    usable = True
    if model.refused(FLEET, "sitelink_topology.type"):
        return False
    if model.aggregates and model.topology != "hub_spoke":
        model.problem(FLEET, "sitelink_topology.aggregates", "only hub_spoke routes spokes through aggregates; "
                      "a %s topology joins the sites directly" % model.topology)
        return False
    spoke_lans = [(site, lan) for site, lan in lans if site not in model.hubs]
    for index, (text, parsed) in enumerate(zip(model.aggregates, model.aggregate_nets)):
        variable = "sitelink_topology.aggregates[%d]" % index
        aggregate = _network(model, FLEET, variable, text, parsed)
        if aggregate is None:
            usable = False
            continue
        found = len(model.problems)
        overlapped = ["%s pool %s" % (name, ipaddrs.text(pool)) for name, pool in sorted(pools.items())
                      if ipaddrs.contains(pool, aggregate) or ipaddrs.contains(aggregate, pool)]
        if overlapped:
            model.problem(FLEET, variable, "%s overlaps the %s: spokes would route transit addresses to the hub"
                          % (ipaddrs.text(aggregate), " and the ".join(overlapped)))
        for site, lan in lans:
            if ipaddrs.contains(lan, aggregate):
                model.problem(FLEET, variable, "%s is %s %s, a LAN of %s: part of that site's own LAN would be "
                              "routed to the hub" % (ipaddrs.text(aggregate), "the same prefix as"
                                                     if aggregate == lan else "inside", ipaddrs.text(lan), site))
        if len(model.problems) == found and not any(ipaddrs.contains(aggregate, lan) for _site, lan in spoke_lans):
            model.problem(FLEET, variable, "%s covers no spoke's LAN; an aggregate replaces the spokes' LANs "
                          "it covers (a typo?)" % ipaddrs.text(aggregate))
    return usable


def _pools(model, lans):
    pools = {}
    for name in ("wireguard", "overlay"):
        net = _network(model, FLEET, "sitelink_pools.%s" % name, model.pools.get(name), model.pool_nets[name])
        if net is None:
            continue
        pools[name] = net
        _pool_overlaps_lans(model, lans, name, net)
    if len(pools) == 2 and (ipaddrs.contains(pools["overlay"], pools["wireguard"])
                            or ipaddrs.contains(pools["wireguard"], pools["overlay"])):
        model.problem(FLEET, "sitelink_pools", "the wireguard pool %s and the overlay pool %s overlap"
                      % (ipaddrs.text(pools["wireguard"]), ipaddrs.text(pools["overlay"])))
    length = model.pools.get("overlay_prefix_length")
    if model.refused(FLEET, "sitelink_pools.overlay_prefix_length"):
        pools.pop("overlay", None)
    elif "overlay" in pools and length not in (width(pools["overlay"]) - 1, width(pools["overlay"]) - 2):
        model.problem(FLEET, "sitelink_pools.overlay_prefix_length", "must be %d or %d, not %r"
                      % (width(pools["overlay"]) - 1, width(pools["overlay"]) - 2, length))
        pools.pop("overlay")
    _second_pools(model, lans, pools)
    return pools


def _pool_overlaps_lans(model, lans, name, net):
    """One problem per LAN that overlaps the pool `name` (`net`)."""
    for site, lan in lans:
        if ipaddrs.contains(net, lan) or ipaddrs.contains(lan, net):
            model.problem(site, "sitelink_site.lans", "%s overlaps the %s pool %s"
                          % (ipaddrs.text(lan), name, ipaddrs.text(net)))


def _second_pools(model, lans, pools):
    """Dual stack: each second-family pool must be a prefix of the other family than its primary pool's (which must
    be usable: the slots take its shape), and overlap no LAN and no other pool; added to `pools` when it is."""
    for primary, name in sorted(SECOND_POOLS.items()):
        if model.pools.get(name) is None or primary not in pools:
            continue
        variable = "sitelink_pools.%s" % name
        net = _network(model, FLEET, variable, model.pools[name], model.pool_nets[name])
        if net is None:
            continue
        if net.version == pools[primary].version:
            model.problem(FLEET, variable, "%s is IPv%d like the %s pool %s: the second pool gives each link "
                          "transit addresses of the other family (for LANs of that family)"
                          % (ipaddrs.text(net), net.version, primary, ipaddrs.text(pools[primary])))
            continue
        clashes = [other for other, other_net in sorted(pools.items())
                   if ipaddrs.contains(other_net, net) or ipaddrs.contains(net, other_net)]
        if clashes:
            model.problem(FLEET, variable, "%s overlaps the %s pool %s"
                          % (ipaddrs.text(net), clashes[0], ipaddrs.text(pools[clashes[0]])))
            continue
        _pool_overlaps_lans(model, lans, name, net)
        pools[name] = net


def _links(model, pools):
    psk_needed = False
    usable = [l for l in model.links if model.sites[l.a].id is not None and model.sites[l.b].id is not None]
    for link in usable:
        a, b = model.sites[link.a], model.sites[link.b]
        psk_needed = psk_needed or link.preshared_key
        if not a.endpoint and not b.endpoint and not model.refused(a.name, "sitelink_site.endpoint") \
                and not model.refused(b.name, "sitelink_site.endpoint"):
            model.problem(FLEET, link.origin, "link %s: neither %s nor %s has an endpoint; at least one side "
                          "must be reachable" % (link.id, a.name, b.name))
        for site, peer in ((a, b), (b, a)):
            if peer.endpoint and not site.underlay_gateway and site.default_route is False:
                model.problem(site.name, "sitelink_site.underlay_gateway", "no route to %s's endpoint %s: set "
                              "underlay_gateway, or default_route: true if the router has one"
                              % (peer.name, peer.endpoint))
        if link.overlay != "none":
            _overlay_ends(model, link)
        _families(model, link, pools)
    slotted = _slots(model, usable)
    _pool_sizes(model, pools, slotted)
    _tunnel_ids(model, pools, slotted)
    if psk_needed and not model.psk_secret and not model.refused(FLEET, "sitelink_psk_secret"):
        model.problem(FLEET, "sitelink_psk_secret", "links use preshared keys but no secret is set (keep it "
                      "in a vault); or set preshared_key: false")


def _slots(model, links):
    """The links that have a slot, each once in a slot: a hub_spoke link between two spokes needs its own, and two
    links in one slot would share their addresses (one problem per link, on the later one)."""
    taken, slotted = {}, []
    hubs = len(model.hubs) if model.topology == "hub_spoke" and model.pools.get("scheme") == "linear" else 0
    if addressing.hub_slots(model) < hubs:
        model.problem(FLEET, "sitelink_pools.hub_slots", "%d slots per site cannot hold a spoke's links to %d hubs"
                      % (addressing.hub_slots(model), hubs))
        return slotted
    for link in links:
        if addressing.needs_own_slot(model, link):
            model.problem(FLEET, link.origin, "link %s joins two spokes: give it a slot of its own (slot: N, a "
                          "number no other link takes; the sites' blocks take slots 0-%d and grow with the site ids, "
                          "so take one from the top of the pools)" % (link.id, _blocks_end(model) - 1))
            continue
        number = addressing.link_slot(model, link)
        if any(model.refused(end, "sitelink_site.id") for end in (link.a, link.b)):
            continue                    # a duplicate id gives its links the same slots: reported once, there
        if number in taken:
            where = link.origin + ".slot" if link.slot is not None else link.origin
            model.problem(FLEET, where, "link %s: slot %d is also the slot of %s" % (link.id, number, taken[number]))
            continue
        taken[number] = link.id
        slotted.append(link)
    return slotted


def _blocks_end(model):
    """The first slot after every site's block (hub_spoke, linear)."""
    return max(s.id or 0 for s in model.sites.values()) * addressing.hub_slots(model)


def _needed_prefix(pool, addresses):
    """The longest prefix length of `pool`'s family that holds `addresses` addresses."""
    return width(pool) - (addresses - 1).bit_length()


def _pool_sizes(model, pools, links):
    """One problem per pool too small for the fleet, with the prefix length it needs (a link's slot takes `size`
    addresses from pool start + slot * size)."""
    for name, net in sorted(pools.items()):
        carried = [link for link in links if name not in OVERLAY_POOLS or link.overlay != "none"]
        if not carried:
            continue
        _offset, size, _length = planner.slot(model, carried[0], name)
        needed = max(planner.slot(model, link, name)[0] for link in carried) + size
        if needed > net.num_addresses:
            model.problem(FLEET, "sitelink_pools.%s" % name, "%s holds %d links; this fleet needs room for %d (a /%d "
                          "or larger)%s" % (ipaddrs.text(net), net.num_addresses // size, needed // size,
                                            _needed_prefix(net, needed), _scheme_hint(model)))


def _scheme_hint(model):
    return "; the pairs scheme takes a slot for every pair of site ids (scheme: linear grows with the links)" \
        if model.pools.get("scheme") == "pairs" else ""


def _tunnel_ids(model, pools, links):
    """EoIP tunnel ids: the automatic ones (tunnel_id_base + slot) in range, with one problem for the fleet that
    says the base they need; a link's own id in range; each id on one link."""
    # EoIPv6 keeps the id in 12 bits of its EtherIP header (lab/FIDELITY.md)
    top = 4095 if "wireguard" in pools and pools["wireguard"].version == 6 else 65535
    space = "0-%d%s" % (top, " for EoIPv6 over the IPv6 WireGuard pool" if top < 65535 else "")
    eoip = [link for link in links if link.overlay == "eoip"]
    automatic = [link for link in eoip if link.tunnel_id is None]
    beyond = [link for link in automatic if planner.tunnel_id(model, link) > top]
    if beyond:
        highest = max(addressing.link_slot(model, link) for link in automatic)
        fix = "a tunnel_id_base of %d or less" % (top - highest) if highest <= top else \
            "tunnel_id on the links beyond it, since their slots reach %d" % highest
        base = model.pools["tunnel_id_base"]
        model.problem(FLEET, "sitelink_pools.tunnel_id_base", "EoIP tunnel ids are %d + each link's slot, up to %d "
                      "here; %d links lie beyond %s: this fleet needs %s"
                      % (base, base + highest, len(beyond), space, fix))
    used = {}
    for link in eoip:
        tid = planner.tunnel_id(model, link)
        if link.tunnel_id is not None and tid > top:
            model.problem(FLEET, link.origin + ".tunnel_id", "link %s: EoIP tunnel id %d is out of range (%s)"
                          % (link.id, tid, space))
        elif tid in used:
            model.problem(FLEET, link.origin, "link %s: EoIP tunnel id %d is also used by %s"
                          % (link.id, tid, used[tid]))
        used.setdefault(tid, link.id)


def _overlay_ends(model, link):
    """Both ends must terminate the link's kind of overlay (the transit family is _families' to check): one
    problem per link, about its first end that cannot."""
    ends = (model.sites[link.a], model.sites[link.b])
    for site in ends:
        if not site.capabilities.overlays:
            model.problem(FLEET, link.origin, "link %s: %s cannot carry a %s overlay"
                          % (link.id, _a_site(site.capabilities), link.overlay))
            return
    for site in ends:
        if not site.capabilities.terminates(link.overlay):
            model.problem(FLEET, link.origin + ".overlay", "link %s: %s" % (
                link.id, site.capabilities.overlay_refusal % {"site": site.name, "overlay": link.overlay}))
            return


def _allowed_overlaps(model, plans):
    """Two peers of one site must not claim the same prefix (WireGuard gives it to the last peer that claims it).
    Unreachable while LANs, aggregates and transit addresses are checked as they are: kept as the last guard."""
    for name in sorted(plans):
        plan = plans[name]
        claims = []
        for peer in plan["peers"]:
            for prefix in peer["allowed_address"]:
                net = planner.prefix(model, prefix)
                if net is not None:       # else a bad LAN, already reported
                    claims.append((net, peer["peer"]))
        for later, earlier in _overlaps([net for net, _peer in claims]):
            (net, peer), (other, other_peer) = claims[later], claims[earlier]
            # nested prefixes are fine (WireGuard picks the longest match); an equal one moves to the last peer
            if peer != other_peer and net == other:
                model.problem(name, "sitelink_site.lans", "allowed addresses overlap on %s: %s (peer %s) and %s "
                              "(peer %s)" % (plan["wireguard"]["name"], ipaddrs.text(net), peer, ipaddrs.text(other),
                                             other_peer))


def _families(model, link, pools):
    """What the transit can carry: where a platform routes only to a next hop of the destination's family
    (RouterOS), a LAN routed to the peer's address in the WireGuard pool (no overlay) or in the overlay pool must be
    of that pool's family; an overlay over an IPv6 WireGuard transit needs both ends to build it over IPv6 (RouterOS's
    gre6 and eoipv6; Linux's ip6gre is not built); a host route to an endpoint needs a gateway of its family.
    """
    if model.refused(FLEET, "sitelink_pools"):
        return
    hop_pool_names = ("wireguard", SECOND_POOLS["wireguard"]) if link.overlay == "none" else OVERLAY_POOLS
    hop_pools = [(n, pools[n]) for n in hop_pool_names if n in pools]
    lacking = [model.sites[s] for s in (link.a, link.b) if model.sites[s].capabilities.overlays
               and (link.overlay, "ipv6") not in model.sites[s].capabilities.overlays]
    if link.overlay != "none" and "wireguard" in pools and pools["wireguard"].version == 6 and lacking \
            and not model.refused(FLEET, link.overlay_origin):
        by_default = link.overlay_origin.startswith("sitelink_link_defaults")
        model.problem(FLEET, link.overlay_origin, "%s over the IPv6 WireGuard pool %s would need %s on the %s "
                      "site %s, which the collection does not build yet (link %s%s); use an IPv4 wireguard pool (it "
                      "may carry IPv6 LANs over the overlay) or overlay: none"
                      % (link.overlay, ipaddrs.text(pools["wireguard"]), lacking[0].capabilities.ipv6_overlay_needs,
                         lacking[0].capabilities.label, lacking[0].name, link.id,
                         " and every link using these defaults" if by_default else ""))
    for site, peer in ((model.sites[link.a], model.sites[link.b]), (model.sites[link.b], model.sites[link.a])):
        if site.capabilities.next_hop_family_rule:
            _next_hop_families(model, link, site, peer, hop_pools)
        endpoint, gateway = peer.endpoint_ip, site.underlay_gateway_ip
        if endpoint is not None and gateway is not None and endpoint.version != gateway.version:
            model.problem(site.name, "sitelink_site.underlay_gateway", "%s is IPv%d; the route to %s's endpoint %s "
                          "needs an IPv%d gateway" % (ipaddrs.text(gateway), gateway.version, peer.name,
                                                      ipaddrs.text(endpoint), endpoint.version))


def _next_hop_families(model, link, site, peer, hop_pools):
    """On a platform that routes a LAN only to a next hop of its family (RouterOS), each of the peer's LANs needs a
    transit pool of its family on the link: [(pool name, network)] of the link's next-hop pools, the primary one
    first.  A dual-stack fleet sets the second pool of the other family (sitelink_pools.wireguard_second,
    overlay_second for overlay links)."""
    if not hop_pools:
        return                            # a pool that is not a prefix: already reported
    primary, primary_pool = hop_pools[0]
    versions = set(net.version for _name, net in hop_pools)
    for index, (text, net) in enumerate(zip(peer.lans, peer.lan_nets)):
        if net is None or net.version in versions or model.refused(peer.name, "sitelink_site.lans[%d]" % index):
            continue
        model.problem(peer.name, "sitelink_site.lans[%d]" % index, "%s is IPv%d but the %s site %s would route it "
                      "to an IPv%d next hop in the %s pool %s (link %s): %s; set sitelink_pools.%s to a pool of "
                      "the LAN's family (dual stack: each link then takes transit addresses of both families), or "
                      "use a pool of the LAN's family"
                      % (text, net.version, site.capabilities.label, site.name, primary_pool.version, primary,
                         ipaddrs.text(primary_pool), link.id, site.capabilities.next_hop_family_rule,
                         SECOND_POOLS[primary]))


def _route_families(model, plans):
    """The last guard of _next_hop_families: a prefix routed through a hub (another spoke's LAN, an aggregate) to a
    next hop of the other family, on a platform that cannot (a link without the second pool its family needs)."""
    for name in sorted(plans):
        rule = model.sites[name].capabilities.next_hop_family_rule
        for route in plans[name]["routes"] if rule else ():
            version = 6 if ":" in route["gateway"] else 4      # the planner's own text: no need to parse it again
            net = planner.prefix(model, route["dst_address"])
            if net is not None and version != net.version:
                model.problem(name, "sitelink_pools", "%s would route %s to the IPv%d next hop %s: %s; set the "
                              "second pool of IPv%d for the links it crosses (wireguard_second, or overlay_second on "
                              "overlay links)" % (name, route["dst_address"], version, route["gateway"], rule,
                                                  net.version))


# RouterOS's route distance (and what the Linux metric takes from it here): 1 to 255
ROUTE_DISTANCE_MAX = 255


def _static_route_distances(model, plans):
    """Backups sit above their primary, each at a distance of its own (planner.static_route_preferences), so a link
    distance near the top leaves them no room: refused, naming the route, rather than written and refused by the
    router (or clipped back onto a primary's distance, which RouterOS would balance over: ECMP)."""
    for name in sorted(plans):
        worst = max(plans[name]["routes"], key=lambda r: r.get("distance", 1), default=None)
        if worst is not None and worst.get("distance", 1) > ROUTE_DISTANCE_MAX:
            model.problem(name, "sitelink_topology", "its route to %s would need distance %d (above %d): its backups "
                          "sit above their primary, one step per route; lower the links' distance"
                          % (worst["dst_address"], worst["distance"], ROUTE_DISTANCE_MAX))


def _endpoints_outside_tunnels(model, plans):
    """A peer's endpoint inside a prefix a site sends into the tunnel would carry the handshake into the tunnel it
    is meant to build: refused (the user's fix is a narrower LAN or an endpoint outside it).  One message per
    endpoint and prefix, naming the sites that would do it."""
    found = {}
    for name in sorted(plans):
        plan = plans[name]
        claims = []                     # (prefix, what sends it into the tunnel, or None for an endpoint, peer)
        for peer in plan["peers"]:
            claims += [(net, "an allowed address of %s" % peer["peer"], peer["peer"])
                       for net in (planner.prefix(model, text) for text in peer["allowed_address"])
                       if net is not None]   # bad: reported
            address = model.sites[peer["peer"]].endpoint_ip      # the peer's endpoint_address, if an address
            if address is not None:
                claims.append((address, None, peer["peer"]))
        for later, earlier in _overlaps([net for net, _what, _peer in claims]):
            pair = [claims[later], claims[earlier]]
            endpoints = [c for c in pair if c[1] is None]
            tunnelled = [c for c in pair if c[1] is not None]
            if len(endpoints) == 1 and tunnelled:
                (host, peer), (outer, what) = endpoints[0][::2], tunnelled[0][:2]
                found.setdefault((peer, ipaddrs.text(host), ipaddrs.text(outer), what), []).append(name)
    for (peer, endpoint, outer, what), sites in sorted(found.items()):
        model.problem(peer, "sitelink_site.endpoint", "%s is inside %s, which %s send%s into the tunnel (%s): the "
                      "handshake would go into the tunnel it builds" % (
                          endpoint, outer, ", ".join(sites), "" if len(sites) > 1 else "s", what))


def _interface_names(model, plans):
    """Generated overlay names (KIND-PEER) must not collide with the site's WireGuard interface, and must be names
    the platform takes (Linux: 15 characters; the peer's name is already a usable site name)."""
    for name in sorted(plans):
        plan = plans[name]
        wireguard = plan["wireguard"]["name"]
        capabilities = model.sites[name].capabilities
        for overlay in plan["overlays"]:
            if overlay["name"] == wireguard:
                model.problem(name, "sitelink_site.interface", "%s is also the name of the %s overlay of link %s"
                              % (wireguard, overlay["type"], overlay["link"]))
            if capabilities.interface_name and names.problem(capabilities.interface_name, overlay["name"]):
                model.problem(FLEET, "inventory host name", "link %s: the overlay interface %s on the %s site %s "
                              "is longer than %s allows (15 characters); shorten the peer's name"
                              % (overlay["link"], overlay["name"], capabilities.label, name, capabilities.label))


def lockout(model, plans, management):
    """Refuses a site that would send its own management traffic into the tunnel it is building.

    management: {site: [(address, what it is)]} - the address the controller reaches the site at (ansible_host)
    and the controller's own address toward it.  A site may opt in (the controller does reach it through a tunnel)
    by leaving it out of `management`."""
    for name in sorted(management):
        if name not in plans:
            continue
        plan = plans[name]
        gateway = model.sites[name].underlay_gateway
        tunnelled = []
        for peer in plan["peers"]:
            tunnelled += [(net, "an allowed address of %s" % peer["peer"])
                          for net in (planner.prefix(model, text) for text in peer["allowed_address"])
                          if net is not None]
        tunnelled += [(net, "a route into the tunnel") for net in
                      (planner.prefix(model, r["dst_address"]) for r in plan["routes"] if r["gateway"] != gateway)
                      if net is not None]
        for text, what in management[name]:
            address = _address(text)
            if address is None or ipaddrs.is_kind("loopback", address):
                continue
            inside = next(((net, why) for net, why in sorted(tunnelled, key=lambda t: t[0].network.prefixlen)
                           if ipaddrs.contains(net, address)), None)
            if inside is not None:
                model.problem(name, "ansible_host", "%s (%s) is inside %s, which %s sends into the tunnel (%s): the "
                              "router would answer the controller through the tunnel it is building. Correct the LAN, "
                              "or set sitelink_management_through_tunnel: true for %s if the controller does reach "
                              "it through a tunnel" % (ipaddrs.text(address), what, ipaddrs.text(inside[0]), name,
                                                       inside[1], name))
