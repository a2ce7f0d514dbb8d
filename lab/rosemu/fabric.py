"""How packets would travel between the routers of one lab.

The router asks the fabric three questions: does a ping to an address get an
answer, what does a WireGuard peer's live status look like (last-handshake,
current endpoint, counters), and is a GRE/EoIP tunnel up.

The answers depend on time as well as on configuration.  The fabric keeps an
emulated clock (`Clock`: real time times a scale, plus what a test advanced by
hand) and the state hardware keeps: each end's WireGuard session (which
handshake made it, when, and when it tries again), and whether each GRE/EoIP
tunnel with keepalive has heard from its far end.  The two ends of a link keep
their sessions apart: an end that loses its own (its peer re-created or
re-keyed, disabled, its router restarted) drops what the other end still sends
in the old one, until the other end notices the silence and initiates again.
Nothing runs in the background: before the routers answer anything or change
anything, `settle()` plays every timer that fell due since, in time order,
against the configuration of that moment (it only changes on writes, and
writes settle first).

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
import itertools
import time

from rosemu import ospf, schema
from rosemu.values import format_duration_ms, parse_duration_ms

MAX_HOPS = 6
TUNNEL_TYPES = {"/interface/wireguard": "wg", "/interface/gre": "gre", "/interface/eoip": "eoip",
                "/interface/gre6": "gre6", "/interface/eoipv6": "eoipv6"}
# each overlay kind: its menu, the IP protocol that carries it, whether tunnel ids must match, the unspecified local
OVERLAYS = {"gre": ("/interface/gre", "gre", False, "0.0.0.0"), "eoip": ("/interface/eoip", "gre", True, "0.0.0.0"),
            "gre6": ("/interface/gre6", "gre", False, "::"), "eoipv6": ("/interface/eoipv6", "etherip", True, "::")}
OVERLAY_MENUS = dict((kind, entry[0]) for kind, entry in OVERLAYS.items())
PROTOCOLS = {"icmp": "1", "tcp": "6", "udp": "17", "gre": "47", "ipv6-icmp": "58", "icmpv6": "58", "etherip": "97",
             "ospf": "89"}

# WireGuard's timers (the WireGuard paper, section 6.1, and wireguard.com/protocol): an unanswered initiation is
# sent again after REKEY_TIMEOUT, for REKEY_ATTEMPT_TIME at most; a session older than REKEY_AFTER_TIME is renewed
# when there is something to send, and one older than REJECT_AFTER_TIME carries nothing.
REKEY_TIMEOUT = 5
REKEY_ATTEMPT_TIME = 90
REKEY_AFTER_TIME = 120
REJECT_AFTER_TIME = 180
KEEPALIVE_TIMEOUT = 10
# An end that sent data and has heard nothing back since (not even a keepalive) initiates a new handshake this long
# after the first such packet (the paper, section 6.5; the Linux driver's timers.c, wg_timers_data_sent: data
# packets only, a keepalive does not count).  The far end answers data within KEEPALIVE_TIMEOUT (its passive
# keepalive), so only an end whose far end dropped the packets gets here.
NEW_HANDSHAKE_AFTER = KEEPALIVE_TIMEOUT + REKEY_TIMEOUT

# check-gateway=ping on a static route: an echo request to the gateway every check-gateway-ping-interval (10 s), and
# the gateway is unreachable, the route inactive, after check-gateway-ping-count (2) timeouts in a row; one answer
# makes it reachable again (MikroTik manual, IP Routing, "check-gateway"; the defaults of /routing/settings)
CHECK_GATEWAY_INTERVAL = 10
CHECK_GATEWAY_COUNT = 2
ROUTE_MENUS = ("/ip/route", "/ipv6/route")


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


class Clock:
    """Emulated seconds: real time since the start times `scale`, plus what `advance` added (tests move a frozen
    clock by hand; a lab can run its timers faster than real time)."""

    def __init__(self, scale=1.0, frozen=False):
        self.scale = float(scale)
        self.frozen = frozen
        self.started = time.monotonic()
        self.offset = 0.0

    def now(self):
        return self.offset + (0.0 if self.frozen else (time.monotonic() - self.started) * self.scale)

    def advance(self, seconds):
        self.offset += seconds


class PeerState:
    """What one end of a WireGuard link remembers: its session (the last handshake), its current round of
    initiations, and whether data it sent is still unanswered.  A new PeerState is an end that lost its session."""
    __slots__ = ("last", "session", "endpoint", "round", "next_try", "next_keepalive", "new_handshake_at", "failure")

    def __init__(self):
        self.last = None            # emulated time of the last completed handshake
        self.session = None         # which handshake made the session this end holds (both ends hold the same one)
        self.endpoint = None        # (address, port) the far end was last heard from
        self.round = None           # when the current round of initiations began; None when not trying
        self.next_try = None
        self.next_keepalive = None  # persistent-keepalive: when the next keepalive is due
        self.new_handshake_at = None  # data went out unanswered: when this end initiates again (None: nothing owed)
        self.failure = None         # why the last initiation got no answer


class TunnelState:
    """A GRE/EoIP tunnel with keepalive: not running until the far end first answers, and not running again after
    `retries` keepalives in a row go unanswered."""
    __slots__ = ("interval", "retries", "next_probe", "up", "misses", "failure")

    def __init__(self, interval, retries, now):
        self.interval, self.retries = interval, retries
        self.next_probe = now
        self.up = False
        self.misses = 0
        self.failure = "no keepalive answered yet"


class GatewayCheck:
    """A static route's check-gateway=ping: reachable until CHECK_GATEWAY_COUNT pings in a row go unanswered (a new
    route counts as reachable: U on hardware)."""
    __slots__ = ("next_probe", "reachable", "misses", "failure")

    def __init__(self, now):
        self.next_probe = now
        self.reachable = True
        self.misses = 0
        self.failure = None


def _keepalive(item):
    """(interval seconds, retries) of a tunnel's keepalive, None when it is off (unset)."""
    text = item.values.get("keepalive")
    if not text:
        return None
    interval, _sep, retries = text.partition(",")
    seconds = (parse_duration_ms(interval) or 0) / 1000.0
    return (seconds, int(retries or 10)) if seconds > 0 else None


