"""The Linux adapter: what a mixed fleet's Linux sites are given, and that both ends of a link agree."""

from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import linux, routeros
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model, plan
from ansible_collections.sitelink.tunnels.plugins.module_utils.wireguard import keys

from corpus import all_problems

SECRET = "unit-test-secret"
KEYS = {"hub": "Ag" + "A" * 41 + "=", "gw": "Aw" + "A" * 41 + "=", "branch": "BA" + "A" * 41 + "="}


def mixed(overlay="none", hub_platform="routeros"):
    sites = {"hub": {"id": 1, "platform": hub_platform, "lans": ["192.168.10.0/24"], "endpoint": "198.51.100.1"},
             "gw": {"id": 2, "platform": "linux", "lans": ["10.20.0.0/16"], "endpoint": "2001:db8::2"},
             "branch": {"id": 3, "lans": ["192.168.12.0/24"]}}
    settings = {"sitelink_topology": {"type": "hub_spoke", "hubs": ["hub"]},
                "sitelink_link_defaults": {"overlay": overlay}, "sitelink_psk_secret": SECRET}
    m = model.load(sites, settings)
    assert all_problems(m) == []
    return dict((name, plan.plan_site(m, name)) for name in m.sites)


def test_wireguard_parameters_of_a_linux_site():
    gw = linux.wireguard(mixed()["gw"], KEYS, SECRET)
    assert gw["name"] == "wg-sitelink" and gw["listen_port"] == 13231 and gw["mtu"] == 1420
    assert gw["addresses"] == ["10.255.0.3/31"]
    (hub,) = gw["peers"]
    assert hub["public_key"] == KEYS["hub"] and hub["endpoint"] == "198.51.100.1:13231"
    assert hub["persistent_keepalive"] == 25 and hub["comment"] == "gw--hub"
    # the hub's LAN, and the other spoke's LAN through the hub (hub and spoke), and the hub's transit address
    assert hub["allowed_ips"] == ["10.255.0.2/32", "192.168.10.0/24", "192.168.12.0/24"]
    assert hub["preshared_key"] == keys.derive_preshared_key(SECRET, ("gw", "hub"))


def test_both_ends_of_a_mixed_link_agree():
    plans = mixed()
    gw = linux.wireguard(plans["gw"], KEYS, SECRET)["peers"][0]
    hub = [p for p in routeros.config(plans["hub"], "wireguard_peers", KEYS, SECRET) if p["comment"] == "gw--hub"][0]
    assert hub["public_key"] == KEYS["gw"] and gw["public_key"] == KEYS["hub"]
    assert hub["preshared_key"] == gw["preshared_key"]
    assert hub["endpoint_address"] == "2001:db8::2" and hub["endpoint_port"] == 13231
    assert "10.255.0.3/32" in hub["allowed_address"] and "10.20.0.0/16" in hub["allowed_address"]


def test_an_ipv6_endpoint_is_bracketed_and_unknown_keys_leave_the_peer_out():
    assert linux.endpoint("2001:db8::2", 13231) == "[2001:db8::2]:13231"
    assert linux.endpoint("vpn.example.net", 51820) == "vpn.example.net:51820"
    assert linux.endpoint("", 13231) is None
    plans = mixed(hub_platform="linux")
    assert [p["comment"] for p in linux.wireguard(plans["hub"], {"gw": KEYS["gw"]}, SECRET)["peers"]] == ["gw--hub"]
    assert not plan.keys_complete(plans["hub"], {"gw": KEYS["gw"]})
    assert plan.keys_complete(plans["hub"], KEYS)


def test_routes_take_our_own_address_on_the_link_as_source():
    routes = linux.routes(mixed(hub_platform="linux")["hub"])
    assert {"dst": "10.20.0.0/16", "via": "10.255.0.3", "src": "10.255.0.2"} in routes
    assert {"dst": "192.168.12.0/24", "via": "10.255.0.5", "src": "10.255.0.4"} in routes
    assert linux.forwarding(mixed(hub_platform="linux")["hub"]) == ["ipv4"]


