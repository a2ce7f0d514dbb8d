"""Hostile strings never reach a file, a script or a router: names are validated where they enter, nftables
statements are checked before they go into an `nft -f` script, render files stay in their directory."""

import os

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.common import names
from ansible_collections.sitelink.tunnels.plugins.module_utils.linux import render
from ansible_collections.sitelink.tunnels.plugins.plugin_utils import site_files

HOSTILE = ["../etc", "a/b", "a b", "a\nPostUp = id", "a\rb", "a\tb", 'a"b', "a'b", "a;b", "a$(id)", "a`id`",
           "-rf", ".hidden", "", "x" * 64, "br\u00e4nch", "a\\b", "a\x00b", "a#b", "a{b}"]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_site_names_are_refused(value):
    assert names.problem("site", value)


@pytest.mark.parametrize("value", ["hub", "branch-a", "dc1.example.net", "site_7", "A" * 63])
def test_ordinary_site_names_pass(value):
    assert names.problem("site", value) is None


@pytest.mark.parametrize("kind", sorted(names.RULES))
def test_no_rule_admits_a_character_that_needs_quoting(kind):
    for char in " \"'\\/;$`#{}()<>|&*?!\n\r\t\x00\x7f\u00e4":
        assert names.problem(kind, "a%sb" % char), (kind, char)
    assert names.problem(kind, 7)                       # not a string at all


def test_a_name_in_a_message_shows_its_control_characters():
    assert "\\n" in names.problem("site", "a\nb") and "\n" not in names.problem("site", "a\nb")


@pytest.mark.parametrize("statement,why", [
    ("udp dport 13231 counter accept", None),
    ('iifname "wg-sitelink" counter accept', None),
    ("ip saddr { 10.0.0.0/8, 192.168.0.0/16 } counter accept", None),
    ('meta comment "a;b#c" accept', None),                         # inside quotes: text, not syntax
    ("accept\nflush ruleset", "control character"),
    ("accept; flush ruleset", "';'"),
    ("accept # flush", "'#'"),
    ("accept } table inet x { chain y { accept", "closes a brace"),
    ("ip saddr { 10.0.0.0/8 accept", "unbalanced brace"),
    ('iifname "wg accept', "unbalanced quote"),
    ("", "empty"),
])
def test_nft_statements(statement, why):
    problem = render.statement_problem(statement)
    if why is None:
        assert problem is None
    else:
        assert problem and why in problem


def test_render_files_never_leave_their_directory_or_follow_a_link(tmp_path):
    dest = tmp_path / "out"
    dest.mkdir()
    for name in ("../escape.rsc", "sub/x.rsc", ".hidden.rsc", "a\nb.rsc"):
        with pytest.raises(ValueError):
            site_files.write(str(dest), {name: "x"}, False)
    target = tmp_path / "target"
    target.write_text("untouched")
    os.symlink(str(target), str(dest / "hub.rsc"))
    with pytest.raises(ValueError):
        site_files.write(str(dest), {"hub.rsc": "overwritten"}, False)
    assert target.read_text() == "untouched"
    assert sorted(os.listdir(tmp_path)) == ["out", "target"]


def test_a_rendered_script_cannot_be_broken_out_of_by_a_name(tmp_path):
    """The Linux render writes heredocs; every name in it has been validated, so no line of it can be 'EOF'."""
    from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model, validate
    sites = {"hub": {"id": 1, "platform": "linux", "lans": ["10.1.0.0/24"], "endpoint": "192.0.2.1"},
             "EOF\nid": {"id": 2, "platform": "linux", "lans": ["10.2.0.0/24"]}}
    m = model.load(sites, {"sitelink_topology": {"type": "p2p"}, "sitelink_psk_secret": "s"})
    assert validate.plan_fleet(m) is None
    assert any("inventory host name" in str(p) for p in m.problems)
