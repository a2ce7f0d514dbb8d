"""Read the inventories under tests/inventories the way the role sees them."""

import glob
import os

import yaml

INVENTORIES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "inventories")
SETTINGS = ("sitelink_topology", "sitelink_link_defaults", "sitelink_pools", "sitelink_psk_secret")


def load(path):
    with open(path, encoding="utf-8") as fh:
        inv = yaml.safe_load(fh)["all"]
    sites = dict((h, v["sitelink_site"]) for h, v in inv["hosts"].items() if "sitelink_site" in v)
    settings = dict((k, v) for k, v in inv.get("vars", {}).items() if k in SETTINGS)
    return sites, settings, inv.get("vars", {}).get("expected_problems", [])


def cases(kind):
    return sorted(glob.glob(os.path.join(INVENTORIES, kind, "*.yml")))
