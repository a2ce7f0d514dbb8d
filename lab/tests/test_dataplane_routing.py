"""OSPF and BFD between two emulated routers on the data plane: FRR in each router's namespace
(rosemu.dataplane.routing), adjacencies over the user-space GRE (a TUN device, point-to-point) and EoIP (a TAP
device, broadcast) tunnels that carry WireGuard between the two sites (rosemu.dataplane.pair.SitePair)."""

import json
import os

import pytest

from labkit import needs_dataplane
from rosemu.dataplane.pair import OVERLAY_GATEWAYS, SitePair, host_address, lan_prefix
from rosemu.linuxlab import alive
from rosemu.dataplane.plane import active_static_routes
from rosemu.lab_tools import wait_until
from rosemu.dataplane.routing import (FRR_DIR, RoutingDaemons, in_place_commands, ospf_config, run_in,
                                      static_route_lines, tables_config)
from rosemu.router import Router

pytestmark = needs_dataplane("ping", "vtysh", files=[os.path.join(FRR_DIR, daemon) for daemon in ("zebra", "ospfd", "bfdd")])

ROUTER_IDS = {"a": "10.255.255.1", "b": "10.255.255.2"}
OVERLAYS = (("gre-x", "ptp", "10.10.0.0/30"), ("eoip-x", "broadcast", "10.20.0.0/30"))


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
        wait_until(lambda routing=routing, far=far: gateways_and_active(routing.routes().get(lan_prefix(far))) ==
                   expected, 30, "OSPF route to %s's LAN on %s over both overlays (%s)" % (far, name, expected))


def gateways_and_active(route):
    return route and {"gateways": route["gateways"], "active": route["active"]}


def lines_to_delete(routing):
    """What frr-reload.py would delete to apply the daemons' configuration file again (its --test deltas)."""
    shown = routing.run("/usr/bin/python3", os.path.join(FRR_DIR, "frr-reload.py"), "--test", "--stdout",
                        "--vty_socket", routing.path("vty"), "--confdir", routing.state, "--rundir", routing.state,
                        "--bindir", "/usr/bin", routing.path("frr.conf")).stdout
    deletes = shown.partition("Lines To Delete")[2].partition("Lines To Add")[0]
    return [line for line in deletes.splitlines() if line.strip() and not line.startswith("=")]


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
    # the next reload deletes nothing that stays: the configuration says passive as FRR 8.4 prints it (before, every
    # reload turned the LAN's passive off and on); the hostname FRR shows is the host's, and harmless
    assert [line for line in lines_to_delete(routing) if not line.startswith("no hostname")] == []
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


# ----- static routes beside OSPF's: RouterOS chooses by distance (OSPF 110), so FRR gets them (staticd) -------------
BACKUP_DISTANCE = "111"         # as sitelink_ospf_static_backup writes them: OSPF's 110 above the static distance


def test_frr_gets_the_active_static_ipv4_routes_as_running_config_prints_them():
    router = Router("r")
    router.add("/ip/address", {"address": "10.20.0.1/30", "interface": "ether1"})
    for route in ({"dst-address": "192.168.89.0/24", "gateway": "10.20.0.2", "distance": "111"},
                  {"dst-address": "192.168.90.0/24", "gateway": "ether1"},            # an interface, distance 1
                  {"dst-address": "192.168.91.0/24", "blackhole": "yes", "distance": "200"},
                  {"dst-address": "192.168.92.0/24", "gateway": "10.99.0.2"},         # unreachable: inactive
                  {"dst-address": "192.168.93.0/24", "gateway": "10.20.0.2", "distance": "5", "disabled": "yes"}):
        router.add("/ip/route", route)
    routes = active_static_routes(router, "/ip/route", {"ether1": None, "lo": None})
    assert static_route_lines(routes) == ["ip route 192.168.89.0/24 10.20.0.2 ether1 111",
                                          "ip route 192.168.90.0/24 ether1",
                                          "ip route 192.168.91.0/24 blackhole 200", "!"]
    # no OSPF instance: no FRR, the routes stay the kernel's (plane.py)
    assert tables_config(router, routes) is None
    router.add("/routing/ospf/instance", {"name": "v2", "router-id": "10.255.255.1"})
    router.add("/routing/ospf/area", {"name": "backbone", "instance": "v2"})
    router.add("/routing/ospf/interface-template", {"area": "backbone", "interfaces": "ether1", "type": "ptp"})
    assert "\nip route 192.168.89.0/24 10.20.0.2 ether1 111\n" in tables_config(router, routes)


