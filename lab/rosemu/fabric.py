"""How packets would travel between the routers of one lab.

The router asks the fabric three questions: does a ping to an address get an
answer, what does a WireGuard peer's live status look like (last-handshake,
current endpoint, counters), and is a GRE/EoIP tunnel up.

`Fabric` follows each packet the way RouterOS would: route lookup (connected
and static routes, longest prefix), WireGuard cryptokey routing (the peer whose
allowed-address holds the destination; on receive, the source must be in the
sender's allowed-address), the handshake (keys on both ends, preshared keys
equal, at least one side with an endpoint that is the other's underlay address
and listen port, an underlay route to it, and an input firewall that lets the
UDP port in), GRE/EoIP (a matching tunnel on the far end and IP protocol 47
let in), and the filter chains (input for the router's own addresses, forward
otherwise).  Anything that would drop a packet on hardware makes it time out
here; `trace()` says why.
"""

import functools
import ipaddress

from rosemu import schema

MAX_HOPS = 6
TUNNEL_TYPES = {"/interface/wireguard": "wg", "/interface/gre": "gre", "/interface/eoip": "eoip",
                "/interface/gre6": "gre6", "/interface/eoipv6": "eoipv6"}
# each overlay kind: its menu, the IP protocol that carries it, whether tunnel ids must match, the unspecified local
OVERLAYS = {"gre": ("/interface/gre", "gre", False, "0.0.0.0"), "eoip": ("/interface/eoip", "gre", True, "0.0.0.0"),
            "gre6": ("/interface/gre6", "gre", False, "::"), "eoipv6": ("/interface/eoipv6", "etherip", True, "::")}
PROTOCOLS = {"icmp": "1", "tcp": "6", "udp": "17", "gre": "47", "ipv6-icmp": "58", "icmpv6": "58", "etherip": "97"}


class Blocked(Exception):
    """A packet would be dropped: the message says where and why."""


@functools.lru_cache(maxsize=1 << 16)
def _ip(text):
    return ipaddress.ip_address(str(text).split("%", 1)[0])


# A ping walks every router's tables; the same strings are parsed again and again (addresses are immutable, so
# caching the parse is safe): this keeps the fabric's cost out of fleet benchmarks.
_interface = functools.lru_cache(maxsize=1 << 16)(ipaddress.ip_interface)
_network = functools.lru_cache(maxsize=1 << 16)(ipaddress.ip_network)


def _enabled(item):
    return item.values.get("disabled") != "true"


