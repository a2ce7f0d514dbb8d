"""The engine's planning on synthetic router rows: no router needed."""

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import engine as eng
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import resources as res
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.errors import RouterosError
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.rendering import rsc_quote

FILTER = "/ip/firewall/filter"


def rule(id_, chain, action="accept", comment=None, **kw):
    row = {".id": id_, "chain": chain, "action": action}
    if comment is not None:
        row["comment"] = comment
    row.update(kw)
    return row


DEFCONF = [
    rule("*1", "input", comment="defconf: accept established"),
    rule("*2", "input", "drop", comment="defconf: drop all not coming from LAN"),
    rule("*3", "forward", "drop", comment="defconf: drop invalid"),
]


def plan(resource, config, state, rows, **kw):
    engine = eng.Engine(resource, "r1", **kw)
    return engine, engine.plan(config, state, rows)


@pytest.mark.parametrize("comment,parsed", [
    ("sitelink:fleet", ("fleet", "")), ("sitelink:site wg in", ("site", "wg in")),
    ("sitelink", None), ("sitelink x", None),                          # no owner: a person's comment
    ("sitelink: backup", None), ("sitelink:my fleet", ("my", "fleet")), ("sitelink:", None),
    ("defconf", None), ("", None), (None, None), ("sitelinkx", None),
])
def test_comment_marker(comment, parsed):
    assert eng.parse_comment(comment) == parsed


def test_make_comment_round_trip():
    for owner, text in (("fleet", ""), ("fleet", "allow wg"), ("dc-1.ops_2", "x y")):
        assert eng.parse_comment(eng.make_comment(owner, text)) == (owner, text)
    assert eng.make_comment("", "x") == "sitelink:fleet x"                 # the owner is never empty


@pytest.mark.parametrize("owner", ["my fleet", "a\nb", "x" * 33, "-x", "fl\u00e9et", "a:b", "a\"b"])
def test_an_owner_that_cannot_be_read_back_is_refused(owner):
    with pytest.raises(RouterosError) as err:
        eng.Engine(res.FIREWALL_RULES, "r1", owner=owner)
    assert err.value.message.startswith("r1: owner: ")


def test_a_comment_a_person_wrote_is_never_ours():
    """'sitelink backup to DC' was removed by overridden when the marker had no owner."""
    rows = list(DEFCONF) + [rule("*7", "input", comment="sitelink backup to DC"),
                            rule("*8", "input", comment="sitelink:fleet a")]
    ops = plan(res.FIREWALL_RULES, [], "overridden", {FILTER: rows})[1]
    assert [(o.verb, o.item_id) for o in ops] == [("remove", "*8")]
    assert plan(res.FIREWALL_RULES, [], "deleted", {FILTER: rows})[1][0].item_id == "*8"


def test_an_entry_whose_comment_has_the_marker_word_but_no_owner_is_not_taken_over():
    rows = {"/interface/wireguard": [{".id": "*5", "name": "wg0", "listen-port": 13231, "mtu": 1420,
                                      "comment": "sitelink"}]}
    with pytest.raises(RouterosError) as err:
        plan(res.WIREGUARD_INTERFACES, [{"name": "wg0", "listen_port": 13231}], "merged", rows)
    assert "its comment has no 'sitelink:OWNER' marker" in err.value.message
    assert plan(res.WIREGUARD_INTERFACES, [], "overridden", rows)[1] == []


def test_new_rules_go_before_the_first_foreign_drop_in_config_order():
    config = [{"name": "a", "chain": "input", "family": "ipv4"}, {"name": "b", "chain": "input", "family": "ipv4"}]
    engine, ops = plan(res.FIREWALL_RULES, config, "merged", {FILTER: list(DEFCONF)})
    assert [(o.verb, o.place_before) for o in ops] == [("add", "*2"), ("add", "*2")]
    assert [o.args["comment"] for o in ops] == ["sitelink:fleet a", "sitelink:fleet b"]


def test_rules_in_place_are_not_moved():
    rows = DEFCONF[:1] + [rule("*7", "input", comment="sitelink:fleet a"), rule("*8", "input", comment="sitelink:fleet b")] \
        + DEFCONF[1:]
    config = [{"name": "a", "chain": "input", "family": "ipv4"}, {"name": "b", "chain": "input", "family": "ipv4"}]
    assert plan(res.FIREWALL_RULES, config, "merged", {FILTER: rows})[1] == []


def test_swapped_rules_are_moved_back_into_config_order():
    rows = DEFCONF[:1] + [rule("*8", "input", comment="sitelink:fleet b"), rule("*7", "input", comment="sitelink:fleet a")] \
        + DEFCONF[1:]
    config = [{"name": "a", "chain": "input", "family": "ipv4"}, {"name": "b", "chain": "input", "family": "ipv4"}]
    ops = plan(res.FIREWALL_RULES, config, "merged", {FILTER: rows})[1]
    assert [(o.verb, o.item_id, o.destination) for o in ops] == [("move", "*7", "*2"), ("move", "*8", "*2")]


