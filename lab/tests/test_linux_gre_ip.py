"""The Linux lab's `ip` wrapper (linux_gre_ip.py) without a site: which commands it takes, how it shows a tunnel."""

import pytest

from rosemu import linux_gre_ip as wrapper

TUNNEL = {"name": "gre-b", "local": "198.51.100.101", "remote": "198.51.100.102", "ttl": 64, "pid": 1}


class FakeSite:
    """Records what handle() asks of a site; `tunnels` as the state directory would hold them."""

    def __init__(self, tunnels=()):
        self.known = dict((t["name"], t) for t in tunnels)
        self.calls = []

    def tunnels(self):
        return self.known

    def add(self, *args):
        self.calls.append(("add",) + args)

    def delete(self, name):
        self.calls.append(("delete", name))


@pytest.mark.parametrize("argv, call", [
    ("ip link add gre-b type gre local 198.51.100.101 remote 198.51.100.102 ttl 64",
     ("add", "gre-b", "198.51.100.101", "198.51.100.102", 64)),
    ("ip link add dev gre-b type gre remote 198.51.100.102 local 198.51.100.101",
     ("add", "gre-b", "198.51.100.101", "198.51.100.102", 0)),                 # ip_gre's default: inherit
    ("/usr/sbin/ip l a name gre-b type gre local 198.51.100.101 remote 198.51.100.102 ttl inherit",
     ("add", "gre-b", "198.51.100.101", "198.51.100.102", 0)),
    ("ip link del gre-b", ("delete", "gre-b")),
    ("ip link delete dev gre-b", ("delete", "gre-b")),
])
def test_the_commands_it_takes(argv, call):
    site = FakeSite([TUNNEL])
    assert wrapper.handle(site, argv.split()).returncode == 0
    assert site.calls == [call]


@pytest.mark.parametrize("argv", [
    "ip link add v0 type veth peer name v1",          # not GRE
    "ip link del eth0",                               # not one of ours
    "ip -n other link add gre-b type gre local 198.51.100.101 remote 198.51.100.102",    # another namespace
    "ip -batch /tmp/commands",
    "ip route show",
    "ip -j link show",                                # a read with no tunnel: nothing to show differently
    "ip",
])
def test_what_goes_to_the_real_ip_unchanged(argv):
    site = FakeSite([] if "-j" in argv else [TUNNEL])
    assert wrapper.handle(site, argv.split()) is None and site.calls == []


@pytest.mark.parametrize("argv, message", [
    ("ip link add gre-b type gre local 198.51.100.101 remote 198.51.100.102 key 5", "not 'key'"),
    ("ip link add gre-b type gre local 198.51.100.101", "needs IPv4 local and remote"),
    ("ip link add gre-b type gre local 2001:db8::1 remote 2001:db8::2", "needs IPv4 local and remote"),
    ("ip link add gre-b mtu 1400 type gre local 198.51.100.101 remote 198.51.100.102", "only `ip link add"),
    ("ip link add gre-sixteen-chars type gre local 198.51.100.101 remote 198.51.100.102", "bad name"),
])
def test_what_it_refuses(argv, message):
    site = FakeSite()
    with pytest.raises(wrapper.Refused, match=message):
        wrapper.handle(site, argv.split())
    assert site.calls == []


def test_a_tun_shown_as_ip_gre_and_the_others_as_they_are():
    tun = {"ifindex": 4, "ifname": "gre-b", "flags": ["POINTOPOINT", "NOARP", "UP", "LOWER_UP"], "mtu": 1396,
           "link_type": "none", "promiscuity": 0,
           "linkinfo": {"info_kind": "tun", "info_data": {"type": "tun", "pi": False}}, "addr_info": []}
    shown = wrapper.shown_as_gre(tun, TUNNEL)
    assert list(shown)[:3] == ["ifindex", "link", "ifname"] and shown["link"] is None
    assert (shown["link_type"], shown["address"], shown["link_pointtopoint"], shown["broadcast"]) == \
        ("gre", "198.51.100.101", True, "198.51.100.102")
    assert shown["linkinfo"] == {"info_kind": "gre", "info_data": {
        "remote": "198.51.100.102", "local": "198.51.100.101", "ttl": 64, "pmtudisc": True}}
    assert shown["mtu"] == 1396 and shown["flags"] == tun["flags"] and shown["addr_info"] == []


def test_text_reads():
    text = ("1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN\n"
            "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
            "4: gre-b: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1396 qdisc pfifo_fast state UNKNOWN\n"
            "    link/none  promiscuity 0 minmtu 68 maxmtu 65535 \n"
            "    tun type tun pi off vnet_hdr off persist off numtxqueues 1 \n"
            "5: other: <POINTOPOINT,NOARP> mtu 1500\\    link/none \n")
    shown = wrapper.text_as_gre(text, {"gre-b": dict(TUNNEL, ttl=0)}).splitlines()
    assert shown[:2] == text.splitlines()[:2]
    assert shown[2].startswith("4: gre-b@NONE: <POINTOPOINT,NOARP,UP,LOWER_UP>")
    assert shown[3] == "    link/gre 198.51.100.101 peer 198.51.100.102  promiscuity 0 minmtu 68 maxmtu 65535 "
    assert shown[4] == "    gre remote 198.51.100.102 local 198.51.100.101 ttl inherit numtxqueues 1 "
    assert shown[5] == text.splitlines()[5]             # another TUN, not ours
    oneline = wrapper.text_as_gre("4: gre-b: <POINTOPOINT,NOARP> mtu 1396\\    link/none \n", {"gre-b": TUNNEL})
    assert oneline == "4: gre-b@NONE: <POINTOPOINT,NOARP> mtu 1396\\    link/gre 198.51.100.101 peer 198.51.100.102 \n"
