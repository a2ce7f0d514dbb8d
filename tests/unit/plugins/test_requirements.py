"""Security review 3, N12: the controller requirements admit no netaddr that changes what validation accepts."""

import os
import re

import netaddr
import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model, validate

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def lower_bound(package):
    with open(os.path.join(ROOT, "meta", "ee-requirements.txt"), encoding="utf-8") as fh:
        for line in fh:
            found = re.match(r"^%s>=([0-9.]+)" % package, line.strip())
            if found:
                return tuple(int(part) for part in found.group(1).split("."))
    return None


def test_netaddr_is_at_least_1_0():
    """netaddr 0.10 parses with inet_aton (octal, short and integer forms); 1.0 made inet_pton the default."""
    assert lower_bound("netaddr") >= (1, 0), "meta/ee-requirements.txt admits netaddr %s" % (lower_bound("netaddr"),)
    assert tuple(int(p) for p in netaddr.__version__.split(".")[:2]) >= (1, 0)


@pytest.mark.parametrize("endpoint", ["010.0.0.1", "127.1", "2130706433"])
def test_address_looking_endpoints_are_not_addresses(endpoint):
    sites = {"hub": {"id": 1, "lans": ["192.168.10.0/24"], "endpoint": endpoint},
             "branch": {"id": 2, "lans": ["192.168.11.0/24"]}}
    loaded = model.load(sites, {"sitelink_topology": {"type": "p2p"}, "sitelink_psk_secret": "unit-test-secret-16"})
    validate.plan_fleet(loaded)
    assert [str(p) for p in loaded.problems if "endpoint" in str(p)], endpoint
