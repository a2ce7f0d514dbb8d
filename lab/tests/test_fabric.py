"""The lab fabric: a ping crosses a tunnel only when both ends would really let it through."""

import librouteros
import pytest

from labkit import start_wireguard_link


@pytest.fixture
def pair():
    """hub (endpoint 198.51.100.1) and branch on one underlay, WireGuard up, nothing else yet."""
    lab, apis, keys = start_wireguard_link(setup=())
    yield lab, apis, keys
    for api in apis.values():
        api.close()
    lab.stop()


def ping(api, address):
    rows = list(api("/ping", address=address, count=1, interval="10ms"))
    return rows[-1]["received"] == 1


def why(lab, source, address):
    router = lab.router(source)
    return lab.call(lambda: router.fabric.why(router, address))


def advance(lab, seconds):
    lab.call(lambda: lab.fabric.clock.advance(seconds))


def open_wireguard(api):
    filters = api.path("ip", "firewall", "filter")
    first_drop = [r[".id"] for r in filters if r.get("action") == "drop"][0]
    filters.add(chain="input", protocol="udp", **{"dst-port": "13231", "place-before": first_drop})


def test_the_default_drop_blocks_the_handshake(pair):
    lab, apis, _keys = pair
    assert not ping(apis["branch"], "10.255.0.0")
    assert "hub: the input chain drops udp 198.51.100.2 -> 198.51.100.1:13231" in why(lab, "branch", "10.255.0.0")
    peers = list(apis["branch"].path("interface", "wireguard", "peers"))
    assert "last-handshake" not in peers[0]


def test_open_port_gives_handshake_and_ping(pair):
    lab, apis, _keys = pair
    open_wireguard(apis["hub"])
    assert ping(apis["branch"], "10.255.0.0") and ping(apis["hub"], "10.255.0.1")
    branch_peer = list(apis["branch"].path("interface", "wireguard", "peers"))[0]
    hub_peer = list(apis["hub"].path("interface", "wireguard", "peers"))[0]
    assert branch_peer["last-handshake"] == "0s" and branch_peer["current-endpoint-address"] == "198.51.100.1"
    assert hub_peer["current-endpoint-address"] == "198.51.100.2"      # learnt from the packets


def test_wrong_key_breaks_the_link(pair):
    lab, apis, _keys = pair
    open_wireguard(apis["hub"])
    peers = apis["hub"].path("interface", "wireguard", "peers")
    peers.update(**{".id": list(peers)[0][".id"], "public-key": "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="})
    assert not ping(apis["branch"], "10.255.0.0")
    assert "no peer with branch's public key" in why(lab, "branch", "10.255.0.0")


def test_allowed_address_is_an_acl_on_receive(pair):
    lab, apis, _keys = pair
    open_wireguard(apis["hub"])
    peers = apis["hub"].path("interface", "wireguard", "peers")
    peers.update(**{".id": list(peers)[0][".id"], "allowed-address": "10.99.0.0/24"})
    assert not ping(apis["branch"], "10.255.0.0")
    assert "hub: drops 10.255.0.1 from branch: not in that peer's allowed-address" in why(lab, "branch", "10.255.0.0")


def test_preshared_keys_must_match(pair):
    lab, apis, _keys = pair
    open_wireguard(apis["hub"])
    peers = apis["hub"].path("interface", "wireguard", "peers")
    peers.update(**{".id": list(peers)[0][".id"], "preshared-key": "hHp7k4vVQyTRbRXkq0Cdm8Hzn7nhoTsm1UVLWE5mJCI="})
    assert "preshared keys differ" in why(lab, "branch", "10.255.0.0")


def test_wrong_endpoint_port(pair):
    lab, apis, _keys = pair
    open_wireguard(apis["hub"])
    peers = apis["branch"].path("interface", "wireguard", "peers")
    peers.update(**{".id": list(peers)[0][".id"], "endpoint-port": 13232})
    assert "endpoint port 13232, but hub listens on 13231" in why(lab, "branch", "10.255.0.0")


