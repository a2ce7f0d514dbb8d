"""The data plane: two emulated routers whose tables are realised in namespaces carry real packets.

Routers a and b (rosemu Router objects, configured through the same menu verbs the API runs) are joined over the
lab underlay by WireGuard (wireguard-go), with a GRE and an EoIP tunnel between their WireGuard transit addresses
(user-space forwarder).  A LAN host behind each pings the other across each path in turn: the LAN routes are
switched from one path to the next and synced again.  The framing tests need no root.
"""

import os
import shutil
import struct
import subprocess
import sys
import time

import pytest

from rosemu import effects
from rosemu.dataplane import DataPlane, framing
from rosemu.router import Router

TOOLS = ("wireguard-go", "wg", "ip", "nsenter", "ping")
MISSING = [tool for tool in TOOLS if shutil.which(tool) is None]
needs_root = pytest.mark.skipif(os.geteuid() != 0 or MISSING or not os.path.exists("/dev/net/tun"),
                                reason="the data plane needs root, /dev/net/tun and %s (missing: %s)"
                                % (", ".join(TOOLS), ", ".join(MISSING) or "none"))

LANS = {"a": ("192.168.88.1/24", "192.168.88.10/24"), "b": ("192.168.89.1/24", "192.168.89.10/24")}
TRANSIT = {"a": "10.255.0.1", "b": "10.255.0.2"}
OVERLAY_GATEWAYS = {          # the far router's address on each path
    "wireguard": {"a": "10.255.0.2", "b": "10.255.0.1"},
    "gre": {"a": "10.10.0.2", "b": "10.10.0.1"},
    "eoip": {"a": "10.20.0.2", "b": "10.20.0.1"},
}
MULTICAST_RECEIVER = """
import socket, struct, sys
group, address, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind((group, 5405))
sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(group) + socket.inet_aton(address))
sock.settimeout(10)
print("listening", flush=True)
got = set()
try:
    while len(got) < count:
        got.add(sock.recvfrom(100)[0])
except socket.timeout:
    pass
print(len(got), flush=True)
"""
MULTICAST_SENDER = """
import socket, sys, time
group, address, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(address))
sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 4)
for n in range(count):
    sock.sendto(b"datagram %d" % n, (group, 5405))
    time.sleep(0.01)
"""


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

def configure(router, far, keys, keepalive="1s,3"):
    """What the site_tunnel role writes on a RouterOS site (WireGuard, GRE and EoIP over it), through the verbs."""
    name = router.name
    lan_address = next(it for it in router.tables["/ip/address"] if it.values.get("interface") == "bridge")
    router.set("/ip/address", {".id": lan_address.ref, "address": LANS[name][0]})
    router.add("/ip/address", {"address": "%s/24" % far["wan"][name], "interface": "ether1"})
    router.add("/interface/wireguard", {"name": "wg-site", "listen-port": "13231", "private-key": keys[name]})
    router.add("/interface/wireguard/peers", {
        "interface": "wg-site", "public-key": effects.public_key(keys[far["name"]]),
        "allowed-address": "%s/32" % TRANSIT[far["name"]], "endpoint-address": str(far["wan"][far["name"]]),
        "endpoint-port": "13231", "persistent-keepalive": "1s"})
    router.add("/ip/address", {"address": "%s/30" % TRANSIT[name], "interface": "wg-site"})
    for path, extra, prefix in (("/interface/gre", {}, "10.10.0"), ("/interface/eoip", {"tunnel-id": "7"}, "10.20.0")):
        kind = path.rsplit("/", 1)[1]
        router.add(path, dict(extra, **{"name": "%s-x" % kind, "local-address": TRANSIT[name],
                                         "remote-address": TRANSIT[far["name"]], "keepalive": keepalive}))
        router.add("/ip/address", {"address": "%s.%d/30" % (prefix, 1 if name == "a" else 2),
                                   "interface": "%s-x" % kind})
    router.add("/ip/route", {"dst-address": LANS[far["name"]][0].replace(".1/", ".0/"),
                             "gateway": OVERLAY_GATEWAYS["wireguard"][name], "comment": "lan"})


def route_lans_over(dataplane, routers, overlay, peers_allow_lans):
    """Send LAN-to-LAN traffic over `overlay`; plain WireGuard needs the far LAN in the peer's allowed-address."""
    for name, router in routers.items():
        far = "b" if name == "a" else "a"
        route = next(it for it in router.tables["/ip/route"] if it.values.get("comment") == "lan")
        router.set("/ip/route", {".id": route.ref, "gateway": OVERLAY_GATEWAYS[overlay][name]})
        peer = router.tables["/interface/wireguard/peers"][0]
        allowed = "%s/32" % TRANSIT[far]
        if peers_allow_lans:
            allowed += "," + LANS[far][0].replace(".1/", ".0/")
        router.set("/interface/wireguard/peers", {".id": peer.ref, "allowed-address": allowed})
        dataplane.sync(router)


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "%s: not within %ss" % (what, timeout)
        time.sleep(0.05)


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    hosts = {name: (host, lan.split("/")[0]) for name, (lan, host) in LANS.items()}
    dataplane = DataPlane(["a", "b"], str(tmp_path_factory.mktemp("dataplane")), hosts=hosts)
    routers = {name: Router(name) for name in ("a", "b")}
    keys = {name: effects.new_private_key() for name in routers}
    wan = {name: dataplane.wan_address(name) for name in routers}
    with dataplane:
        for name, router in routers.items():
            configure(router, {"name": "b" if name == "a" else "a", "wan": wan}, keys)
            dataplane.sync(router)
        yield dataplane, routers
    assert dataplane.leftovers() == []


