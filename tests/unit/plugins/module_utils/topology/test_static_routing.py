"""Static routing with two hubs (issue 21 items 4 and 5, routeros-review-3 N3-N6): no hub-to-hub loop, backups never
at a primary's distance, gateway checks where no keepalive watches a link, keepalive timers per link, and drain."""

from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import routeros
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model, validate


def fleet(overlay="gre", links=(), drain=None, platforms=None, defaults=None):
    """hub1, hub2 and the spokes s1, s2, every spoke linked to both hubs; `platforms`: {site: platform}."""
    sites = {"hub1": {"id": 1, "lans": ["192.168.1.0/24"], "endpoint": "198.51.100.1"},
             "hub2": {"id": 2, "lans": ["192.168.2.0/24"], "endpoint": "198.51.100.2"},
             "s1": {"id": 3, "lans": ["192.168.3.0/24"]},
             "s2": {"id": 4, "lans": ["192.168.4.0/24"]}}
    for name, platform in (platforms or {}).items():
        sites[name]["platform"] = platform
    settings = {"sitelink_topology": {"type": "hub_spoke", "hubs": ["hub1", "hub2"], "links": list(links)},
                "sitelink_link_defaults": dict({"overlay": overlay}, **(defaults or {})),
                "sitelink_pools": {"wireguard": "10.255.0.0/24", "overlay": "10.254.0.0/24"},
                "sitelink_psk_secret": "unit-secret-of-16-chars"}
    if drain is not None:
        settings["sitelink_drain"] = drain
    return sites, settings


def plans(*args, **kwargs):
    loaded = model.load(*fleet(*args, **kwargs))
    out = validate.plan_fleet(loaded)
    assert out is not None, [str(p) for p in loaded.problems]
    return out


def problems(*args, **kwargs):
    loaded = model.load(*fleet(*args, **kwargs))
    validate.plan_fleet(loaded)
    return [str(p) for p in loaded.problems]


def routes_to(plan, prefix):
    """[(distance, gateway, check_gateway)] of the plan's routes to `prefix`, by distance."""
    return sorted((r["distance"], r["gateway"], r.get("check_gateway")) for r in plan["routes"]
                  if r["dst_address"] == prefix)


def distances(plan):
    """{prefix: [distance of each route to it]}."""
    out = {}
    for route in plan["routes"]:
        out.setdefault(route["dst_address"], []).append(route["distance"])
    return out


HUB1_LAN, HUB2_LAN, S1_LAN, S2_LAN = "192.168.1.0/24", "192.168.2.0/24", "192.168.3.0/24", "192.168.4.0/24"
# s1's far ends toward hub1 and hub2 on the overlay (slots 4 and 5: s1's block)
S1_VIA_HUB1, S1_VIA_HUB2 = "10.254.0.8", "10.254.0.10"


def test_a_backup_never_takes_the_distance_of_a_primary():
    # N4: s1's link to hub1 at distance 3; its backups through hub2 came to 1 + 2 = 3 as well, and RouterOS 7 would
    # balance every flow to hub1's LAN and s2's LAN over both hubs
    out = plans(links=[{"sites": ["hub1", "s1"], "distance": 3}])
    assert routes_to(out["s1"], S2_LAN) == [(3, S1_VIA_HUB1, None), (4, S1_VIA_HUB2, None)]
    assert routes_to(out["s1"], HUB1_LAN) == [(3, S1_VIA_HUB1, None), (4, S1_VIA_HUB2, None)]
    # a backup that was already above its primary keeps its distance
    assert routes_to(out["s1"], HUB2_LAN) == [(1, S1_VIA_HUB2, None), (4, S1_VIA_HUB1, None)]
    for name, plan in out.items():
        for prefix, found in distances(plan).items():
            assert len(found) == len(set(found)), (name, prefix, found)


def test_the_default_distances_are_left_as_they_were():
    out = plans()
    assert [d for d, _gw, _check in routes_to(out["s1"], S2_LAN)] == [1, 3]
    assert [d for d, _gw, _check in routes_to(out["hub1"], S1_LAN)] == [1, 2]


