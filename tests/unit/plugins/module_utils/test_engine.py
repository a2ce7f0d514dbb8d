"""The engine's planning on synthetic router rows: no router needed."""

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import engine as eng
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import resources as res
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.errors import RouterosError

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
    ("sitelink", ("", "")), ("sitelink:site wg in", ("site", "wg in")), ("sitelink x", ("", "x")),
    ("defconf", None), ("", None), (None, None), ("sitelinkx", None),
])
def test_comment_marker(comment, parsed):
    assert eng.parse_comment(comment) == parsed


def test_make_comment_round_trip():
    for owner, text in (("", ""), ("fleet", ""), ("fleet", "allow wg"), ("", "x y")):
        assert eng.parse_comment(eng.make_comment(owner, text)) == (owner, text)


def test_new_rules_go_before_the_first_foreign_drop_in_config_order():
    config = [{"name": "a", "chain": "input", "family": "ipv4"}, {"name": "b", "chain": "input", "family": "ipv4"}]
    engine, ops = plan(res.FIREWALL_RULES, config, "merged", {FILTER: list(DEFCONF)})
    assert [(o.verb, o.place_before) for o in ops] == [("add", "*2"), ("add", "*2")]
    assert [o.args["comment"] for o in ops] == ["sitelink a", "sitelink b"]


def test_rules_in_place_are_not_moved():
    rows = DEFCONF[:1] + [rule("*7", "input", comment="sitelink a"), rule("*8", "input", comment="sitelink b")] \
        + DEFCONF[1:]
    config = [{"name": "a", "chain": "input", "family": "ipv4"}, {"name": "b", "chain": "input", "family": "ipv4"}]
    assert plan(res.FIREWALL_RULES, config, "merged", {FILTER: rows})[1] == []


def test_swapped_rules_are_moved_back_into_config_order():
    rows = DEFCONF[:1] + [rule("*8", "input", comment="sitelink b"), rule("*7", "input", comment="sitelink a")] \
        + DEFCONF[1:]
    config = [{"name": "a", "chain": "input", "family": "ipv4"}, {"name": "b", "chain": "input", "family": "ipv4"}]
    ops = plan(res.FIREWALL_RULES, config, "merged", {FILTER: rows})[1]
    assert [(o.verb, o.item_id, o.destination) for o in ops] == [("move", "*7", "*2"), ("move", "*8", "*2")]


def test_rule_after_the_drop_is_moved_before_it():
    rows = list(DEFCONF) + [rule("*9", "input", comment="sitelink a")]
    ops = plan(res.FIREWALL_RULES, [{"name": "a", "chain": "input", "family": "ipv4"}], "merged", {FILTER: rows})[1]
    assert [(o.verb, o.item_id, o.destination) for o in ops] == [("move", "*9", "*2")]


def test_new_rule_between_existing_ones_reorders_all():
    rows = DEFCONF[:1] + [rule("*7", "input", comment="sitelink a"), rule("*8", "input", comment="sitelink c")] \
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
    ops = plan(res.FIREWALL_RULES, [], "overridden", {FILTER: rows})[1]
    assert [(o.verb, o.item_id) for o in ops] == [("remove", "*7"), ("remove", "*8")]


def test_unmanaged_entry_with_the_same_key_stops_the_plan():
    rows = {"/interface/wireguard": [{".id": "*5", "name": "wg0", "listen-port": 13231, "mtu": 1420}]}
    with pytest.raises(RouterosError) as err:
        plan(res.WIREGUARD_INTERFACES, [{"name": "wg0", "listen_port": 13300}], "merged", rows)
    assert "not managed by sitelink.tunnels" in err.value.message and "adopt" in err.value.message
    ops = plan(res.WIREGUARD_INTERFACES, [{"name": "wg0", "listen_port": 13300}], "merged", rows, adopt=True)[1]
    assert ops[0].args == {"listen-port": "13300", "comment": "sitelink"}


def test_merged_sets_only_given_fields_and_replaced_resets_to_defaults():
    rows = {"/interface/wireguard": [{".id": "*5", "name": "wg0", "listen-port": 13300, "mtu": 1300,
                                      "disabled": False, "comment": "sitelink"}]}
    merged = plan(res.WIREGUARD_INTERFACES, [{"name": "wg0", "listen_port": 13300}], "merged", rows)[1]
    assert merged == []
    replaced = plan(res.WIREGUARD_INTERFACES, [{"name": "wg0", "listen_port": 13300}], "replaced", rows)[1]
    assert replaced[0].args == {"mtu": "1420"}


def test_clear_fields_are_unset():
    rows = {"/interface/gre": [{".id": "*5", "name": "g", "remote-address": "10.0.0.1", "keepalive": "10s,10",
                                "ipsec-secret": "s", "comment": "sitelink"}]}
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