def test_gre_over_wireguard_needs_both_ends_and_protocol_47(pair):
    lab, apis, _keys = pair
    open_wireguard(apis["hub"])
    apis["branch"].path("interface", "gre").add(
        name="gre-hub", **{"local-address": "10.255.0.1", "remote-address": "10.255.0.0"})
    apis["branch"].path("ip", "address").add(address="10.254.0.1/31", interface="gre-hub")
    # GRE arrives on wg0, which is not in the LAN list: defconf's input chain drops it first, keepalives too, so
    # gre-hub is not running
    assert "branch: no route to 10.254.0.0 (gre-hub is not running: its keepalive gets no answer: " \
        "hub: the input chain drops gre 10.255.0.1 -> 10.255.0.0" in why(lab, "branch", "10.254.0.0")
    filters = apis["hub"].path("ip", "firewall", "filter")
    first_drop = [r[".id"] for r in filters if r.get("action") == "drop"][0]
    filters.add(chain="input", protocol="gre", **{"src-address": "10.255.0.1", "place-before": first_drop})
    advance(lab, 10)
    assert "hub: no GRE tunnel from 10.255.0.0 to 10.255.0.1" in why(lab, "branch", "10.254.0.0")
    apis["hub"].path("interface", "gre").add(
        name="gre-branch", **{"local-address": "10.255.0.0", "remote-address": "10.255.0.1"})
    apis["hub"].path("ip", "address").add(address="10.254.0.0/31", interface="gre-branch")
    # keepalive (10s,10 by default): gre-hub runs once one of its keepalives comes back, the next one 10 s on
    assert "branch: no route to 10.254.0.0" in why(lab, "branch", "10.254.0.0")
    advance(lab, 10)
    # the answer comes back over gre-branch, whose own keepalives the branch's input chain lets in without a hole:
    # connection tracking takes them as the replies to the branch's own GRE keepalives to the hub
    assert why(lab, "branch", "10.254.0.0") == "ok"
    gre_hub = list(apis["branch"].path("interface", "gre"))[0][".id"]
    list(apis["branch"]("/interface/gre/unset", numbers=gre_hub, **{"value-name": "keepalive"}))
    advance(lab, 110)
    # without keepalive the branch sends the hub no GRE of its own: the hub's keepalives are new there, and its
    # input chain drops them (ten in a row: gre-branch stops running)
    assert "gre-branch is not running: its keepalive gets no answer: branch: the input chain drops gre" \
        in why(lab, "branch", "10.254.0.0")
    branch_filters = apis["branch"].path("ip", "firewall", "filter")
    first_drop = [r[".id"] for r in branch_filters if r.get("action") == "drop"][0]
    branch_filters.add(chain="input", protocol="gre", **{"src-address": "10.255.0.0", "place-before": first_drop})
    advance(lab, 10)
    # the ping itself arrives on gre-branch: ICMP is accepted by defconf
    assert why(lab, "branch", "10.254.0.0") == "ok" and ping(apis["branch"], "10.254.0.0")


def test_route_through_the_tunnel_to_a_lan(pair):
    lab, apis, _keys = pair
    open_wireguard(apis["hub"])
    assert "branch: no route to 192.168.88.1" not in why(lab, "branch", "192.168.88.1")   # own defconf LAN
    lab_hub = lab.router("hub")
    lab.call(lambda: lab_hub.run("/ip/address", "set", {"numbers": "*1", "address": "192.168.10.1/24"}))
    assert "branch: no route to 192.168.10.1" in why(lab, "branch", "192.168.10.1")
    apis["branch"].path("ip", "route").add(**{"dst-address": "192.168.10.0/24", "gateway": "10.255.0.0"})
    assert "no peer on wg0 whose allowed-address holds 192.168.10.1" in why(lab, "branch", "192.168.10.1")
    peers = apis["branch"].path("interface", "wireguard", "peers")
    peers.update(**{".id": list(peers)[0][".id"], "allowed-address": "10.255.0.0/32,192.168.10.0/24"})
    assert why(lab, "branch", "192.168.10.1") == "ok"


def test_jump_chains_are_followed(pair):
    lab, apis, _keys = pair
    open_wireguard(apis["hub"])
    filters = apis["hub"].path("ip", "firewall", "filter")
    filters.add(chain="screen", action="drop", protocol="udp", **{"dst-port": "13231"})
    filters.add(chain="input", action="jump", **{"jump-target": "screen", "place-before": list(filters)[0][".id"]})
    assert "hub: the input chain drops udp" in why(lab, "branch", "10.255.0.0")
    screen = [r[".id"] for r in filters if r["chain"] == "screen"][0]
    filters.update(**{".id": screen, "action": "return"})
    assert "next initiation in 5s" in why(lab, "branch", "10.255.0.0")     # the failed one is retried, not resent
    advance(lab, 5)
    assert why(lab, "branch", "10.255.0.0") == "ok"


def test_source_address_is_the_one_of_the_connected_network(pair):
    """Two transit networks on one WireGuard interface: the ping leaves from the matching one."""
    lab, apis, _keys = pair
    open_wireguard(apis["hub"])
    addresses = apis["branch"].path("ip", "address")
    link = [r[".id"] for r in addresses if r["address"] == "10.255.0.1/31"][0]
    addresses.remove(link)
    addresses.add(address="10.255.0.9/31", interface="wg0")     # another link's address comes first now
    addresses.add(address="10.255.0.1/31", interface="wg0")
    assert why(lab, "branch", "10.255.0.0") == "ok" and ping(apis["branch"], "10.255.0.0")


