"""Every inventory the documentation shows is one the role accepts (issue 22, item 7).

The YAML blocks of the docsite (docs/docsite/rst/*.rst), the README and the role's README are read as they are
written: each must parse, and each whole inventory (a block whose top key is `all`) goes through the role's own
fleet check (`plugin_utils.inventory.check`: the topology's validation and planning, the lockout guard, and every
role setting against the role's argument spec) with every host in the play, and must give no problem. A block
that shows only part of an inventory (group variables, one host) must parse."""

import glob
import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from ansible_collections.sitelink.tunnels.plugins.plugin_utils import inventory as fleet
from rosemu.cli import generate_certificate

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))
DOCSITE = os.path.join(ROOT, "docs", "docsite")
PAGES = sorted(glob.glob(os.path.join(DOCSITE, "rst", "*.rst")))
MARKDOWN = [os.path.join(ROOT, "README.md"), os.path.join(ROOT, "roles", "site_tunnel", "README.md")]
SETTINGS = ("sitelink_topology", "sitelink_link_defaults", "sitelink_pools", "sitelink_psk_secret")

RST_YAML = re.compile(r"^\.\. code(?:-block)?:: yaml\n((?:[ \t]*:[^\n]*\n)*)\n((?:(?:[ ]{3,}[^\n]*)?\n)+)", re.M)
MARKDOWN_YAML = re.compile(r"^([ ]*)```yaml\n(.*?)^\1```", re.M | re.S)     # in a list item too
# the only templates the examples use: a vaulted variable and the host's own name
VAULTED = re.compile(r"\{\{\s*(vault_\w+)[^}]*\}\}")
HOST_NAME = re.compile(r"\{\{\s*inventory_hostname\s*\}\}")


def yaml_blocks(path):
    """[(where, text)] of the file's YAML code blocks, `where` being FILE:LINE."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    name = os.path.relpath(path, ROOT)
    if path.endswith(".rst"):
        found = [(m.start(), _dedent(m.group(2))) for m in RST_YAML.finditer(text)]
    else:
        found = [(m.start(), _dedent(m.group(2))) for m in MARKDOWN_YAML.finditer(text)]
    return [("%s:%d" % (name, text.count("\n", 0, start) + 1), block) for start, block in found]


def _dedent(block):
    lines = block.split("\n")
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    return "\n".join(line[indent:] for line in lines)


BLOCKS = [block for path in PAGES + MARKDOWN for block in yaml_blocks(path)]
INVENTORIES = [(where, text) for where, text in BLOCKS if "all" in (yaml.safe_load(text) or {})]


def rendered(value, host):
    """A value as the role sees it once Ansible has templated it: vaulted variables are secrets of 24 characters,
    inventory_hostname is the host; any other template would need Ansible's own templating, so it is refused."""
    if isinstance(value, dict):
        return dict((k, rendered(v, host)) for k, v in value.items())
    if isinstance(value, list):
        return [rendered(v, host) for v in value]
    if not isinstance(value, str):
        return value
    value = HOST_NAME.sub(host, VAULTED.sub(lambda m: "docs-%s-%s" % (m.group(1), "x" * 12), value))
    assert "{{" not in value, "a template the docs test cannot render: %r" % value
    return value


def hosts_of(group, inherited):
    """{host: its variables, the groups' variables under its own} of an inventory group and its children."""
    scope = dict(inherited, **(group.get("vars") or {}))
    found = dict((host, dict(scope, **(host_vars or {}))) for host, host_vars in (group.get("hosts") or {}).items())
    for child in (group.get("children") or {}).values():
        for host, host_vars in hosts_of(child or {}, scope).items():
            found[host] = dict(found.get(host, {}), **host_vars)
    return found


def problems(text):
    hosts = hosts_of(yaml.safe_load(text)["all"], {})
    hosts = dict((h, rendered(v, h)) for h, v in hosts.items())
    sites = dict((h, v) for h, v in hosts.items() if "sitelink_site" in v)
    first = sites[sorted(sites)[0]] if sites else {}
    settings = dict((k, first[k]) for k in SETTINGS if k in first)
    model, _plans = fleet.check(sites, settings, sorted(hosts))
    return [str(p) for p in model.problems]


@pytest.fixture(autouse=True)
def ca_files(tmp_path, monkeypatch):
    """The examples' ca_path files exist (a PEM certificate), relative to the run's directory as in a playbook
    directory: ca_path is checked on the controller."""
    monkeypatch.chdir(tmp_path)
    generate_certificate(str(tmp_path / "lab-tls"))
    pem = (tmp_path / "lab-tls" / "cert.pem").read_bytes()
    for where, text in INVENTORIES + [("netbox", "all: {hosts: {hq-router: %s}}" % json.dumps(config_context()))]:
        for host, host_vars in hosts_of(yaml.safe_load(text)["all"], {}).items():
            ca_path = ((host_vars.get("sitelink_routeros") or {}).get("ca_path"))
            if ca_path:
                path = tmp_path / rendered(ca_path, host)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(pem)


def test_the_docsite_has_its_pages_and_inventories():
    """The cookbook's topologies are all there: a test over no inventory could not fail."""
    names = set(os.path.basename(p)[:-4] for p in PAGES)
    assert {"install", "cookbook", "router_bootstrap", "awx", "netbox", "coexistence", "decommission",
            "glossary"} <= names
    cookbook = [where for where, _text in INVENTORIES if where.startswith("docs/docsite/rst/cookbook.rst")]
    assert len(cookbook) >= 8, cookbook


