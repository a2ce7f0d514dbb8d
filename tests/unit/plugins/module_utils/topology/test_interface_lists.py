"""The tunnels in an interface list of their own: the firewall rules name the list, so their number does not grow
with the fleet (issue 19 item 5; routeros-review-3.md N8: a 200-site hub carried 268 input and 268 forward rules)."""

from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import linux, routeros
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model, validate

OVERLAYS = ("gre", "eoip", "none")


def hub_with_spokes(count):
    """A hub and `count` spokes, a third each over GRE, EoIP and plain WireGuard."""
    sites = {"hub": {"id": 1, "lans": ["192.168.0.0/24", "192.168.1.0/24"], "endpoint": "198.51.100.1"}}
    links = []
    for n in range(2, count + 2):
        sites["spoke%d" % n] = {"id": n, "lans": ["10.%d.%d.0/24" % (96 + n // 256, n % 256)]}
        links.append({"sites": ["hub", "spoke%d" % n], "overlay": OVERLAYS[n % 3]})
    settings = {"sitelink_topology": {"type": "hub_spoke", "hubs": ["hub"], "links": links},
                "sitelink_psk_secret": "unit",
                "sitelink_pools": {"wireguard": "100.64.0.0/10", "overlay": "172.16.0.0/12"}}
    m = model.load(sites, settings)
    plans = validate.plan_fleet(m)
    assert plans is not None, [str(p) for p in m.problems]
    return plans


def test_a_200_site_hub_has_a_fixed_handful_of_filter_rules():
    plans = hub_with_spokes(200)
    hub = plans["hub"]
    rules = routeros.config(hub, "firewall_rules")
    assert len(rules) <= 12
    assert [(r["name"], r["chain"]) for r in rules] == [
        ("wireguard-in", "input"), ("gre-in", "input"), ("ping-in-tunnels", "input"),
        ("forward-from-tunnels", "forward"), ("forward-to-tunnels", "forward")]
    # the same handful on a 5-site hub: the rules do not grow with the fleet, the list does
    assert [r["name"] for r in routeros.config(hub_with_spokes(5)["hub"], "firewall_rules")] == \
        [r["name"] for r in rules]
    assert len(routeros.config(hub, "mangle_rules")) == 1      # the MSS clamp of the plain links stays


def test_the_list_and_a_member_per_tunnel_interface_are_in_the_desired_state():
    hub = hub_with_spokes(200)["hub"]
    desired = routeros.desired(hub, {}, None)
    assert desired["interface_lists"] == [{"name": "sitelink-tunnels", "comment": "sitelink-tunnels"}]
    members = desired["interface_list_members"]
    overlays = [o["name"] for o in hub["overlays"]]
    assert len(overlays) == 133                            # 200 spokes, two thirds over GRE or EoIP
    assert members == [{"list": "sitelink-tunnels", "interface": i} for i in ["wg-sitelink"] + overlays]
    # the list is made after the interfaces it holds, and before the rules that name it
    order = routeros.ORDER
    assert order.index("eoipv6_tunnels") < order.index("interface_lists") < order.index("interface_list_members") \
        < order.index("firewall_rules")


def test_forward_rules_admit_fleet_lan_sources_only_from_the_tunnels():
    spoke = hub_with_spokes(5)["spoke3"]
    rules = dict((r["name"], r) for r in routeros.config(spoke, "firewall_rules"))
    # out of a tunnel: fleet LANs to fleet LANs
    assert rules["forward-from-tunnels"] == {
        "name": "forward-from-tunnels", "chain": "forward", "in_interface_list": "sitelink-tunnels",
        "src_address_list": "sitelink-lans", "dst_address_list": "sitelink-lans", "family": "ipv4"}
    # into a tunnel from anywhere else: only the site's own LANs (a remote LAN's source from the WAN is forged)
    assert rules["forward-to-tunnels"] == {
        "name": "forward-to-tunnels", "chain": "forward", "in_interface_list": "!sitelink-tunnels",
        "out_interface_list": "sitelink-tunnels", "src_address_list": "sitelink-local",
        "dst_address_list": "sitelink-lans", "family": "ipv4"}
    lists = routeros.config(spoke, "address_lists")
    assert [e["address"] for e in lists if e["list"] == "sitelink-local"] == spoke_lans(spoke)
    assert set(spoke_lans(spoke)) < set(e["address"] for e in lists if e["list"] == "sitelink-lans")


def spoke_lans(plan):
    return [e["address"] for e in plan["address_lists"] if e["list"] == "sitelink-local"]


def test_the_tunnels_join_the_operators_lan_list_only_when_asked():
    hub = hub_with_spokes(5)["hub"]
    tunnels = ["wg-sitelink"] + [o["name"] for o in hub["overlays"]]
    assert routeros.config(hub, "interface_list_members") == [
        {"list": "sitelink-tunnels", "interface": i} for i in tunnels]
    members = routeros.config(hub, "interface_list_members", owner="lab2", lan_interface_list="LAN")
    assert members == [{"list": "sitelink-tunnels-lab2", "interface": i} for i in tunnels] + \
        [{"list": "LAN", "interface": i} for i in tunnels]      # the operator's list keeps its name
    assert routeros.desired(hub, {}, None, None, "trusted")["interface_list_members"][-1] == \
        {"list": "trusted", "interface": tunnels[-1]}


def test_linux_matches_the_tunnels_as_one_set_of_interface_names():
    sites = {"hub": {"id": 1, "platform": "linux", "lans": ["192.168.0.0/24"], "endpoint": "198.51.100.1"}}
    for n in range(2, 12):
        sites["s%d" % n] = {"id": n, "platform": "linux", "lans": ["10.0.%d.0/24" % n]}
    settings = {"sitelink_topology": {"type": "hub_spoke", "hubs": ["hub"]}, "sitelink_psk_secret": "unit",
                "sitelink_link_defaults": {"overlay": "gre"}}
    hub = validate.plan_fleet(model.load(sites, settings))["hub"]
    rules = linux.firewall(hub)
    assert [r["name"] for r in rules] == ["wireguard-in", "gre-in", "ping-in-tunnels", "forward-from-tunnels",
                                          "forward-to-tunnels"]
    assert sorted(o["name"] for o in hub["overlays"]) == sorted("gre-s%d" % n for n in range(2, 12))
    names = ", ".join('"%s"' % i for i in ["wg-sitelink"] + [o["name"] for o in hub["overlays"]])
    assert rules[2]["rule"] == "iifname { %s } meta l4proto icmp counter accept" % names


def test_with_the_lan_list_the_own_lans_enter_a_tunnel_only_from_it():
    """The operator's LAN list known to exist: a source of the site's own LANs forged on the WAN is told apart."""
    hub = hub_with_spokes(5)["hub"]
    for owner, tunnels in ((None, "sitelink-tunnels"), ("lab2", "sitelink-tunnels-lab2")):
        plain = dict((r["name"], r) for r in routeros.config(hub, "firewall_rules", owner=owner))
        joined = dict((r["name"], r)
                      for r in routeros.config(hub, "firewall_rules", owner=owner, lan_interface_list="LAN"))
        assert plain["forward-to-tunnels"]["in_interface_list"] == "!" + tunnels
        assert joined["forward-to-tunnels"]["in_interface_list"] == "LAN"
        assert joined["forward-from-tunnels"] == plain["forward-from-tunnels"]


def test_a_hubs_peers_that_call_in_are_responders_where_the_release_has_the_flag():
    """routeros-review-3.md N15: a hub without the responder flag keeps dialling its spokes' last endpoints."""
    from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import resources as res
    plans = hub_with_spokes(5)
    keys = dict((site, "k" * 43 + "=") for site in plans)
    hub = routeros.config(plans["hub"], "wireguard_peers", keys)
    spoke = routeros.config(plans["spoke2"], "wireguard_peers", keys)
    assert [p.get("responder") for p in hub] == [True] * 5 and [p.get("responder") for p in spoke] == [None]
    for release, flag in (((7, 12), None), ((7, 14), None), ((7, 15), True), ((7, 21), True)):
        cut = routeros.for_release(res.WIREGUARD_PEERS, hub, release)
        assert [p.get("responder") for p in cut] == [flag] * 5
        assert [dict(p, responder=None) for p in cut] == [dict(p, responder=None) for p in hub]
    # nothing else is cut: an option a release lacks that the site asks for is still refused by the engine
    assert routeros.for_release(res.ROUTES, [{"pref_src": "fd00::1"}], (7, 12)) == [{"pref_src": "fd00::1"}]


def test_the_rendered_script_makes_the_list_before_its_members_and_the_lan_members_when_asked():
    from ansible_collections.sitelink.tunnels.plugins.plugin_utils.drivers import routeros as driver
    hub = hub_with_spokes(2)["hub"]
    settings = {"owner": "fleet", "tunnels_in_lan_list": False, "lan_interface_list": "LAN"}
    lines = driver.RouterosDriver().files(hub, "hub", settings)["hub.rsc"].splitlines()
    made = [n for n, line in enumerate(lines) if line.startswith("/interface list add")]
    members = [line for line in lines if line.startswith("/interface list member add")]
    assert len(made) == 1 and 'name=sitelink-tunnels' in lines[made[0]]
    assert len(members) == 2 and all("list=sitelink-tunnels" in m for m in members)     # wg-sitelink, gre-spoke3
    assert made[0] < lines.index(next(m for m in members))
    for written in (False, "false", "no", None):          # the role variables as an INI inventory writes them
        text = driver.RouterosDriver().files(hub, "hub", dict(settings, tunnels_in_lan_list=written))["hub.rsc"]
        assert " list=LAN" not in text
    joined = driver.RouterosDriver().files(hub, "hub", dict(settings, tunnels_in_lan_list="true"))["hub.rsc"]
    assert joined.count("/interface list member add") == 4 and joined.count(" list=LAN") == 2
    assert "in-interface-list=LAN " in joined and "in-interface-list=LAN" not in "\n".join(lines)


def test_the_routeros_config_filter_takes_the_lan_list_too():
    from ansible_collections.sitelink.tunnels.plugins.filter.routeros_config import routeros_config
    hub = hub_with_spokes(2)["hub"]
    assert routeros_config(hub, "interface_list_members", lan_interface_list="LAN") == \
        routeros.config(hub, "interface_list_members", lan_interface_list="LAN")
    assert [m["list"] for m in routeros_config(hub, "interface_list_members")] == ["sitelink-tunnels"] * 2
