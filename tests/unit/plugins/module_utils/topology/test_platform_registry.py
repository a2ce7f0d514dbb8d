"""The platforms as data: the capabilities table, the registry, and a toy platform that the planner and validation
serve without an edit (they ask capabilities, never a platform's name)."""

import ast
import dataclasses
import glob
import os

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils import platforms
from ansible_collections.sitelink.tunnels.plugins.module_utils.common import names
from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import routeros
from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms.base import ALL_OVERLAYS, Capabilities
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model, plan, validate
from ansible_collections.sitelink.tunnels.plugins.module_utils.wireguard import keys

TOPOLOGY = os.path.join(os.path.dirname(platforms.__file__), "..", "topology")
SECRET = "unit-test-secret"
KEYS = {"hub1": "Ag" + "A" * 41 + "=", "hub2": "Aw" + "A" * 41 + "=", "pi": "BA" + "A" * 41 + "=",
        "gw": "BQ" + "A" * 41 + "="}

TOY = Capabilities(
    label="Toy", configured=True, overlays=frozenset({("gre", "ipv4")}), answers_gre_keepalive=False,
    backup_routes=True, link_local_gateway=False, interface_name="interface", next_hop_family_rule=None,
    overlay_refusal="%(overlay)s is not on the toy %(site)s; use overlay: gre")


def toy_desired(plan_, public_keys=None, psk_secret=None, owner=None):
    """A toy router's whole configuration: one line per peer, with the keys as both ends derive them."""
    lines = []
    for peer in plan_["peers"]:
        lines.append("peer %s key=%s psk=%s allowed=%s" % (
            peer["peer"], plan.peer_public_key(plan_, peer["peer"], public_keys),
            plan.peer_preshared_key(plan_, peer, psk_secret), ",".join(peer["allowed_address"])))
    return {"config": lines + ["route %s via %s" % (r["dst_address"], r["gateway"]) for r in plan_["routes"]]}


@pytest.fixture
def toy():
    platforms.register("toy", TOY, toy_desired)
    yield "toy"
    platforms.unregister("toy")


def fleet(overlay="gre", **toy_site):
    """Two RouterOS hubs, a Linux spoke and a toy spoke."""
    sites = {"hub1": {"id": 1, "lans": ["192.168.1.0/24"], "endpoint": "198.51.100.1"},
             "hub2": {"id": 2, "lans": ["192.168.2.0/24"], "endpoint": "198.51.100.2"},
             "gw": {"id": 3, "platform": "linux", "lans": ["192.168.3.0/24"]},
             "pi": dict({"id": 4, "platform": "toy", "lans": ["192.168.4.0/24"]}, **toy_site)}
    settings = {"sitelink_topology": {"type": "hub_spoke", "hubs": ["hub1", "hub2"]},
                "sitelink_link_defaults": {"overlay": overlay}, "sitelink_psk_secret": SECRET}
    return model.load(sites, settings)


# the capabilities table


def test_every_platform_has_every_field_of_its_type():
    assert tuple(platforms.CAPABILITIES)[:3] == ("routeros", "linux", "external") and platforms.DEFAULT == "routeros"
    for name, caps in platforms.CAPABILITIES.items():
        values = dataclasses.asdict(caps)
        assert set(values) == set(f.name for f in dataclasses.fields(Capabilities)), name
        assert isinstance(caps.label, str) and caps.label, name
        for flag in ("configured", "answers_gre_keepalive", "backup_routes", "link_local_gateway"):
            assert isinstance(values[flag], bool), (name, flag)
        assert isinstance(caps.overlays, frozenset) and caps.overlays <= ALL_OVERLAYS, name
        assert caps.interface_name is None or caps.interface_name in names.RULES, name
        assert caps.next_hop_family_rule is None or isinstance(caps.next_hop_family_rule, str), name
        assert "%(site)s" in caps.overlay_refusal or not caps.overlays, name
        assert (name in platforms.DESIRED) == caps.configured, name


