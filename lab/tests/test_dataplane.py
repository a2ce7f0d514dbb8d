"""The data plane: two emulated routers whose tables are realised in namespaces carry real packets.

The scenario (rosemu.dataplane.pair.SitePair): routers a and b (rosemu Router objects, configured through the same
menu verbs the API runs) joined over the lab underlay by WireGuard (wireguard-go), with a GRE and an EoIP tunnel
between their WireGuard transit addresses (user-space forwarder).  A LAN host behind each pings the other across
each path in turn: the LAN routes are switched from one path to the next and synced again.  The framing tests need
no root.
"""

import os
import struct
import subprocess
import time

import librouteros
import pytest

from labkit import make_lab, needs_dataplane
from rosemu import effects
from rosemu.dataplane import DataPlane, framing, lab_dataplane, multicast
from rosemu.dataplane.pair import OVERLAY_GATEWAYS, SitePair, host_address
from rosemu.dataplane.view import RouterView
from rosemu.lab import RouterSpec
from rosemu.lab_tools import wait_until
from rosemu.router import Router

needs_root = needs_dataplane("ping")

# ----- framing (no root) -------------------------------------------------------------


def test_gre_header_carries_the_inner_protocol():
    ipv4 = framing.ipv4_packet("10.0.0.1", "10.0.0.2", 1, b"x")
    assert framing.gre_encode(ipv4)[:4] == b"\x00\x00\x08\x00"
    ipv6 = bytes([0x60]) + bytes(39)
    assert framing.gre_encode(ipv6)[:4] == b"\x00\x00\x86\xdd"
    frame = framing.decode(framing.gre_encode(ipv4))
    assert (frame.kind, frame.protocol, frame.payload, frame.keepalive) == ("gre", 0x0800, ipv4, False)


def test_gre_optional_fields_are_skipped():
    # RFC 2890: key (K, 0x2000) and sequence number (S, 0x1000) words follow the 4-byte header
    data = struct.pack("!HHII", 0x3000, 0x0800, 7, 1) + b"inner"
    assert framing.decode(data).payload == b"inner"
    assert framing.decode(struct.pack("!HH", 0x0001, 0x0800) + b"pptp") is None     # version 1, not EoIP


def test_eoipv6_is_etherip_with_the_tunnel_id_in_the_reserved_bits():
    frame = b"\xff" * 14
    data = framing.eoipv6_encode(0xABC, frame)
    assert data[:2] == b"\xa3\xbc"         # id bits 8-11, version 3, then id bits 0-7
    decoded = framing.decode_etherip(data)
    assert (decoded.kind, decoded.tunnel_id, decoded.payload, decoded.keepalive) == ("eoipv6", 0xABC, frame, False)
    assert framing.decode_etherip(framing.eoipv6_encode(5)).keepalive
    assert framing.decode_etherip(b"\x04\x00" + frame) is None        # not version 3


def test_eoip_length_is_big_endian_and_tunnel_id_little_endian():
    frame = b"\xff" * 14 + b"payload"
    data = framing.eoip_encode(0x0102, frame)
    assert data[:8] == b"\x20\x01\x64\x00" + struct.pack("!H", len(frame)) + b"\x02\x01"
    decoded = framing.decode(data + b"trailer")
    assert (decoded.kind, decoded.tunnel_id, decoded.payload, decoded.keepalive) == ("eoip", 0x0102, frame, False)
    assert framing.decode(framing.eoip_encode(9)).keepalive


def test_gre_keepalive_is_an_answer_addressed_back_to_the_sender():
    data = framing.gre_keepalive("10.255.0.1", "10.255.0.2")
    outer = framing.decode(data)
    assert outer.protocol == framing.GRE_IPV4 and not outer.keepalive
    inner, source = framing.strip_ipv4(outer.payload)
    assert source == "10.255.0.2" and outer.payload[16:20] == bytes([10, 255, 0, 1]) and outer.payload[9] == 47
    assert framing.ipv4_checksum(outer.payload[:20]) == 0          # a valid header sums to zero
    assert framing.decode(inner).keepalive


# ----- two routers ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    sites = SitePair(str(tmp_path_factory.mktemp("dataplane"))).up()
    yield sites
    sites.down()
    assert sites.dataplane.leftovers() == []