def ipv6_transit(apis, keys):
    """The pair's WireGuard link carries IPv6 transit addresses too (fd00:255::/127)."""
    for name, transit, far in (("hub", "fd00:255::/127", "fd00:255::1/128"), ("branch", "fd00:255::1/127", "fd00:255::/128")):
        apis[name].path("ipv6", "address").add(address=transit, interface="wg0", advertise="no")
        peers = apis[name].path("interface", "wireguard", "peers")
        row = list(peers)[0]
        peers.update(**{".id": row[".id"], "allowed-address": "%s,%s" % (row["allowed-address"], far)})


@pytest.mark.parametrize("menu, extra, protocol", [
    (("interface", "gre6"), {}, "gre"),
    (("interface", "eoipv6"), {"tunnel-id": "7"}, "etherip"),
])
def test_gre6_and_eoipv6_over_an_ipv6_transit_need_their_protocol_in_the_ipv6_filter(pair, menu, extra, protocol):
    lab, apis, keys = pair
    open_wireguard(apis["hub"])
    ipv6_transit(apis, keys)
    apis["branch"].path(*menu).add(name="ov-hub", **{"local-address": "fd00:255::1", "remote-address": "fd00:255::",
                                                     **extra})
    apis["branch"].path("ip", "address").add(address="10.254.0.1/31", interface="ov-hub")
    # the IPv6 default configuration drops what arrives from outside the LAN list (wg0): keepalives too
    assert "its keepalive gets no answer: hub: the input chain drops %s fd00:255::1 -> fd00:255::" % protocol \
        in why(lab, "branch", "10.254.0.0")
    for name, source in (("hub", "fd00:255::1/128"), ("branch", "fd00:255::/128")):
        filters = apis[name].path("ipv6", "firewall", "filter")
        first_drop = [r[".id"] for r in filters if r.get("action") == "drop" and r.get("chain") == "input"][0]
        filters.add(chain="input", protocol=protocol, **{"src-address": source, "place-before": first_drop})
    advance(lab, 10)
    assert "hub: no %s tunnel from fd00:255:: to fd00:255::1" % menu[1].upper() in why(lab, "branch", "10.254.0.0")
    if extra:       # EoIPv6 ends must agree on the tunnel id
        apis["hub"].path(*menu).add(name="ov-branch", **{"local-address": "fd00:255::", "remote-address": "fd00:255::1",
                                                         "tunnel-id": "8"})
        advance(lab, 10)
        assert "with tunnel-id 7" in why(lab, "branch", "10.254.0.0")
        hub_tunnels = apis["hub"].path(*menu)
        hub_tunnels.update(**{".id": list(hub_tunnels)[0][".id"], "tunnel-id": "7"})
    else:
        apis["hub"].path(*menu).add(name="ov-branch", **{"local-address": "fd00:255::", "remote-address": "fd00:255::1"})
    apis["hub"].path("ip", "address").add(address="10.254.0.0/31", interface="ov-branch")
    for _tick in range(3):      # both ends' keepalives answered
        advance(lab, 10)
    assert why(lab, "branch", "10.254.0.0") == "ok" and ping(apis["branch"], "10.254.0.0")
    row = list(apis["hub"].path(*menu))[0]
    assert (row["actual-mtu"], row["running"]) == (1456 if not extra else 1444, True)


def test_the_ipv6_tunnel_menus_take_ipv6_addresses_only_and_eoipv6_ids_to_4095(pair):
    _lab, apis, _keys = pair
    with pytest.raises(librouteros.exceptions.TrapError):
        apis["hub"].path("interface", "gre6").add(name="x", **{"remote-address": "10.255.0.1"})
    with pytest.raises(librouteros.exceptions.TrapError):
        apis["hub"].path("interface", "gre").add(name="x", **{"remote-address": "fd00:255::1"})
    with pytest.raises(librouteros.exceptions.TrapError):
        apis["hub"].path("interface", "eoipv6").add(name="x", **{"remote-address": "fd00::1", "tunnel-id": "4096"})
    apis["hub"].path("interface", "eoipv6").add(name="x", **{"remote-address": "fd00::1", "tunnel-id": "4095"})
    row = list(apis["hub"].path("interface", "eoipv6"))[0]
    assert row["local-address"] == "::" and "allow-fast-path" not in row and row["mac-address"]


