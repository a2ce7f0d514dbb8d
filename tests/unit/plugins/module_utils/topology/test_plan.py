"""The planner: deterministic, never renumbers, MTUs from overheads, routes and allowed addresses."""

import copy

from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import addressing, model, plan, validate

from corpus import all_problems, cases, load


def fleet():
    sites, settings, _expected = load(cases("good")[0])
    return sites, settings


def plans(sites, settings):
    m = model.load(sites, settings)
    assert all_problems(m) == []
    return dict((name, plan.plan_site(m, name)) for name in m.sites)


def test_pair_index_is_independent_of_other_sites():
    assert [addressing.pair_index(a, b) for a, b in ((1, 2), (1, 3), (2, 3), (1, 4), (3, 4))] == [0, 1, 2, 3, 5]
    assert addressing.pair_index(7, 3) == addressing.pair_index(3, 7)


def test_adding_a_site_never_renumbers_existing_links():
    sites, settings = fleet()
    before = plans(sites, settings)
    more = copy.deepcopy(sites)
    more["branch-c"] = {"id": 4, "lans": ["192.168.13.0/24"]}
    after = plans(more, settings)
    for name in before:
        old = [(a["address"], a["interface"]) for a in before[name]["addresses"]]
        new = [(a["address"], a["interface"]) for a in after[name]["addresses"]]
        assert set(old) <= set(new), name
        assert [o.get("tunnel_id") for o in before[name]["overlays"]] == \
            [o.get("tunnel_id") for o in after[name]["overlays"] if o["link"] in
             [x["link"] for x in before[name]["overlays"]]]


def test_hub_spoke_with_overlays():
    p = plans(*fleet())
    hub, a, b = p["hub"], p["branch-a"], p["branch-b"]
    assert [o["type"] for o in hub["overlays"]] == ["eoip", "gre"]
    assert [(o["name"], o["mtu"]) for o in a["overlays"]] == [("eoip-hub", 1378)]
    assert [(o["name"], o["mtu"]) for o in b["overlays"]] == [("gre-hub", 1396)]
    assert a["wireguard"]["mtu"] == 1420
    # over an overlay, WireGuard only carries the transit addresses
    assert [peer["allowed_address"] for peer in a["peers"]] == [["10.255.0.2/32"]]
    # the spoke reaches the hub's LAN and the other spoke's LAN through the hub's overlay address
    assert sorted(r["dst_address"] for r in a["routes"]) == ["192.168.10.0/24", "192.168.12.0/24"]
    assert set(r["gateway"] for r in a["routes"]) == {"10.254.0.2"}
    # GRE/EoIP (IP protocol 47) from the WireGuard pool (the peers' transit addresses), on the WireGuard interface:
    # one rule however many overlay links
    assert {"name": "gre-in", "chain": "input", "protocol": "gre", "src_address": "10.255.0.0/24",
            "in_interface": "wg-sitelink", "family": "ipv4"} in a["firewall"]
    assert [r["name"] for r in hub["firewall"] if r.get("protocol") == "gre"] == ["gre-in"]
    assert a["firewall"][0] == {"name": "wireguard-in", "chain": "input", "protocol": "udp", "dst_port": "13231",
                                "family": "ipv4"}
    eoip_ids = [o["tunnel_id"] for o in hub["overlays"] if o["type"] == "eoip"]
    assert eoip_ids == [o["tunnel_id"] for o in a["overlays"]]


def test_without_overlay_lans_go_into_allowed_addresses():
    sites, settings = fleet()
    settings = copy.deepcopy(settings)
    settings["sitelink_topology"].pop("links")
    p = plans(sites, settings)
    assert p["branch-a"]["peers"][0]["allowed_address"] == ["10.255.0.2/32", "192.168.10.0/24", "192.168.12.0/24"]
    hub_peers = dict((peer["peer"], peer["allowed_address"]) for peer in p["hub"]["peers"])
    assert hub_peers == {"branch-a": ["10.255.0.3/32", "192.168.11.0/24"],
                         "branch-b": ["10.255.0.5/32", "192.168.12.0/24"]}
    # keepalive only towards a peer we dial; endpoint from the peer's site
    assert (p["branch-a"]["peers"][0]["persistent_keepalive"], p["branch-a"]["peers"][0]["endpoint_address"]) == \
        (25, "198.51.100.1")
    assert p["hub"]["peers"][0]["persistent_keepalive"] == 0 and p["hub"]["peers"][0]["endpoint_address"] == ""


