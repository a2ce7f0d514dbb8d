"""The print query stack, through librouteros' query builder and raw words."""

import pytest
from librouteros.query import And, Key, Or

NAMES = ["ether1", "ether2", "ether3", "ether4", "ether5", "bridge"]


@pytest.fixture
def interfaces(api):
    return api.path("interface")


def names(rows):
    return [r["name"] for r in rows]


def test_plain_print_lists_all_in_id_order(interfaces):
    assert names(interfaces) == NAMES


def test_equality_and_select(interfaces):
    name, type_ = Key("name"), Key("type")
    rows = list(interfaces.select(name, type_).where(type_ == "bridge"))
    assert rows == [{"name": "bridge", "type": "bridge"}]


def test_not_equal(interfaces):
    name, type_ = Key("name"), Key("type")
    assert names(interfaces.select(name).where(type_ != "ether")) == ["bridge"]


def test_in_and_or(interfaces):
    name = Key("name")
    assert names(interfaces.select(name).where(name.In("ether1", "ether3"))) == ["ether1", "ether3"]
    assert names(interfaces.select(name).where(Or(name == "ether2", name == "bridge"))) == ["ether2", "bridge"]


def test_and_with_booleans_sent_as_yes_no(interfaces):
    """librouteros sends `?=slave=yes`; the router prints `true`: they must match."""
    name, slave, type_ = Key("name"), Key("slave"), Key("type")
    assert names(interfaces.select(name).where(And(slave == "yes", type_ == "ether"))) == \
        ["ether2", "ether3", "ether4", "ether5"]


def test_less_and_greater(api):
    filters = api.path("ip", "firewall", "filter")
    ident = Key(".id")
    ids = [r[".id"] for r in filters]
    assert len(ids) == 11
    chain = Key("chain")
    assert [r["chain"] for r in filters.select(chain).where(Key("packets") < 1)][:1] == ["input"]
    assert list(filters.select(ident).where(Key("packets") > 0)) == []


def raw_names(raw, *queries):
    reply = raw.command("/interface/print", "=.proplist=name", *queries)
    return [w.split("=", 2)[2] for s in reply for w in s if w.startswith("=name=")]


def test_has_and_has_not(raw):
    assert raw_names(raw, "?comment") == ["bridge"]
    assert raw_names(raw, "?-comment") == NAMES[:5]


def test_manual_form_without_leading_equals(raw):
    assert raw_names(raw, "?type=bridge") == ["bridge"]


def test_stack_or_and_negate(raw):
    assert raw_names(raw, "?name=ether1", "?name=bridge", "?#|") == ["ether1", "bridge"]
    assert raw_names(raw, "?type=ether", "?slave=true", "?#&!") == ["ether1", "bridge"]


def test_stack_dot_and_index(raw):
    # `.` copies the top: "name=ether1" twice, ORed, stays a single match
    assert raw_names(raw, "?name=ether1", "?#.|") == ["ether1"]
    # a lone index at the end replaces the stack with that entry: only the first condition counts
    assert raw_names(raw, "?type=bridge", "?name=ether1", "?#1") == ["bridge"]
    # an index followed by more ops pushes a copy: (type=ether) AND (copy of name=ether3)
    assert raw_names(raw, "?name=ether3", "?type=ether", "?#1&") == ["ether3"]


def test_comparison_words(raw):
    reply = raw.command("/ip/firewall/filter/print", "=.proplist=.id", "?>comment=")
    assert len([s for s in reply if s[0] == "!re"]) == 11
    reply = raw.command("/interface/print", "=.proplist=name", "?<actual-mtu=1500")
    assert reply == [["!empty"], ["!done"]]


def test_count_only(raw):
    assert raw.command("/interface/print", "=count-only=", "?type=ether") == [["!done", "=ret=5"]]