def test_rule_after_the_drop_is_moved_before_it():
    rows = list(DEFCONF) + [rule("*9", "input", comment="sitelink:fleet a")]
    ops = plan(res.FIREWALL_RULES, [{"name": "a", "chain": "input", "family": "ipv4"}], "merged", {FILTER: rows})[1]
    assert [(o.verb, o.item_id, o.destination) for o in ops] == [("move", "*9", "*2")]


def test_new_rule_between_existing_ones_reorders_all():
    rows = DEFCONF[:1] + [rule("*7", "input", comment="sitelink:fleet a"), rule("*8", "input", comment="sitelink:fleet c")] \
        + DEFCONF[1:]
    config = [{"name": n, "chain": "input", "family": "ipv4"} for n in ("a", "b", "c")]
    ops = plan(res.FIREWALL_RULES, config, "merged", {FILTER: rows})[1]
    assert [o.verb for o in ops] == ["add", "move", "move", "move"]
    assert ops[2].item_id is None and ops[2].follows is ops[0]   # the new rule, by its future id


def test_placement_top_and_bottom():
    config = [{"name": "a", "chain": "input", "family": "ipv4"}]
    assert plan(res.FIREWALL_RULES, config, "merged", {FILTER: list(DEFCONF)}, placement="top")[1][0].place_before == "*1"
    assert plan(res.FIREWALL_RULES, config, "merged", {FILTER: list(DEFCONF)}, placement="bottom")[1][0].place_before is None


def test_overridden_removes_only_managed_rows_of_the_owner():
    rows = list(DEFCONF) + [rule("*7", "input", comment="sitelink:fleet a"),
                            rule("*8", "input", comment="sitelink:other b"),
                            rule("*9", "input", comment="my own rule")]
    ops = plan(res.FIREWALL_RULES, [], "overridden", {FILTER: rows}, owner="fleet")[1]
    assert [(o.verb, o.item_id) for o in ops] == [("remove", "*7")]
    ops = plan(res.FIREWALL_RULES, [], "overridden", {FILTER: rows}, owner="other")[1]
    assert [(o.verb, o.item_id) for o in ops] == [("remove", "*8")]


def test_unmanaged_entry_with_the_same_key_stops_the_plan():
    rows = {"/interface/wireguard": [{".id": "*5", "name": "wg0", "listen-port": 13231, "mtu": 1420}]}
    with pytest.raises(RouterosError) as err:
        plan(res.WIREGUARD_INTERFACES, [{"name": "wg0", "listen_port": 13300}], "merged", rows)
    assert "not managed by sitelink.tunnels" in err.value.message and "adopt" in err.value.message
    ops = plan(res.WIREGUARD_INTERFACES, [{"name": "wg0", "listen_port": 13300}], "merged", rows, adopt=True)[1]
    assert ops[0].args == {"listen-port": "13300", "comment": "sitelink:fleet"}


def test_merged_sets_only_given_fields_and_replaced_resets_to_defaults():
    rows = {"/interface/wireguard": [{".id": "*5", "name": "wg0", "listen-port": 13300, "mtu": 1300,
                                      "disabled": False, "comment": "sitelink:fleet"}]}
    merged = plan(res.WIREGUARD_INTERFACES, [{"name": "wg0", "listen_port": 13300}], "merged", rows)[1]
    assert merged == []
    replaced = plan(res.WIREGUARD_INTERFACES, [{"name": "wg0", "listen_port": 13300}], "replaced", rows)[1]
    assert replaced[0].args == {"mtu": "1420"}


def test_clear_fields_are_unset():
    rows = {"/interface/gre": [{".id": "*5", "name": "g", "remote-address": "10.0.0.1", "keepalive": "10s,10",
                                "ipsec-secret": "s", "comment": "sitelink:fleet"}]}
    ops = plan(res.GRE_TUNNELS, [{"name": "g", "remote_address": "10.0.0.1", "keepalive": ""}], "merged", rows)[1]
    assert ops[0].unset == ["keepalive"] and ops[0].args == {}
    ops = plan(res.GRE_TUNNELS, [{"name": "g", "remote_address": "10.0.0.1"}], "replaced", rows)[1]
    assert "ipsec-secret" in ops[0].unset


def test_secrets_never_rendered():
    engine, ops = plan(res.WIREGUARD_PEERS, [{
        "interface": "wg0", "public_key": "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=",
        "allowed_address": ["10.0.0.0/31"], "preshared_key": "hHp7k4vVQyTRbRXkq0Cdm8Hzn7nhoTsm1UVLWE5mJCI="}],
        "merged", {"/interface/wireguard/peers": []})
    text = engine.sentence(ops[0]) + engine.script(ops[0])
    assert "hHp7k4" not in text and text.count(eng.REDACTED) == 2