def tables_say_running(dataplane, router, interface):
    dataplane.settle(router)
    return router.interface(interface).values["running"] == "true"


# the first ping waits for the first handshake: an initiation lost (sent before the far end's wireguard-go has its
# peer) is sent again after WireGuard's REKEY_TIMEOUT, 5 s; 30 s leaves room for a few on a busy machine (one CI run
# in several missed 15 s on the module's first test)
FIRST_PING_TIMEOUT = 30


def first_ping(sites, overlay):
    wait_until(lambda: sites.ping("a", host_address("b"), count=1)[0] == 1, FIRST_PING_TIMEOUT,
               "first ping over " + overlay)


@needs_root
@pytest.mark.parametrize("overlay", ["wireguard", "gre", "eoip", "gre6", "eoipv6"])
def test_lan_to_lan_ping_crosses_each_path(pair, overlay):
    dataplane, routers = pair.dataplane, pair.routers
    pair.route_lans_over(overlay)
    before = dataplane.tunnel_status("b", "%s-x" % overlay).get("rx-packet", 0)
    first_ping(pair, overlay)
    got, output = pair.ping("a", host_address("b"), count=5)
    assert got == 5, output
    if overlay != "wireguard":        # the echo requests came out of b's tunnel, not straight out of WireGuard
        wait_until(lambda: dataplane.tunnel_status("b", "%s-x" % overlay)["rx-packet"] >= before + 5, 5,
                   "b's %s-x counting the echo requests" % overlay)
    peer = routers["a"].tables["/interface/wireguard/peers"][0]
    status = dataplane.peer_status(routers["a"], peer)
    assert "last-handshake" in status and int(status["rx"]) > 0 and int(status["tx"]) > 0, status
    assert status["current-endpoint-address"] == str(dataplane.wan_address("b"))


@needs_root
@pytest.mark.parametrize("overlay, mtu", [("gre", 1476), ("eoip", 1458), ("gre6", 1456), ("eoipv6", 1444)])
def test_the_tunnel_mtu_is_the_routers_actual_mtu(pair, overlay, mtu):
    """A packet of the tunnel's actual-mtu crosses (its outer packet, over WireGuard's 1420, is fragmented); one
    byte more with don't-fragment is refused at a's tunnel."""
    pair.route_lans_over(overlay)
    first_ping(pair, overlay)
    assert pair.routers["a"].interface("%s-x" % overlay).values["actual-mtu"] == str(mtu)

    def ping_df(payload):
        return pair.dataplane.run_host("a", "ping", "-n", "-c", "1", "-W", "2", "-M", "do", "-s", str(payload),
                                       host_address("b"), check=False, timeout=30)
    fits = ping_df(mtu - 28)           # 20 bytes of IPv4 header, 8 of ICMP
    assert fits.returncode == 0, fits.stdout + fits.stderr
    too_big = ping_df(mtu - 27)
    assert too_big.returncode != 0 and "mtu = %d" % mtu in (too_big.stdout + too_big.stderr).lower(), too_big.stdout


@needs_root
def test_ipv6_crosses_gre_as_protocol_86dd(pair):
    """IPv6 addresses on the GRE tunnel: an IPv6 ping crosses it (GRE protocol type 0x86DD, counted by b)."""
    dataplane, routers = pair.dataplane, pair.routers
    added = {}
    for name, router in routers.items():
        added[name] = router.add("/ipv6/address", {"address": "fd00:10::%d/64" % (1 if name == "a" else 2),
                                                   "interface": "gre-x"})
        dataplane.sync(router)
    try:
        item = routers["a"].tables["/interface/gre"][0]       # answered keepalives: WireGuard carries GRE
        wait_until(lambda: dataplane.tunnel_running(routers["a"], "/interface/gre", item), 10, "gre running")
        before = dataplane.tunnel_status("b", "gre-x")["rx-packet"]
        result = dataplane.run("a", "ping", "-6", "-n", "-c", "3", "-i", "0.2", "-W", "2", "fd00:10::2",
                               check=False, timeout=30)
        assert result.returncode == 0, result.stdout + result.stderr
        wait_until(lambda: dataplane.tunnel_status("b", "gre-x")["rx-packet"] >= before + 3, 5, "b counting")
    finally:
        for name, router in routers.items():
            router.remove("/ipv6/address", {".id": added[name]})
            dataplane.sync(router)
    shown = dataplane.run("a", "ip", "-6", "-br", "addr", "show", "dev", "gre-x").stdout
    assert "fd00:10::1" not in shown, shown