def test_mesh_and_underlay_routes():
    sites, settings = fleet()
    sites = copy.deepcopy(sites)
    for name, n in (("branch-a", 11), ("branch-b", 12)):
        sites[name]["endpoint"] = "198.51.100.%d" % n
    sites["hub"]["underlay_gateway"] = "198.51.100.254"
    p = plans(sites, {"sitelink_topology": {"type": "mesh"}, "sitelink_psk_secret": "s"})
    assert len(p["branch-a"]["peers"]) == 2
    assert {"dst_address": "198.51.100.11/32", "gateway": "198.51.100.254", "endpoint_of": "branch-a"} \
        in p["hub"]["routes"]


def test_plans_are_deterministic():
    assert plans(*fleet()) == plans(*fleet())


def spokes_with_aggregate(count, aggregates):
    sites = {"hub": {"id": 1, "lans": ["192.168.0.0/24"], "endpoint": "198.51.100.1"}}
    for n in range(2, count + 2):
        sites["spoke%d" % n] = {"id": n, "lans": ["10.96.%d.0/24" % n]}
    sites["odd"] = {"id": count + 2, "lans": ["192.0.2.0/24"]}            # outside the aggregate
    settings = {"sitelink_topology": {"type": "hub_spoke", "hubs": ["hub"], "aggregates": aggregates},
                "sitelink_link_defaults": {"overlay": "none"}, "sitelink_psk_secret": "unit",
                "sitelink_pools": {"wireguard": "100.64.0.0/10", "overlay": "172.16.0.0/12"}}
    m = model.load(sites, settings)
    p = validate.plan_fleet(m)
    assert p is not None, [str(x) for x in m.problems]
    return p


def test_an_aggregate_replaces_the_spoke_lans_it_covers():
    p = spokes_with_aggregate(5, ["10.96.0.0/11"])
    allowed = p["spoke2"]["peers"][0]["allowed_address"]
    # the hub's transit address and LAN, the aggregate, and the one spoke LAN outside it; nothing per spoke
    assert allowed[1:] == ["192.168.0.0/24", "10.96.0.0/11", "192.0.2.0/24"]
    routes = sorted(r["dst_address"] for r in p["spoke2"]["routes"])
    assert routes == ["10.96.0.0/11", "192.0.2.0/24", "192.168.0.0/24"]
    # the spoke outside the aggregate reaches the others through it as well
    assert "10.96.0.0/11" in p["odd"]["peers"][0]["allowed_address"]
    # the hub still routes each spoke's own LAN to that spoke
    hub = dict((peer["peer"], peer["allowed_address"][1:]) for peer in p["hub"]["peers"])
    assert hub["spoke3"] == ["10.96.3.0/24"] and hub["odd"] == ["192.0.2.0/24"]


def test_with_an_aggregate_a_spoke_plan_does_not_grow_with_the_fleet():
    small, large = spokes_with_aggregate(5, ["10.96.0.0/11"]), spokes_with_aggregate(200, ["10.96.0.0/11"])
    assert len(small["spoke2"]["routes"]) == len(large["spoke2"]["routes"]) == 3
    without = spokes_with_aggregate(200, [])
    assert len(without["spoke2"]["routes"]) == 201          # one per other site's LAN


def test_every_firewall_rule_carries_its_family_and_ipv6_goes_to_the_ipv6_table():
    """An IPv6 fleet wrote every rule into /ip/firewall/filter: nothing opened /ipv6/firewall/filter, where the
    default configuration drops what does not come from the LAN."""
    from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import routeros
    sites = {"hub": {"id": 1, "lans": ["fd00:10::/64"], "endpoint": "2001:db8:ffff::1"},
             "branch": {"id": 2, "lans": ["fd00:11::/64"]}}
    settings = {"sitelink_topology": {"type": "hub_spoke", "hubs": ["hub"]}, "sitelink_psk_secret": "s",
                "sitelink_pools": {"wireguard": "fd00:255::/64", "overlay": "fd00:254::/64", "overlay_prefix_length": 127}}
    m = model.load(sites, settings)
    plans = validate.plan_fleet(m)
    hub = dict(((r["name"], r["family"]), r) for r in plans["hub"]["firewall"])
    assert ("wireguard-in", "ipv6") in hub                               # the hub's endpoint is IPv6
    assert hub[("ping-in-tunnels-ipv6", "ipv6")]["protocol"] == "icmpv6"
    assert ("forward-from-tunnels-ipv6", "ipv6") in hub and ("forward-from-tunnels", "ipv4") not in hub
    rules = routeros.config(plans["hub"], "firewall_rules", {}, None)
    assert set(r["family"] for r in rules) == {"ipv6"}


