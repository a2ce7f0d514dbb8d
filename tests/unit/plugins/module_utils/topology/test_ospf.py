"""OSPF mode (sitelink_routing: ospf): its settings and their messages, what each site's plan gets (router ids,
templates, rules, routes), and the RouterOS catalogue entries and driver steps it uses."""

import copy
import dataclasses
import os
import subprocess
import sys

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils import platforms
from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import linux, routeros
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import kinds as k
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import resources as res
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.errors import RouterosError
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model, ospf, validate
from ansible_collections.sitelink.tunnels.plugins.plugin_utils import routeros_script
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.drivers import routeros as driver

from corpus import cases, load

GOOD = [p for p in cases("good") if p.endswith("hub_spoke.yml")][0]


def fleet(**settings):
    """The good hub and two branches (EoIP to branch-a, GRE to branch-b) in OSPF mode, `settings` over it."""
    sites, base, _expected = load(GOOD)
    base = dict(copy.deepcopy(base), sitelink_routing="ospf")
    base.update(settings)
    return copy.deepcopy(sites), base


def problems(sites, settings):
    loaded = model.load(sites, settings)
    validate.plan_fleet(loaded)
    return [str(p) for p in loaded.problems]


def plans(sites, settings):
    loaded = model.load(sites, settings)
    planned = validate.plan_fleet(loaded)
    assert planned is not None, loaded.problems
    return planned


# ---------------------------------------------------------------- settings and validation
def test_static_is_the_default_and_plans_no_ospf():
    sites, settings = fleet()
    del settings["sitelink_routing"]
    planned = plans(sites, settings)
    assert all("ospf" not in plan for plan in planned.values())
    assert [r["dst_address"] for r in planned["branch-a"]["routes"]] == ["192.168.10.0/24", "192.168.12.0/24"]


@pytest.mark.parametrize("settings, expected", [
    ({"sitelink_routing": "bgp"}, "fleet: sitelink_routing: must be one of static, ospf, not 'bgp'"),
    ({"sitelink_ospf": {"hello_interval": 0}}, "fleet: sitelink_ospf.hello_interval: 0 is out of range (1 to 65535)"),
    ({"sitelink_ospf": {"hello_interval": 10, "dead_interval": 10}},
     "fleet: sitelink_ospf.dead_interval: 10s must be longer than hello_interval (10s): a neighbour is declared "
     "down after dead_interval without a hello (4 x hello_interval is usual)"),
    ({"sitelink_ospf": {"area": "backbone"}},
     "fleet: sitelink_ospf.area: must be an area id: a dotted quad (0.0.0.0, the backbone) or a number from 0 to "
     "4294967295, not 'backbone'"),
    ({"sitelink_ospf": {"bfd": "yes"}},
     "fleet: sitelink_ospf.bfd: must be true or false, not 'yes' (a quoted string: write it without quotes)"),
    ({"sitelink_ospf": {"dead_intervall": 50}},
     "fleet: sitelink_ospf.dead_intervall: unknown setting; did you mean dead_interval? (known: area, hello_interval, "
     "dead_interval, bfd)"),
    ({"sitelink_pools": {"router_id": "fd00::/64"}},
     "fleet: sitelink_pools.router_id: must be an IPv4 prefix (like 10.253.0.0/16), not 'fd00::/64'"),
    ({"sitelink_pools": {"router_id": "10.9.9.0/31"}},
     "fleet: sitelink_pools.router_id: 10.9.9.0/31 holds router ids for site ids up to 1; the highest site id is 3 "
     "(a /30 or larger)"),
])
def test_each_bad_setting_is_one_message(settings, expected):
    sites, base = fleet()
    if "sitelink_pools" in settings:
        settings = {"sitelink_pools": dict(base["sitelink_pools"], **settings["sitelink_pools"])}
    assert problems(sites, dict(base, **settings)) == [expected]


def test_a_link_without_an_overlay_is_refused_and_the_message_says_why():
    sites, settings = fleet()
    settings["sitelink_topology"]["links"][1]["overlay"] = "none"
    (message,) = problems(sites, settings)
    assert message.startswith("fleet: sitelink_topology.links[1].overlay: link branch-b--hub: OSPF (sitelink_routing: "
                              "ospf) needs an overlay on this link: WireGuard alone cannot carry OSPF between several "
                              "peers of one interface")
    assert "224.0.0.5" in message and message.endswith("set overlay: gre or eoip")


def test_the_same_link_without_an_overlay_is_fine_in_static_mode():
    sites, settings = fleet(sitelink_routing="static")
    settings["sitelink_topology"]["links"][1]["overlay"] = "none"
    assert problems(sites, settings) == []