@needs_root
@pytest.mark.parametrize("kind", ["gre", "eoip", "gre6", "eoipv6"])
def test_keepalives_make_the_tunnel_running(pair, kind):
    dataplane, routers = pair.dataplane, pair.routers
    item = next(it for it in routers["a"].tables["/interface/%s" % kind])
    wait_until(lambda: dataplane.tunnel_running(routers["a"], "/interface/%s" % kind, item), 10,
               "%s running on a" % kind)
    status = dataplane.tunnel_status("a", "%s-x" % kind)
    assert status["keepalives-heard"] >= 1 and status["keepalives-sent"] >= 1


@needs_root
def test_a_thousand_pings_at_10ms_through_gre(pair):
    pair.route_lans_over("gre")
    first_ping(pair, "gre")
    started = time.monotonic()
    got, output = pair.ping("a", host_address("b"), count=1000, interval="0.01")
    summary = [line for line in output.splitlines() if "received" in line or "rtt" in line]
    print("1000 pings at 10 ms through GRE over WireGuard in %.1f s: %s" % (time.monotonic() - started, summary))
    assert got == 1000, output


@needs_root
@pytest.mark.parametrize("kind", ["gre", "eoip", "gre6", "eoipv6"])
def test_multicast_crosses_the_overlay(pair, kind):
    dataplane, routers = pair.dataplane, pair.routers
    for name in ("a", "b"):     # answered keepalives both ways: WireGuard carries the tunnel
        item = routers[name].interface("%s-x" % kind)
        wait_until(lambda r=routers[name], i=item: dataplane.tunnel_running(r, "/interface/%s" % kind, i), 10,
                   "%s running on %s" % (kind, name))
    address_of_a, count = OVERLAY_GATEWAYS[kind]["b"], 20
    got = multicast.stream((["ip", "netns", "exec", dataplane.netns("a")], address_of_a, "%s-x" % kind),
                           {"b": (["ip", "netns", "exec", dataplane.netns("b")], "%s-x" % kind)}, count=count)["b"]
    print("multicast over %s: %d of %d datagrams" % (kind, got, count))
    assert got == count


@needs_root
def test_gre_stops_running_when_the_far_end_is_gone(pair):
    dataplane, routers = pair.dataplane, pair.routers
    item = routers["a"].tables["/interface/gre"][0]
    wait_until(lambda: dataplane.tunnel_running(routers["a"], "/interface/gre", item), 10, "gre running")
    far = routers["b"].tables["/interface/gre"][0]
    routers["b"].set("/interface/gre", {".id": far.ref, "disabled": "true"})
    dataplane.sync(routers["b"])
    try:        # keepalive 1s,3: three unanswered ones, then not running
        wait_until(lambda: not dataplane.tunnel_running(routers["a"], "/interface/gre", item), 3 * 4,
                   "gre not running")
    finally:
        routers["b"].set("/interface/gre", {".id": far.ref, "disabled": "false"})
        dataplane.sync(routers["b"])
    wait_until(lambda: dataplane.tunnel_running(routers["a"], "/interface/gre", item), 10, "gre running again")


@needs_root
def test_an_attached_router_realises_each_write(pair):
    """No sync call: the route's change reaches the namespaces through the routers' listeners."""
    dataplane, routers = pair.dataplane, pair.routers
    pair.route_lans_over("wireguard")
    for router in routers.values():
        dataplane.attach(router)
    try:
        for router in routers.values():       # the tables' running is now the forwarder's (settle looks again)
            wait_until(lambda r=router: tables_say_running(dataplane, r, "eoip-x"), 10, "eoip-x running")
        for name, router in routers.items():
            route = next(it for it in router.tables["/ip/route"] if it.values.get("comment") == "lan")
            router.set("/ip/route", {".id": route.ref, "gateway": OVERLAY_GATEWAYS["eoip"][name]})
        shown = dataplane.run("a", "ip", "route", "show", "192.168.89.0/24").stdout
        assert "via 10.20.0.2 dev eoip-x" in shown, shown
        before = dataplane.tunnel_status("b", "eoip-x")["rx-packet"]
        first_ping(pair, "eoip")
        wait_until(lambda: dataplane.tunnel_status("b", "eoip-x")["rx-packet"] > before, 5, "b's eoip-x counting")
        assert dataplane.sync_errors == {}
    finally:
        for router in routers.values():
            dataplane.detach(router)
    assert all(router.listeners == [] and router.fabric is None for router in routers.values())