def test_plain_wireguard_links_clamp_the_tcp_mss_and_overlays_do_not_need_to():
    """GRE and EoIP clamp by themselves (clamp-tcp-mss=yes); LAN traffic straight on WireGuard got no clamp."""
    from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import linux, routeros
    sites = {"a": {"id": 1, "lans": ["10.1.0.0/24"], "endpoint": "198.51.100.1"},
             "b": {"id": 2, "platform": "linux", "lans": ["10.2.0.0/24"]}}
    settings = {"sitelink_topology": {"type": "p2p"}, "sitelink_psk_secret": "s"}
    plans = validate.plan_fleet(model.load(sites, settings))
    (rule,) = routeros.config(plans["a"], "mangle_rules")
    assert rule == {"name": "mss-clamp-wg-sitelink", "chain": "forward", "protocol": "tcp", "tcp_flags": "syn",
                    "out_interface": "wg-sitelink", "action": "change-mss", "new_mss": "clamp-to-pmtu",
                    "passthrough": True, "family": "ipv4"}
    clamp = [r for r in linux.firewall(plans["b"]) if r["name"] == "mss-clamp-wg-sitelink"]
    assert clamp == [{"chain": "forward", "name": "mss-clamp-wg-sitelink", "rule": 'oifname "wg-sitelink" meta l4proto '
                      'tcp tcp flags syn tcp option maxseg size set rt mtu'}]
    overlaid = validate.plan_fleet(model.load(sites, dict(settings, sitelink_link_defaults={"overlay": "gre"})))
    assert overlaid["a"]["mangle"] == []


def test_route_distance_is_a_link_setting():
    """Distance was fixed at 1; a link (or the link defaults) sets it, e.g. a backup path at a higher distance."""
    from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import linux, routeros
    sites = {"a": {"id": 1, "lans": ["10.1.0.0/24"], "endpoint": "198.51.100.1"},
             "b": {"id": 2, "platform": "linux", "lans": ["10.2.0.0/24"]}}
    settings = {"sitelink_topology": {"type": "links", "links": [{"sites": ["a", "b"], "distance": 5}]},
                "sitelink_psk_secret": "s"}
    plans = validate.plan_fleet(model.load(sites, settings))
    assert [r["distance"] for r in routeros.config(plans["a"], "routes")] == [5]
    assert [r["metric"] for r in linux.routes(plans["b"])] == [5]
    bad = model.load(sites, dict(settings, sitelink_link_defaults={"distance": 0}))
    assert [str(p) for p in bad.problems] == ["fleet: sitelink_link_defaults.distance: 0 is out of range (1 to 255)"]


def dual_hub(overlay, platform="routeros"):
    sites = {"hub1": {"id": 1, "lans": ["192.168.1.0/24"], "endpoint": "198.51.100.1"},
             "hub2": {"id": 2, "lans": ["192.168.2.0/24"], "endpoint": "198.51.100.2"},
             "s1": {"id": 3, "lans": ["192.168.3.0/24"], "platform": platform},
             "s2": {"id": 4, "lans": ["192.168.4.0/24"]}}
    settings = {"sitelink_topology": {"type": "hub_spoke", "hubs": ["hub1", "hub2"]},
                "sitelink_link_defaults": {"overlay": overlay, "distance": 5},
                "sitelink_pools": {"wireguard": "10.255.0.0/24", "overlay": "10.254.0.0/24"}, "sitelink_psk_secret": "u"}
    return plans(sites, settings)


def routes_to(plan_, prefix):
    return sorted((r["distance"], r["gateway"]) for r in plan_["routes"] if r["dst_address"] == prefix)


