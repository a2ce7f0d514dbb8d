"""A hub and two spokes, as the site_tunnel role configures RouterOS sites: the scenario of the multicast proof and
of the fabric/data-plane agreement test.

One WireGuard interface `wg-site` per router on the lab underlay: the hub's holds a peer per spoke (no endpoint, the
spokes dial it), each spoke's one peer for the hub (the hub's WAN address and port, persistent keepalive).  Transit
10.255.0.0/24 on `wg-site`.  GRE between the hub and s1 and EoIP (tunnel id 2) between the hub and s2, both between
transit addresses, with keepalive; the LANs are routed over them (s1 and s2 reach each other through the hub).  The
default configuration's filters with the collection's holes (WireGuard's UDP port, GRE on `wg-site`).

`configure(routers, keys, wan)` writes all of it on Router objects (the same menu verbs the API runs), then each
`BREAKS[name]` a fault on top; `configure_ospf(routers)` adds the role's OSPF mode with BFD over both overlays (the
scenario of the OSPF agreement test).  The same calls on two sets of routers give the same tables: one set modelled by a
Fabric, the other realised by a DataPlane.
"""

import time

from rosemu import effects
from rosemu.router import Router

SITES = ("hub", "s1", "s2")
SPOKES = ("s1", "s2")
LANS = {"hub": "192.168.88.1/24", "s1": "192.168.89.1/24", "s2": "192.168.90.1/24"}
TRANSIT = {"hub": "10.255.0.1", "s1": "10.255.0.2", "s2": "10.255.0.3"}
PORT = "13231"
KEEPALIVE = "1s,3"            # tunnels' keepalive: running within a second, down after three missed
PEER_KEEPALIVE = "10s"
# spoke -> (menu, the hub's interface, the spoke's interface, /30 prefix, tunnel id)
OVERLAYS = {"s1": ("/interface/gre", "gre-s1", "gre-hub", "10.10.1", None),
            "s2": ("/interface/eoip", "eoip-s2", "eoip-hub", "10.20.2", "2")}
# the site_tunnel role's holes, before the input chain's first drop
HOLES = ({"chain": "input", "action": "accept", "protocol": "udp", "dst-port": PORT,
          "comment": "sitelink wireguard-in"},
         {"chain": "input", "action": "accept", "protocol": "gre", "in-interface": "wg-site",
          "comment": "sitelink gre-eoip-in"})


def write_directly(router, path, verb, args):
    return getattr(router, verb)(path, args)


def lan_address(name):
    return LANS[name].split("/")[0]


def lan_prefix(name):
    return LANS[name].replace(".1/", ".0/")


def overlay_address(spoke, end):
    """The overlay address of `end` ("hub" or the spoke) on the tunnel between the hub and `spoke`."""
    return "%s.%d" % (OVERLAYS[spoke][3], 1 if end == "hub" else 2)


def addresses(name):
    """{label: address} of router `name` that a ping may aim at."""
    out = {"lan": lan_address(name), "transit": TRANSIT[name]}
    for spoke in SPOKES:
        if name in ("hub", spoke):
            out["overlay-%s" % spoke] = overlay_address(spoke, name)
    return out


def new_keys():
    return {name: effects.new_private_key() for name in SITES}


def configure(routers, keys, wan, write=write_directly):
    """The healthy star on `routers` ({name: Router}); `wan` {name: its underlay address}."""
    for name, router in routers.items():
        _site(router, keys[name], wan, write)
    for spoke in SPOKES:
        _peer(routers["hub"], keys[spoke], "%s/32" % TRANSIT[spoke], write)
        _peer(routers[spoke], keys["hub"], "%s/32" % TRANSIT["hub"], write,
              {"endpoint-address": wan["hub"], "endpoint-port": PORT, "persistent-keepalive": PEER_KEEPALIVE})
        _overlay(routers, spoke, write)
    for spoke in SPOKES:
        gateway = overlay_address(spoke, spoke)
        write(routers["hub"], "/ip/route", "add", {"dst-address": lan_prefix(spoke), "gateway": gateway})
        for far in ("hub",) + tuple(s for s in SPOKES if s != spoke):
            write(routers[spoke], "/ip/route", "add", {"dst-address": lan_prefix(far),
                                                       "gateway": overlay_address(spoke, "hub")})


def _site(router, private_key, wan, write=write_directly):
    name = router.name
    lan = next(it for it in router.tables["/ip/address"] if it.values.get("interface") == "bridge")
    write(router, "/ip/address", "set", {".id": lan.ref, "address": LANS[name]})
    write(router, "/ip/address", "add", {"address": "%s/24" % wan[name], "interface": "ether1"})
    write(router, "/interface/wireguard", "add", {"name": "wg-site", "listen-port": PORT, "private-key": private_key})
    write(router, "/ip/address", "add", {"address": "%s/24" % TRANSIT[name], "interface": "wg-site"})
    first_drop = first_input_drop(router)
    for rule in HOLES:
        write(router, "/ip/firewall/filter", "add", dict(rule, **{"place-before": first_drop.ref}))


