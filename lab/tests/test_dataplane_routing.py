"""OSPF and BFD between two emulated routers on the data plane: FRR in each router's namespace
(rosemu.dataplane.routing), adjacencies over the user-space GRE (a TUN device, point-to-point) and EoIP (a TAP
device, broadcast) tunnels that carry WireGuard between the two sites (rosemu.dataplane.pair.SitePair)."""

import os
import time

import pytest

from labkit import needs_dataplane
from rosemu.dataplane.pair import SitePair, lan_prefix
from rosemu.linuxlab import alive
from rosemu.dataplane.routing import FRR_DIR, RoutingDaemons, ospf_config, run_in

pytestmark = needs_dataplane("ping", "vtysh", files=[os.path.join(FRR_DIR, daemon) for daemon in ("zebra", "ospfd", "bfdd")])

ROUTER_IDS = {"a": "10.255.255.1", "b": "10.255.255.2"}
OVERLAYS = (("gre-x", "ptp", "10.10.0.0/30"), ("eoip-x", "broadcast", "10.20.0.0/30"))


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("no %s within %d s" % (what, timeout))
        time.sleep(0.2)


@pytest.fixture(name="ospf_pair")
def fixture_ospf_pair(tmp_path):
    with SitePair(str(tmp_path / "plane")) as pair:
        daemons = {}
        try:
            for name in ("a", "b"):
                config = ospf_config(
                    name, ROUTER_IDS[name],
                    [{"name": iface, "type": kind, "hello": 1, "dead": 4, "bfd": True, "cost": 10} for iface, kind, _prefix in OVERLAYS],
                    [(prefix, "0.0.0.0") for _iface, _kind, prefix in OVERLAYS] + [(lan_prefix(name), "0.0.0.0")],
                    passive=["bridge"])
                daemons[name] = RoutingDaemons(name, str(tmp_path / ("frr-" + name)),
                                               run_in(pair.dataplane.netns(name))).start(config)
            yield pair, daemons
        finally:
            for routing in daemons.values():
                routing.stop()


def test_adjacencies_full_over_gre_and_eoip_with_bfd_and_the_far_lan_learned(ospf_pair):
    _pair, daemons = ospf_pair
    for name, routing in daemons.items():
        far = "b" if name == "a" else "a"

        def full(routing=routing):
            states = {n["interface"]: (n["state"], n["router_id"]) for n in routing.neighbors()}
            return states if all(states.get(iface, ("",))[0] == "Full" for iface, _k, _p in OVERLAYS) else None
        states = wait_until(full, 30, "Full adjacency on both overlays of %s" % name)
        assert {rid for _state, rid in states.values()} == {ROUTER_IDS[far]}
        wait_until(lambda routing=routing: [p for p in routing.bfd_peers() if p["status"] == "up"]
                   and len([p for p in routing.bfd_peers() if p["status"] == "up"]) == 2,
                   30, "two BFD sessions up on %s" % name)
        # equal cost over both overlays; the pair's static LAN route (distance 1) stays the active one
        hop = 2 if name == "a" else 1
        expected = {"gateways": ["10.10.0.%d" % hop, "10.20.0.%d" % hop], "active": False}
        wait_until(lambda routing=routing, far=far: routing.routes().get(lan_prefix(far)) == expected, 30,
                   "OSPF route to %s's LAN on %s over both overlays (%s)" % (far, name, expected))


def test_reload_keeps_an_unchanged_adjacency_and_stop_leaves_nothing(ospf_pair):
    _pair, daemons = ospf_pair
    routing = daemons["a"]
    wait_until(lambda: len([n for n in routing.neighbors() if n["state"] == "Full"]) == 2, 30, "two adjacencies")
    pids = dict(routing.pids)
    config = ospf_config("a", ROUTER_IDS["a"],
                         [{"name": "gre-x", "type": "ptp", "hello": 1, "dead": 4, "bfd": True, "cost": 50},
                          {"name": "eoip-x", "type": "broadcast", "hello": 1, "dead": 4, "bfd": True, "cost": 10}],
                         [(p, "0.0.0.0") for _i, _k, p in OVERLAYS] + [(lan_prefix("a"), "0.0.0.0")],
                         passive=["bridge"])
    routing.reload(config)
    assert "ip ospf cost 50" in routing.vtysh("show running-config").stdout
    assert routing.pids == pids
    assert all(n["state"] == "Full" for n in routing.neighbors())      # no adjacency was restarted
    routing.stop()
    assert not [pid for pid in pids.values() if alive(pid)]


