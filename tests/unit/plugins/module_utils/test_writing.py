"""Writing with rollback, on a fake session: what the session raises is undone and reported as the router's
failure; a bug (an exception that is not the session's) is not mistaken for one."""

import pytest
from librouteros.exceptions import ConnectionClosed, TrapError

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import engine as eng
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import resources as res
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.errors import RouterosError
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.writing import WRITE_ERRORS, Writer

from routeros_fakes import FakeSession

WG = "/interface/wireguard"
PEERS = "/interface/wireguard/peers"
FILTER = "/ip/firewall/filter"
PSK = "hHp7k4vVQyTRbRXkq0Cdm8Hzn7nhoTsm1UVLWE5mJCI="
KEY = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="


def tables():
    return {WG: [{".id": "*1", "name": "wg0", "listen-port": "13231", "mtu": "1420", "comment": "sitelink:fleet"},
                 {".id": "*2", "name": "wg1", "listen-port": "13232", "mtu": "1420", "comment": "sitelink:fleet"}]}


def run(config, state, session, reopen=None, resource=res.WIREGUARD_INTERFACES, path=WG):
    engine = eng.Engine(resource, "r1")
    engine.remember_secrets(config)
    ops = engine.plan(config, state, {path: engine.read(session, path)})
    engine.apply(session, ops, reopen)
    return ops


def test_the_operations_are_sent_in_order():
    session = FakeSession(tables())
    run([{"name": "wg0", "mtu": 1400}, {"name": "wg2", "listen_port": 13233}], "overridden", session)
    assert [(verb, args.get(".id"), args.get("name")) for _p, verb, args in session.writes] == [
        ("set", "*1", None), ("add", None, "wg2"), ("remove", "*2", None)]


def test_the_same_change_to_several_entries_is_one_sentence_naming_them_all():
    """A drained hub's OSPF templates take their new cost at once (writing.batches); different changes stay apart."""
    session = FakeSession(tables())
    run([{"name": "wg0", "mtu": 1400}, {"name": "wg1", "mtu": 1400}], "merged", session)
    assert [(verb, args.get(".id"), args.get("mtu")) for _p, verb, args in session.writes] == \
        [("set", "*1,*2", "1400")]
    assert [row["mtu"] for row in session.tables[WG]] == ["1400", "1400"]
    session = FakeSession(tables())
    run([{"name": "wg0", "mtu": 1400}, {"name": "wg1", "mtu": 1380}], "merged", session)
    assert [(verb, args.get(".id"), args.get("mtu")) for _p, verb, args in session.writes] == \
        [("set", "*1", "1400"), ("set", "*2", "1380")]


def test_a_failed_sentence_of_several_entries_undoes_them_all_and_names_them():
    session = FakeSession(tables(), fail=(1, TrapError("failure: out of memory")))
    with pytest.raises(RouterosError) as raised:
        run([{"name": "wg0", "mtu": 1400}, {"name": "wg1", "mtu": 1400}], "merged", session,
            reopen=lambda: session)
    assert "name=wg0, name=wg1" in str(raised.value) and "out of memory" in str(raised.value)
    assert [row["mtu"] for row in session.tables[WG]] == ["1420", "1420"]


def test_a_trap_undoes_what_was_done_over_a_fresh_session_and_names_it():
    session = FakeSession(tables(), fail=(2, TrapError("failure: already have interface with such name")))
    fresh = []

    def reopen():
        fresh.append(FakeSession(session.tables))
        return fresh[-1]
    with pytest.raises(RouterosError) as err:
        run([{"name": "wg0", "mtu": 1400}, {"name": "wg2", "listen_port": 13233}], "merged", session, reopen)
    assert "r1: /interface/wireguard add name=wg2 failed: failure: already have interface with such name" \
        in err.value.message and "rolled back 1 change(s)" in err.value.message
    assert [(verb, args) for _p, verb, args in fresh[0].writes] == [("set", {".id": "*1", "mtu": "1420"})]
    assert fresh[0].closed and session.tables[WG] == tables()[WG]


@pytest.mark.parametrize("bug", [KeyError("listen-port"), AttributeError("x"),
                                 TypeError("unexpected keyword")])
def test_a_bug_inside_a_write_is_raised_as_it_is_not_rolled_back_as_a_router_failure(bug):
    session = FakeSession(tables(), fail=(2, bug))
    reopened = []
    with pytest.raises(type(bug)) as err:
        run([{"name": "wg0", "mtu": 1400}, {"name": "wg2", "listen_port": 13233}], "merged", session,
            lambda: reopened.append(1) or FakeSession(session.tables))
    assert err.value is bug and not isinstance(err.value, RouterosError)
    assert reopened == [] and len(session.writes) == 2                # no undo was attempted