def test_the_smallest_distance_wins_equal_ones_balance_and_a_backup_takes_over(pair):
    lab, apis, _keys = pair
    open_wireguard(apis["hub"])
    routes = apis["branch"].path("ip", "route")
    routes.add(**{"dst-address": "192.168.10.0/24", "gateway": "10.255.0.0", "distance": "1"})
    routes.add(**{"dst-address": "192.168.10.0/24", "gateway": "198.51.100.1", "distance": "2"})

    def flags():
        return sorted((r["gateway"], r["distance"], r["active"], r["inactive"], r.get("ecmp", False))
                      for r in apis["branch"].path("ip", "route") if r["dst-address"] == "192.168.10.0/24")
    assert flags() == [("10.255.0.0", 1, True, False, False), ("198.51.100.1", 2, False, False, False)]
    backup = [r for r in routes if r.get("gateway") == "198.51.100.1"][0]
    routes.update(**{".id": backup[".id"], "distance": "1"})
    assert flags() == [("10.255.0.0", 1, True, False, True), ("198.51.100.1", 1, True, False, True)]
    routes.update(**{".id": backup[".id"], "distance": "2"})
    # the tunnel goes down: its route cannot be used and the backup becomes the active one
    wg = apis["branch"].path("interface", "wireguard")
    wg.update(**{".id": list(wg)[0][".id"], "disabled": "yes"})
    assert flags() == [("10.255.0.0", 1, False, True, False), ("198.51.100.1", 2, True, False, False)]
    assert "branch: no route to 192.168.10.1" not in why(lab, "branch", "192.168.10.1")


def test_the_input_chain_matches_an_interface_list_and_its_negation(pair):
    """What the collection's rules name (its tunnels' list): a list's members, `!list` every other interface (the
    forward chain runs the same matcher: tests/integration/test_interface_lists.py)."""
    lab, apis, _keys = pair
    open_wireguard(apis["hub"])
    lab_hub = lab.router("hub")
    lab.call(lambda: lab_hub.run("/ip/address", "set", {"numbers": "*1", "address": "192.168.10.1/24"}))
    apis["branch"].path("ip", "route").add(**{"dst-address": "192.168.10.0/24", "gateway": "10.255.0.0"})
    peers = apis["branch"].path("interface", "wireguard", "peers")
    peers.update(**{".id": list(peers)[0][".id"], "allowed-address": "10.255.0.0/32,192.168.10.0/24"})
    assert why(lab, "branch", "192.168.10.1") == "ok"      # defconf accepts icmp on input
    apis["hub"].path("interface", "list").add(name="tunnels")
    filters = apis["hub"].path("ip", "firewall", "filter")
    filters.add(chain="input", action="drop", protocol="icmp", **{"in-interface-list": "tunnels",
                                                                  "place-before": list(filters)[0][".id"]})
    assert why(lab, "branch", "192.168.10.1") == "ok"      # an empty list holds no interface
    apis["hub"].path("interface", "list", "member").add(list="tunnels", interface="wg0")
    assert "hub: the input chain drops icmp" in why(lab, "branch", "192.168.10.1")
    rule = [r[".id"] for r in filters if r.get("in-interface-list") == "tunnels"][0]
    filters.update(**{".id": rule, "in-interface-list": "!tunnels"})
    assert why(lab, "branch", "192.168.10.1") == "ok"      # wg0 is in the list: !tunnels does not match it


def test_check_gateway_ping_takes_a_route_out_after_two_unanswered_pings_and_back_after_one(pair):
    """A WireGuard interface keeps running whatever its peer does: only check-gateway=ping sees the far end go."""
    lab, apis, _keys = pair
    open_wireguard(apis["hub"])
    routes = apis["branch"].path("ip", "route")
    routes.add(**{"dst-address": "192.168.10.0/24", "gateway": "10.255.0.0", "distance": "1"})
    routes.add(**{"dst-address": "192.168.11.0/24", "gateway": "10.255.0.0", "distance": "1",
                  "check-gateway": "ping"})
    for lan in ("192.168.10.0/24", "192.168.11.0/24"):
        routes.add(**{"dst-address": lan, "gateway": "198.51.100.1", "distance": "2"})

    def active(lan):
        return sorted((r["distance"], r["active"]) for r in apis["branch"].path("ip", "route")
                      if r["dst-address"] == lan)
    assert active("192.168.11.0/24") == [(1, True), (2, False)]
    # the hub's WireGuard stops: the branch's wg0 still runs, its routes stay; the checked one's pings go unanswered
    wg = apis["hub"].path("interface", "wireguard")
    wg.update(**{".id": list(wg)[0][".id"], "disabled": "yes"})
    advance(lab, 1)
    assert active("192.168.11.0/24") == [(1, True), (2, False)]       # the first ping was answered, before
    advance(lab, 10)
    assert active("192.168.11.0/24") == [(1, True), (2, False)]       # one ping missed (every 10 s)
    advance(lab, 10)
    assert active("192.168.11.0/24") == [(1, False), (2, True)]       # two in a row: the backup takes over
    assert active("192.168.10.0/24") == [(1, True), (2, False)]       # without a check nothing moves
    wg.update(**{".id": list(wg)[0][".id"], "disabled": "no"})
    advance(lab, 10)
    assert active("192.168.11.0/24") == [(1, True), (2, False)]       # one answer brings it back