def test_a_linux_site_runs_ospf_with_frr():
    sites, settings = fleet()
    settings["sitelink_topology"]["links"][0]["overlay"] = "gre"
    sites["branch-a"]["platform"] = "linux"
    assert problems(sites, settings) == []
    assert plans(sites, settings)["branch-a"]["ospf"]["instance"]["router_id"] == "10.253.0.2"


def test_a_linux_site_still_needs_an_overlay_in_ospf_mode():
    sites, settings = fleet()
    settings["sitelink_topology"]["links"][0]["overlay"] = "none"
    sites["branch-a"]["platform"] = "linux"
    (message,) = problems(sites, settings)
    assert message.startswith("fleet: sitelink_topology.links[0].overlay: link branch-a--hub: OSPF (sitelink_routing: "
                              "ospf) needs an overlay on this link")


def test_a_platform_that_runs_no_ospf_is_refused_in_ospf_mode():
    platforms.register("toy", dataclasses.replace(linux.CAPABILITIES, label="Toy", runs_ospf=False), linux.desired)
    try:
        sites, settings = fleet()
        settings["sitelink_topology"]["links"][0]["overlay"] = "gre"
        sites["branch-a"]["platform"] = "toy"
        assert problems(sites, settings) == [
            "branch-a: sitelink_site.platform: Toy sites do not run OSPF (RouterOS sites and Linux sites with FRR do): "
            "keep sitelink_routing: static while the fleet has one"]
    finally:
        platforms.unregister("toy")


def test_differing_mtus_at_the_two_ends_of_an_adjacency_are_refused():
    sites, settings = fleet()
    loaded = model.load(sites, settings)
    planned = validate.plan_fleet(loaded)
    planned["hub"]["overlays"][0]["mtu"] -= 8         # what a per-site MTU setting could make
    ospf.check(loaded, planned)
    assert [str(p) for p in loaded.problems] == [
        "fleet: sitelink_topology: link branch-a--hub: the overlay MTUs differ (branch-a 1378, hub 1370): OSPF forms "
        "no adjacency between ends of different MTUs"]


def test_an_ipv6_overlay_pool_is_refused():
    sites, settings = fleet()
    settings["sitelink_pools"] = dict(settings["sitelink_pools"], overlay="fd00:254::/64", overlay_prefix_length=127)
    assert "fleet: sitelink_pools.overlay: OSPFv2 runs on the overlays' addresses, which must be IPv4 (OSPFv3 is not " \
           "built): give an IPv4 overlay pool" in problems(sites, settings)


def test_a_floating_backup_beyond_distance_255_is_refused():
    sites, settings = fleet(sitelink_ospf_static_backup=True)
    settings["sitelink_topology"]["links"][1]["distance"] = 200
    found = problems(sites, settings)
    assert "branch-b: sitelink_ospf_static_backup: the backup route to 192.168.10.0/24 would take distance 310 (200 " \
           "above OSPF's 110); lower the link's distance so that it stays at most 255" in found


# ---------------------------------------------------------------- the plan
def test_router_ids_follow_the_site_ids_from_the_pool():
    sites, settings = fleet()
    planned = plans(sites, settings)
    assert dict((n, p["ospf"]["instance"]["router_id"]) for n, p in planned.items()) == \
        {"hub": "10.253.0.1", "branch-a": "10.253.0.2", "branch-b": "10.253.0.3"}
    settings["sitelink_pools"] = dict(settings["sitelink_pools"], router_id="172.31.0.0/24")
    assert plans(sites, settings)["branch-b"]["ospf"]["instance"]["router_id"] == "172.31.0.3"


def test_a_site_gets_one_template_per_overlay_a_passive_one_for_its_lans_and_no_lan_routes():
    sites, settings = fleet(sitelink_ospf={"area": 5, "hello_interval": 2, "dead_interval": 8})
    sites["hub"]["ospf_cost"] = 100
    settings["sitelink_topology"]["links"][1]["cost"] = 30
    hub = plans(sites, settings)["hub"]
    assert hub["ospf"]["area"] == {"name": "sitelink-area", "instance": "sitelink", "area_id": "0.0.0.5"}
    assert hub["ospf"]["templates"] == [
        {"name": "ospf-eoip-branch-a", "interfaces": ["eoip-branch-a"], "type": "ptp", "cost": 110,
         "hello_interval": 2, "dead_interval": 8, "area": "sitelink-area"},
        {"name": "ospf-gre-branch-b", "interfaces": ["gre-branch-b"], "type": "ptp", "cost": 130,
         "hello_interval": 2, "dead_interval": 8, "area": "sitelink-area"},
        {"name": "ospf-lans", "networks": ["192.168.10.0/24"], "passive": True, "area": "sitelink-area"}]
    assert hub["ospf"]["bfd"] == []
    assert hub["routes"] == []
    assert [r for r in hub["firewall"] if r["name"] in ("ospf-in-tunnels", "bfd-in-tunnels")] == [
        {"name": "ospf-in-tunnels", "chain": "input", "protocol": "ospf", "family": "ipv4",
         "in_interface_list": "sitelink-tunnels"}]