def one_link_config(cost=10, routes=(), bfd=False):
    return ospf_config("a", ROUTER_IDS["a"], [{"name": "gre-x", "type": "ptp", "hello": 1, "dead": 4, "cost": cost,
                                              "bfd": bfd}], [("10.10.0.0/30", "0.0.0.0")], passive=["bridge"],
                       static_routes=routes)


def test_a_cost_or_a_static_route_is_changed_in_place_anything_else_by_frr_reload():
    backup = [("192.168.89.0/24", ("10.20.0.2", "eoip-x"), "111")]
    # a drain's cost is set over the old one (frr-reload.py would `no` it first: FRR's default for a moment)
    assert in_place_commands(one_link_config(), one_link_config(65535)) == \
        ["configure terminal", "interface gre-x", "ip ospf cost 65535", "exit"]
    # a static route's new distance replaces the old one (staticd's `no ip route` would remove both: it ignores the
    # distance); a route to another gateway is added before the old one goes
    assert in_place_commands(one_link_config(routes=backup), one_link_config(routes=[
        ("192.168.89.0/24", ("10.20.0.2", "eoip-x"), "112")])) == \
        ["configure terminal", "ip route 192.168.89.0/24 10.20.0.2 eoip-x 112"]
    assert in_place_commands(one_link_config(routes=backup), one_link_config(routes=[
        ("192.168.89.0/24", ("10.10.0.2", "gre-x"), "111")])) == \
        ["configure terminal", "ip route 192.168.89.0/24 10.10.0.2 gre-x 111",
         "no ip route 192.168.89.0/24 10.20.0.2 eoip-x 111"]
    assert in_place_commands(one_link_config(), one_link_config(routes=backup)) == \
        ["configure terminal", "ip route 192.168.89.0/24 10.20.0.2 eoip-x 111"]
    assert in_place_commands(one_link_config(), one_link_config(bfd=True)) is None       # a line more: frr-reload
    assert in_place_commands(one_link_config(), ospf_config("a", ROUTER_IDS["a"], [], [("10.10.0.0/30", "0.0.0.0")],
                                                            passive=["bridge"])) is None


def write_ospf_on_gre(pair, router):
    """OSPF on gre-x alone (hello 1, dead 4) and the LAN passive: EoIP is left to the static route."""
    pair.write(router, "/routing/ospf/instance", "add", {"name": "sitelink", "router-id": ROUTER_IDS[router.name]})
    pair.write(router, "/routing/ospf/area", "add", {"name": "sitelink-area", "instance": "sitelink"})
    pair.write(router, "/routing/ospf/interface-template", "add", {
        "area": "sitelink-area", "interfaces": "gre-x", "type": "ptp", "cost": "10", "hello-interval": "1s",
        "dead-interval": "4s"})
    pair.write(router, "/routing/ospf/interface-template", "add", {
        "area": "sitelink-area", "networks": lan_prefix(router.name), "passive": "yes"})


def egress(pair, name, address):
    """The interface router `name`'s namespace sends a packet for `address` out of."""
    return json.loads(pair.dataplane.run(name, "ip", "-j", "route", "get", address).stdout)[0]["dev"]


def adjacency_changes(routing):
    """{neighbour's interface: its state-change counter} (a restarted adjacency counts up)."""
    shown = json.loads(routing.vtysh("show ip ospf neighbor detail json").stdout)
    return {entry["ifaceName"].split(":")[0]: entry["stateChangeCounter"]
            for entries in shown.get("neighbors", {}).values() for entry in entries}