def test_backups_pushed_past_255_are_refused_by_name():
    message = [p for p in problems(defaults={"distance": 255}) if "255" in p]
    assert message and message[0].startswith(
        "hub1: sitelink_topology: its route to 192.168.3.0/24 would need distance 256 (above 255)"), message


def test_each_hub_drops_what_the_other_hub_would_get_back():
    # N3: s1 down at both hubs: each hub's only active route to its LAN points at the other hub.  What comes in from
    # the other hub and would go back to it is dropped, before the rule that admits tunnel-to-tunnel traffic
    out = plans()
    for hub, other in (("hub1", "hub2"), ("hub2", "hub1")):
        forward = [r for r in out[hub]["firewall"] if r["chain"] == "forward"]
        assert forward[0] == {"name": "no-return-gre-%s" % other, "chain": "forward", "action": "drop",
                              "in_interface": "gre-%s" % other, "out_interface": "gre-%s" % other,
                              "family": "ipv4"}
        assert [r["name"] for r in forward][1] == "forward-from-tunnels"
        drop = [r for r in routeros.config(out[hub], "firewall_rules") if r.get("action") == "drop"]
        assert [(r["in_interface"], r["out_interface"]) for r in drop] == [("gre-" + other, "gre-" + other)]
    # spokes keep no route through one hub to another: nothing to guard
    assert not [r for r in out["s1"]["firewall"] if r["name"].startswith("no-return")]


def test_no_guard_where_there_is_no_backup_between_hubs():
    # plain WireGuard between the hubs gives no backup through the other hub, and a Linux hub makes none
    assert not [r for p in plans(overlay="none").values() for r in p["firewall"] if r.get("action") == "drop"]
    out = plans(platforms={"hub2": "linux"})
    assert not [r for r in out["hub2"]["firewall"] if r["name"].startswith("no-return")]
    assert [r["name"] for r in out["hub1"]["firewall"] if r["name"].startswith("no-return")] == ["no-return-gre-hub2"]


def test_routes_toward_a_linux_end_check_their_gateway_by_ping():
    # N5/N6: toward Linux the GRE keepalive is off (ip_gre does not answer it), so the tunnel runs whatever happens
    # to the far end: routes with a backup check their gateway instead
    out = plans(platforms={"hub1": "linux"})
    assert routes_to(out["s1"], S2_LAN) == [(1, S1_VIA_HUB1, "ping"), (3, S1_VIA_HUB2, None)]
    assert routes_to(out["s1"], HUB1_LAN) == [(1, S1_VIA_HUB1, "ping"), (3, S1_VIA_HUB2, None)]
    assert routeros.config(out["s1"], "gre_tunnels")[0]["keepalive"] == ""
    # away from Linux as well: hub2's backup to s1 through the Linux hub
    assert [c for _d, _gw, c in routes_to(out["hub2"], S1_LAN)] == [None, "ping"]
    # a prefix with one route gets no check (inactive, it would send the LAN's traffic to the default route)
    assert [c for _d, _gw, c in routes_to(out["s1"], HUB2_LAN)] == [None, "ping"]
    single = plans(links=[], platforms={"s1": "linux"})
    assert all(r.get("check_gateway") is None for r in single["s1"]["routes"])


def test_plain_wireguard_links_check_their_gateway_where_a_backup_exists():
    # s1 over plain WireGuard to hub1 and GRE to hub2: the GRE link carries backups, the plain link's routes fail
    # over only if RouterOS sees the gateway go (a WireGuard interface keeps running)
    out = plans(links=[{"sites": ["hub1", "s1"], "overlay": "none"}])
    s1_wireguard_hub1 = "10.255.0.8"
    assert routes_to(out["s1"], S2_LAN) == [(1, s1_wireguard_hub1, "ping"), (3, S1_VIA_HUB2, None)]
    assert [r["check_gateway"] for r in routeros.config(out["s1"], "routes") if r.get("check_gateway")] == \
        ["ping", "ping"]
    # over GRE between RouterOS sites the keepalive already takes a dead link's routes out
    assert all(r.get("check_gateway") is None for r in plans()["s1"]["routes"])