def test_a_drained_hub_s_links_take_the_highest_cost_at_both_ends_and_an_undrain_puts_them_back():
    sites, settings = fleet()
    sites["hub"]["ospf_cost"] = 100

    def costs(planned):
        return dict((name, [t.get("cost") for t in plan["ospf"]["templates"]]) for name, plan in planned.items())
    before = costs(plans(sites, settings))
    assert before == {"hub": [110, 110, None], "branch-a": [110, None], "branch-b": [110, None]}
    # OSPF installs no static LAN routes whose distances a drain could move: the overlays' cost moves instead
    drained = costs(plans(sites, dict(settings, sitelink_drain="hub")))
    assert drained == {"hub": [65535, 65535, None], "branch-a": [65535, None], "branch-b": [65535, None]}
    assert costs(plans(sites, settings)) == before


def test_bfd_adds_a_configuration_on_the_overlays_and_its_ports():
    branch = plans(*fleet(sitelink_ospf={"bfd": True}))["hub"]
    assert branch["ospf"]["bfd"] == [{"name": "bfd-tunnels", "interfaces": ["eoip-branch-a", "gre-branch-b"]}]
    assert all(t["use_bfd"] for t in branch["ospf"]["templates"][:2])
    assert [r["dst_port"] for r in branch["firewall"] if r["name"] == "bfd-in-tunnels"] == ["3784,3785"]


def test_static_backups_float_above_ospf():
    branch = plans(*fleet(sitelink_ospf_static_backup=True))["branch-a"]
    assert [(r["dst_address"], r["distance"]) for r in branch["routes"]] == \
        [("192.168.10.0/24", 111), ("192.168.12.0/24", 111)]


@pytest.mark.parametrize("given, expected", [(True, 111), ("true", 111), ("yes", 111), ("false", None), (None, None)])
def test_the_static_backup_switch_takes_the_command_lines_words(given, expected):
    """-e sitelink_ospf_static_backup=true is a string: Ansible's boolean words count, as for the role's switches."""
    routes = plans(*fleet(sitelink_ospf_static_backup=given))["branch-a"]["routes"]
    assert [r["distance"] for r in routes][:1] == ([expected] if expected else [])


def test_a_static_backup_switch_that_is_no_boolean_is_refused():
    assert problems(*fleet(sitelink_ospf_static_backup="maybe")) == [
        "fleet: sitelink_ospf_static_backup: must be true or false, not 'maybe' (a quoted string: write it without "
        "quotes)"]


def test_endpoint_routes_stay_static():
    sites, settings = fleet()
    sites["branch-a"]["underlay_gateway"] = "198.51.100.254"
    routes = plans(sites, settings)["branch-a"]["routes"]
    assert routes == [{"dst_address": "198.51.100.1/32", "gateway": "198.51.100.254", "endpoint_of": "hub"}]


def test_a_spokes_written_ospf_configuration_does_not_grow_with_the_fleet():
    """With aggregates: the address list the forward rules name holds them instead of every spoke's LAN."""
    sites, settings = fleet()
    settings["sitelink_topology"]["aggregates"] = ["192.168.0.0/16"]
    sized = {}
    for extra in (0, 20):
        grown_sites = copy.deepcopy(sites)
        grown = copy.deepcopy(settings)
        for i in range(extra):
            grown_sites["spoke-%d" % i] = {"id": 10 + i, "lans": ["192.168.%d.0/24" % (100 + i)]}
            grown["sitelink_topology"]["links"].append({"sites": ["hub", "spoke-%d" % i], "overlay": "gre"})
        plan = plans(grown_sites, grown)["branch-a"]
        sized[extra] = sum(len(routeros.config(plan, name)) for name in routeros.ORDER)
    assert sized[0] == sized[20]


