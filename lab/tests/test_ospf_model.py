"""The fabric's modelled OSPF adjacency (rosemu/ospf.py): /routing/ospf/neighbor shows Full only where both ends of a
running GRE overlay have matching templates and admit each other's hellos."""

import pytest

from labkit import accept, start_wireguard_link
from rosemu.router import Router

NEIGHBOR = ("routing", "ospf", "neighbor")


@pytest.fixture
def gre_pair():
    """hub and branch with WireGuard and a GRE overlay (no keepalive: running while enabled), 10.254.0.0/31 on it,
    OSPF and BFD (UDP 3784) admitted on both input chains, an instance and a backbone area on both."""
    admitted = (accept("udp", 13231), accept("gre"), accept("ospf"), accept("udp", "3784"))
    lab, apis, _keys = start_wireguard_link(setup=admitted)
    ends = {"hub": ("10.255.0.0", "10.255.0.1", "10.254.0.0/31", "1.1.1.1"),
            "branch": ("10.255.0.1", "10.255.0.0", "10.254.0.1/31", "2.2.2.2")}
    for name, (local, remote, overlay, router_id) in ends.items():
        api = apis[name]
        tunnels = api.path("interface", "gre")
        tunnels.add(name="gre0", **{"local-address": local, "remote-address": remote})
        tunnels.update(**{".id": list(tunnels)[0][".id"], "keepalive": ""})
        api.path("ip", "address").add(address=overlay, interface="gre0")
        api.path("routing", "ospf", "instance").add(name="v2", **{"router-id": router_id})
        api.path("routing", "ospf", "area").add(name="backbone", instance="v2")
    yield lab, apis
    for api in apis.values():
        api.close()
    lab.stop()


def template(api, **values):
    api.path("routing", "ospf", "interface-template").add(**dict({"area": "backbone", "interfaces": "gre0",
                                                                  "type": "ptp"}, **values))


def neighbors(api):
    return [(n["interface"], n["router-id"], n["state"]) for n in api.path(*NEIGHBOR)]


def test_matching_templates_make_a_full_adjacency_at_both_ends(gre_pair):
    _lab, apis = gre_pair
    template(apis["hub"])
    assert neighbors(apis["hub"]) == []                 # the branch has no template yet
    template(apis["branch"])
    assert neighbors(apis["hub"]) == [("gre0", "2.2.2.2", "Full")]
    assert neighbors(apis["branch"]) == [("gre0", "1.1.1.1", "Full")]


@pytest.mark.parametrize("branch_values", [
    {"hello-interval": "5s"},           # RFC 2328 10.5: differing hello or dead intervals drop the hello
    {"dead-interval": "20s"},
    {"passive": "yes"},                 # a passive template sends no hellos
])
def test_templates_that_disagree_make_none(gre_pair, branch_values):
    _lab, apis = gre_pair
    template(apis["hub"])
    template(apis["branch"], **branch_values)
    assert neighbors(apis["hub"]) == [] and neighbors(apis["branch"]) == []


def test_a_ptp_end_and_a_broadcast_end_become_full(gre_pair):
    """RFC 2328 10.5 checks the mask only where the receiver is broadcast, and a numbered ptp end sends its own: the
    hellos are accepted both ways (FRR reaches Full: test_ospf_agreement.py)."""
    _lab, apis = gre_pair
    template(apis["hub"])
    template(apis["branch"], type="broadcast")
    assert neighbors(apis["hub"]) == [("gre0", "2.2.2.2", "Full")]
    assert neighbors(apis["branch"]) == [("gre0", "1.1.1.1", "Full")]


