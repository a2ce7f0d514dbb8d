"""The tunnels in an interface list of their own (issue 19 item 5; routeros-review-3.md N8 and #7), on the emulated
fleet: the hub's rules stay a handful and name the list, LAN to LAN still crosses, a source forged on the WAN is not
admitted into a tunnel, an existing router's per-interface rules go in the same run, and with
sitelink_tunnels_in_lan_list the tunnels join the router's LAN list (the operator's members untouched)."""

from rosemu.fabric import Blocked
from rosemu.lab import RouterSpec
from lab_fleet import GOOD, play, reset, start_fleet, writes

NO_VERIFY = ("-e", "sitelink_verify=false")
IN_LAN = ("-e", '{"sitelink_tunnels_in_lan_list": true}')
TUNNELS = ["eoip-branch-a", "gre-branch-b", "wg-sitelink"]
# rules of an earlier release on the hub: ours (marked), one per peer or tunnel interface
OLD_RULES = [["/ip/firewall/filter/add", "=chain=input", "=protocol=gre", "=src-address=10.255.0.1",
              "=comment=sitelink:fleet overlay-in-branch-a", "=place-before=*2"],
             ["/ip/firewall/filter/add", "=chain=forward", "=src-address-list=sitelink-lans",
              "=dst-address-list=sitelink-lans", "=comment=sitelink:fleet forward-to-wg-sitelink", "=place-before=*2"]]


def members(lab, router, listname):
    """[(interface, comment)] of a list's members on `router`."""
    r = lab.router(router)
    return lab.call(lambda: sorted((m.values["interface"], m.values.get("comment"))
                                   for m in r.tables["/interface/list/member"] if m.values.get("list") == listname))


def ours(lab, router):
    r = lab.router(router)
    return lab.call(lambda: [it.values["comment"].split(" ", 1)[1] for it in r.tables["/ip/firewall/filter"]
                             if it.values.get("comment", "").startswith("sitelink:fleet ")])


def responders(lab, router):
    r = lab.router(router)
    return lab.call(lambda: [p.values.get("responder") for p in r.tables["/interface/wireguard/peers"]])


def trace(lab, router, address, src, protocol="icmp"):
    """Hops of a new packet from `router` to `address` with source `src` and back, or why it is dropped."""
    r = lab.router(router)

    def run():
        try:
            return r.fabric.trace(r, address, src=src, protocol=protocol)
        except Blocked as exc:          # the reason is the answer
            return str(exc)
    return lab.call(run)


def test_the_tunnels_are_one_list_and_the_rules_a_handful(tmp_path):
    # a host on the hub's WAN segment that routes the branches' LANs through the hub, and may forge sources
    outsider = RouterSpec("outsider", defconf=False, setup=[
        ["/ip/address/add", "=address=198.51.100.99/24", "=interface=ether1"],
        ["/ip/route/add", "=dst-address=192.168.11.0/24", "=gateway=198.51.100.1"]])
    lab, connections = start_fleet(tmp_path, extra=[outsider], hub_setup=OLD_RULES)
    try:
        assert ours(lab, "hub") == ["overlay-in-branch-a", "forward-to-wg-sitelink"]
        first = play(GOOD, connections, *NO_VERIFY)
        assert first.returncode == 0, first.out[-4000:]
        # an existing router converges in one run: the old per-interface rules are gone, the new ones are there
        assert ours(lab, "hub") == ["wireguard-in", "gre-in", "ping-in-tunnels", "forward-from-tunnels",
                                    "forward-to-tunnels"]
        assert members(lab, "hub", "sitelink-tunnels") == [(i, "sitelink:fleet") for i in TUNNELS]
        assert members(lab, "hub", "LAN") == [("bridge", "defconf")]
        # 7.18: the hub only answers the branches, which call in (routeros-review-3.md N15)
        assert responders(lab, "hub") == ["true", "true"] and responders(lab, "branch-a") == ["false"]
        reset(lab)
        again = play(GOOD, connections)          # verified: every link up (the overlays' keepalives answered)
        assert again.returncode == 0 and "4 link ends up, 0 down, 0 pending" in again.out, again.out[-3000:]
        assert writes(lab) == {"hub": 0, "branch-a": 0, "branch-b": 0, "outsider": 0}

        # LAN to LAN through the hub (spoke to spoke), and a branch's LAN to the hub's
        assert isinstance(trace(lab, "branch-b", "192.168.11.1", "192.168.12.1"), int)
        assert isinstance(trace(lab, "branch-a", "192.168.10.1", "192.168.11.1"), int)
        # forged on the WAN: another branch's LAN as the source is not admitted into the tunnel
        assert "hub: the forward chain drops" in trace(lab, "outsider", "192.168.11.1", "192.168.12.5")
        # a DNS query from a remote LAN to the hub itself: defconf drops what does not come from LAN
        assert "hub: the input chain drops" in trace(lab, "branch-b", "192.168.10.1", "192.168.12.1", "udp")

        reset(lab)
        joined = play(GOOD, connections, *NO_VERIFY, *IN_LAN)
        assert joined.returncode == 0, joined.out[-4000:]
        assert members(lab, "hub", "LAN") == sorted([("bridge", "defconf")] + [(i, "sitelink:fleet") for i in TUNNELS])
        assert isinstance(trace(lab, "branch-b", "192.168.10.1", "192.168.12.1", "udp"), int)
        # the LAN list known, the site's own LANs enter a tunnel only from it: forged on the WAN, they are dropped
        assert "hub: the forward chain drops" in trace(lab, "outsider", "192.168.11.1", "192.168.10.5")
        assert isinstance(trace(lab, "hub", "192.168.11.1", "192.168.10.1"), int)
        reset(lab)
        assert play(GOOD, connections, *NO_VERIFY, *IN_LAN).returncode == 0
        assert writes(lab)["hub"] == 0

        left = play(GOOD, connections, *NO_VERIFY)
        assert left.returncode == 0, left.out[-4000:]
        assert members(lab, "hub", "LAN") == [("bridge", "defconf")]
        assert members(lab, "hub", "sitelink-tunnels") == [(i, "sitelink:fleet") for i in TUNNELS]
    finally:
        lab.stop()