@needs_root
def test_routers_configured_through_the_api(tmp_path):
    """A Lab's routers (the fabric attached, as always) written through librouteros, attached to the data plane:
    each API write is realised before its reply; the tunnels' `running` the API prints is the forwarders' (so the
    LAN route over GRE turns active once its keepalives are answered), the peers' status is wg's, /ping is a real
    ping from the router's namespace; LAN hosts ping across GRE over WireGuard."""
    lab = make_lab([RouterSpec("a"), RouterSpec("b")])
    apis = {name: librouteros.connect("127.0.0.1", "admin", "", port=lab.port(name), timeout=30)
            for name in ("a", "b")}

    def through_the_api(router, path, verb, args):
        return list(apis[router.name]("%s/%s" % (path, verb), **args))

    def printed(name, path, value, field="name"):
        return next(row for row in apis[name]("%s/print" % path) if row.get(field) == value)
    try:
        with SitePair(str(tmp_path / "api"), routers=lab.routers, write=through_the_api, attach=True,
                      call=lab.call) as sites:
            assert sites.dataplane.run("a", "ip", "-br", "addr", "show", "gre-x").stdout.count("10.10.0.1/30") == 1
            sites.route_lans_over("gre")
            wait_until(lambda: all(printed(name, "/interface", tunnel)["running"] for name in ("a", "b")
                                   for tunnel in ("gre-x", "eoip-x")), 10, "tunnels running as the API prints")
            route = next(row for row in apis["a"]("/ip/route/print") if row.get("comment") == "lan")
            assert route["active"] is True and route["immediate-gw"] == "10.10.0.2%gre-x", route
            first_ping(sites, "gre")
            got, output = sites.ping("a", host_address("b"), count=20, interval="0.05")
            assert got == 20 and sites.dataplane.sync_errors == {}, output
            # b's LAN host exists only in the namespaces: the fabric's model has no such address to answer
            probes = list(apis["a"]("/ping", address=host_address("b"), count="3", interval="200ms"))
            assert [row["received"] for row in probes] == [1, 2, 3] and all("time" in row for row in probes), probes
            nowhere = list(apis["a"]("/ping", address="10.99.99.99", count="2", interval="200ms"))
            assert [row.get("status") for row in nowhere] == ["timeout", "timeout"], nowhere
            peer = printed("a", "/interface/wireguard/peers", "wg-site", field="interface")
            assert peer["current-endpoint-address"] == str(sites.dataplane.wan_address("b")), peer
            assert int(peer["rx"]) > 0 and "last-handshake" in peer, peer
        assert sites.dataplane.leftovers() == [] and lab.routers["a"].listeners == []
        assert lab.routers["a"].fabric is lab.fabric
    finally:
        for api in apis.values():
            api.close()
        lab.stop()


@needs_root
def test_a_lab_opts_in(tmp_path):
    """lab_dataplane: a running Lab's routers in namespaces, attached in its event loop; the fabric stays."""
    lab = make_lab([RouterSpec("r1"), RouterSpec("r2")])
    try:
        dataplane = lab_dataplane(lab, str(tmp_path / "lab"))
        try:
            api = librouteros.connect("127.0.0.1", "admin", "", port=lab.port("r1"), timeout=30)
            list(api("/ip/address/add", address="198.51.100.1/24", interface="ether1"))
            api.close()
            assert "198.51.100.1/24" in dataplane.run("r1", "ip", "-br", "addr", "show", "ether1").stdout
            assert isinstance(lab.routers["r1"].fabric, RouterView)
        finally:
            dataplane.down()
        assert dataplane.leftovers() == [] and lab.routers["r1"].fabric is lab.fabric
    finally:
        lab.stop()