def test_the_table_says_what_validation_and_the_planner_used_to_branch_on():
    ros, linux, external = (platforms.CAPABILITIES[n] for n in ("routeros", "linux", "external"))
    assert ros.overlays == ALL_OVERLAYS and linux.overlays == {("gre", "ipv4")} and external.overlays == frozenset()
    assert (ros.answers_gre_keepalive, linux.answers_gre_keepalive) == (True, False)
    assert (ros.backup_routes, linux.backup_routes) == (True, False)
    assert (ros.link_local_gateway, linux.link_local_gateway) == (True, False)
    assert (ros.interface_name, linux.interface_name) == (None, "interface")
    assert ros.next_hop_family_rule and linux.next_hop_family_rule is None
    assert ros.configured and linux.configured and not external.configured


def test_capabilities_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        platforms.CAPABILITIES["linux"].backup_routes = True


def test_the_registry_refuses_a_name_twice_and_what_is_not_a_platform(toy):
    with pytest.raises(ValueError, match="already registered"):
        platforms.register("routeros", TOY, toy_desired)
    with pytest.raises(ValueError, match="already registered"):
        platforms.register(toy, TOY, toy_desired)
    with pytest.raises(TypeError):
        platforms.register("toy2", {"configured": True}, toy_desired)
    with pytest.raises(ValueError, match="needs its desired state"):
        platforms.register("toy2", TOY)
    with pytest.raises(ValueError, match="built in"):
        platforms.unregister("linux")
    assert "toy2" not in platforms.CAPABILITIES and platforms.CAPABILITIES[toy] is TOY


def test_a_name_that_is_no_platform_has_the_capabilities_that_add_no_message():
    assert platforms.capabilities("routerso") is platforms.capabilities(["linux"]) is platforms.UNKNOWN
    assert platforms.capabilities("linux") is platforms.CAPABILITIES["linux"]


# a toy platform: registered, then planned and validated with the others, with no edit in the planner or validation


def test_a_toy_platform_is_planned_in_a_mixed_fleet(toy):
    m = fleet()
    plans = validate.plan_fleet(m)
    assert m.problems == [] and sorted(plans) == ["gw", "hub1", "hub2", "pi"]
    assert plans["pi"]["platform"] == "toy"
    # the hubs ask no GRE keepalive of the toy (it does not answer), and do of each other
    keepalive = dict((o["name"], o["keepalive"]) for o in plans["hub1"]["overlays"])
    assert keepalive == {"gre-gw": False, "gre-hub2": True, "gre-pi": False}
    assert [o["keepalive"] for o in plans["pi"]["overlays"]] == [True, True]
    # the toy makes backup routes through the second hub (its overlay address 10.254.0.14); the Linux spoke does not
    assert [(r["gateway"], r["distance"]) for r in plans["pi"]["routes"] if r["dst_address"] == "192.168.1.0/24"] \
        == [("10.254.0.12", 1), ("10.254.0.14", 3)]
    assert [r["distance"] for r in plans["gw"]["routes"] if r["dst_address"] == "192.168.1.0/24"] == [1]


def test_a_toy_site_and_a_routeros_hub_agree_on_the_link_keys(toy):
    plans = validate.plan_fleet(fleet())
    config = platforms.DESIRED[toy](plans["pi"], KEYS, SECRET)["config"]
    hub = [p for p in routeros.desired(plans["hub1"], KEYS, SECRET)["wireguard_peers"] if p["comment"] == "hub1--pi"]
    psk = keys.derive_preshared_key(SECRET, ("hub1", "pi"))
    assert hub[0]["preshared_key"] == psk and hub[0]["public_key"] == KEYS["pi"]
    assert any(line.startswith("peer hub1 key=%s psk=%s " % (KEYS["hub1"], psk)) for line in config)
    assert "peer hub1 key=%s psk=<preshared key of hub1--pi>" % KEYS["hub1"] in \
        " ".join(platforms.DESIRED[toy](plans["pi"], KEYS, None)["config"])