def test_a_value_the_session_cannot_encode_is_a_write_failure_and_rolled_back():
    session = FakeSession(tables(), fail=(2, UnicodeEncodeError("latin-1", "\u2013", 0, 1, "ordinal not in range")))
    with pytest.raises(RouterosError) as err:
        run([{"name": "wg0", "mtu": 1400}, {"name": "wg2", "listen_port": 13233}], "merged", session)
    assert "rolled back 1 change(s)" in err.value.message and session.tables[WG] == tables()[WG]


def test_a_session_that_cannot_be_reopened_says_what_stays():
    session = FakeSession(tables(), fail=(2, ConnectionClosed("Socket closed")))

    def reopen():
        raise RouterosError("r1 (192.0.2.1:8729, TLS): connection refused")
    with pytest.raises(RouterosError) as err:
        run([{"name": "wg0", "mtu": 1400}, {"name": "wg2", "listen_port": 13233}], "merged", session, reopen)
    assert err.value.message.endswith("could not undo (r1 (192.0.2.1:8729, TLS): connection refused): set name=wg0")


def test_secrets_are_redacted_from_the_router_error_text():
    session = FakeSession({PEERS: []}, fail=(1, TrapError("invalid value of preshared-key %s" % PSK)))
    with pytest.raises(RouterosError) as err:
        run([{"interface": "wg0", "public_key": KEY, "allowed_address": ["10.0.0.0/31"], "preshared_key": PSK}],
            "merged", session, resource=res.WIREGUARD_PEERS, path=PEERS)
    assert PSK not in err.value.message and "<redacted>" in err.value.message


def test_a_removed_rule_is_put_back_before_the_rule_that_followed_it():
    rows = [{".id": "*1", "chain": "input", "action": "accept", "comment": "sitelink:fleet a"},
            {".id": "*2", "chain": "input", "action": "drop", "comment": "defconf: drop"}]
    engine = eng.Engine(res.FIREWALL_RULES, "r1")
    ops = engine.plan([], "overridden", {FILTER: rows})
    writer = engine.writer
    assert writer.undo_steps(ops[0], rows[1:], ["*1", "*2"]) == [
        ("add", FILTER, None, {"chain": "input", "action": "accept", "comment": "sitelink:fleet a",
                               "place-before": "*2"})]
    assert writer.undo_steps(ops[0], rows, ["*1", "*2"]) == []          # still there: nothing to put back


def test_write_errors_are_the_sessions_own():
    assert ConnectionClosed in WRITE_ERRORS or any(issubclass(ConnectionClosed, e) for e in WRITE_ERRORS)
    assert UnicodeEncodeError in WRITE_ERRORS and not any(issubclass(KeyError, e) for e in WRITE_ERRORS)
    assert Writer.successor("*2", ["*1", "*2", "*3", "*4"], {"*1": 1, "*4": 4}) == "*4"


def test_an_undo_that_fails_says_what_was_left_in_place_never_that_nothing_changed():
    """Security review 3, N9: the change stays on the router when its undo fails."""
    session = FakeSession(tables(), fail=(2, TrapError("failure: already have interface with such name")))

    def reopen():
        return FakeSession(session.tables, fail=(1, TrapError("failure: router busy")))
    with pytest.raises(RouterosError) as err:
        run([{"name": "wg0", "mtu": 1400}, {"name": "wg2", "listen_port": 13233}], "merged", session, reopen)
    assert "nothing had been changed" not in err.value.message, err.value.message
    assert "1 change(s) were left in place, could not undo: set " in err.value.message, err.value.message
    assert "failure: router busy" in err.value.message


def test_consecutive_removed_rules_come_back_in_their_order():
    """Security review 3, N9: r1-r3 removed, then the undo: they came back r2, r1, r3 (each re-added rule got a new
    id, and the one before it looked for its successor under the old id)."""
    rules = [{".id": "*%d" % i, "chain": "input", "action": "accept", "comment": "sitelink:fleet r%d" % i}
             for i in (1, 2, 3)]
    drop = {".id": "*4", "chain": "input", "action": "drop", "comment": "defconf: drop"}
    engine = eng.Engine(res.FIREWALL_RULES, "r1")
    ops = engine.plan([], "overridden", {FILTER: rules + [drop]})
    assert [op.verb for op in ops] == ["remove"] * 3
    session = FakeSession({FILTER: [dict(drop)]})               # all three removed, then the run failed
    note = engine.writer.put_back(session, ops, {FILTER: [dict(drop)]}, {FILTER: ["*1", "*2", "*3", "*4"]})
    assert note == "rolled back 3 change(s)"
    assert [r["comment"] for r in session.tables[FILTER]] == [
        "sitelink:fleet r1", "sitelink:fleet r2", "sitelink:fleet r3", "defconf: drop"]