def test_a_floating_static_route_loses_to_ospf_and_takes_over_when_the_neighbour_goes(tmp_path):
    with SitePair(str(tmp_path / "plane"), keepalive=None, attach=True) as pair:
        for router in pair.routers.values():       # the LAN routes over EoIP, at a backup's distance
            lan_route = next(it for it in router.tables["/ip/route"] if it.values.get("comment") == "lan")
            pair.write(router, "/ip/route", "set", {".id": lan_route.ref, "distance": BACKUP_DISTANCE,
                                                    "gateway": OVERLAY_GATEWAYS["eoip"][router.name]})
            write_ospf_on_gre(pair, router)
        assert set(pair.dataplane.routing) == {"a", "b"}, pair.dataplane.sync_errors
        routing_a, far_host = pair.dataplane.routing["a"], host_address("b")
        wait_until(lambda: lan_prefix("b") in routing_a.routes(), 30, "OSPF's route to b's LAN on a")
        # OSPF (110) wins over the static route (111), in the namespace's forwarding and in zebra
        wait_until(lambda: egress(pair, "a", far_host) == "gre-x", 10,
                   "a's traffic to b's LAN over OSPF's route (gre-x), not the static backup's (eoip-x)")
        assert routing_a.routes()[lan_prefix("b")] == {"gateways": ["10.10.0.2"], "hops": [("10.10.0.2", "gre-x")],
                                                       "distance": 110, "active": True}
        assert pair.ping("a", far_host, count=5)[0] == 5
        # the API's /ip/route: OSPF's route dynamic and active, the static one a backup (neither active nor
        # inactive); a read of the static entries only (?dynamic=no, as the role reads) does not show OSPF's
        rows, _count = pair.routers["a"].print("/ip/route", {}, [])
        to_far_lan = dict((r.get("ospf", "false"), r) for r in rows if r["dst-address"] == lan_prefix("b"))
        assert {k: to_far_lan["true"][k] for k in ("dynamic", "active", "gateway", "immediate-gw", "distance")} == \
            {"dynamic": "true", "active": "true", "gateway": "10.10.0.2%gre-x", "immediate-gw": "10.10.0.2%gre-x",
             "distance": "110"}
        assert to_far_lan["true"][".id"].startswith("*8")
        assert (to_far_lan["false"]["active"], to_far_lan["false"]["inactive"]) == ("false", "false")
        static_only, _count = pair.routers["a"].print("/ip/route", {}, ["?=dynamic=no"])
        assert static_only and all(r.get("ospf") != "true" for r in static_only)
        # FRR holds the static route at its distance, and no kernel route of ours (zebra's distance 0) is left
        assert "ip route 192.168.89.0/24 10.20.0.2 eoip-x 111" in routing_a.vtysh("show running-config").stdout
        assert json.loads(pair.dataplane.run("a", "ip", "-4", "-j", "route", "show", "proto", "static").stdout) == []
        # and FRR leaves the router's IPv6 forwarding on (the IPv6 static routes stay the kernel's)
        assert pair.dataplane.run("a", "sysctl", "-n", "net.ipv6.conf.all.forwarding").stdout.strip() == "1"

        # only the static route changes: FRR is reloaded in place, the adjacency stays
        pids, changes = dict(routing_a.pids), adjacency_changes(routing_a)
        lan_route = next(it for it in pair.routers["a"].tables["/ip/route"] if it.values.get("comment") == "lan")
        pair.write(pair.routers["a"], "/ip/route", "set", {".id": lan_route.ref, "distance": "112"})
        running = routing_a.vtysh("show running-config").stdout
        assert "ip route 192.168.89.0/24 10.20.0.2 eoip-x 112" in running and " eoip-x 111" not in running
        assert set(changes) == {"gre-x"}
        assert (routing_a.pids, adjacency_changes(routing_a)) == (pids, changes)

        # b's end of the GRE tunnel goes: a's neighbour dies (dead 4 s), the static route takes over
        pair.write(pair.routers["b"], "/interface/gre", "set", {".id": "gre-x", "disabled": "yes"})
        wait_until(lambda: egress(pair, "a", far_host) == "eoip-x", 30, "a's traffic to b's LAN over EoIP")
        assert lan_prefix("b") not in routing_a.routes()
        assert pair.ping("a", far_host, count=5)[0] == 5
        # a sync removes kernel routes of ours only (proto 4): zebra's static route (proto 196) stays
        pair.dataplane.sync(pair.routers["a"])
        assert egress(pair, "a", far_host) == "eoip-x" and pair.ping("a", far_host, count=3)[0] == 3

        # a static route the router holds inactive (its gateway's interface disabled) is not installed at all
        pair.write(pair.routers["a"], "/interface/eoip", "set", {".id": "eoip-x", "disabled": "yes"})
        assert "ip route 192.168.89.0/24" not in routing_a.vtysh("show running-config").stdout
        wait_until(lambda: pair.dataplane.run("a", "ip", "route", "get", far_host, check=False).returncode != 0,
                   10, "no route to b's LAN on a")