def test_a_toy_site_is_validated_by_its_capabilities(toy):
    m = fleet(overlay="eoip", underlay_gateway="fe80::1%eth0")
    assert validate.plan_fleet(m) is None
    said = [str(p) for p in m.problems]
    assert "pi: sitelink_site.underlay_gateway: fe80::1%eth0 is link-local: a Toy site needs a global gateway " \
           "address" in said
    assert [p for p in said if "is not on the toy pi" in p] == [
        "fleet: sitelink_topology.overlay: link hub1--pi: eoip is not on the toy pi; use overlay: gre",
        "fleet: sitelink_topology.overlay: link hub2--pi: eoip is not on the toy pi; use overlay: gre"]
    # the Linux spoke's links are refused in Linux's words, from Linux's capabilities
    assert len([p for p in said if "EoIP is MikroTik's own protocol and gw is a Linux site" in p]) == 2


def test_a_misspelled_platform_is_told_the_registered_names(toy):
    m = model.load({"a": {"id": 1, "platform": "tyo", "endpoint": "198.51.100.1"}}, {})
    assert [str(p) for p in m.problems] == [
        "a: sitelink_site.platform: must be one of routeros, linux, external, toy, not 'tyo'; did you mean toy?"]


# no platform name in the planner or validation


PLATFORM_NAMES = ("routeros", "linux", "external")


def platform_comparisons(source):
    """(line, name) of every comparison in `source` that has a platform name as one of its operands (alone or in
    a tuple, list or set)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            for operand in [node.left] + node.comparators:
                items = operand.elts if isinstance(operand, (ast.Tuple, ast.List, ast.Set)) else [operand]
                found += [(node.lineno, item.value) for item in items if isinstance(item, ast.Constant)
                          and item.value in PLATFORM_NAMES]
    return found


def test_the_scan_finds_a_platform_name_in_a_comparison():
    assert platform_comparisons('if site.platform == "routeros":\n    pass\n') == [(1, "routeros")]
    assert platform_comparisons('x = "external" in (a.platform, b.platform)\n') == [(1, "external")]
    assert platform_comparisons('x = a.platform not in ("linux", "other")\n') == [(1, "linux")]
    assert platform_comparisons('x = caps.backup_routes\ny = "linux"\n') == []


def test_no_file_of_the_planner_or_validation_compares_a_platform_name():
    files = sorted(glob.glob(os.path.join(TOPOLOGY, "*.py")))
    assert {os.path.basename(f) for f in files} >= {"model.py", "plan.py", "validate.py"}
    for path in files:
        with open(path, encoding="utf-8") as fh:
            assert platform_comparisons(fh.read()) == [], path


def test_topology_keeps_only_model_validate_and_plan():
    # (and addressing, the slots of the links, and ospf, the OSPF mode's settings, checks and plan: platform-neutral,
    # scanned by the test above)
    assert sorted(os.path.basename(f) for f in glob.glob(os.path.join(TOPOLOGY, "*.py"))) == [
        "__init__.py", "addressing.py", "model.py", "ospf.py", "plan.py", "validate.py"]


# one derivation of a link's preshared key, one placeholder for a peer's public key


def test_a_peers_preshared_key_is_derived_once_for_every_platform():
    peer = {"peer": "b", "link": "a--b", "preshared_key": True}
    site = {"site": "a"}
    assert plan.peer_preshared_key(site, peer, SECRET) == keys.derive_preshared_key(SECRET, ("a", "b")) \
        == plan.peer_preshared_key({"site": "b"}, dict(peer, peer="a"), SECRET)
    assert plan.peer_preshared_key(site, peer, None) == "<preshared key of a--b>"
    assert plan.peer_preshared_key(site, dict(peer, preshared_key=False), SECRET) is None
    assert plan.public_key_placeholders({"peers": [peer]}) == {"b": "<public key of b>"}