def first_input_drop(router):
    """The input chain's first drop that is not about a connection state (defconf's "drop all not coming from LAN"):
    the collection's holes go before it."""
    return next(it for it in router.tables["/ip/firewall/filter"]
                if it.values.get("chain") == "input" and it.values.get("action") == "drop"
                and it.values.get("connection-state") is None)


def _peer(router, far_key, allowed, write, extra=None):
    write(router, "/interface/wireguard/peers", "add", dict(
        {"interface": "wg-site", "public-key": effects.public_key(far_key), "allowed-address": allowed}, **extra or {}))


def _overlay(routers, spoke, write):
    path, hub_side, spoke_side, _prefix, tunnel_id = OVERLAYS[spoke]
    for end, far, interface in (("hub", spoke, hub_side), (spoke, "hub", spoke_side)):
        tunnel = {"name": interface, "local-address": TRANSIT[end], "remote-address": TRANSIT[far],
                  "keepalive": KEEPALIVE}
        if tunnel_id is not None:
            tunnel["tunnel-id"] = tunnel_id
        write(routers[end], path, "add", tunnel)
        write(routers[end], "/ip/address", "add", {"address": "%s/30" % overlay_address(spoke, end),
                                                   "interface": interface})


# ----- OSPF mode ---------------------------------------------------------------------------
# what the site_tunnel role writes in OSPF mode (plugins/module_utils/topology/ospf.py), with the lab's short timers
OSPF_INSTANCE, OSPF_AREA, TUNNEL_LIST = "sitelink", "sitelink-area", "sitelink-tunnels"
ROUTER_IDS = {"hub": "10.253.0.1", "s1": "10.253.0.2", "s2": "10.253.0.3"}
OSPF_TIMERS = {"hello-interval": "1s", "dead-interval": "4s"}
OSPF_HOLES = ({"chain": "input", "action": "accept", "protocol": "ospf", "in-interface-list": TUNNEL_LIST,
               "comment": "sitelink ospf-in-tunnels"},
              {"chain": "input", "action": "accept", "protocol": "udp", "dst-port": "3784,3785",
               "in-interface-list": TUNNEL_LIST, "comment": "sitelink bfd-in-tunnels"})


def overlays_of(name):
    """The names of router `name`'s GRE/EoIP interfaces (the hub has one per spoke)."""
    return [OVERLAYS[spoke][1 if name == "hub" else 2] for spoke in SPOKES if name in ("hub", spoke)]


def configure_ospf(routers, write=write_directly):
    """OSPF over the overlays, as the role's OSPF mode with BFD: on top of configure(), an instance, an area, a ptp
    template per overlay (cost 10, hello 1 s, dead 4 s, use-bfd), a passive template for the LAN, a BFD configuration
    on the overlays, the overlays in an interface list and input rules for OSPF and BFD on it; the static routes to
    the far LANs stay (distance 1 beats OSPF's 110, the pings do not depend on OSPF)."""
    for name, router in routers.items():
        write(router, "/routing/ospf/instance", "add", {"name": OSPF_INSTANCE, "router-id": ROUTER_IDS[name]})
        write(router, "/routing/ospf/area", "add", {"name": OSPF_AREA, "instance": OSPF_INSTANCE})
        write(router, "/interface/list", "add", {"name": TUNNEL_LIST})
        for interface in overlays_of(name):
            write(router, "/interface/list/member", "add", {"list": TUNNEL_LIST, "interface": interface})
            write(router, "/routing/ospf/interface-template", "add", dict(
                {"area": OSPF_AREA, "interfaces": interface, "type": "ptp", "cost": "10", "use-bfd": "yes"},
                **OSPF_TIMERS))
        write(router, "/routing/ospf/interface-template", "add", {
            "area": OSPF_AREA, "networks": lan_prefix(name), "passive": "yes"})
        write(router, "/routing/bfd/configuration", "add", {"interfaces": ",".join(overlays_of(name))})
        first_drop = first_input_drop(router)
        for rule in OSPF_HOLES:
            write(router, "/ip/firewall/filter", "add", dict(rule, **{"place-before": first_drop.ref}))


# ----- faults ----------------------------------------------------------------------------

def _item(router, path, **match):
    return next(it for it in router.tables[path] if all(it.values.get(k) == v for k, v in match.items()))


