"""The drivers' step tables: every resource of the plan has its place on every platform."""

import os

import yaml

from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import linux as linux_platform
from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import routeros
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model, validate
from ansible_collections.sitelink.tunnels.plugins.modules import site_apply as site_apply_doc
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.drivers import linux as linux_driver
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.drivers import routeros as routeros_driver

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def test_routeros_applies_every_adapter_resource_in_the_adapter_order():
    assert tuple(routeros_driver.STEPS) == routeros.ORDER
    assert all(routeros_driver.STEPS[name].name == name for name in routeros.ORDER)


def test_firewall_holes_are_open_before_routes_move_traffic_into_a_tunnel():
    """Whatever order a task lists them in (lockout guard: the rules admit the traffic the routes move)."""
    assert routeros.ORDER.index("firewall_rules") < routeros.ORDER.index("routes")
    assert routeros_driver.in_order(["routes", "firewall_rules", "addresses"]) == ["addresses", "firewall_rules", "routes"]
    linux = list(linux_driver.STEPS)
    assert linux.index("firewall_rules") < linux.index("routes")


def test_linux_steps_are_resources_of_the_plan_and_modules_of_the_collection():
    for resource, (module, _arguments) in linux_driver.STEPS.items():
        assert resource in routeros.ORDER, resource
        assert os.path.exists(os.path.join(ROOT, "plugins", "modules", module.rsplit(".", maxsplit=1)[-1] + ".py")), module


def test_the_documented_choices_are_the_table():
    doc = yaml.safe_load(site_apply_doc.DOCUMENTATION)["options"]["resources"]
    assert tuple(doc["choices"]) == tuple(doc["default"]) == routeros.ORDER


def test_linux_arguments_come_from_the_plan_and_the_settings():
    sites = {"a": {"id": 1, "platform": "linux", "lans": ["192.168.1.0/24"], "endpoint": "198.51.100.1"},
             "b": {"id": 2, "platform": "linux", "lans": ["192.168.2.0/24"]}}
    settings = {"sitelink_topology": {"type": "p2p"}, "sitelink_link_defaults": {"overlay": "gre"},
                "sitelink_psk_secret": "unit"}
    plans = validate.plan_fleet(model.load(sites, settings))
    linux = {"key_dir": "/etc/wg", "implementation": "auto", "persist": False, "sysctl_file": "/x",
             "route_protocol": 157, "firewall_table": "sitelink", "owner": "fleet"}
    keys = {"public_keys": {"a": "A" * 43 + "=", "b": "B" * 43 + "="}, "complete": {"a": True}}
    desired = linux_platform.desired(plans["a"], keys["public_keys"], "unit")
    args = dict((name, step[1](desired, plans["a"], keys, linux, "a")) for name, step in linux_driver.STEPS.items())
    # the interface and adopt: how wg_keypair tells the role's key file from an administrator's (review 3, N3)
    assert args["wireguard_interfaces"] == {"path": "/etc/wg/wg-sitelink.key", "interface": "wg-sitelink",
                                            "adopt": False}
    wg = args["wireguard_peers"]
    assert wg["private_key_path"] == "/etc/wg/wg-sitelink.key" and wg["purge_peers"] is True
    assert "config_path" not in wg and wg["peers"][0]["public_key"] == "B" * 43 + "="
    assert wg["peers"][0]["preshared_key"] not in ("", None) and len(wg["peers"][0]["preshared_key"]) == 44
    assert "sysctl_file" not in args["routes"] and args["routes"]["protocol"] == 157
    assert [t["name"] for t in args["gre_tunnels"]["config"]] == ["gre-b"]
    assert args["firewall_rules"]["table"] == "sitelink"
