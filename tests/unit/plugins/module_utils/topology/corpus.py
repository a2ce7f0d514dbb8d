"""Read the inventories under tests/inventories the way the role sees them."""

import glob
import os

import yaml

from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import validate

INVENTORIES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "inventories")
SETTINGS = ("sitelink_topology", "sitelink_link_defaults", "sitelink_pools", "sitelink_psk_secret", "sitelink_routing",
            "sitelink_ospf", "sitelink_ospf_static_backup")


def load(path):
    with open(path, encoding="utf-8") as fh:
        inv = yaml.safe_load(fh)["all"]
    sites = dict((h, v["sitelink_site"]) for h, v in inv["hosts"].items() if "sitelink_site" in v)
    settings = dict((k, v) for k, v in inv.get("vars", {}).items() if k in SETTINGS)
    return sites, settings, inv.get("vars", {}).get("expected_problems", [])


def cases(kind):
    return sorted(glob.glob(os.path.join(INVENTORIES, kind, "*.yml")))


def load_hosts(path):
    """({host with sitelink_site: its variables, group variables included}, settings, expected problems, all hosts)
    as the role's fleet step sees them."""
    with open(path, encoding="utf-8") as fh:
        inv = yaml.safe_load(fh)["all"]
    fleet_vars = inv.get("vars", {})
    hosts = dict((h, dict(fleet_vars, **(v or {}))) for h, v in (inv.get("hosts") or {}).items())
    settings = dict((k, v) for k, v in fleet_vars.items() if k in SETTINGS)
    sites = dict((h, v) for h, v in hosts.items() if "sitelink_site" in v)
    return sites, settings, fleet_vars.get("expected_problems", []), sorted(hosts)


def all_problems(model):
    """Every problem validation finds in `model` (it plans the fleet to find them all)."""
    validate.plan_fleet(model)
    return model.problems
