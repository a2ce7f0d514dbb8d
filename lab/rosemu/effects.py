"""What a router does by itself: generated keys, computed fields, connected
routes, menu-specific checks, the factory default configuration.

Kept apart from router.py so that the generic verbs stay free of
`if path == ...` branches: each rule is a small function in a table.
"""

import base64
import functools
import ipaddress
import time

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from rosemu import errors, pki, schema
from rosemu.values import decode_key

# ---------------------------------------------------------------- keys


def new_private_key():
    raw = X25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.b64encode(raw).decode()


def public_key(private_b64):
    """X25519 public key; `cryptography` clamps, so clamped and raw keys agree (as `wg pubkey`)."""
    raw = decode_key(private_b64)
    pub = X25519PrivateKey.from_private_bytes(raw).public_key()
    return base64.b64encode(pub.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def random_key(router):
    return base64.b64encode(bytes(router.random.getrandbits(8) for _count in range(32))).decode()


def random_mac(router, first=0xFE):
    octets = [first] + [router.random.getrandbits(8) for _count in range(5)]
    return ":".join("%02X" % o for o in octets)


# ---------------------------------------------------------------- on add


def _add_wireguard(router, values):
    values.setdefault("private-key", new_private_key())


def _add_peer(router, values):
    for key in ("preshared-key", "private-key"):
        if values.get(key) == "auto":
            values[key] = random_key(router) if key == "preshared-key" else new_private_key()


def _add_eoip(router, values):
    values.setdefault("mac-address", random_mac(router))


ON_ADD = {
    "/interface/wireguard": _add_wireguard,
    "/interface/wireguard/peers": _add_peer,
    "/interface/eoip": _add_eoip,
    "/interface/eoipv6": _add_eoip,
}


def on_add(router, path, values):
    hook = ON_ADD.get(path)
    if hook:
        hook(router, values)


# ---------------------------------------------------------------- checks


def _check_peer(router, values, item_id):
    if router.peer_overlap != "reject":
        return
    mine = set(values.get("allowed-address", "").split(","))
    for other in router.tables["/interface/wireguard/peers"]:
        if other.id == item_id or other.values.get("interface") != values.get("interface"):
            continue
        shared = mine & set(other.values.get("allowed-address", "").split(","))
        if shared:
            # RouterOS: "Allowed-address ranges cannot overlap on one interface" (text of the reply: U)
            raise errors.Trap("failure: allowed-address %s overlaps with another peer of this interface"
                              % sorted(shared)[0], errors.ARGUMENT)


PORT_PROTOCOLS = ("tcp", "udp", "udp-lite", "dccp", "sctp", "6", "17")


def _check_filter(router, values, item_id):
    if any(k in values for k in ("src-port", "dst-port", "port")) \
            and values.get("protocol", "").lstrip("!") not in PORT_PROTOCOLS:
        raise errors.failure("port can be specified only for tcp, udp, udp-lite, dccp and sctp protocols")
    if values.get("action") == "jump" and not values.get("jump-target"):
        raise errors.failure("jump target not specified")


def _check_bridge_port(router, values, item_id):
    if values.get("interface") == values.get("bridge"):
        raise errors.failure("can not add bridge to itself")


CHECKS = {
    "/interface/wireguard/peers": _check_peer,
    "/ip/firewall/filter": _check_filter,
    "/ipv6/firewall/filter": _check_filter,
    "/ip/firewall/mangle": _check_filter,
    "/ipv6/firewall/mangle": _check_filter,
    "/interface/bridge/port": _check_bridge_port,
    "/ip/service": pki.check_service,
}


def check(router, path, values, item_id):
    hook = CHECKS.get(path)
    if hook:
        hook(router, values, item_id)


# ---------------------------------------------------------------- derived fields

# 1500 less the encapsulation: GRE 24 (IPv4 20 + GRE 4), EoIP 42 (IPv4 20 + GRE with key 8 + Ethernet 14); over IPv6
# the outer header is 40: gre6 44, eoipv6 56 (IPv6 40 + EtherIP 2 + Ethernet 14)
TUNNEL_AUTO_MTU = {"/interface/gre": 1476, "/interface/eoip": 1458, "/interface/gre6": 1456, "/interface/eoipv6": 1444}
FLAG_FALSE = {
    "/interface/wireguard/peers": ("dynamic",),
    "/interface/bridge/port": ("dynamic", "hw-offload"),
    "/interface/list": ("dynamic",),
    "/interface/list/member": ("dynamic",),
    "/ip/firewall/filter": ("dynamic", "invalid"),
    "/ipv6/firewall/filter": ("dynamic", "invalid"),
    "/ip/firewall/mangle": ("dynamic", "invalid"),
    "/ipv6/firewall/mangle": ("dynamic", "invalid"),
    "/ip/firewall/address-list": ("dynamic",),
    "/ipv6/firewall/address-list": ("dynamic",),
    "/routing/ospf/interface-template": ("dynamic", "inactive"),
}
COUNTERS_ZERO = {
    "/interface/wireguard/peers": ("rx", "tx"),
    "/ip/firewall/filter": ("bytes", "packets"),
    "/ipv6/firewall/filter": ("bytes", "packets"),
    "/ip/firewall/mangle": ("bytes", "packets"),
    "/ipv6/firewall/mangle": ("bytes", "packets"),
}


def _bool(flag):
    return "true" if flag else "false"


def _bridge_of(router):
    return {p.values["interface"]: p.values["bridge"] for p in router.tables["/interface/bridge/port"]
            if p.values.get("disabled") != "true"}


def _port_holders(router):
    """{listen port: id of the enabled WireGuard interface that holds it}: the first one (lowest id) binds the
    UDP port; a later one on the same port cannot and is not running (FIDELITY.md: an assumption to check)."""
    holders = {}
    for item in sorted(router.tables["/interface/wireguard"], key=lambda it: it.id):
        if item.values.get("disabled") != "true":
            holders.setdefault(item.values.get("listen-port"), item.id)
    return holders


def _derive_interfaces(router):
    ports = _bridge_of(router)
    holders = _port_holders(router)
    for path in schema.INTERFACE_MENUS:
        for item in router.tables[path]:
            val = item.values
            up = val.get("disabled") != "true"
            mtu = val.get("mtu", "auto")
            if path == "/interface/wireguard":
                val["public-key"] = public_key(val["private-key"])
                up = up and holders.get(val.get("listen-port")) == item.id
            elif path in TUNNEL_AUTO_MTU:
                up = up and (router.fabric is None or router.fabric.tunnel_running(router, path, item))
                if path in ("/interface/eoip", "/interface/eoipv6"):
                    val["l2mtu"] = "65535"
                    val["loop-protect-status"] = "off"
            elif path == "/interface/ethernet":
                val["l2mtu"] = "1598"
            elif path == "/interface/bridge":
                members = [router.interface(n) for n, b in ports.items() if b == val["name"]]
                members = [m for m in members if m is not None]
                if val.get("auto-mac") == "false" and val.get("admin-mac"):
                    val["mac-address"] = val["admin-mac"]
                elif members and members[0].values.get("mac-address"):
                    val["mac-address"] = members[0].values["mac-address"]
                else:
                    val.setdefault("mac-address", random_mac(router, 0x4A))
                val["l2mtu"] = "65535"
                if mtu == "auto":
                    mtu = min([int(m.values.get("actual-mtu", 1500)) for m in members] or [1500])
            if mtu == "auto":
                mtu = TUNNEL_AUTO_MTU.get(path, 1500)
            val["actual-mtu"] = str(mtu)
            val["running"] = _bool(up)


def _running(router, name):
    it = router.interface(name)
    return it is not None and it.values.get("running") == "true"


def _derive_addresses(router, path, route_path):
    ports = _bridge_of(router)
    connected = []
    for item in router.tables[path]:
        val = item.values
        iface = _interface(val["address"])
        known = router.interface(val["interface"]) is not None
        val["actual-interface"] = ports.get(val["interface"], val["interface"])
        val["invalid"] = _bool(not known)
        val["dynamic"] = "false"
        if path == "/ip/address":
            val["network"] = str(iface.network.network_address)
            val["vrf"] = "main"
        else:
            val["link-local"] = _bool(iface.ip.is_link_local)
            val["global"] = _bool(iface.ip.is_global or iface.ip.is_private and not iface.ip.is_link_local)
            val["deprecated"] = "false"
        if known and val.get("disabled") != "true":
            connected.append((iface, val["actual-interface"]))
    _derive_connected_routes(router, route_path, connected)
    return connected


# Every write re-derives the router's state; parsing each address string once keeps that linear.
_interface = functools.lru_cache(maxsize=1 << 16)(ipaddress.ip_interface)


def _derive_connected_routes(router, route_path, connected):
    table = router.tables[route_path]
    existing = {(it.values["dst-address"], it.values["gateway"]): it
                for it in table if it.values.get("connect") == "true"}
    wanted, seen = [], set()
    for iface, ifname in connected:
        key = (str(iface.network), ifname)
        if key in existing or key in seen:
            continue
        seen.add(key)
        wanted.append((key, iface))
    keep = {(str(i.network), n) for i, n in connected}
    table[:] = [it for it in table if it.values.get("connect") != "true"
                or (it.values["dst-address"], it.values["gateway"]) in keep]
    for (dst, ifname), iface in wanted:
        values = {"dst-address": dst, "gateway": ifname, "distance": "0", "scope": "10",
                  "routing-table": "main", "dynamic": "true", "connect": "true", "static": "false"}
        if route_path == "/ip/route":
            values["local-address"] = "%s%%%s" % (iface.ip, ifname)
        table.append(router_item(router, route_path, values))
    for it in table:
        if it.values.get("connect") == "true":
            active = _running(router, it.values["gateway"])
            it.values.update({"active": _bool(active), "inactive": _bool(not active),
                              "immediate-gw": it.values["gateway"]})


def router_item(router, path, values):
    from rosemu.router import Item  # late import: router imports this module
    return Item(router.allocate_id(schema.CATALOGUE[path]), values)


def _connected_by_prefix(connected):
    """{(version, prefix length): {network as int: [(index in `connected`, interface)]}}, for lookups by address."""
    out = {}
    for index, (iface, name) in enumerate(connected):
        net = iface.network
        out.setdefault((net.version, net.prefixlen), {}).setdefault(int(net.network_address), []).append((index, name))
    return out


def _connected_to(by_prefix, addr):
    """The (index, interface) of every connected network holding `addr`, in `connected` order."""
    hits = []
    bits = addr.max_prefixlen
    for (version, length), networks in by_prefix.items():
        if version == addr.version:
            hits.extend(networks.get((int(addr) >> (bits - length)) << (bits - length), []))
    return sorted(hits)


_address = functools.lru_cache(maxsize=1 << 16)(ipaddress.ip_address)


def _derive_static_routes(router, route_path, connected):
    by_prefix = _connected_by_prefix(connected)
    for it in router.tables[route_path]:
        val = it.values
        if val.get("connect") == "true" or val.get("bgp") == "true":
            continue                # connected ones are derived above; a routing protocol's are its own
        active, immediate = False, ""
        if val.get("blackhole") == "true":
            active = True
        for gw in (val.get("gateway") or "").split(","):
            if not gw or active:
                continue
            ip, pct, ifname = gw.partition("%")
            if pct:
                active, immediate = _running(router, ifname), gw
                continue
            try:
                addr = _address(gw)
            except ValueError:
                active, immediate = _running(router, gw), gw
                continue
            for _index, name in _connected_to(by_prefix, addr):
                if _running(router, name):
                    active, immediate = True, "%s%%%s" % (addr, name)
                    break
        active = active and val.get("disabled") != "true" and \
            (router.fabric is None or router.fabric.gateway_reachable(router, route_path, it))
        val.update({"dynamic": "false", "static": "true", "active": _bool(active), "inactive": _bool(not active)})
        if immediate and active:
            val["immediate-gw"] = immediate
        else:
            val.pop("immediate-gw", None)
    _select_routes(router.tables[route_path])


def _select_routes(table):
    """Of the usable routes to one destination (in one table) only those of the smallest distance are active, a
    connected one (distance 0) first; two or more static ones at that distance are all active and flagged `ecmp`
    (RouterOS 7 balances over them). A usable route that lost is neither active nor inactive: a backup."""
    best = {}
    for it in table:
        val = it.values
        if val.get("active") == "true":
            key = (val["dst-address"], val.get("routing-table", "main"))
            best[key] = min(best.get(key, 1 << 16), int(val.get("distance", "1")))
    winners = {}
    for it in table:
        val = it.values
        if val.get("active") != "true" or val.get("connect") == "true" or val.get("bgp") == "true":
            continue
        key = (val["dst-address"], val.get("routing-table", "main"))
        if int(val.get("distance", "1")) == best[key]:
            winners.setdefault(key, []).append(it)
        else:
            val.update({"active": "false", "inactive": "false"})
            val.pop("immediate-gw", None)
    for it in table:
        val = it.values
        if val.get("connect") == "true" or val.get("bgp") == "true":
            continue
        ecmp = len(winners.get((val["dst-address"], val.get("routing-table", "main")), ())) > 1
        if ecmp and val.get("active") == "true":
            val["ecmp"] = "true"
        else:
            val.pop("ecmp", None)


def _derive_bridge_ports(router):
    for it in router.tables["/interface/bridge/port"]:
        iface = router.interface(it.values["interface"])
        inactive = iface is None or it.values.get("disabled") == "true" or iface.values.get("running") != "true"
        it.values["inactive"] = _bool(inactive)
        it.values["status"] = "inactive" if inactive else "in-bridge"


def derive(router):
    # derive changes values, never names: interface lookups during it go through one index, not a sorted scan
    router.interface_index = None
    router.interface_index = dict((it.values.get("name"), it) for it in reversed(router.items("/interface")))
    try:
        _derive(router)
    finally:
        router.interface_index = None


def _derive(router):
    pki.sync_tls(router)
    _derive_interfaces(router)
    _derive_bridge_ports(router)
    for path, fields in FLAG_FALSE.items():
        for it in router.tables[path]:
            for name in fields:
                it.values.setdefault(name, "false")
    for path, fields in COUNTERS_ZERO.items():
        for it in router.tables[path]:
            for name in fields:
                it.values.setdefault(name, "0")
    for it in router.tables["/interface/list"]:
        it.values.setdefault("builtin", "false")
    for addresses, routes in (("/ip/address", "/ip/route"), ("/ipv6/address", "/ipv6/route")):
        connected = _derive_addresses(router, addresses, routes)
        _derive_static_routes(router, routes, connected)


# ---------------------------------------------------------------- print-time values


def live_values(router, path, item):
    if path == "/interface/wireguard/peers" and router.fabric is not None:
        return router.fabric.peer_status(router, item)
    if path == "/system/resource":
        from rosemu.values import format_duration_ms
        return {"uptime": format_duration_ms(int(time.monotonic() - router.started) * 1000)}
    return {}


def interface_view(router, item):
    owner = router.owner_of(item)
    menu = schema.CATALOGUE[owner]
    val = item.values
    bridge_ports = _bridge_of(router)
    row = {"name": val["name"], "default-name": val.get("default-name"), "type": menu.interface_type,
           "mtu": val.get("mtu"), "actual-mtu": val.get("actual-mtu"), "l2mtu": val.get("l2mtu"),
           "mac-address": val.get("mac-address"), "running": val.get("running"),
           "slave": _bool(val["name"] in bridge_ports), "dynamic": "false",
           "disabled": val.get("disabled"), "comment": val.get("comment")}
    return {k: v for k, v in row.items() if v is not None}


# ---------------------------------------------------------------- factory state

RESOURCE = {
    "build-time": "2025-02-18 10:21:42", "factory-software": "7.1", "free-memory": "212049920",
    "total-memory": "268435456", "cpu": "QEMU", "cpu-count": "1", "cpu-frequency": "2400",
    "cpu-load": "0", "free-hdd-space": "83034112", "total-hdd-space": "100663296",
    "write-sect-since-reboot": "412", "write-sect-total": "412", "architecture-name": "x86_64",
    "board-name": "CHR QEMU Standard PC (i440FX + PIIX, 1996)", "platform": "MikroTik",
}


def factory_reset(router, identity):
    from rosemu.router import Item
    router.tables["/system/identity"] = [Item(0, {"name": identity})]
    resource = dict(RESOURCE, version=router.version)
    router.tables["/system/resource"] = [Item(0, resource)]
    ether = schema.CATALOGUE["/interface/ethernet"]
    for n in range(1, 6):
        mac = random_mac(router, 0x48)
        values = {"name": "ether%d" % n, "default-name": "ether%d" % n, "mtu": "1500",
                  "mac-address": mac, "arp": "enabled", "disabled": "false"}
        router.tables["/interface/ethernet"].append(Item(router.allocate_id(ether), values))
    lists = schema.CATALOGUE["/interface/list"]
    for name in schema.INTERFACE_LIST_BUILTIN:
        values = {"name": name, "include": "", "exclude": "", "builtin": "true", "dynamic": "false"}
        router.tables["/interface/list"].append(Item(router.allocate_id(lists), values))
    pki.factory_services(router)


def add_users(router, groups, users):
    """The built-in groups (read, write, full: RouterOS's policy sets), then `groups` ({name: "api,read,..."}) and
    `users` ({name: (password, group)}), as `/user group add` and `/user add` would make them."""
    from rosemu.router import Item
    group_menu = schema.CATALOGUE["/user/group"]
    for name, policies in schema.BUILTIN_GROUPS.items():
        values = {"name": name, "policy": schema.POLICY_LIST.parse(router, "policy", ",".join(policies)),
                  "skin": "default", "builtin": "true"}
        router.tables["/user/group"].append(Item(router.allocate_id(group_menu), values))
    for name, policies in groups.items():
        router.add("/user/group", {"name": name, "policy": policies})
    for name, (password, group) in users.items():
        router.add("/user", {"name": name, "password": password or "", "group": group})


# RouterOS v7 default configuration of a home/branch router (trimmed to the menus we model).
BAD_IPV6 = (
    ("::/128", "unspecified address"), ("::1/128", "lo"), ("fec0::/10", "site-local"),
    ("::ffff:0.0.0.0/96", "ipv4-mapped"), ("::/96", "ipv4 compat"), ("100::/64", "discard only "),
    ("2001:db8::/32", "documentation"), ("2001:10::/28", "ORCHID"), ("3ffe::/16", "6bone"),
)
DEFCONF = (
    ("/interface/bridge", {"name": "bridge", "comment": "defconf"}),
    ("/interface/list", {"name": "WAN", "comment": "defconf"}),
    ("/interface/list", {"name": "LAN", "comment": "defconf"}),
) + tuple(
    ("/interface/bridge/port", {"bridge": "bridge", "interface": "ether%d" % n, "comment": "defconf"})
    for n in range(2, 6)
) + (
    ("/interface/list/member", {"list": "LAN", "interface": "bridge", "comment": "defconf"}),
    ("/interface/list/member", {"list": "WAN", "interface": "ether1", "comment": "defconf"}),
    ("/ip/address", {"address": "192.168.88.1/24", "interface": "bridge", "comment": "defconf"}),
) + tuple(("/ip/firewall/filter", rule) for rule in (
    {"chain": "input", "action": "accept", "connection-state": "established,related,untracked",
     "comment": "defconf: accept established,related,untracked"},
    {"chain": "input", "action": "drop", "connection-state": "invalid", "comment": "defconf: drop invalid"},
    {"chain": "input", "action": "accept", "protocol": "icmp", "comment": "defconf: accept ICMP"},
    {"chain": "input", "action": "accept", "dst-address": "127.0.0.1",
     "comment": "defconf: accept to local loopback (for CAPsMAN)"},
    {"chain": "input", "action": "drop", "in-interface-list": "!LAN",
     "comment": "defconf: drop all not coming from LAN"},
    {"chain": "forward", "action": "accept", "ipsec-policy": "in,ipsec", "comment": "defconf: accept in ipsec policy"},
    {"chain": "forward", "action": "accept", "ipsec-policy": "out,ipsec",
     "comment": "defconf: accept out ipsec policy"},
    {"chain": "forward", "action": "fasttrack-connection", "connection-state": "established,related",
     "hw-offload": "true", "comment": "defconf: fasttrack"},
    {"chain": "forward", "action": "accept", "connection-state": "established,related,untracked",
     "comment": "defconf: accept established,related, untracked"},
    {"chain": "forward", "action": "drop", "connection-state": "invalid", "comment": "defconf: drop invalid"},
    {"chain": "forward", "action": "drop", "connection-state": "new", "connection-nat-state": "!dstnat",
     "in-interface-list": "WAN", "comment": "defconf: drop all from WAN not DSTNATed"},
))
DEFCONF += tuple(("/ipv6/firewall/address-list", {"list": "bad_ipv6", "address": address, "comment": "defconf: " + why})
                 for address, why in BAD_IPV6)
DEFCONF += tuple(("/ipv6/firewall/filter", rule) for rule in (
    # RouterOS 7's IPv6 default configuration (MikroTik "Default configurations" / "Building Advanced Firewall"
    # pages); the IPsec and hop-limit matchers are not modelled and never match (FIDELITY.md)
    {"chain": "input", "action": "accept", "connection-state": "established,related,untracked",
     "comment": "defconf: accept established,related,untracked"},
    {"chain": "input", "action": "drop", "connection-state": "invalid", "comment": "defconf: drop invalid"},
    {"chain": "input", "action": "accept", "protocol": "icmpv6", "comment": "defconf: accept ICMPv6"},
    {"chain": "input", "action": "accept", "protocol": "udp", "dst-port": "33434-33534",
     "comment": "defconf: accept UDP traceroute"},
    {"chain": "input", "action": "accept", "protocol": "udp", "dst-port": "546", "src-address": "fe80::/10",
     "comment": "defconf: accept DHCPv6-Client prefix delegation."},
    {"chain": "input", "action": "accept", "protocol": "udp", "dst-port": "500,4500", "comment": "defconf: accept IKE"},
    {"chain": "input", "action": "accept", "protocol": "ipsec-ah", "comment": "defconf: accept ipsec AH"},
    {"chain": "input", "action": "accept", "protocol": "ipsec-esp", "comment": "defconf: accept ipsec ESP"},
    {"chain": "input", "action": "accept", "ipsec-policy": "in,ipsec",
     "comment": "defconf: accept all that matches ipsec policy"},
    {"chain": "input", "action": "drop", "in-interface-list": "!LAN",
     "comment": "defconf: drop everything else not coming from LAN"},
    {"chain": "forward", "action": "accept", "connection-state": "established,related,untracked",
     "comment": "defconf: accept established,related,untracked"},
    {"chain": "forward", "action": "drop", "connection-state": "invalid", "comment": "defconf: drop invalid packets"},
    {"chain": "forward", "action": "drop", "src-address-list": "bad_ipv6",
     "comment": "defconf: drop packets with bad src ipv6"},
    {"chain": "forward", "action": "drop", "dst-address-list": "bad_ipv6",
     "comment": "defconf: drop packets with bad dst ipv6"},
    {"chain": "forward", "action": "drop", "protocol": "icmpv6", "hop-limit": "equal:1",
     "comment": "defconf: rfc4890 drop hop-limit=1"},
    {"chain": "forward", "action": "accept", "protocol": "icmpv6", "comment": "defconf: accept ICMPv6"},
    {"chain": "forward", "action": "accept", "protocol": "139", "comment": "defconf: accept HIP"},
    {"chain": "forward", "action": "accept", "protocol": "udp", "dst-port": "500,4500", "comment": "defconf: accept IKE"},
    {"chain": "forward", "action": "accept", "protocol": "ipsec-ah", "comment": "defconf: accept ipsec AH"},
    {"chain": "forward", "action": "accept", "protocol": "ipsec-esp", "comment": "defconf: accept ipsec ESP"},
    {"chain": "forward", "action": "accept", "ipsec-policy": "in,ipsec",
     "comment": "defconf: accept all that matches ipsec policy"},
    {"chain": "forward", "action": "drop", "in-interface-list": "!LAN",
     "comment": "defconf: drop everything else not coming from LAN"},
))


def apply_defconf(router):
    for path, args in DEFCONF:
        router.add(path, args)