class Fabric:
    def attach(self, lab):
        self.lab = lab

    @property
    def routers(self):
        lab = getattr(self, "lab", None)
        return list(lab.routers.values()) if lab is not None else []

    # ------------------------------------------------------------ questions a router asks
    def ping(self, router, address, src=None, interface=None):
        """Round-trip time in ms, or None for a timeout."""
        try:
            hops = self.trace(router, address, src)
        except Blocked:
            return None
        return 0.0 if hops == 0 else 0.4 * hops

    def peer_status(self, router, peer):
        if not _enabled(peer):
            return {}
        try:
            endpoint = self.handshake(router, peer)
        except Blocked:
            return {}
        return {"current-endpoint-address": endpoint[0], "current-endpoint-port": str(endpoint[1]),
                "last-handshake": "8s", "rx": "2148", "tx": "1852"}

    def tunnel_running(self, router, path, item):
        return True

    # ------------------------------------------------------------ the model
    def own_addresses(self, router, tunnels=True):
        """{address: interface name} of the router's valid, enabled addresses."""
        out = {_ip("127.0.0.1"): "lo", _ip("::1"): "lo"}
        for path in ("/ip/address", "/ipv6/address"):
            for item in router.tables[path]:
                val = item.values
                if _enabled(item) and val.get("invalid") != "true":
                    if tunnels or self.kind(router, val["interface"]) not in ("wg",) + tuple(OVERLAYS):
                        out[_interface(val["address"]).ip] = val.get("actual-interface", val["interface"])
        return out

    def kind(self, router, ifname):
        for path, kind in TUNNEL_TYPES.items():
            for item in router.tables[path]:
                if item.values.get("name") == ifname:
                    return kind
        return "ether"

    def interface_item(self, router, ifname):
        for path in schema.INTERFACE_MENUS:
            for item in router.tables[path]:
                if item.values.get("name") == ifname:
                    return path, item
        return None, None

    def lookup(self, router, dst):
        """(egress interface, next hop) by longest prefix over connected and active static routes."""
        dst = _ip(dst)
        best = None
        for item in router.tables["/ip/route" if dst.version == 4 else "/ipv6/route"]:
            val = item.values
            if val.get("active") != "true" or not _enabled(item):
                continue
            net = _network(val["dst-address"])
            if dst not in net:
                continue
            rank = (net.prefixlen, -int(val.get("distance", "1")))
            if best is not None and rank <= best[0]:
                continue
            if val.get("connect") == "true":
                best = (rank, val["gateway"], dst)
            else:
                gw = val.get("immediate-gw") or val.get("gateway", "")
                hop, _sep, ifname = gw.partition("%")
                if not ifname:
                    ifname, hop = gw, str(dst)
                best = (rank, ifname, _ip(hop) if hop else dst)
        if best is None:
            raise Blocked("%s: no route to %s" % (router.name, dst))
        return best[1], best[2]

    # ------------------------------------------------------------ packets
    def why(self, router, address):
        """"ok", or which router drops a ping from `router` to `address` and why."""
        try:
            self.trace(router, address)
        except Blocked as exc:
            return str(exc)
        return "ok"

    def trace(self, router, address, src=None, protocol="icmp"):
        """Hops a new packet takes from `router` to `address`, and back; raises Blocked."""
        dst = _ip(address)
        if dst.version == 6 and protocol == "icmp":
            protocol = "icmpv6"             # an IPv6 ping is ICMPv6 (protocol 58) to the firewall
        if dst in self.own_addresses(router):
            return 0
        ifname, hop = self.lookup(router, dst)
        src = _ip(src) if src else self.source_for(router, ifname, dst, hop)
        hops, far, in_iface = self.carry(router, ifname, dst, src, protocol, 0, hop)
        self.reply_path(far, in_iface, src)
        return hops

    def source_for(self, router, ifname, dst, hop=None):
        """The source RouterOS picks: the address of the connected network the next hop is in."""
        candidates = []
        for path in ("/ip/address", "/ipv6/address"):
            for item in router.tables[path]:
                val = item.values
                if _enabled(item) and val.get("invalid") != "true" and \
                        val.get("actual-interface", val["interface"]) == ifname:
                    candidates.append(_interface(val["address"]))
        target = _ip(hop) if hop is not None else dst
        for iface in candidates:
            if target in iface.network:
                return iface.ip
        for iface in candidates:
            if iface.ip.version == dst.version:
                return iface.ip
        raise Blocked("%s: no address on %s to send from" % (router.name, ifname))

    def carry(self, router, ifname, dst, src, protocol, depth, hop=None):
        """Deliver a packet leaving `router` on `ifname` (to `hop`, the route's gateway); returns (hops, receiving
        router, its in-interface)."""
        if depth > MAX_HOPS:
            raise Blocked("%s: routing loop towards %s" % (router.name, dst))
        kind = self.kind(router, ifname)
        if kind == "wg":
            far, far_iface = self.via_wireguard(router, ifname, dst, src)
        elif kind in OVERLAYS:
            far, far_iface = self.via_overlay(router, ifname, kind)
        else:
            far, far_iface = self.via_underlay(router, ifname, dst, hop)
        if dst in self.own_addresses(far):
            self.firewall(far, "input", {"protocol": protocol, "src": src, "dst": dst, "in": far_iface})
            return depth + 1, far, far_iface
        out_iface, next_hop = self.lookup(far, dst)
        self.firewall(far, "forward", {"protocol": protocol, "src": src, "dst": dst, "in": far_iface,
                                       "out": out_iface})
        return self.carry(far, out_iface, dst, src, protocol, depth + 1, next_hop)

    def reply_path(self, router, in_iface, src):
        """The answer must go back the way the request came (allowed-address on send, routes)."""
        ifname, _hop = self.lookup(router, src)
        if self.kind(router, ifname) == "wg":
            peer = self.peer_for(router, ifname, src)
            if peer is None:
                raise Blocked("%s: no peer on %s whose allowed-address holds %s (the reply)"
                              % (router.name, ifname, src))

    def via_underlay(self, router, ifname, dst, hop=None):
        """The router a packet on the shared underlay segment reaches: the gateway's, when a router holds the
        gateway address (a WAN host routing a LAN via the hub goes through the hub), else the destination's."""
        if hop is not None and hop != dst:
            for other in self.routers:
                owned = self.own_addresses(other, tunnels=False) if other is not router else {}
                if hop in owned:
                    return other, owned[hop]
        for other in self.routers:
            if other is router:
                continue
            owned = self.own_addresses(other, tunnels=False)
            if dst in owned:
                return other, owned[dst]
        raise Blocked("%s: nobody on the underlay answers for %s" % (router.name, dst))

    # ------------------------------------------------------------ WireGuard
    def wg_item(self, router, ifname):
        for item in router.tables["/interface/wireguard"]:
            if item.values.get("name") == ifname:
                return item
        return None

    def peer_for(self, router, ifname, address):
        best = None
        for peer in router.tables["/interface/wireguard/peers"]:
            if peer.values.get("interface") != ifname or not _enabled(peer):
                continue
            for prefix in peer.values.get("allowed-address", "").split(","):
                net = _network(prefix)
                if address in net and (best is None or net.prefixlen > best[0]):
                    best = (net.prefixlen, peer)
        return best[1] if best else None

    def far_end(self, router, peer):
        """(router, wg interface item, its peer entry for us) at the other end of `peer`."""
        mine = self.wg_item(router, peer.values["interface"])
        for other in self.routers:
            for item in other.tables["/interface/wireguard"]:
                if item.values.get("public-key") == peer.values.get("public-key") and other is not router:
                    if not _enabled(item):
                        raise Blocked("%s: %s is disabled" % (other.name, item.values["name"]))
                    back = [p for p in other.tables["/interface/wireguard/peers"]
                            if p.values.get("interface") == item.values["name"]
                            and p.values.get("public-key") == mine.values.get("public-key") and _enabled(p)]
                    if not back:
                        raise Blocked("%s: no peer with %s's public key on %s" % (other.name, router.name,
                                                                                  item.values["name"]))
                    return other, item, back[0]
        raise Blocked("%s: peer key %s... belongs to no router's WireGuard interface"
                      % (router.name, peer.values.get("public-key", "")[:8]))

    def handshake(self, router, peer):
        """The endpoint the handshake used, seen from `router`; raises Blocked when none can happen."""
        if not _enabled(self.wg_item(router, peer.values["interface"])):
            raise Blocked("%s: %s is disabled" % (router.name, peer.values["interface"]))
        far, far_item, back = self.far_end(router, peer)
        for owner, item in ((router, self.wg_item(router, peer.values["interface"])), (far, far_item)):
            if item.values.get("running") == "false":
                raise Blocked("%s: %s is not running: another WireGuard interface holds UDP port %s"
                              % (owner.name, item.values["name"], item.values.get("listen-port")))
        if peer.values.get("preshared-key") != back.values.get("preshared-key"):
            raise Blocked("%s and %s: the preshared keys differ" % (router.name, far.name))
        mine = self.wg_item(router, peer.values["interface"])
        reasons = []
        for initiator, entry, responder, item in ((router, peer, far, far_item), (far, back, router, mine)):
            try:
                self.dial(initiator, entry, responder, item)
                if initiator is router:
                    return entry.values["endpoint-address"], entry.values["endpoint-port"]
                source = self.source_for(far, self.lookup(far, entry.values["endpoint-address"])[0],
                                         _ip(entry.values["endpoint-address"]))
                return str(source), far_item.values.get("listen-port")
            except Blocked as exc:
                reasons.append(str(exc))
        raise Blocked("; ".join(reasons))

    def dial(self, initiator, entry, responder, responder_item):
        address = entry.values.get("endpoint-address", "")
        if not address:
            raise Blocked("%s: no endpoint for %s" % (initiator.name, responder.name))
        try:
            target = _ip(address)
        except ValueError:
            raise Blocked("%s: cannot resolve endpoint %s" % (initiator.name, address)) from None
        port = responder_item.values.get("listen-port")
        if entry.values.get("endpoint-port") != port:
            raise Blocked("%s: endpoint port %s, but %s listens on %s" % (initiator.name,
                          entry.values.get("endpoint-port"), responder.name, port))
        ifname, hop = self.lookup(initiator, target)
        if self.kind(initiator, ifname) != "ether":
            raise Blocked("%s: the endpoint %s is routed into a tunnel (%s)" % (initiator.name, target, ifname))
        owned = self.own_addresses(responder, tunnels=False)
        if target not in owned:
            raise Blocked("%s: endpoint %s is not an address of %s" % (initiator.name, target, responder.name))
        src = self.source_for(initiator, ifname, target, hop)
        self.firewall(responder, "input", {"protocol": "udp", "src": src, "dst": target, "dst_port": port,
                                           "in": owned[target]})

    def via_wireguard(self, router, ifname, dst, src):
        peer = self.peer_for(router, ifname, dst)
        if peer is None:
            raise Blocked("%s: no peer on %s whose allowed-address holds %s" % (router.name, ifname, dst))
        self.handshake(router, peer)
        far, far_item, back = self.far_end(router, peer)
        if self.peer_for(far, far_item.values["name"], src) is not back:
            raise Blocked("%s: drops %s from %s: not in that peer's allowed-address" % (far.name, src, router.name))
        return far, far_item.values["name"]

    # ------------------------------------------------------------ GRE / EoIP
    def via_overlay(self, router, ifname, kind):
        path, protocol, keyed, unspecified = OVERLAYS[kind]
        _path, tunnel = self.interface_item(router, ifname)
        if not _enabled(tunnel):
            raise Blocked("%s: %s is disabled" % (router.name, ifname))
        remote = _ip(tunnel.values["remote-address"])
        local = tunnel.values.get("local-address", unspecified)
        out_iface, hop = self.lookup(router, remote)
        local = _ip(local) if local != unspecified else self.source_for(router, out_iface, remote, hop)
        _hops, far, _in = self.carry(router, out_iface, remote, local, protocol, 0)
        for item in far.tables[path]:
            val = item.values
            if _ip(val["remote-address"]) == local and val.get("local-address", unspecified) in (unspecified, str(remote)) \
                    and _enabled(item) and (not keyed or val.get("tunnel-id") == tunnel.values.get("tunnel-id")):
                return far, val["name"]
        raise Blocked("%s: no %s tunnel from %s to %s%s" % (far.name, kind.upper(), remote, local,
                      " with tunnel-id %s" % tunnel.values.get("tunnel-id") if keyed else ""))

    # ------------------------------------------------------------ firewall
    def firewall(self, router, chain, packet):
        path = "/ip/firewall/filter" if packet["dst"].version == 4 else "/ipv6/firewall/filter"
        verdict = self.run_chain(router, path, chain, packet, 0)
        if verdict is False:
            raise Blocked("%s: the %s chain drops %s %s -> %s%s" % (
                router.name, chain, packet["protocol"], packet["src"], packet["dst"],
                ":%s" % packet["dst_port"] if packet.get("dst_port") else ""))

    def run_chain(self, router, path, chain, packet, depth):
        for item in router.tables[path]:
            val = item.values
            if val.get("chain") != chain or not _enabled(item) or not self.matches(router, val, packet):
                continue
            action = val.get("action", "accept")
            if action in ("accept", "fasttrack-connection"):
                return True
            if action in ("drop", "reject", "tarpit"):
                return False
            if action == "return":
                return None
            if action == "jump" and depth < 8:
                verdict = self.run_chain(router, path, val.get("jump-target"), packet, depth + 1)
                if verdict is not None:
                    return verdict
        return None   # no verdict: the chain's policy is accept

    def matches(self, router, rule, packet):
        checks = {
            "protocol": lambda v: PROTOCOLS.get(v, v) == PROTOCOLS.get(packet["protocol"], packet["protocol"]),
            "src-address": lambda v: self._in(packet["src"], v),
            "dst-address": lambda v: self._in(packet["dst"], v),
            "dst-port": lambda v: self._port(packet.get("dst_port"), v),
            "in-interface": lambda v: packet.get("in") == v,
            "out-interface": lambda v: packet.get("out") == v,
            "src-address-list": lambda v: self._listed(router, packet["src"], v),
            "dst-address-list": lambda v: self._listed(router, packet["dst"], v),
            "in-interface-list": lambda v: self._member(router, packet.get("in"), v),
            "out-interface-list": lambda v: self._member(router, packet.get("out"), v),
            "connection-state": lambda v: "new" in v.split(","),
            "connection-nat-state": lambda v: False,
        }
        # not matchers: the rule's own settings and the parameters of its action
        ignored = ("chain", "action", "comment", "disabled", "log", "log-prefix", "bytes", "packets", "dynamic",
                   "invalid", "hw-offload", "jump-target", "reject-with", "address-list", "address-list-timeout")
        for name, value in rule.items():
            if name in ignored:
                continue
            check = checks.get(name)
            if check is None:
                return False          # a matcher we do not model (ipsec-policy ...) never matches
            negated = value.startswith("!")
            if check(value[1:] if negated else value) == negated:
                return False
        return True

    def _listed(self, router, address, name):
        path = "/ip/firewall/address-list" if address.version == 4 else "/ipv6/firewall/address-list"
        return any(_enabled(it) and it.values.get("list") == name and self._in(address, it.values["address"])
                   for it in router.tables[path])

    @staticmethod
    def _in(address, text):
        if "-" in text:
            low, high = text.split("-", 1)
            return _ip(low) <= address <= _ip(high)
        return address in _network(text, strict=False)

    @staticmethod
    def _port(port, text):
        if port is None:
            return False
        for part in text.split(","):
            low, _sep, high = part.partition("-")
            if int(low) <= int(port) <= int(high or low):
                return True
        return False

    @staticmethod
    def _member(router, ifname, listname):
        if listname == "all":
            return True
        return any(m.values.get("list") == listname and m.values.get("interface") == ifname
                   for m in router.tables["/interface/list/member"] if _enabled(m))