def test_keepalive_timers_per_link():
    out = plans(defaults={"overlay_keepalive": {"interval": 10, "retries": 10}},
                links=[{"sites": ["hub1", "s1"], "overlay_keepalive": {"interval": 2, "retries": 3}}])
    keepalives = dict((t["name"], t["keepalive"]) for t in routeros.config(out["s1"], "gre_tunnels"))
    assert keepalives == {"gre-hub1": "2s,3", "gre-hub2": "10s,10"}
    # none given: the entry leaves RouterOS's default (10s,10) as it was; toward Linux none at all
    assert "keepalive" not in routeros.config(plans()["s1"], "gre_tunnels")[0]
    linux = plans(platforms={"hub1": "linux"}, defaults={"overlay_keepalive": {"interval": 2, "retries": 3}})
    assert [t["keepalive"] for t in routeros.config(linux["s1"], "gre_tunnels")] == ["", "2s,3"]


def test_keepalive_timers_are_validated():
    assert problems(defaults={"overlay_keepalive": {"interval": 0, "retries": 3}}) == [
        "fleet: sitelink_link_defaults.overlay_keepalive.interval: 0 is out of range (1 to 300)"]
    assert problems(links=[{"sites": ["hub1", "s1"], "overlay_keepalive": {"interval": 2}}]) == [
        "fleet: sitelink_topology.links[0].overlay_keepalive.retries: is required (1 to 100)"]
    assert problems(defaults={"overlay_keepalive": "2s,3"}) == [
        "fleet: sitelink_link_defaults.overlay_keepalive: must be a mapping {interval: SECONDS, retries: COUNT}, "
        "not a string"]
    assert problems(defaults={"overlay_keepalive": {"interval": 2, "retries": 3, "retry": 1}})[0].startswith(
        "fleet: sitelink_link_defaults.overlay_keepalive.retry: unknown setting; did you mean retries?")


def test_drain_moves_every_route_through_the_hub_above_the_other_ways():
    before = plans()
    drained = plans(drain="hub1")
    # s1 and s2 reach hub1's LAN and each other through hub2 now; hub1 is still there, last
    assert routes_to(drained["s1"], S2_LAN) == [(3, S1_VIA_HUB2, None), (4, S1_VIA_HUB1, None)]
    assert routes_to(drained["s1"], HUB1_LAN) == [(3, S1_VIA_HUB2, None), (4, S1_VIA_HUB1, None)]
    assert routes_to(drained["s1"], HUB2_LAN) == routes_to(before["s1"], HUB2_LAN)
    # the hubs: hub2's backups through hub1 were last already; hub1 itself keeps its routes
    assert drained["hub1"]["routes"] == before["hub1"]["routes"]
    assert drained["hub2"]["routes"] == before["hub2"]["routes"]
    # nothing is added or removed, only distances move; without sitelink_drain the plans are the ones before
    for name in before:
        strip = [dict(r, distance=None) for r in before[name]["routes"]]
        assert [dict(r, distance=None) for r in drained[name]["routes"]] == strip
        assert drained[name]["firewall"] == before[name]["firewall"]
    assert plans(drain=[]) == before


def test_drain_takes_a_list_or_names_separated_by_commas():
    both = plans(drain="hub1, hub2")
    assert both == plans(drain=["hub1", "hub2"])
    # both drained: their order among themselves is the one without drain
    assert both["s1"]["routes"] == plans()["s1"]["routes"]


def test_drain_names_only_hubs():
    assert problems(drain=["hub1", "s1", "hub-1"]) == [
        "fleet: sitelink_drain[1]: 's1' is a site but not a hub; only a hub can be drained (hubs: hub1, hub2)",
        "fleet: sitelink_drain[2]: 'hub-1' is no site of this fleet; only a hub can be drained (hubs: hub1, hub2); "
        "did you mean hub1?"]
    assert problems(drain={"hub": "hub1"}) == ["fleet: sitelink_drain: must be a list of a hub's name, not a mapping"]