class Fabric:
    def __init__(self, clock=None):
        self.clock = clock or Clock()
        self.peers = {}             # (router name, peer id) -> (signature, PeerState, router, peer item)
        self.tunnels = {}           # (router name, tunnel id) -> (signature, TunnelState, router, tunnel item)
        self.gateways = {}          # (router name, route menu, route id) -> (signature, GatewayCheck, router, route)
        self.dirty = set()          # routers whose configuration changed since the last scan
        self.at = None              # the emulated time being played (None: now)
        self.next_due = None        # when the earliest timer falls due (None: not known, look)
        self.session_ids = itertools.count(1)
        self._settling = False

    def attach(self, lab):
        self.lab = lab

    @property
    def routers(self):
        lab = getattr(self, "lab", None)
        return list(lab.routers.values()) if lab is not None else []

    # ------------------------------------------------------------ questions a router asks
    def ping(self, router, address, src=None, interface=None):
        """Round-trip time in ms, or None for a timeout."""
        self.settle()
        try:
            hops = self.trace(router, address, src)
        except Blocked:
            return None
        return 0.0 if hops == 0 else 0.4 * hops

    def peer_status(self, router, peer):
        """last-handshake (the age of the last one), the endpoint it came from, counters; nothing before the first."""
        self.settle()
        entry = self.peers.get((router.name, peer.id))
        if not _enabled(peer) or entry is None or entry[1].last is None:
            return {}
        state = entry[1]
        age = max(0, int(self.now() - state.last))
        out = {"last-handshake": format_duration_ms(age * 1000), "rx": "2148", "tx": "1852"}
        if state.endpoint:
            out.update({"current-endpoint-address": str(state.endpoint[0]),
                        "current-endpoint-port": str(state.endpoint[1])})
        return out

    def tunnel_running(self, router, path, item):
        """Without keepalive a tunnel runs while enabled; with it, once its far end has answered (TunnelState)."""
        if _keepalive(item) is None:
            return True
        entry = self.tunnels.get((router.name, item.id))
        return entry is not None and entry[0] == self._tunnel_signature(item) and entry[1].up

    def gateway_reachable(self, router, path, item):
        """Whether a static route's check-gateway lets it be active (always, without check-gateway=ping)."""
        entry = self.gateways.get((router.name, path, item.id))
        return entry is None or entry[1].reachable

    def ospf_neighbors(self, router):
        """The rows of the router's /routing/ospf/neighbor: the modelled adjacencies (rosemu/ospf.py)."""
        return ospf.neighbors(self, router, dict((k, OVERLAYS[k]) for k in ("gre", "eoip")), Blocked)

    def ospf_routes(self, router):
        """The router's dynamic OSPF routes in /ip/route: none, the model has adjacencies but no LSAs (the data
        plane's FRR has them: DataPlane.ospf_routes)."""
        return []

    def bfd_sessions(self, router):
        """The rows of the router's /routing/bfd/session: the modelled sessions (rosemu/ospf.py)."""
        return ospf.bfd_sessions(self, router, dict((k, OVERLAYS[k]) for k in ("gre", "eoip")), Blocked)

    def why_down(self, router, ifname):
        """Why a tunnel with keepalive is not running ("" when it is, or has no keepalive)."""
        _path, item = self.interface_item(router, ifname)
        entry = self.tunnels.get((router.name, item.id)) if item is not None else None
        return "" if entry is None or entry[1].up else entry[1].failure

    # ------------------------------------------------------------ time
    def now(self):
        return self.at if self.at is not None else self.clock.now()

    def changed(self, router):
        """A router's configuration changed: its peers and tunnels are looked at again (at once, unless the fabric
        is already playing its timers, which look before they finish)."""
        self.dirty.add(router)
        self.settle()

    def settle(self):
        """Play every timer due by now, in time order; each sees the configuration of the moment."""
        now = self.clock.now()
        if self._settling or (not self.dirty and self.next_due is not None and now < self.next_due):
            return
        self._settling = True
        try:
            while True:
                while self.dirty:
                    self._scan(self.dirty.pop(), now)
                when, action = self._next_event()
                if when is None or when > now:
                    self.next_due = float("inf") if when is None else when
                    break
                self.at = when
                action()
                self.at = None
        finally:
            self.at = None
            self._settling = False

    def _next_event(self):
        best = (None, None)
        for _sig, state, router, peer in self.peers.values():
            for when, act in ((state.next_try if state.round is not None else None, self._try),
                              (state.next_keepalive, self._keepalive_due),
                              (state.new_handshake_at, self._new_handshake_due)):
                if when is not None and (best[0] is None or when < best[0]):
                    best = (when, functools.partial(act, router, peer, state))
        for _sig, state, router, item in self.tunnels.values():
            if best[0] is None or state.next_probe < best[0]:
                best = (state.next_probe, functools.partial(self._probe, router, item, state))
        for _sig, state, router, item in self.gateways.values():
            if best[0] is None or state.next_probe < best[0]:
                best = (state.next_probe, functools.partial(self._probe_gateway, router, item, state))
        return best

    def _peer_signature(self, router, peer):
        """What a peer's session depends on: a change of any of it drops this end's session."""
        mine = self.wg_item(router, peer.values.get("interface"))
        return (peer.values.get("interface"), peer.values.get("public-key"), peer.values.get("preshared-key"),
                mine.values.get("public-key") if mine is not None else None)

    @staticmethod
    def _tunnel_signature(item):
        val = item.values
        return (val.get("local-address"), val.get("remote-address"), val.get("keepalive"), val.get("tunnel-id"))

    def _scan(self, router, now):
        """Track the router's live peers and keepalive tunnels; a changed identity starts afresh (a new key is a new
        peer and has no session; a tunnel with new addresses or keepalive waits for its first answer again)."""
        seen = set()
        for peer in router.tables["/interface/wireguard/peers"]:
            mine = self.wg_item(router, peer.values.get("interface"))
            if not _enabled(peer) or mine is None or not _enabled(mine):
                continue
            key, sig = (router.name, peer.id), self._peer_signature(router, peer)
            seen.add(key)
            entry = self.peers.get(key)
            if entry is None or entry[0] != sig:
                entry = self.peers[key] = (sig, PeerState(), router, peer)
            state = entry[1]
            keepalive = (parse_duration_ms(peer.values.get("persistent-keepalive") or "0") or 0) / 1000.0
            if keepalive <= 0:
                state.next_keepalive = None
            elif state.next_keepalive is None:
                state.next_keepalive = now         # a peer with persistent-keepalive sends one at once
        for key in [k for k in self.peers if k[0] == router.name and k not in seen]:
            del self.peers[key]
        seen = set()
        flipped = False
        for path in OVERLAY_MENUS.values():
            for item in router.tables[path]:
                keepalive = _keepalive(item)
                if keepalive is None or not _enabled(item):
                    continue
                key, sig = (router.name, item.id), self._tunnel_signature(item)
                seen.add(key)
                entry = self.tunnels.get(key)
                if entry is None or entry[0] != sig:
                    flipped = flipped or (entry is not None and entry[1].up)
                    self.tunnels[key] = (sig, TunnelState(keepalive[0], keepalive[1], now), router, item)
        for key in [k for k in self.tunnels if k[0] == router.name and k not in seen]:
            del self.tunnels[key]
        flipped = self._scan_gateway_checks(router, now) or flipped
        if flipped:
            router.refresh()

    def _scan_gateway_checks(self, router, now):
        """Track the router's static routes with check-gateway=ping; a changed gateway starts afresh. True when a
        route that was held inactive by its check is gone from it (the routes are derived again)."""
        seen = set()
        flipped = False
        for path in ROUTE_MENUS:
            for item in router.tables[path]:
                val = item.values
                if val.get("check-gateway") != "ping" or not _enabled(item) or val.get("connect") == "true":
                    continue
                key, sig = (router.name, path, item.id), (val.get("gateway"), val.get("dst-address"))
                seen.add(key)
                entry = self.gateways.get(key)
                if entry is None or entry[0] != sig:
                    flipped = flipped or (entry is not None and not entry[1].reachable)
                    self.gateways[key] = (sig, GatewayCheck(now), router, item)
        for key in [k for k in self.gateways if k[0] == router.name and k not in seen]:
            flipped = flipped or not self.gateways.pop(key)[1].reachable
        return flipped

    def _peer_state(self, router, peer):
        entry = self.peers.get((router.name, peer.id))
        if entry is None or entry[0] != self._peer_signature(router, peer):
            entry = self.peers[(router.name, peer.id)] = (self._peer_signature(router, peer), PeerState(), router,
                                                          peer)
        return entry[1]

    def restart(self, router):
        """`router` restarted: it keeps its configuration and loses what it knew live, its WireGuard sessions (and
        the endpoints it learnt, and its timers) and what its tunnels heard; the far ends keep theirs."""
        self.settle()           # what fell due before the restart happened with the state of then
        for table in (self.peers, self.tunnels, self.gateways):
            for key in [k for k in table if k[0] == router.name]:
                del table[key]
        router.refresh()        # tunnels not running until answered again; peers with keepalive send one at once

    def _keepalive_due(self, router, peer, state):
        """A persistent keepalive: sent in the session, it tells the far end we are there (it is not data: an
        unanswered one does not make us initiate again); without a session it starts a handshake."""
        every = (parse_duration_ms(peer.values.get("persistent-keepalive") or "0") or 0) / 1000.0
        if self.send(router, peer, state):
            try:
                self.deliver(router, peer, state)
            except Blocked:
                pass
        state.next_keepalive = self.now() + every if every > 0 else None

    def _new_handshake_due(self, router, peer, state):
        """NEW_HANDSHAKE_AFTER seconds of data unanswered: the far end may have lost the session; initiate (a round
        already under way goes on)."""
        state.new_handshake_at = None
        if state.round is None:
            state.round = state.next_try = self.now()
            self._try(router, peer, state)

    def data_sent(self, state):
        """Data left in the session: unless already waiting for an answer, wait NEW_HANDSHAKE_AFTER for one."""
        if state.new_handshake_at is None:
            state.new_handshake_at = self.now() + NEW_HANDSHAKE_AFTER
            self.next_due = None

    def deliver(self, router, peer, state):
        """A transport packet in `state`'s session reaches the far end, which takes it only in the session it holds
        itself; returns (far router, its WireGuard interface, its peer entry for us), or raises Blocked."""
        self.handshake(router, peer)            # the path still works, one way or the other
        far, far_item, back = self.far_end(router, peer)
        other = self._peer_state(far, back)
        if other.session != state.session:
            raise Blocked("%s: drops %s's packets: they are in a session %s does not have (%s); %s initiates again "
                          "%s" % (far.name, router.name, far.name, "it has none" if other.session is None
                                  else "it has a newer one", router.name, self._initiates_when(state)))
        other.new_handshake_at = None           # it heard from us
        return far, far_item, back

    def _initiates_when(self, state):
        if state.round is not None:
            return "(trying: next initiation in %ds)" % max(0, state.next_try - self.now())
        if state.new_handshake_at is not None:
            return "after %ds of unanswered traffic (in %ds)" % (NEW_HANDSHAKE_AFTER,
                                                                 max(0, state.new_handshake_at - self.now()))
        return "after %ds of unanswered traffic" % NEW_HANDSHAKE_AFTER

    def send(self, router, peer, state):
        """Something is to go to `peer` now: start a round of initiations unless a fresh session exists (the first
        is sent at once); True while a session can carry it."""
        now = self.now()
        if (state.last is None or now - state.last >= REKEY_AFTER_TIME) and state.round is None:
            state.round = state.next_try = now
            self.next_due = None            # a new timer: settle looks again
            self._try(router, peer, state)
        return state.last is not None and now - state.last < REJECT_AFTER_TIME

    def _try(self, router, peer, state):
        """One handshake initiation from `router` to `peer`: answered, both ends have a session; else again after
        REKEY_TIMEOUT, until the round has lasted REKEY_ATTEMPT_TIME."""
        now = self.now()
        try:
            mine, far, back, theirs = self.initiate(router, peer, state)
        except Blocked as exc:
            state.failure = str(exc)
            state.next_try = now + REKEY_TIMEOUT
            if state.next_try - state.round > REKEY_ATTEMPT_TIME:
                state.round = state.next_try = None
            return
        other = self._peer_state(far, back)
        session = next(self.session_ids)
        for end, endpoint in ((state, mine), (other, theirs)):
            end.last, end.endpoint, end.round, end.next_try, end.failure = now, endpoint, None, None, None
            end.session, end.new_handshake_at = session, None

    def initiate(self, router, peer, state):
        """(endpoint `router` reached, far router, its peer entry, endpoint the far end learnt); raises Blocked.
        The initiator needs an endpoint: the configured one, or the one it last heard the far end from."""
        far, far_item, back = self.link_check(router, peer)
        mine_item = self.wg_item(router, peer.values["interface"])
        if peer.values.get("endpoint-address"):
            source = self.dial(router, peer, far, far_item)
            return ((peer.values["endpoint-address"], peer.values.get("endpoint-port")), far, back,
                    (str(source), mine_item.values.get("listen-port")))
        if state.endpoint is None:
            raise Blocked("%s: no endpoint for %s, and %s has not made contact yet" % (router.name, far.name, far.name))
        self.handshake(router, peer)            # the path still works, one way or the other
        target = _ip(state.endpoint[0])
        ifname, hop = self.lookup(router, target)
        return state.endpoint, far, back, (str(self.source_for(router, ifname, target, hop)),
                                           mine_item.values.get("listen-port"))

    def _probe(self, router, item, state):
        """One keepalive of a tunnel: answered, it runs; `retries` unanswered in a row, it stops."""
        was = state.up
        try:
            self.keepalive_answered(router, item)
            state.up, state.misses, state.failure = True, 0, None
        except Blocked as exc:
            state.misses += 1
            state.failure = str(exc)
            if state.misses >= state.retries:
                state.up = False
        state.next_probe = self.now() + state.interval
        if state.up != was:
            router.refresh()

    def _probe_gateway(self, router, item, state):
        """One check-gateway ping: answered, the gateway is reachable; CHECK_GATEWAY_COUNT unanswered in a row, the
        route goes inactive."""
        was = state.reachable
        gateway = (item.values.get("gateway") or "").split(",")[0].partition("%")[0]
        try:
            self.trace(router, gateway)
            state.reachable, state.misses, state.failure = True, 0, None
        except (Blocked, ValueError) as exc:
            state.misses += 1
            state.failure = str(exc)
            if state.misses >= CHECK_GATEWAY_COUNT:
                state.reachable = False
        state.next_probe = self.now() + CHECK_GATEWAY_INTERVAL
        if state.reachable != was:
            router.refresh()

    def keepalive_answered(self, router, item):
        """GRE: the far end decapsulates our keepalive and routes the inner packet back to us (any GRE end with a
        matching tunnel does; a Linux ip_gre end does not by default). EoIP: we hear the far end's own keepalives,
        so its tunnel must send them. Raises Blocked."""
        kind = next(k for k, menu in OVERLAY_MENUS.items() if item in router.tables[menu])
        _menu, protocol, keyed, unspecified = OVERLAYS[kind]
        far, far_name = self.via_overlay(router, item.values["name"], kind)
        _path, far_item = self.interface_item(far, far_name)
        if keyed and _keepalive(far_item) is None:        # EoIP and EoIPv6 hear the far end's own keepalives
            raise Blocked("%s: %s sends no keepalive" % (far.name, far_name))
        remote = _ip(item.values["remote-address"])
        local = item.values.get("local-address", unspecified)
        if local == unspecified:
            local = self.source_for(router, self.lookup(router, remote)[0], remote)
        out_iface, hop = self.lookup(far, _ip(local))
        # the answer is the far end's routing of the inner packet; our connection tracking has seen the keepalive
        # go out, so our filters take the answer as established
        _hops, back, _in = self.carry(far, out_iface, _ip(local), remote, protocol, 0, hop, established=True)
        if back is not router:
            raise Blocked("%s: the keepalive answer for %s reaches %s" % (far.name, local, back.name))

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
            raise Blocked("%s: no route to %s%s" % (router.name, dst, self._down_tunnel_note(router, dst)))
        return best[1], best[2]

    def _down_tunnel_note(self, router, dst):
        """Why a connected route that would hold `dst` is inactive, when its tunnel's keepalive is the reason."""
        for item in router.tables["/ip/route" if dst.version == 4 else "/ipv6/route"]:
            val = item.values
            if val.get("connect") == "true" and val.get("active") != "true" and dst in _network(val["dst-address"]):
                reason = self.why_down(router, val["gateway"])
                if reason:
                    return " (%s is not running: its keepalive gets no answer: %s)" % (val["gateway"], reason)
        return ""

    # ------------------------------------------------------------ packets
    def why(self, router, address):
        """"ok", or which router drops a ping from `router` to `address` and why (the ping is sent, as traffic)."""
        self.settle()
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

    def carry(self, router, ifname, dst, src, protocol, depth, hop=None, established=False):
        """Deliver a packet leaving `router` on `ifname` (to `hop`, the route's gateway); returns (hops, receiving
        router, its in-interface). An `established` packet (the answer to one we sent) passes the filters."""
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
            if not (established or self.tracked_back(far, protocol, src, dst)):
                self.firewall(far, "input", {"protocol": protocol, "src": src, "dst": dst, "in": far_iface})
            return depth + 1, far, far_iface
        out_iface, next_hop = self.lookup(far, dst)
        if not established:
            self.firewall(far, "forward", {"protocol": protocol, "src": src, "dst": dst, "in": far_iface,
                                           "out": out_iface})
        return self.carry(far, out_iface, dst, src, protocol, depth + 1, next_hop, established)

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

    def link_check(self, router, peer):
        """(far router, its WireGuard interface, its peer entry for us) when both ends could talk; raises Blocked."""
        if not _enabled(self.wg_item(router, peer.values["interface"])):
            raise Blocked("%s: %s is disabled" % (router.name, peer.values["interface"]))
        far, far_item, back = self.far_end(router, peer)
        for owner, item in ((router, self.wg_item(router, peer.values["interface"])), (far, far_item)):
            if item.values.get("running") == "false":
                raise Blocked("%s: %s is not running: another WireGuard interface holds UDP port %s"
                              % (owner.name, item.values["name"], item.values.get("listen-port")))
        if peer.values.get("preshared-key") != back.values.get("preshared-key"):
            raise Blocked("%s and %s: the preshared keys differ" % (router.name, far.name))
        return far, far_item, back

    def handshake(self, router, peer):
        """The endpoint a handshake would use now, seen from `router` (either end may dial); raises Blocked."""
        far, far_item, back = self.link_check(router, peer)
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
        return src

    def via_wireguard(self, router, ifname, dst, src):
        peer = self.peer_for(router, ifname, dst)
        if peer is None:
            raise Blocked("%s: no peer on %s whose allowed-address holds %s" % (router.name, ifname, dst))
        state = self._peer_state(router, peer)
        if not self.send(router, peer, state):
            raise Blocked("%s: no handshake with peer %s... yet (next initiation %s): %s" % (
                router.name, peer.values.get("public-key", "")[:8],
                "in %ds" % max(0, state.next_try - self.now()) if state.round is not None else "with new traffic",
                state.failure))
        self.data_sent(state)
        far, far_item, back = self.deliver(router, peer, state)
        state.new_handshake_at = None       # the far end answers (or sends its passive keepalive) in time
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

    def tracked_back(self, router, protocol, src, dst):
        """A tunnel packet from `src` to `router`'s `dst` is `established` there when `router`'s own tunnel of that
        protocol from `dst` to `src` keeps sending (keepalive): connection tracking (Linux netfilter's, which
        RouterOS runs) takes GRE by address pair and protocol (nf_conntrack_proto_gre: version 0 with key 0) and
        EtherIP generically, so the far end's packets are the replies to ours (lab/FIDELITY.md)."""
        for path, carried_by, _keyed, unspecified in OVERLAYS.values():
            if carried_by != protocol:
                continue
            for item in router.tables[path]:
                val = item.values
                if _enabled(item) and _keepalive(item) is not None and _ip(val["remote-address"]) == src \
                        and val.get("local-address", unspecified) in (unspecified, str(dst)):
                    return True
        return False

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
