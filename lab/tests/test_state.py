"""Defconf, addresses and routes, rename and removal of interfaces."""

import pytest

from labkit import make_lab
from rosemu.lab import RouterSpec


def test_defconf_like_a_factory_router(api):
    assert [r["name"] for r in api.path("interface", "ethernet")] == ["ether%d" % n for n in range(1, 6)]
    ports = [(r["bridge"], r["interface"]) for r in api.path("interface", "bridge", "port")]
    assert ports == [("bridge", "ether%d" % n) for n in range(2, 6)]
    lists = {r["name"]: r for r in api.path("interface", "list")}
    assert {"WAN", "LAN", "all", "none", "dynamic", "static"} <= set(lists)
    assert lists["all"]["builtin"] is True and lists["LAN"]["builtin"] is False
    members = {(r["list"], r["interface"]) for r in api.path("interface", "list", "member")}
    assert members == {("LAN", "bridge"), ("WAN", "ether1")}
    addresses = [(r["address"], r["interface"], r["network"]) for r in api.path("ip", "address")]
    assert addresses == [("192.168.88.1/24", "bridge", "192.168.88.0")]
    chains = [(r["chain"], r["action"]) for r in api.path("ip", "firewall", "filter")]
    input_rules = [a for c, a in chains if c == "input"]
    assert input_rules[-1] == "drop" and input_rules.count("drop") == 2
    last_input = [r for r in api.path("ip", "firewall", "filter") if r["chain"] == "input"][-1]
    assert last_input["in-interface-list"] == "!LAN"
    assert [r["chain"] for r in api.path("ipv6", "firewall", "filter")][-1] == "forward"


def test_no_defconf():
    lab = make_lab([RouterSpec("bare", defconf=False)])
    try:
        router = lab.router("bare")
        assert lab.call(lambda: [len(router.tables[p]) for p in ("/ip/address", "/ip/firewall/filter",
                                                                 "/interface/bridge")]) == [0, 0, 0]
        assert lab.call(lambda: len(router.tables["/interface/ethernet"])) == 5
    finally:
        lab.stop()


def test_address_gives_network_and_connected_route(api):
    api.path("ip", "address").add(address="10.255.255.1/30", interface="ether1")
    row = [r for r in api.path("ip", "address") if r["interface"] == "ether1"][0]
    assert (row["network"], row["actual-interface"], row["invalid"], row["dynamic"]) == \
        ("10.255.255.0", "ether1", False, False)
    routes = [r for r in api.path("ip", "route") if r["dst-address"] == "10.255.255.0/30"]
    assert len(routes) == 1
    route = routes[0]
    assert (route["gateway"], route["dynamic"], route["connect"], route["active"], route["distance"]) == \
        ("ether1", True, True, True, 0)


def test_address_on_bridge_port_resolves_actual_interface(api):
    api.path("ip", "address").add(address="10.0.5.1/24", interface="ether3")
    row = [r for r in api.path("ip", "address") if r["interface"] == "ether3"][0]
    assert row["actual-interface"] == "bridge"


def test_static_route_activity_and_immediate_gateway(api):
    api.path("ip", "address").add(address="203.0.113.2/24", interface="ether1")
    routes = api.path("ip", "route")
    good = routes.add(**{"dst-address": "10.1.0.0/16", "gateway": "203.0.113.1"})
    bad = routes.add(**{"dst-address": "10.2.0.0/16", "gateway": "198.51.100.1"})
    api.path("interface", "wireguard").add(name="wg0")
    via_iface = routes.add(**{"dst-address": "10.3.0.0/16", "gateway": "wg0", "comment": "x"})
    rows = {r[".id"]: r for r in routes}
    assert rows[good]["active"] is True and rows[good]["immediate-gw"] == "203.0.113.1%ether1"
    assert rows[bad]["active"] is False and "immediate-gw" not in rows[bad]
    assert rows[via_iface]["active"] is True and rows[via_iface]["static"] is True
    assert (rows[good]["distance"], rows[good]["scope"], rows[good]["target-scope"]) == (1, 30, 10)


def test_route_dst_host_bits_cleared_and_default(api):
    routes = api.path("ip", "route")
    rid = routes.add(**{"dst-address": "10.1.2.3/16", "gateway": "ether1"})
    rid2 = routes.add(gateway="ether1")
    rows = {r[".id"]: r for r in routes}
    assert rows[rid]["dst-address"] == "10.1.0.0/16" and rows[rid2]["dst-address"] == "0.0.0.0/0"


def test_rename_is_followed_everywhere(api):
    wg = api.path("interface", "wireguard")
    wid = wg.add(name="wg0")
    api.path("ip", "address").add(address="10.9.0.1/30", interface="wg0")
    api.path("interface", "wireguard", "peers").add(
        interface="wg0", **{"public-key": "hHp7k4vVQyTRbRXkq0Cdm8Hzn7nhoTsm1UVLWE5mJCI=", "allowed-address": "10.9.0.2/32"})
    api.path("ip", "route").add(**{"dst-address": "10.50.0.0/16", "gateway": "10.9.0.2%wg0"})
    api.path("ip", "firewall", "filter").add(chain="forward", **{"in-interface": "wg0"})
    wg.update(**{".id": wid, "name": "wg-hub"})
    assert [r["interface"] for r in api.path("ip", "address") if r["address"] == "10.9.0.1/30"] == ["wg-hub"]
    assert [r["interface"] for r in api.path("interface", "wireguard", "peers")] == ["wg-hub"]
    assert [r["gateway"] for r in api.path("ip", "route") if r["dst-address"] == "10.50.0.0/16"] == ["10.9.0.2%wg-hub"]
    assert [r.get("in-interface") for r in api.path("ip", "firewall", "filter")][-1] == "wg-hub"


def test_removed_interface_leaves_invalid_references(api):
    wg = api.path("interface", "wireguard")
    wid = wg.add(name="wg0")
    api.path("ip", "address").add(address="10.9.0.1/30", interface="wg0")
    wg.remove(wid)
    row = [r for r in api.path("ip", "address") if r["address"] == "10.9.0.1/30"][0]
    assert row["interface"] == wid and row["invalid"] is True
    assert not [r for r in api.path("ip", "route") if r["dst-address"] == "10.9.0.0/30"]


@pytest.mark.parametrize("path", ["/ip/address", "/ip/route"])
def test_ipv6_menus_exist_too(api, path):
    v6 = api.path(*path.replace("/ip/", "ipv6/").strip("/").split("/"))
    if path == "/ip/address":
        v6.add(address="fd00:1::1/64", interface="ether1")
        assert [r["address"] for r in v6] == ["fd00:1::1/64"]
        assert [r["dst-address"] for r in api.path("ipv6", "route")] == ["fd00:1::/64"]
    else:
        v6.add(**{"dst-address": "fd00:2::/64", "gateway": "ether1"})
        assert "fd00:2::/64" in [r["dst-address"] for r in v6]


def test_ospf_menus(api):
    api.path("routing", "ospf", "instance").add(name="v2", **{"router-id": "10.255.0.1"})
    api.path("routing", "ospf", "area").add(name="backbone", instance="v2")
    api.path("interface", "gre").add(name="gre1", **{"remote-address": "192.0.2.1"})
    api.path("routing", "ospf", "interface-template").add(area="backbone", interfaces="gre1", type="ptp")
    row = list(api.path("routing", "ospf", "interface-template"))[0]
    assert (row["interfaces"], row["type"], row["cost"], row["hello-interval"]) == ("gre1", "ptp", 1, "10s")
    area = list(api.path("routing", "ospf", "area"))[0]
    assert area["area-id"] == "0.0.0.0"