def _set(router, path, item, write, **values):
    write(router, path, "set", dict({".id": item.ref}, **values))


def wrong_public_key(routers, write):
    """The hub holds another key for s1 than s1's."""
    peer = _item(routers["hub"], "/interface/wireguard/peers", **{"allowed-address": "%s/32" % TRANSIT["s1"]})
    _set(routers["hub"], "/interface/wireguard/peers", peer, write,
         **{"public-key": effects.public_key(effects.new_private_key())})


def wrong_port(routers, write):
    """s2 dials the hub on a port it does not listen on."""
    peer = _item(routers["s2"], "/interface/wireguard/peers", interface="wg-site")
    _set(routers["s2"], "/interface/wireguard/peers", peer, write, **{"endpoint-port": "13232"})


def preshared_keys_differ(routers, write):
    """The hub holds a preshared key for s2, s2 none."""
    peer = _item(routers["hub"], "/interface/wireguard/peers", **{"allowed-address": "%s/32" % TRANSIT["s2"]})
    _set(routers["hub"], "/interface/wireguard/peers", peer, write,
         **{"preshared-key": effects.public_key(effects.new_private_key())})      # 32 random bytes, base64


def no_endpoint(routers, write):
    """Neither the hub nor s1 knows where the other is."""
    peer = _item(routers["s1"], "/interface/wireguard/peers", interface="wg-site")
    write(routers["s1"], "/interface/wireguard/peers", "unset", {"numbers": peer.ref, "value-name": "endpoint-address"})
    write(routers["s1"], "/interface/wireguard/peers", "unset", {"numbers": peer.ref, "value-name": "endpoint-port"})


def tunnel_id_mismatch(routers, write):
    """s2's EoIP tunnel has another id than the hub's."""
    tunnel = _item(routers["s2"], "/interface/eoip", name="eoip-hub")
    _set(routers["s2"], "/interface/eoip", tunnel, write, **{"tunnel-id": "3"})


def wireguard_dropped(routers, write):
    """The hub's hole for WireGuard's port is disabled: the default input chain drops the spokes' handshakes."""
    rule = _item(routers["hub"], "/ip/firewall/filter", comment="sitelink wireguard-in")
    _set(routers["hub"], "/ip/firewall/filter", rule, write, disabled="true")


def gre_dropped(routers, write):
    """The hub's hole for GRE on wg-site is disabled: the default input chain drops GRE and EoIP from the spokes."""
    rule = _item(routers["hub"], "/ip/firewall/filter", comment="sitelink gre-eoip-in")
    _set(routers["hub"], "/ip/firewall/filter", rule, write, disabled="true")


BREAKS = {"healthy": lambda routers, write: None, "wrong public key": wrong_public_key, "wrong port": wrong_port,
          "preshared keys differ": preshared_keys_differ,
          "no endpoint on either side": no_endpoint, "EoIP tunnel id mismatch": tunnel_id_mismatch,
          "WireGuard port dropped by the hub's firewall": wireguard_dropped,
          "GRE dropped by the hub's firewall": gre_dropped}


# ----- on the data plane ----------------------------------------------------------------------

def tunnels(router):
    """[(menu, tunnel item)] of the router's GRE and EoIP tunnels."""
    return [(path, item) for path in ("/interface/gre", "/interface/eoip") for item in router.tables[path]]


def on_dataplane(dataplane, keys, fault="healthy", extra=()):
    """The star with `fault` (a BREAKS name) on Routers attached to `dataplane` (hub, s1, s2, firewall=True for the
    filters to count); `extra`: more (path, args) rules added before each router's first input drop."""
    routers = {name: Router(name) for name in SITES}
    configure(routers, keys, {name: str(dataplane.wan_address(name)) for name in SITES})
    BREAKS[fault](routers, write_directly)
    for router in routers.values():
        first_drop = first_input_drop(router)
        for path, args in extra:
            router.add(path, dict(args, **{"place-before": first_drop.ref}))
        dataplane.attach(router)
    return routers


def settle(dataplane, routers, quiet=3.0, timeout=20.0):
    """Wait until no tunnel's `running` (the forwarders') has moved for `quiet` seconds (three keepalives: a tunnel
    that is not answered by then never is), the tables refreshed; the {(router, tunnel): running} reached."""
    deadline, last, since = time.monotonic() + timeout, None, time.monotonic()
    while True:
        for router in routers.values():
            dataplane.settle(router)
        now = {(name, item.values["name"]): item.values.get("running") == "true"
               for name, router in routers.items() for _path, item in tunnels(router)}
        if now != last:
            last, since = now, time.monotonic()
        if time.monotonic() - since >= quiet or time.monotonic() > deadline:
            return now
        time.sleep(0.1)