def test_different_mtus_keep_the_neighbours_in_exstart_with_their_bfd_session(gre_pair):
    """RFC 2328 10.6: a Database Description packet with a larger MTU than the receiving interface's is rejected; the
    neighbours stay in ExStart, BFD runs for them all the same (FRR registers a neighbour at 2-Way)."""
    _lab, apis = gre_pair
    template(apis["hub"], **{"use-bfd": "yes"})
    template(apis["branch"], **{"use-bfd": "yes"})
    tunnels = apis["branch"].path("interface", "gre")
    tunnels.update(**{".id": list(tunnels)[0][".id"], "mtu": "1400"})
    assert neighbors(apis["hub"]) == [("gre0", "2.2.2.2", "ExStart")]
    assert neighbors(apis["branch"]) == [("gre0", "1.1.1.1", "ExStart")]
    assert sessions(apis["hub"]) == [("10.254.0.1%gre0", "up")]
    tunnels.update(**{".id": list(tunnels)[0][".id"], "mtu": "auto"})
    assert neighbors(apis["branch"]) == [("gre0", "1.1.1.1", "Full")]


def test_an_input_chain_that_drops_ospf_makes_none(gre_pair):
    _lab, apis = gre_pair
    template(apis["hub"])
    template(apis["branch"])
    filters = apis["branch"].path("ip", "firewall", "filter")
    rule = [r[".id"] for r in filters if r.get("protocol") == "ospf"][0]
    filters.remove(rule)
    assert neighbors(apis["hub"]) == [] and neighbors(apis["branch"]) == []


def test_a_disabled_overlay_makes_none(gre_pair):
    _lab, apis = gre_pair
    template(apis["hub"])
    template(apis["branch"])
    tunnels = apis["branch"].path("interface", "gre")
    tunnels.update(**{".id": list(tunnels)[0][".id"], "disabled": "yes"})
    assert neighbors(apis["hub"]) == []


def test_the_neighbor_menu_takes_no_writes(gre_pair):
    _lab, apis = gre_pair
    with pytest.raises(Exception, match="no such command"):
        apis["hub"].path(*NEIGHBOR).add(interface="gre0")


def test_a_release_before_7_11_has_no_bfd_menu():
    old, new = Router("old", version="7.10.2 (stable)"), Router("new", version="7.11.2 (stable)")
    assert old.menu("/routing/bfd/configuration") is None and new.menu("/routing/bfd/configuration") is not None
    assert "/routing/bfd/configuration" not in old.dump()["menus"]
    assert old.menu("/routing/ospf/interface-template").field("use-bfd") is not None     # from 7.10


def sessions(api):
    return [(s["remote-address"], s["state"]) for s in api.path("routing", "bfd", "session")]


def test_bfd_sessions_follow_the_adjacency_and_both_ends_use_bfd(gre_pair):
    _lab, apis = gre_pair
    template(apis["hub"], **{"use-bfd": "yes"})
    template(apis["branch"])
    # the hub asks BFD for its neighbour, the branch does not answer: down; the branch has none
    assert sessions(apis["hub"]) == [("10.254.0.1%gre0", "down")] and sessions(apis["branch"]) == []
    templates = apis["branch"].path("routing", "ospf", "interface-template")
    templates.update(**{".id": list(templates)[0][".id"], "use-bfd": "yes"})
    assert sessions(apis["hub"]) == [("10.254.0.1%gre0", "up")]
    assert sessions(apis["branch"]) == [("10.254.0.0%gre0", "up")]
    # no adjacency, no session
    tunnels = apis["branch"].path("interface", "gre")
    tunnels.update(**{".id": list(tunnels)[0][".id"], "disabled": "yes"})
    assert sessions(apis["hub"]) == []


def test_a_bfd_session_whose_packets_one_input_chain_drops_never_comes_up(gre_pair):
    """RFC 5880 6.8.6: the branch hears nothing (down); the hub hears the branch's Down and goes to init, which the
    branch never hears (FRR shows the same: test_ospf_agreement.py)."""
    _lab, apis = gre_pair
    template(apis["hub"], **{"use-bfd": "yes"})
    template(apis["branch"], **{"use-bfd": "yes"})
    filters = apis["branch"].path("ip", "firewall", "filter")
    filters.remove(*[r[".id"] for r in filters if str(r.get("dst-port")) == "3784"])
    assert neighbors(apis["hub"]) == [("gre0", "2.2.2.2", "Full")]
    assert sessions(apis["hub"]) == [("10.254.0.1%gre0", "init")]
    assert sessions(apis["branch"]) == [("10.254.0.0%gre0", "down")]
