"""Security review 3, N12: what validation takes for an address does not hang on a library version.  The topology
code reads addresses with the standard library's ipaddress (issue 22 item 8), so the controller requirements list no
netaddr, and octal, short and integer IPv4 forms stay refused."""

import os
import re

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model, validate

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
# every place that lists the controller's Python packages (the Install section's pip line included)
CONTROLLER_REQUIREMENTS = ("meta/ee-requirements.txt", "execution-environment.yml", "requirements/dev.txt",
                           "requirements/constraints.txt", "tests/tools/install_check.sh", "README.md",
                           "docs/docsite/rst/install.rst", "docs/docsite/rst/awx.rst", "roles/site_tunnel/README.md")


def listed_packages(path):
    """Lower-cased package names a requirements file, a YAML list or a `pip install` line names in `path`."""
    names = set()
    with open(os.path.join(ROOT, path), encoding="utf-8") as fh:
        for line in fh:
            line = line.split("#", 1)[0] if path.endswith(".txt") else line
            requirement = re.match(r"^\s*(?:-\s+)?([A-Za-z0-9_.-]+)\s*(?:[=<>!~]=|>|<|$)", line)
            if requirement:
                names.add(requirement.group(1).lower())
            for install in re.findall(r"pip install ([^\n`]*)", line):
                names.update(word.lower() for word in install.split() if not word.startswith("-"))
            names.update(word.lower() for word in re.findall(r"``([A-Za-z0-9_.-]+)``|`([A-Za-z0-9_.-]+)`", line)
                         for word in word if word)
    return names


def test_the_reader_sees_the_packages_it_must():
    assert {"librouteros", "cryptography"} <= listed_packages("meta/ee-requirements.txt")
    assert "librouteros" in listed_packages("README.md")


@pytest.mark.parametrize("path", CONTROLLER_REQUIREMENTS)
def test_the_controller_requirements_list_no_netaddr(path):
    assert "netaddr" not in listed_packages(path), path


@pytest.mark.parametrize("endpoint", ["010.0.0.1", "127.1", "2130706433", "0x7f.0.0.1", "127.000.0.1"])
def test_address_looking_endpoints_are_not_addresses(endpoint):
    sites = {"hub": {"id": 1, "lans": ["192.168.10.0/24"], "endpoint": endpoint},
             "branch": {"id": 2, "lans": ["192.168.11.0/24"]}}
    loaded = model.load(sites, {"sitelink_topology": {"type": "p2p"}, "sitelink_psk_secret": "unit-test-secret-16"})
    validate.plan_fleet(loaded)
    assert loaded.sites["hub"].endpoint_ip is None
    assert ["hub: sitelink_site.endpoint: %r is neither an address nor a host name" % endpoint] == \
        [str(p) for p in loaded.problems if "endpoint" in str(p)]


@pytest.mark.parametrize("lan", ["010.1.0.0/24", "10.1/16", "167772160/8", "167772160"])
def test_address_looking_lans_are_not_prefixes(lan):
    sites = {"hub": {"id": 1, "lans": [lan], "endpoint": "192.0.2.1"},
             "branch": {"id": 2, "lans": ["192.168.11.0/24"]}}
    loaded = model.load(sites, {"sitelink_topology": {"type": "p2p"}, "sitelink_psk_secret": "unit-test-secret-16"})
    validate.plan_fleet(loaded)
    assert "hub: sitelink_site.lans[0]: %r is not a prefix (like 192.168.10.0/24)" % lan in \
        [str(p) for p in loaded.problems]
