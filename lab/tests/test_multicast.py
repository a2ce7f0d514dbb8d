"""The multicast proof (issue 20 item 3): why the overlays exist.

A hub and two spokes on the data plane (rosemu.dataplane.star, the filters realised, an input hole for the
stream as OSPF would need one): a multicast stream a router sends on its GRE or EoIP interface over WireGuard
reaches the router at the tunnel's other end, and only it; the same stream sent on the hub's plain WireGuard
interface, which has a peer per spoke, reaches no spoke, because WireGuard's cryptokey routing sends a packet only
to the peer whose allowed-address holds its destination; a peer whose allowed-address holds 224.0.0.0/4 gets it,
alone.  Bridged to the LANs, EoIP carries the stream from LAN host to LAN host (layer 2).  The tool's parsing needs
no root.
"""

import os
import shutil
import subprocess
import sys

import pytest

from labkit import needs_dataplane
from rosemu.dataplane import DataPlane, multicast, star

needs_root = needs_dataplane("nft")
COUNT = 50
STREAM_HOLE = ("/ip/firewall/filter", {"chain": "input", "action": "accept", "protocol": "udp",
                                       "dst-address": "224.0.0.0/4", "comment": "lab: the multicast stream in"})
HOSTS = {name: ("%s0/24" % star.lan_address(name), star.lan_address(name)) for name in star.SITES}


# ----- the tool (no root) ----------------------------------------------------------------

def test_datagrams_carry_their_stream_and_sequence():
    assert multicast.parse(multicast.datagram("ab12", 7), "ab12") == 7
    assert multicast.parse(multicast.datagram("ab12", 7), "cd34") is None       # another run's stream
    assert multicast.parse(b"rosemu-mcast ab12 x", "ab12") is None
    assert multicast.parse(b"OSPF hello", "ab12") is None


def test_the_command_is_an_argument_list():
    words = multicast.command("recv", group="239.1.2.3", count=5, interface="gre-x", address=None)
    assert words[1:] == ["-m", "rosemu.dataplane.multicast", "recv", "--group", "239.1.2.3", "--count", "5",
                         "--interface", "gre-x"]