def test_two_hubs_give_backup_routes_over_overlays():
    out = dual_hub("gre")
    hub1, hub2 = "10.254.0.8", "10.254.0.10"      # s1's far ends toward hub1 and hub2 (slots 4 and 5: s1's block)
    # s1: each prefix through the hub it normally takes, and through the other hub at the distance + its rank
    assert routes_to(out["s1"], "192.168.4.0/24") == [(5, hub1), (7, hub2)]
    assert routes_to(out["s1"], "192.168.1.0/24") == [(5, hub1), (7, hub2)]
    assert routes_to(out["s1"], "192.168.2.0/24") == [(5, hub2), (6, hub1)]
    # hub1: each spoke's LAN straight to it, and through hub2; never a hub's own LAN twice
    assert [d for d, _gw in routes_to(out["hub1"], "192.168.3.0/24")] == [5, 6]
    assert [d for d, _gw in routes_to(out["hub1"], "192.168.2.0/24")] == [5]


def test_no_backup_over_plain_wireguard_nor_on_a_linux_site():
    # a plain link routes by allowed addresses, and WireGuard gives a prefix to one peer of an interface only
    out = dual_hub("none")
    assert [d for d, _gw in routes_to(out["s1"], "192.168.4.0/24")] == [5]
    assert all(len(p["allowed_address"]) == len(set(p["allowed_address"])) for p in out["s1"]["peers"])
    # linux_routes keeps one route per prefix: no backups on a Linux site (yet)
    out = dual_hub("gre", platform="linux")
    assert [d for d, _gw in routes_to(out["s1"], "192.168.4.0/24")] == [5]
    assert [d for d, _gw in routes_to(out["s2"], "192.168.4.0/24")] == []


def test_each_owner_admits_only_its_own_lan_list():
    """Two fleets (owners) on one router: the LANs one adds must not widen the other's forward rules."""
    from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import routeros
    hub = plans(*fleet())["hub"]
    for owner, suffix in ((None, ""), ("fleet", ""), ("lab2", "-lab2")):
        lans, local, tunnels = "sitelink-lans" + suffix, "sitelink-local" + suffix, "sitelink-tunnels" + suffix
        lists = routeros.config(hub, "address_lists", owner=owner)
        rules = dict((r["name"], r) for r in routeros.config(hub, "firewall_rules", owner=owner)
                     if r["chain"] == "forward")
        assert set(e["list"] for e in lists) == {lans, local}
        # a fleet LAN's entry names the site whose LAN it is (the purge guard reads it back); a local LAN its list
        assert set(e["comment"] for e in lists) == {"lan of hub", "lan of branch-a", "lan of branch-b", local}
        assert rules["forward-from-tunnels"]["src_address_list"] == rules["forward-from-tunnels"]["dst_address_list"] \
            == rules["forward-to-tunnels"]["dst_address_list"] == lans
        assert rules["forward-to-tunnels"]["src_address_list"] == local
        assert rules["forward-from-tunnels"]["in_interface_list"] == rules["forward-to-tunnels"]["out_interface_list"] \
            == tunnels
        assert rules["forward-to-tunnels"]["in_interface_list"] == "!" + tunnels
        assert [e["name"] for e in routeros.config(hub, "interface_lists", owner=owner)] == [tunnels]
        assert set(m["list"] for m in routeros.config(hub, "interface_list_members", owner=owner)) == {tunnels}
    assert hub["address_lists"][0]["list"] == "sitelink-lans"       # the plan itself is not changed


def test_a_link_local_gateway_with_its_interface_routes_the_endpoint():
    sites = {"hub": {"id": 1, "lans": ["2001:db8:10::/64"], "endpoint": "2001:db8:ffff::1"},
             "branch": {"id": 2, "lans": ["2001:db8:11::/64"], "underlay_gateway": "fe80::1%ether1"}}
    settings = {"sitelink_topology": {"type": "p2p"}, "sitelink_link_defaults": {"overlay": "none"},
                "sitelink_pools": {"wireguard": "fd00:255::/64"}, "sitelink_psk_secret": "u"}
    out = plans(sites, settings)
    assert {"dst_address": "2001:db8:ffff::1/128", "gateway": "fe80::1%ether1", "endpoint_of": "hub"} \
        in out["branch"]["routes"]