@pytest.mark.parametrize("where,text", BLOCKS, ids=[where for where, _text in BLOCKS])
def test_every_yaml_block_parses(where, text):
    yaml.safe_load(text)


@pytest.mark.parametrize("where,text", INVENTORIES, ids=[where for where, _text in INVENTORIES])
def test_every_documented_inventory_passes_the_fleet_check(where, text):
    assert problems(text) == []


def test_the_check_finds_a_mistake_in_a_documented_inventory():
    """The same path refuses what the role refuses: the first cookbook inventory with a site's id repeated."""
    where, text = next(b for b in INVENTORIES if b[0].startswith("docs/docsite/rst/cookbook.rst"))
    inventory = yaml.safe_load(text)
    hosts = inventory["all"]["hosts"]
    first, second = sorted(h for h in hosts if "sitelink_site" in hosts[h])[:2]
    hosts[second]["sitelink_site"]["id"] = hosts[first]["sitelink_site"]["id"]
    found = problems(yaml.safe_dump(inventory))
    assert any("sitelink_site.id" in p for p in found), (where, found)


# ---------------------------------------------------------------------------------------------------- NetBox

NETBOX_PAGE = os.path.join(DOCSITE, "rst", "netbox.rst")
RST_JSON = re.compile(r"^\.\. code-block:: json\n\n((?:(?:[ ]{3,}[^\n]*)?\n)+)", re.M)
# Devices as NetBox's API gives them to nb_inventory's compose (custom fields by name; a Multiple-objects field of
# prefixes as a list of nested prefixes), with the host variables it sets itself: ansible_host from the primary IP.
NETBOX_DEVICES = {
    "hq-router": {"ansible_host": "203.0.113.10", "custom_fields": {
        "sitelink_id": 1, "sitelink_platform": None, "sitelink_endpoint": "198.51.100.1",
        "sitelink_lans": [{"id": 11, "display": "192.168.10.0/24", "prefix": "192.168.10.0/24"}]}},
    "branch-1": {"ansible_host": "203.0.113.11", "custom_fields": {
        "sitelink_id": 2, "sitelink_platform": "routeros", "sitelink_endpoint": None,
        "sitelink_lans": [{"id": 12, "display": "10.101.0.0/24", "prefix": "10.101.0.0/24"}]}},
    "branch-gw": {"ansible_host": "203.0.113.12", "custom_fields": {
        "sitelink_id": 3, "sitelink_platform": "linux", "sitelink_endpoint": "",
        "sitelink_lans": [{"id": 13, "display": "10.102.0.0/24", "prefix": "10.102.0.0/24"},
                          {"id": 14, "display": "10.103.0.0/24", "prefix": "10.103.0.0/24"}]}},
}


def netbox_page():
    with open(NETBOX_PAGE, encoding="utf-8") as fh:
        return fh.read()


def config_context():
    """The config context the page shows (nb_inventory flattens it into host variables)."""
    return json.loads(_dedent(RST_JSON.search(netbox_page()).group(1)))


def netbox_inventory_source():
    text = [t for _w, t in yaml_blocks(NETBOX_PAGE) if "netbox.netbox.nb_inventory" in t]
    assert len(text) == 1
    return yaml.safe_load(text[0])


def _plain(mapping):
    """ansible-inventory --list writes a value a template made as {"__ansible_unsafe": value}; the role gets the
    value itself."""
    return mapping.get("__ansible_unsafe", mapping) if list(mapping) == ["__ansible_unsafe"] else mapping


def test_the_netbox_mapping_composes_sites_the_role_accepts(tmp_path):
    """The page's compose expressions, run by ansible-core's `constructed` plugin (Constructable._set_composite_vars,
    as nb_inventory runs them) over the devices, give every device a sitelink_site; with the page's config context
    flattened into host variables the fleet check finds no problem."""
    source = netbox_inventory_source()
    assert source["strict"] is True and source["flatten_config_context"] is True
    devices = dict((name, dict(device, **config_context())) for name, device in NETBOX_DEVICES.items())
    (tmp_path / "devices.yml").write_text(yaml.safe_dump({"all": {"hosts": devices}}))
    (tmp_path / "netbox.constructed.yml").write_text(yaml.safe_dump(
        {"plugin": "ansible.builtin.constructed", "strict": True, "compose": source["compose"]}))
    plugins = "ansible.builtin.yaml,ansible.builtin.constructed"
    out = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "--list",
                          "-i", str(tmp_path / "devices.yml"), "-i", str(tmp_path / "netbox.constructed.yml")],
                         capture_output=True, text=True, check=True,
                         env=dict(os.environ, ANSIBLE_INVENTORY_ENABLED=plugins))
    hostvars = json.loads(out.stdout, object_hook=_plain)["_meta"]["hostvars"]
    sites = dict((h, v["sitelink_site"]) for h, v in hostvars.items())
    assert sites == {
        "hq-router": {"id": 1, "platform": "routeros", "lans": ["192.168.10.0/24"], "endpoint": "198.51.100.1"},
        "branch-1": {"id": 2, "platform": "routeros", "lans": ["10.101.0.0/24"]},
        "branch-gw": {"id": 3, "platform": "linux", "lans": ["10.102.0.0/24", "10.103.0.0/24"]},
    }
    hosts = dict((h, dict(v, sitelink_psk_secret="docs-vault-secret-of-24-chars")) for h, v in hostvars.items())
    settings = dict((k, hosts["hq-router"][k]) for k in SETTINGS)
    model, plans = fleet.check(hosts, settings, sorted(hosts))
    assert [str(p) for p in model.problems] == [] and sorted(plans) == sorted(NETBOX_DEVICES)