def write_ospf(pair, router, bfd=True):
    """What the role writes on a site in OSPF mode (the collection's catalogue: an instance, an area, a template per
    overlay of type ptp, GRE and EoIP alike, a passive one for the LAN), with the lab's short timers. (A broadcast
    template that arrives in a later write than the instance waits FRR's wait timer as it was when the interface
    joined, the default 40 s, before electing a designated router.)"""
    pair.write(router, "/routing/ospf/instance", "add", {"name": "sitelink", "router-id": ROUTER_IDS[router.name]})
    pair.write(router, "/routing/ospf/area", "add", {"name": "sitelink-area", "instance": "sitelink"})
    for iface, _kind, _prefix in OVERLAYS:
        pair.write(router, "/routing/ospf/interface-template", "add", {
            "area": "sitelink-area", "interfaces": iface, "type": "ptp",
            "cost": "10", "hello-interval": "1s", "dead-interval": "4s", "use-bfd": "yes" if bfd else "no"})
    pair.write(router, "/routing/ospf/interface-template", "add", {
        "area": "sitelink-area", "networks": lan_prefix(router.name), "passive": "yes"})


def test_the_routers_ospf_tables_run_frr_and_its_neighbours_show_in_the_api(tmp_path):
    with SitePair(str(tmp_path / "plane"), keepalive=None, attach=True) as pair:
        for router in pair.routers.values():
            lan_route = next(it for it in router.tables["/ip/route"] if it.values.get("comment") == "lan")
            pair.write(router, "/ip/route", "remove", {".id": lan_route.ref})
            write_ospf(pair, router)
        assert set(pair.dataplane.routing) == {"a", "b"}, pair.dataplane.sync_errors

        def full(router):
            rows = [it.values for it in router.items("/routing/ospf/neighbor")]
            return rows if sorted((r["interface"], r["state"]) for r in rows) == \
                [("eoip-x", "Full"), ("gre-x", "Full")] else None
        for router in pair.routers.values():
            rows = wait_until(lambda router=router: full(router), 30, "two Full neighbours in %s's API" % router.name)
            assert {(r["instance"], r["area"], r["router-id"]) for r in rows} == \
                {("sitelink", "sitelink-area", ROUTER_IDS[other])
                 for other in ROUTER_IDS if other != router.name}

        # BFD sessions toward both overlays' far ends, up, through the API (FRR bfdd's peers)
        def sessions_up(router):
            rows = [it.values for it in router.items("/routing/bfd/session")]
            return rows if sorted((r["remote-address"].partition("%")[2], r["state"]) for r in rows) == \
                [("eoip-x", "up"), ("gre-x", "up")] else None
        for router in pair.routers.values():
            wait_until(lambda router=router: sessions_up(router), 30, "two BFD sessions up in %s's API" % router.name)
        # no static route to the far LAN: the LAN hosts reach each other over OSPF's routes
        wait_until(lambda: pair.ping("a", "192.168.89.10", count=1)[0] == 1, 30, "a ping over OSPF's route")
        assert pair.ping("a", "192.168.89.10", count=5)[0] == 5
        # the instance goes (as the role does back in static mode): FRR stops, no neighbour is left
        for router in pair.routers.values():
            for path in ("/routing/ospf/interface-template", "/routing/ospf/area", "/routing/ospf/instance"):
                for item in list(router.tables[path]):
                    pair.write(router, path, "remove", {".id": item.ref})
        assert pair.dataplane.routing == {}
        assert all(not list(router.items("/routing/ospf/neighbor")) and not list(router.items("/routing/bfd/session"))
                   for router in pair.routers.values())
