"""Rendering operations as API sentences and RouterOS script lines."""

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import engine as eng
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import resources as res

FILTER = "/ip/firewall/filter"


def test_sentences_name_the_target_and_unset_cleared_fields():
    engine = eng.Engine(res.GRE_TUNNELS, "r1")
    rows = {"/interface/gre": [{".id": "*5", "name": "g", "remote-address": "10.0.0.1", "keepalive": "10s,10",
                                "comment": "sitelink:fleet"}]}
    ops = engine.plan([{"name": "g", "remote_address": "10.0.0.2", "keepalive": ""}], "merged", rows)
    assert engine.sentence(ops[0]) == "/interface/gre/set =.id=*5 =remote-address=10.0.0.2 =!keepalive="
    assert engine.script(ops[0]) == '/interface gre set [ find where name=g ] remote-address=10.0.0.2 !keepalive'


def test_a_rendered_rule_goes_before_the_first_stop_or_jump_of_its_chain_not_ours():
    engine = eng.Engine(res.FIREWALL_RULES, "r1", owner="site1")
    ops = engine.render([{"name": "wg-in", "chain": "input", "family": "ipv4", "protocol": "udp"}])
    line = engine.script(ops[0])
    assert line.startswith(':do { :local anchor [/ip firewall filter find where chain=input and (action=drop or '
                           'action=reject or action=tarpit or action=jump) and !dynamic '
                           'and !(comment~"^sitelink:site1 ")];')
    assert 'place-before=[:pick $anchor 0] } else={ /ip firewall filter add chain=input comment="sitelink:site1 ' \
           'wg-in" protocol=udp } }' in line


def test_a_rendered_rule_placed_at_the_top_goes_before_any_rule_not_ours():
    engine = eng.Engine(res.FIREWALL_RULES, "r1", placement="top")
    line = engine.script(engine.render([{"name": "a", "chain": "forward", "family": "ipv6"}])[0])
    assert "[/ipv6 firewall filter find where chain=forward and !dynamic and !(comment~" in line


def test_a_removed_rule_is_selected_by_its_whole_comment_as_read():
    engine = eng.Engine(res.FIREWALL_RULES, "r1")
    rows = {FILTER: [{".id": "*7", "chain": "input", "action": "accept", "comment": "sitelink:fleet old rule"}]}
    ops = engine.plan([], "overridden", rows)
    assert engine.sentence(ops[0]) == "/ip/firewall/filter/remove =.id=*7"
    assert engine.script(ops[0]) == '/ip firewall filter remove [ find where comment="sitelink:fleet old rule" ]'


def test_moves_render_with_their_destination():
    engine = eng.Engine(res.FIREWALL_RULES, "r1")
    rows = {FILTER: [{".id": "*2", "chain": "input", "action": "drop", "comment": "defconf"},
                     {".id": "*9", "chain": "input", "action": "accept", "comment": "sitelink:fleet a"}]}
    ops = engine.plan([{"name": "a", "chain": "input", "family": "ipv4"}], "merged", rows)
    assert engine.sentence(ops[0]) == "/ip/firewall/filter/move =numbers=*9 =destination=*2"
    assert engine.script(ops[0]) == '/ip firewall filter move [ find where comment="sitelink:fleet a" ] destination=*2'


def test_a_rendered_mangle_rule_goes_at_the_end_of_its_chain_with_no_anchor():
    """Mangle has no action that drops (routeros-review-3 N9): the .rsc asks for no anchor there."""
    engine = eng.Engine(res.MANGLE_RULES, "r1", owner="site1")
    ops = engine.render([{"name": "mss", "chain": "forward", "family": "ipv4", "protocol": "tcp",
                          "action": "change-mss", "new_mss": "clamp-to-pmtu", "tcp_flags": "syn"}])
    line = engine.script(ops[0])
    assert line.startswith("/ip firewall mangle add ") and "find" not in line, line
