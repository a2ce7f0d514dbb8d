"""Ordering follows the resource's declared Ordering, not field names it knows: a toy resource whose group, verdict
and jump are other fields is ordered as the firewall rules are."""

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import resources as res
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.comparing import Comparer
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.conflicts import Conflicts
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.ordering import Orderer
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.reading import Keys
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.resources import (
    COMMENT, Field, Option, Ordering, Resource)

PATH = "/toy/list"
TOY = Resource("toy", {"": PATH}, ("name",), (Field("stage", required=True), Field("verdict", default="pass"),
                                              Field("goto_stage", default=res.CLEAR)),
               ordered_by=Ordering(group="stage", verdict="verdict", stops=("halt",), jump=("goto", "goto_stage")),
               key_in_comment="name", config_only=(COMMENT, Option("name", "The rule's name.")))


def row(id_, stage, verdict="pass", comment="", **kw):
    return dict({".id": id_, "stage": stage, "verdict": verdict, "comment": comment}, **kw)


def order(resource, config, rows, placement="before_drop", rendering=False):
    keys = Keys(resource, "fleet")
    rows_by_path = {PATH if resource is TOY else "/ip/firewall/filter": rows}
    ops = Comparer(resource, "r1", keys, Conflicts(resource, keys)).plan(config, "merged", rows_by_path)
    return ops, Orderer(resource, keys, placement).order(config, ops, rows_by_path, rendering)


def test_a_toy_resource_is_ordered_by_its_declared_group_and_stops():
    rows = [row("*1", "in"), row("*2", "in", "halt"), row("*3", "out", "halt"),
            row("*4", "in", comment="sitelink:fleet b")]
    ops, moves = order(TOY, [{"name": "a", "stage": "in"}, {"name": "b", "stage": "in"}, {"name": "c", "stage": "out"}],
                       rows)
    assert [(o.verb, o.label, o.place_before) for o in ops] == [("add", "name=a", "*2"), ("add", "name=c", "*3")]
    assert [(o.verb, o.item_id, o.destination) for o in moves] == [("move", None, "*2"), ("move", "*4", "*2")]
    assert moves[0].follows is ops[0]


def test_a_toy_jump_into_a_stage_that_halts_is_an_anchor_and_a_disabled_halt_is_not():
    rows = [row("*1", "in"), row("*2", "in", "goto", **{"goto-stage": "deep"}), row("*3", "deep", "halt"),
            row("*4", "in", "halt")]
    ops, _moves = order(TOY, [{"name": "a", "stage": "in"}], rows)
    assert ops[0].place_before == "*2"
    rows[2]["disabled"] = "true"
    assert order(TOY, [{"name": "a", "stage": "in"}], rows)[0][0].place_before == "*4"


def test_rendering_marks_each_add_with_its_group_unless_placed_at_the_bottom():
    ops, _moves = order(TOY, [{"name": "a", "stage": "in"}], [], rendering=True)
    assert ops[0].anchor_group == "in" and ops[0].place_before is None
    assert order(TOY, [{"name": "a", "stage": "in"}], [], placement="bottom", rendering=True)[0][0].anchor_group is None


def test_the_declarations_name_fields_of_their_resource():
    for resource in res.RESOURCES.values():
        ordering = resource.ordered_by
        if ordering is None:
            continue
        named = [ordering.group, ordering.verdict] + ([ordering.jump[1]] if ordering.jump else [])
        assert all(option in resource.by_option for option in named), resource.name
    assert Orderer(res.FIREWALL_RULES, Keys(res.FIREWALL_RULES, "f")).anchor_verdicts() == ("drop", "reject", "tarpit",
                                                                                            "jump")
    # mangle has no action that drops: nothing of the operator's is an anchor there (routeros-review-3 N9)
    assert Orderer(res.MANGLE_RULES, Keys(res.MANGLE_RULES, "f")).anchor_verdicts() == ()


def test_a_foreign_mangle_jump_is_not_followed_its_target_is_not_read():
    rows = [{".id": "*1", "chain": "prerouting", "action": "jump", "jump-target": "x", "comment": ""},
            {".id": "*2", "chain": "x", "action": "drop", "comment": ""}]
    ops, moves = order(res.MANGLE_RULES, [{"name": "a", "chain": "prerouting", "family": "ipv4"}], rows)
    assert ops[0].place_before is None and moves == []
