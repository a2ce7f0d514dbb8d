"""Taking a site out (issue 19, item 3): sitelink_site.state is present or absent; an absent site is in no link, its
plan removes everything (its WireGuard interface after its peers), and the other sites' plans no longer name it."""

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import routeros
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model, validate
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.drivers import linux, routeros as routeros_driver

SETTINGS = {"sitelink_topology": {"type": "hub_spoke", "hubs": ["hub"]},
            "sitelink_link_defaults": {"overlay": "gre"}, "sitelink_psk_secret": "unit-secret"}


def sites(state="absent"):
    return {"hub": {"id": 1, "lans": ["192.168.10.0/24"], "endpoint": "198.51.100.1"},
            "branch-a": {"id": 2, "lans": ["192.168.11.0/24"]},
            "branch-b": {"id": 3, "lans": ["192.168.12.0/24"], "state": state}}


def test_an_absent_site_is_in_no_link_and_its_plan_removes_everything():
    loaded = model.load(sites(), SETTINGS)
    plans = validate.plan_fleet(loaded)
    assert plans is not None, [str(p) for p in loaded.problems]
    assert [link.id for link in loaded.links] == ["branch-a--hub"]
    gone = plans["branch-b"]
    assert gone["state"] == "absent"
    assert all(routeros.desired(gone)[resource] == [] for resource in routeros.ORDER), routeros.desired(gone)
    for other in ("hub", "branch-a"):
        assert "state" not in plans[other]
        assert "branch-b" not in str(plans[other]) and "192.168.12.0/24" not in str(plans[other]), other


def test_present_is_the_default_and_plans_are_unchanged_by_it():
    explicit = validate.plan_fleet(model.load(sites("present"), SETTINGS))
    implicit = sites()
    del implicit["branch-b"]["state"]
    assert explicit is not None and validate.plan_fleet(model.load(implicit, SETTINGS)) == explicit
    assert "branch-b--hub" in str(explicit["hub"])


@pytest.mark.parametrize("value", ["gone", "Absent", True, None])
def test_a_state_other_than_present_or_absent_is_refused(value):
    loaded = model.load(sites(value), SETTINGS)
    assert validate.plan_fleet(loaded) is None
    assert any(str(p).startswith("branch-b: sitelink_site.state: must be one of present, absent, not ")
               for p in loaded.problems), [str(p) for p in loaded.problems]


def test_the_interface_goes_with_the_peers_after_everything_else():
    gone = {"state": "absent"}
    assert routeros_driver.step_names(gone, ["wireguard_interfaces"]) == []
    names = routeros_driver.step_names(gone, ["wireguard_peers", "gre_tunnels", "routes", "firewall_rules"])
    assert names == ["routes", "firewall_rules", "gre_tunnels", "wireguard_peers", "wireguard_interfaces"]
    assert routeros_driver.step_names({}, ["routes", "wireguard_peers"]) == ["wireguard_peers", "routes"]
    asked = ["wireguard_peers", "gre_tunnels", "routes", "firewall_rules"]
    linux_steps = [step[0] for step in linux.site_steps(gone, asked)]
    assert linux_steps == ["routes", "firewall_rules", "gre_tunnels", "wireguard_peers", "wireguard_interfaces"]
    assert linux.site_steps(gone, ["wireguard_interfaces"]) == []