def test_a_receiver_on_loopback_counts_distinct_sequence_numbers(tmp_path):
    """Sender and receiver as processes in an unshared network namespace of their own (only `lo`)."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare")
    script = tmp_path / "loop.sh"
    script.write_text("ip link set lo up\nip route add 224.0.0.0/4 dev lo\n"
                      '"$@" recv --interface lo --count 30 --timeout 10 --stream s1 &\n'
                      "sleep 1\n"
                      '"$@" send --interface lo --source 127.0.0.1 --count 30 --interval 0.001 --stream s1\n'
                      "wait $!\n")
    lab = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(multicast.__file__))))
    env = dict(os.environ, PYTHONPATH=lab)
    result = subprocess.run(["unshare", "--net", "sh", str(script), sys.executable, "-m",
                             "rosemu.dataplane.multicast"], capture_output=True, text=True, timeout=60, env=env,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"received": 30' in result.stdout, result.stdout


# ----- the star on the data plane (root) ----------------------------------------------------

@pytest.fixture(scope="module")
def hub_and_spokes(tmp_path_factory):
    dataplane = DataPlane(list(star.SITES), str(tmp_path_factory.mktemp("mcast")), hosts=HOSTS,
                          firewall=True).up()
    try:
        routers = star.on_dataplane(dataplane, star.new_keys(), extra=[STREAM_HOLE])
        running = star.settle(dataplane, routers, quiet=0.5)
        assert all(running.values()), running
        yield dataplane, routers
    finally:
        dataplane.down()
        assert dataplane.leftovers() == []


def inside(dataplane, name):
    return ["ip", "netns", "exec", dataplane.netns(name)]


def on_the_spokes(dataplane, interfaces):
    return {spoke: (inside(dataplane, spoke), interfaces[spoke]) for spoke in star.SPOKES}


@needs_root
@pytest.mark.parametrize("spoke", star.SPOKES)
def test_a_stream_on_an_overlay_reaches_its_far_end_only(hub_and_spokes, spoke):
    """The hub sends on its GRE (to s1) or EoIP (to s2) interface: that spoke gets every datagram, the other none
    (each spoke listens on its own overlay interface)."""
    dataplane, _routers = hub_and_spokes
    _path, hub_side, _spoke_side, _prefix, _id = star.OVERLAYS[spoke]
    got = multicast.stream((inside(dataplane, "hub"), star.overlay_address(spoke, "hub"), hub_side),
                           on_the_spokes(dataplane, {s: star.OVERLAYS[s][2] for s in star.SPOKES}), count=COUNT)
    other = next(s for s in star.SPOKES if s != spoke)
    print("hub on %s: %s" % (hub_side, got))
    assert got == {spoke: COUNT, other: 0}


@needs_root
@pytest.mark.parametrize("spoke", star.SPOKES)
def test_a_spokes_stream_reaches_the_hub(hub_and_spokes, spoke):
    dataplane, _routers = hub_and_spokes
    _path, hub_side, spoke_side, _prefix, _id = star.OVERLAYS[spoke]
    got = multicast.stream((inside(dataplane, spoke), star.overlay_address(spoke, spoke), spoke_side),
                           {"hub": (inside(dataplane, "hub"), hub_side)}, count=COUNT)
    assert got == {"hub": COUNT}


def set_allowed(dataplane, routers, spoke, allowed):
    hub = routers["hub"]
    peer = next(it for it in hub.tables["/interface/wireguard/peers"]
                if it.values["allowed-address"].split(",")[0] == "%s/32" % star.TRANSIT[spoke])
    hub.set("/interface/wireguard/peers", {".id": peer.ref, "allowed-address": allowed})
    assert dataplane.sync_errors == {}
    shown = dataplane.run_wg("hub", "wg", "show", "wg-site", "allowed-ips").stdout
    assert allowed.replace(",", " ") in shown, shown


@needs_root
def test_plain_wireguard_with_several_peers_carries_the_stream_to_no_peer(hub_and_spokes):
    """The hub's wg-site has a peer per spoke, neither holding the group: the stream reaches neither spoke.  The
    control: once s1's allowed-address holds 224.0.0.0/4 the same stream reaches s1, and s1 only (cryptokey routing
    picks one peer per destination: WireGuard cannot flood a group to several peers)."""
    dataplane, routers = hub_and_spokes
    sender = (inside(dataplane, "hub"), star.TRANSIT["hub"], "wg-site")
    receivers = on_the_spokes(dataplane, {s: "wg-site" for s in star.SPOKES})
    got = multicast.stream(sender, receivers, count=COUNT)
    print("hub on wg-site, no peer holds the group: %s" % got)
    assert got == {"s1": 0, "s2": 0}
    set_allowed(dataplane, routers, "s1", "%s/32,224.0.0.0/4" % star.TRANSIT["s1"])
    try:
        got = multicast.stream(sender, receivers, count=COUNT)
        print("hub on wg-site, s1's peer holds 224.0.0.0/4: %s" % got)
        assert got == {"s1": COUNT, "s2": 0}
    finally:
        set_allowed(dataplane, routers, "s1", "%s/32" % star.TRANSIT["s1"])


@needs_root
def test_eoip_bridged_to_the_lans_carries_a_stream_from_lan_host_to_lan_host(hub_and_spokes):
    """The hub's eoip-s2 and s2's eoip-hub made ports of their LAN bridges: the hub's LAN host sends, s2's LAN host
    gets every datagram (one layer-2 segment; bridges do not snoop IGMP, RouterOS's default), s1's LAN host, behind
    GRE (layer 3, no multicast routing), none."""
    dataplane, routers = hub_and_spokes
    hosts = {name: ["ip", "netns", "exec", dataplane.host_netns(name)] for name in star.SITES}
    sender = (hosts["hub"], HOSTS["hub"][0].split("/")[0], "eth0")
    receivers = {spoke: (hosts[spoke], "eth0") for spoke in star.SPOKES}
    got = multicast.stream(sender, receivers, count=COUNT)
    assert got == {"s1": 0, "s2": 0}        # routed (layer 3) only: no router forwards the group
    ports = {}
    for name, interface in (("hub", "eoip-s2"), ("s2", "eoip-hub")):
        ports[name] = routers[name].add("/interface/bridge/port", {"bridge": "bridge", "interface": interface})
        assert dataplane.links(name)[interface] == "bridge"
    try:
        got = multicast.stream(sender, receivers, count=COUNT)
        print("hub's LAN host, eoip-s2 bridged: %s" % got)
        assert got == {"s1": 0, "s2": COUNT}
    finally:
        for name, ref in ports.items():
            routers[name].remove("/interface/bridge/port", {".id": ref})