def ping(dataplane, source, destination, count=3, interval="0.2"):
    return dataplane.run_host(source, "ping", "-n", "-q", "-c", str(count), "-i", interval, "-W", "2",
                              destination, check=False, timeout=60)


def received(result):
    line = next(line for line in result.stdout.splitlines() if "received" in line)
    return int(line.split(",")[1].split()[0])


@needs_root
@pytest.mark.parametrize("overlay", ["wireguard", "gre", "eoip"])
def test_lan_to_lan_ping_crosses_each_path(pair, overlay):
    dataplane, routers = pair
    route_lans_over(dataplane, routers, overlay, peers_allow_lans=overlay == "wireguard")
    before = dataplane.tunnel_status("b", "%s-x" % overlay).get("rx-packet", 0)
    far_host = LANS["b"][1].split("/")[0]
    wait_until(lambda: ping(dataplane, "a", far_host, count=1).returncode == 0, 15, "first ping over " + overlay)
    result = ping(dataplane, "a", far_host, count=5)
    assert received(result) == 5, result.stdout
    if overlay != "wireguard":        # the echo requests came out of b's tunnel, not straight out of WireGuard
        assert dataplane.tunnel_status("b", "%s-x" % overlay)["rx-packet"] >= before + 5
    peer = routers["a"].tables["/interface/wireguard/peers"][0]
    status = dataplane.peer_status(routers["a"], peer)
    assert "last-handshake" in status and int(status["rx"]) > 0 and int(status["tx"]) > 0, status
    assert status["current-endpoint-address"] == str(dataplane.wan_address("b"))


@needs_root
@pytest.mark.parametrize("kind", ["gre", "eoip"])
def test_keepalives_make_the_tunnel_running(pair, kind):
    dataplane, routers = pair
    item = next(it for it in routers["a"].tables["/interface/%s" % kind])
    wait_until(lambda: dataplane.tunnel_running(routers["a"], "/interface/%s" % kind, item), 10,
               "%s running on a" % kind)
    status = dataplane.tunnel_status("a", "%s-x" % kind)
    assert status["keepalives-heard"] >= 1 and status["keepalives-sent"] >= 1


@needs_root
def test_a_thousand_pings_at_10ms_through_gre(pair):
    dataplane, routers = pair
    route_lans_over(dataplane, routers, "gre", peers_allow_lans=False)
    far_host = LANS["b"][1].split("/")[0]
    wait_until(lambda: ping(dataplane, "a", far_host, count=1).returncode == 0, 15, "first ping over gre")
    started = time.monotonic()
    result = ping(dataplane, "a", far_host, count=1000, interval="0.01")
    summary = [line for line in result.stdout.splitlines() if "received" in line or "rtt" in line]
    print("1000 pings at 10 ms through GRE over WireGuard in %.1f s: %s" % (time.monotonic() - started, summary))
    assert received(result) == 1000, result.stdout


@needs_root
@pytest.mark.parametrize("kind", ["gre", "eoip"])
def test_multicast_crosses_the_overlay(pair, kind):
    dataplane, _routers = pair
    address_of_b, address_of_a = OVERLAY_GATEWAYS[kind]["a"], OVERLAY_GATEWAYS[kind]["b"]
    group, count = "239.1.2.3", 20
    receiver = subprocess.Popen(["ip", "netns", "exec", dataplane.netns("b"), sys.executable, "-c",
                                 MULTICAST_RECEIVER, group, address_of_b, str(count)],
                                stdout=subprocess.PIPE, text=True)
    try:
        assert receiver.stdout.readline().strip() == "listening"
        dataplane.run("a", sys.executable, "-c", MULTICAST_SENDER, group, address_of_a, str(count), timeout=30)
        got = int(receiver.stdout.readline().strip() or 0)
    finally:
        receiver.kill()
        receiver.wait(10)
    print("multicast over %s: %d of %d datagrams" % (kind, got, count))
    assert got == count


@needs_root
def test_gre_stops_running_when_the_far_end_is_gone(pair):
    dataplane, routers = pair
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
def test_down_leaves_nothing(tmp_path):
    dataplane = DataPlane(["c"], str(tmp_path / "gone"))
    router = Router("c")
    router.add("/interface/wireguard", {"name": "wg-site", "private-key": effects.new_private_key()})
    router.add("/interface/gre", {"name": "gre-x", "remote-address": "10.9.9.9"})
    with dataplane:
        dataplane.sync(router)
        pids = [p.pid for p in dataplane.processes.values()]
        assert len(pids) == 2 and set(dataplane.namespaces()) <= set(
            subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split())
    assert dataplane.leftovers() == []
    assert not any(os.path.exists("/proc/%d" % pid) for pid in pids)
    assert not os.path.exists(str(tmp_path / "gone"))