def test_validation_reports_every_problem_at_once():
    engine = eng.Engine(res.WIREGUARD_PEERS, "r1")
    problems = engine.validate([
        {"interface": "wg9", "public_key": "nope", "allowed_address": ["10.0.0.300/24"]},
        {"interface": "ether1", "public_key": "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=",
         "allowed_address": ["10.0.0.0/24"]},
    ], "merged", {"ether1": "ether", "wg0": "wg"})
    text = "\n".join(problems)
    assert "public_key" in text and "allowed_address" in text
    assert "WireGuard interface 'wg9' does not exist" in text
    assert "WireGuard interface 'ether1' does not exist" in text
    assert len(problems) == 4


def test_duplicate_keys_in_config():
    engine = eng.Engine(res.ROUTES, "r1")
    problems = engine.validate([{"dst_address": "10.0.0.0/24", "gateway": "wg0"},
                                {"dst_address": "10.0.0.5/24", "gateway": "wg0"}], "merged", {"wg0": "wg"})
    assert problems == ["config[1] (dst_address=10.0.0.5/24 gateway=wg0 routing_table=None): same "
                        "dst_address/gateway/routing_table as config[0]"]


@pytest.mark.parametrize("value,quoted", [
    ("wg-sitelink", "wg-sitelink"),
    ("a b", '"a b"'),
    ('say "hi"', '"say \\"hi\\""'),
    ("cost $5?", '"cost \\$5\\?"'),
    ("two\nlines\ttab\r", '"two\\nlines\\ttab\\r"'),
    ("back\\slash", '"back\\\\slash"'),
    ("Z\u00fcrich", '"Z\\C3\\BCrich"'),                   # UTF-8 bytes, capital hex (Manual:Scripting)
    ("", '""'),
])
def test_script_strings_use_routeros_escapes(value, quoted):
    assert rsc_quote(value) == quoted


def test_a_script_selects_a_rule_by_its_whole_comment():
    """comment~"wireguard-in" also matched "wireguard-in-2"; the rendered script selects the exact comment."""
    rows = DEFCONF + [rule("*7", "input", comment="sitelink:fleet wireguard-in-2", protocol="udp"),
                      rule("*8", "input", comment="sitelink:fleet wireguard-in", protocol="tcp")]
    config = [{"name": "wireguard-in", "chain": "input", "family": "ipv4", "protocol": "udp"}]
    engine, ops = plan(res.FIREWALL_RULES, config, "merged", {FILTER: rows})
    text = engine.script(ops[0])
    assert 'where comment="sitelink:fleet wireguard-in"' in text and "comment~" not in text


def test_rules_go_before_a_jump_into_a_chain_that_drops():
    """A drop reached through a jump was missed: our rules went after the jump and never matched."""
    rows = [rule("*1", "input", comment="defconf: accept established"),
            rule("*2", "input", "jump", comment="operator: checks", **{"jump-target": "operator"}),
            rule("*3", "operator", "jump", comment="operator: deeper", **{"jump-target": "deeper"}),
            rule("*4", "deeper", "drop", comment="operator: no WireGuard", protocol="udp"),
            rule("*5", "input", "drop", comment="defconf: drop all not coming from LAN")]
    ops = plan(res.FIREWALL_RULES, [{"name": "a", "chain": "input", "family": "ipv4"}], "merged", {FILTER: rows})[1]
    assert [(o.verb, o.place_before) for o in ops] == [("add", "*2")]
    harmless = [dict(r, **{"action": "accept"}) if r[".id"] == "*4" else r for r in rows]
    ops = plan(res.FIREWALL_RULES, [{"name": "a", "chain": "input", "family": "ipv4"}], "merged", {FILTER: harmless})[1]
    assert [(o.verb, o.place_before) for o in ops] == [("add", "*5")]


def test_an_operators_route_to_the_same_prefix_at_the_same_distance_is_reported_before_any_write():
    """RouterOS 7 installs equal-distance routes to one prefix side by side (ECMP): ours would share the traffic
    with the operator's. Reported, never changed; a different distance (a backup) is fine."""
    routes = "/ip/route"
    operator = {".id": "*9", "dst-address": "10.20.0.0/16", "gateway": "192.168.88.9", "distance": "1",
                "routing-table": "main", "comment": "operator: backup line"}
    config = [{"dst_address": "10.20.0.0/16", "gateway": "192.168.88.2"}]
    with pytest.raises(RouterosError) as err:
        plan(res.ROUTES, config, "overridden", {routes: [operator]})
    assert "already has dst_address=10.20.0.0/16 gateway=192.168.88.9" in err.value.message
    assert "ECMP" in err.value.message
    ops = plan(res.ROUTES, config, "overridden", {routes: [dict(operator, distance="5")]})[1]
    assert [op.verb for op in ops] == ["add"]