def test_gre_overlay_on_linux_and_its_firewall_rules():
    gw = mixed(overlay="gre")["gw"]
    (tunnel,) = linux.gre_tunnels(gw)
    assert tunnel == {"name": "gre-hub", "local": "10.255.0.3", "remote": "10.255.0.2", "mtu": 1396,
                      "comment": "gw--hub", "addresses": ["10.254.0.3/31"]}
    rules = dict((r["name"], r) for r in linux.firewall(gw))
    assert rules["wireguard-in"] == {"chain": "input", "name": "wireguard-in", "rule": "udp dport 13231 counter accept"}
    assert rules["gre-in"]["rule"] == 'iifname "wg-sitelink" ip saddr 10.255.0.0/24 meta l4proto gre counter accept'
    # the tunnel interface list is the set of the tunnels' names; into a tunnel only from the site's own LANs
    assert rules["forward-to-tunnels"] == {
        "chain": "forward", "name": "forward-to-tunnels",
        "rule": 'iifname != { "wg-sitelink", "gre-hub" } oifname { "wg-sitelink", "gre-hub" } ip saddr { 10.20.0.0/16 } '
                'ip daddr { 10.20.0.0/16, 192.168.10.0/24, 192.168.12.0/24 } counter accept'}
    assert rules["forward-from-tunnels"]["rule"] == (
        'iifname { "wg-sitelink", "gre-hub" } ip saddr { 10.20.0.0/16, 192.168.10.0/24, 192.168.12.0/24 } '
        'ip daddr { 10.20.0.0/16, 192.168.10.0/24, 192.168.12.0/24 } counter accept')
    # routes to the hub's LAN go over the GRE overlay, from our overlay address
    assert {"dst": "192.168.10.0/24", "via": "10.254.0.2", "src": "10.254.0.3"} in linux.routes(gw)


def test_eoip_is_refused_on_a_link_with_a_linux_end():
    sites = {"hub": {"id": 1, "endpoint": "198.51.100.1"}, "gw": {"id": 2, "platform": "linux"}}
    m = model.load(sites, {"sitelink_topology": {"type": "p2p"}, "sitelink_psk_secret": SECRET,
                           "sitelink_link_defaults": {"overlay": "eoip"}})
    assert [str(p) for p in all_problems(m)] == [
        "fleet: sitelink_topology.overlay: link gw--hub: EoIP is MikroTik's own protocol and gw is a Linux site; "
        "use overlay: gre (Linux needs the ip_gre kernel module)"]


def test_an_ipv4_lan_over_ipv6_transit_gets_a_next_hop_of_the_other_family_and_no_source():
    from ansible_collections.sitelink.tunnels.plugins.module_utils.linux import render
    sites = {"a": {"id": 1, "platform": "linux", "lans": ["10.1.0.0/24"], "endpoint": "2001:db8::1"},
             "b": {"id": 2, "platform": "linux", "lans": ["10.2.0.0/24"]}}
    m = model.load(sites, {"sitelink_topology": {"type": "p2p"}, "sitelink_psk_secret": SECRET,
                           "sitelink_pools": {"wireguard": "fd00:255::/64", "overlay": "fd00:254::/64",
                                              "overlay_prefix_length": 127}})
    assert all_problems(m) == []
    (route,) = linux.routes(plan.plan_site(m, "a"))
    assert route == {"dst": "10.2.0.0/24", "via": "fd00:255::1"}
    assert render.route_command(route, 157) == ["ip", "route", "replace", "10.2.0.0/24", "via", "inet6", "fd00:255::1",
                                                "proto", "157", "table", "main"]
    assert render.route_command(route, 157, verb="del") == ["ip", "route", "del", "10.2.0.0/24", "proto", "157",
                                                            "table", "main"]


def test_no_gre_keepalive_from_routeros_toward_a_linux_end():
    """RouterOS GRE keepalive needs the far end to send the inner packet back, which a Linux ip_gre end does not:
    the RouterOS side of the link stayed down. Toward Linux the keepalive is unset; toward RouterOS it stays."""
    hub = mixed(overlay="gre")["hub"]
    tunnels = dict((t["name"], t) for t in routeros.config(hub, "gre_tunnels", KEYS, SECRET))
    assert tunnels["gre-gw"]["keepalive"] == ""
    assert "keepalive" not in tunnels["gre-branch"]


def test_the_mss_clamp_comes_before_every_accept_of_its_chain():
    """Security review 3, N10: an accept ends the chain, so a clamp after the accepts never ran."""
    rules = linux.firewall(mixed()["gw"])
    clamps = [i for i, r in enumerate(rules) if r["rule"].endswith("tcp option maxseg size set rt mtu")]
    assert clamps, rules
    for index in clamps:
        chain = rules[index]["chain"]
        assert not [r for r in rules[:index] if r["chain"] == chain and r["rule"].endswith("accept")], rules