# ---------------------------------------------------------------- the catalogue and the driver
def test_the_catalogue_has_the_ospf_and_bfd_paths_with_their_releases():
    table = dict((name, (res.RESOURCES[name].paths[""], res.RESOURCES[name].since)) for name in res.OSPF_RESOURCES)
    assert table == {"ospf_instances": ("/routing/ospf/instance", None), "ospf_areas": ("/routing/ospf/area", None),
                     "ospf_interface_templates": ("/routing/ospf/interface-template", None),
                     "bfd_configurations": ("/routing/bfd/configuration", (7, 11))}
    templates = res.RESOURCES["ospf_interface_templates"]
    assert templates.by_option["use_bfd"].since == (7, 10)
    assert "use_bfd" not in templates.for_release((7, 9)).by_option
    assert isinstance(templates.by_option["hello_interval"].kind, k.Duration)
    assert [f.option for f in templates.fields if f.default is res.CLEAR] == ["interfaces", "networks", "passive"]


def test_the_adapters_write_the_plans_ospf_entries():
    hub = plans(*fleet(sitelink_ospf={"bfd": True}))["hub"]
    assert routeros.config(hub, "ospf_instances") == [{"name": "sitelink", "router_id": "10.253.0.1"}]
    assert routeros.config(hub, "bfd_configurations") == [{"name": "bfd-tunnels",
                                                           "interfaces": ["eoip-branch-a", "gre-branch-b"]}]
    assert len(routeros.config(hub, "ospf_interface_templates")) == 3
    static = plans(*fleet(sitelink_routing="static"))["hub"]
    assert all(routeros.config(static, name) == [] for name in res.OSPF_RESOURCES)


def test_another_owner_has_an_instance_and_an_area_of_its_own():
    hub = plans(*fleet())["hub"]
    assert routeros.config(hub, "ospf_instances", owner="lab2") == [{"name": "sitelink-lab2",
                                                                     "router_id": "10.253.0.1"}]
    assert routeros.config(hub, "ospf_areas", owner="lab2") == [{"name": "sitelink-area-lab2",
                                                                 "instance": "sitelink-lab2", "area_id": "0.0.0.0"}]
    assert set(t["area"] for t in routeros.config(hub, "ospf_interface_templates", owner="lab2")) == \
        {"sitelink-area-lab2"}
    assert [t["name"] for t in routeros.config(hub, "ospf_interface_templates", owner="lab2")][-1] == "ospf-lans"
    assert routeros.config(hub, "ospf_instances", owner="fleet")[0]["name"] == "sitelink"


def test_without_ospf_the_steps_remove_templates_and_bfd_before_the_area_and_the_instance():
    everything = list(routeros.ORDER)
    static = driver.step_names({"routes": []}, everything)
    assert static[static.index("mangle_rules") + 1:] == ["bfd_configurations", "ospf_interface_templates",
                                                         "ospf_areas", "ospf_instances", "routes"]
    assert driver.step_names({"ospf": {"instance": {}}}, everything) == everything


def test_a_release_without_a_path_skips_its_step_or_refuses_entries_for_it():
    bfd = res.RESOURCES["bfd_configurations"]
    routes = res.RESOURCES["routes"]
    steps = [(bfd, "overridden", []), (routes, "overridden", [])]
    assert driver.on_release(steps, "hub", (7, 10)) == [(routes, "overridden", [])]
    assert driver.on_release(steps, "hub", (7, 11)) == steps
    with pytest.raises(RouterosError) as refused:
        driver.on_release([(bfd, "overridden", [{"name": "bfd-tunnels"}])], "hub", (7, 10))
    assert refused.value.message == "hub: RouterOS 7.10 has no /routing/bfd/configuration (RouterOS 7.11 or later): " \
                                    "bfd_configurations needs it; nothing was changed"


def test_a_render_for_a_release_without_bfd_is_refused():
    hub = plans(*fleet(sitelink_ospf={"bfd": True}))["hub"]
    with pytest.raises(ValueError) as refused:
        routeros_script.script(hub, "hub", "fleet", release="7.10")
    assert str(refused.value).startswith("hub: RouterOS 7.10 has no /routing/bfd/configuration (RouterOS 7.11 or "
                                         "later), which the plan needs (bfd_configurations)")
    assert "/routing bfd configuration add" in routeros_script.script(hub, "hub", "fleet", release="7.11")


@pytest.mark.parametrize("first", ["plugin_utils.routeros_script", "module_utils.platforms.routeros",
                                   "module_utils.topology.ospf", "module_utils.topology.model"])
def test_each_module_imports_first(first):
    """topology/model imports topology/ospf, which imports the planner; platforms/routeros imports both: none of them
    may read another's names while that one is half imported, whichever a process imports first."""
    collections = os.path.abspath(os.path.join(os.path.dirname(__file__), *[os.pardir] * 5, "build", "collections"))
    done = subprocess.run([sys.executable, "-c", "import ansible_collections.sitelink.tunnels.plugins.%s" % first],
                          env=dict(os.environ, PYTHONPATH=collections), capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