@needs_root
def test_bridges_and_ports_follow_the_tables(tmp_path):
    router = Router("c")            # defconf: bridge "bridge" with ether2-ether5, only ether2 exists here
    with DataPlane(["c"], str(tmp_path / "bridges"), hosts={"c": ("192.168.88.10/24", "192.168.88.1")}) as plane:
        plane.sync(router)
        assert plane.links("c")["ether2"] == "bridge"
        ref = router.add("/interface/bridge", {"name": "br-test"})
        port = next(it for it in router.tables["/interface/bridge/port"] if it.values["interface"] == "ether2")
        router.set("/interface/bridge/port", {".id": port.ref, "bridge": "br-test"})
        plane.sync(router)
        assert plane.links("c")["ether2"] == "br-test"
        router.set("/interface/bridge/port", {".id": port.ref, "disabled": "true"})
        plane.sync(router)
        assert plane.links("c")["ether2"] is None
        router.remove("/interface/bridge", {".id": ref})
        plane.sync(router)
        assert "br-test" not in plane.links("c") and "bridge" in plane.links("c")
        host = plane.run_host("c", "ping", "-c", "1", "-W", "2", "192.168.88.1", check=False)
        assert host.returncode != 0         # ether2 is in no bridge: the LAN address on "bridge" is out of reach
        router.set("/interface/bridge/port", {".id": port.ref, "disabled": "false", "bridge": "bridge"})
        plane.sync(router)
        host = plane.run_host("c", "ping", "-c", "1", "-W", "2", "192.168.88.1", check=False)
        assert host.returncode == 0, host.stdout


@needs_root
def test_down_leaves_nothing(tmp_path):
    dataplane = DataPlane(["c"], str(tmp_path / "gone"))
    router = Router("c")
    router.add("/interface/wireguard", {"name": "wg-site", "private-key": effects.new_private_key()})
    router.add("/interface/gre", {"name": "gre-x", "remote-address": "10.9.9.9"})
    with dataplane:
        dataplane.sync(router)
        pids = [p.pid for p in dataplane.processes.values()]
        assert len(pids) == 2 and set(dataplane.namespaces()) <= set(
            subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout.split())
    assert dataplane.leftovers() == []
    assert not any(os.path.exists("/proc/%d" % pid) for pid in pids)
    assert not os.path.exists(str(tmp_path / "gone"))


@needs_root
def test_two_runs_at_once_do_not_meet(tmp_path):
    """Two data planes with the same router and interface names at the same time: each keeps its own namespaces,
    processes and UAPI sockets, and taking one down leaves the other working."""
    planes = [DataPlane(["c"], str(tmp_path / str(n))) for n in range(2)]
    routers = [Router("c") for _plane in planes]
    for router in routers:
        router.add("/interface/wireguard", {"name": "wg-site", "private-key": effects.new_private_key()})
        router.add("/interface/gre", {"name": "gre-x", "remote-address": "10.9.9.9"})
    with planes[0], planes[1]:
        for plane, router in zip(planes, routers):
            plane.sync(router)
        assert planes[0].prefix != planes[1].prefix
        assert not set(planes[0].namespaces()) & set(planes[1].namespaces())
        keys = [plane.run_wg("c", "wg", "show", "wg-site", "public-key").stdout.strip() for plane in planes]
        assert keys == [effects.public_key(r.tables["/interface/wireguard"][0].values["private-key"]) for r in routers]
        planes[0].down()
        assert planes[0].leftovers() == []
        assert planes[1].run_wg("c", "wg", "show", "wg-site", "public-key").stdout.strip() == keys[1]
        assert planes[1].run("c", "ip", "link", "show", "gre-x").returncode == 0
    assert planes[1].leftovers() == []


@needs_root
def test_a_prefix_in_use_is_refused_and_left_alone(tmp_path):
    with DataPlane(["c"], str(tmp_path / "first")) as first:
        second = DataPlane(["c"], str(tmp_path / "second"), prefix=first.prefix)
        with pytest.raises(RuntimeError, match="exist already"):
            second.up()
        second.down()                       # nothing of its own to remove: the first run's stay
        assert first.leftovers() == sorted(first.namespaces())     # all still there
        assert first.run("c", "ip", "link", "show", "ether1").returncode == 0
