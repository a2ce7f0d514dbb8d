"""The Linux engine's cycle - compare, apply (check mode, failures, secrets as files), diff text - with a fake
host that records the argument lists it is given: no host needed."""

import os
import stat

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.linux import engine
from ansible_collections.sitelink.tunnels.plugins.module_utils.linux.engine import LinuxError, SecretFile, Step
from linux_fakes import FakeHost


ITEM = engine.Resource(key="name", fields=("size", "colour"), loose=("colour",),
                       line=lambda e: "%s size=%s colour=%s" % (e["name"], e["size"], e.get("colour") or "-"))


def item(name, size, colour=None):
    return {"name": name, "size": size, "colour": colour}


OURS = {"a": item("a", 1, "red"), "b": item("b", 2), "c": item("c", 3)}


@pytest.mark.parametrize("state, removed, put", [
    ("merged", [], ["b", "d"]),
    ("overridden", ["c"], ["b", "d"]),
    ("deleted", ["a", "b"], []),
])
def test_compare_by_state(state, removed, put):
    wanted = {"a": item("a", 1), "b": item("b", 5), "d": item("d", 4)}
    plan = engine.compare(ITEM, OURS, wanted, state)
    assert [e["name"] for e in plan.remove] == removed
    assert list(plan.put) == put
    assert sorted(plan.after) == sorted((set(OURS) | set(put)) - set(removed))


def test_compare_puts_new_and_changed_entries_with_what_was_read():
    plan = engine.compare(ITEM, OURS, {"b": item("b", 5), "d": item("d", 4)}, "merged")
    assert plan.put == {"b": (OURS["b"], item("b", 5)), "d": (None, item("d", 4))}


def test_a_loose_field_left_unset_is_the_hosts_and_a_set_one_is_compared():
    assert engine.compare(ITEM, OURS, {"a": item("a", 1)}, "merged").put == {}
    assert list(engine.compare(ITEM, OURS, {"a": item("a", 1, "blue")}, "merged").put) == ["a"]
    assert list(engine.compare(ITEM, OURS, {"b": item("b", 2, "blue")}, "merged").put) == ["b"]


def test_after_keeps_what_was_read_where_the_task_leaves_a_field_unset():
    plan = engine.compare(ITEM, OURS, {"a": item("a", 7)}, "merged")
    assert plan.after["a"] == item("a", 7, "red")


def test_deleted_with_nothing_listed_removes_all_of_ours():
    assert [e["name"] for e in engine.compare(ITEM, OURS, {}, "deleted").remove] == ["a", "b", "c"]
    with pytest.raises(ValueError):
        engine.compare(ITEM, OURS, {}, "replaced")


def test_diff_text_is_one_line_per_entry_by_key_then_extra_lines():
    assert ITEM.text({"b": item("b", 2), "a": item("a", 1, "red")}, ["forwarding: on"]) == \
        "a size=1 colour=red\nb size=2 colour=-\nforwarding: on\n"
    assert ITEM.text({}) == ""
    assert engine.diff("x\n", "y\n") == {"before": "x\n", "after": "y\n"}


def test_set_changes_sorted():
    assert engine.set_changes(["10.0.0.2/31", "10.0.0.9/32"], ["10.0.0.1/31", "10.0.0.2/31"]) == \
        (["10.0.0.9/32"], ["10.0.0.1/31"])


def test_apply_runs_each_step_in_order_and_lists_it():
    host = FakeHost()
    runner = engine.Runner(host, check_mode=False)
    runner.apply([Step(["ip", "link", "del", "dev", "gre-x"]), Step(["nft", "-f", "-"], shown="table t", data=b"t")])
    assert host.ran == [(["ip", "link", "del", "dev", "gre-x"], None), (["nft", "-f", "-"], b"t")]
    assert runner.commands == ["ip link del dev gre-x", "table t"]


def test_check_mode_reads_but_changes_nothing():
    host = FakeHost({("ip", "-j", "link", "show"): (0, "[]", "")})
    written = []
    runner = engine.Runner(host, check_mode=True)
    assert runner.read(["ip", "-j", "link", "show"]) == "[]"
    runner.apply([Step(["ip", "link", "del", "dev", "x"]), Step(shown="write /f", action=written.append)])
    assert host.argvs() == [["ip", "-j", "link", "show"]] and written == []
    assert runner.commands == ["ip link del dev x", "write /f"]


def test_a_failed_step_stops_the_run_and_names_what_and_every_step_meant():
    host = FakeHost(fails={"ip": "RTNETLINK answers: Operation not supported"})
    runner = engine.Runner(host, check_mode=False)
    with pytest.raises(LinuxError) as failed:
        runner.apply([Step(["ip", "link", "add", "gre-x", "type", "gre"], label="gre-x", hint=" (modprobe ip_gre)"),
                      Step(["ip", "link", "set", "dev", "gre-x", "up"])])
    assert failed.value.msg == ("gre-x: ip link add gre-x type gre failed: RTNETLINK answers: Operation not "
                                "supported (modprobe ip_gre)")
    assert failed.value.commands == ["ip link add gre-x type gre", "ip link set dev gre-x up"]
    assert len(host.ran) == 1


def test_a_failed_read_fails_and_an_unchecked_query_does_not():
    host = FakeHost({("nft", "list", "table", "inet", "t"): (1, "", "No such file or directory")})
    runner = engine.Runner(host, check_mode=True)
    assert runner.query(["nft", "list", "table", "inet", "t"])[0] == 1
    with pytest.raises(LinuxError, match="^table t: nft list table inet t failed: No such file or directory$"):
        runner.read(["nft", "list", "table", "inet", "t"], label="table t")


@pytest.mark.parametrize("argv", ["ip link del dev x; reboot", ("ip", "link"), None])
def test_only_argument_lists_are_run(argv):
    with pytest.raises(TypeError):
        Step(argv)
    with pytest.raises(LinuxError, match="must be an argument list"):
        engine.Runner(FakeHost(), check_mode=False).query(argv)


def test_a_secret_reaches_the_command_as_a_root_only_file_removed_afterwards():
    secret = "q0Cdm8Hzn7nhoTsm1UVLWE5mJCIhHp7k4vVQyTRbRXk="
    seen = []

    def look(argv):
        path = argv[argv.index("preshared-key") + 1]
        with open(path) as fh:
            seen.append((path, fh.read(), stat.S_IMODE(os.stat(path).st_mode)))

    for fails in ({}, {"wg": "Unable to modify interface"}):
        host = FakeHost(fails=fails, during=look)
        runner = engine.Runner(host, check_mode=False)
        step = Step(["wg", "set", "wg0", "peer", "PUB", "preshared-key", SecretFile(secret, "<psk file>")])
        try:
            runner.apply([step])
        except LinuxError as exc:
            assert secret not in exc.msg and fails
        path, text, mode = seen[-1]
        assert text == secret + "\n" and mode == 0o600 and not os.path.exists(path)
        assert runner.commands == ["wg set wg0 peer PUB preshared-key <psk file>"]
        assert secret not in repr(host.ran) and secret not in repr(step.argv)


def test_a_secret_file_is_not_even_made_in_check_mode(monkeypatch):
    monkeypatch.setattr(engine, "secret_file", lambda text: pytest.fail("a secret file was made in check mode"))
    runner = engine.Runner(FakeHost(), check_mode=True)
    runner.apply([Step(["wg", "set", "wg0", "preshared-key", SecretFile("k", "<psk file>")])])
    assert runner.commands == ["wg set wg0 preshared-key <psk file>"]


class FakeModule(object):
    def __init__(self, check_mode=False):
        self.check_mode = check_mode
        self.result = None

    def exit_json(self, **result):
        self.result = dict(result, failed=False)

    def fail_json(self, **result):
        self.result = dict(result, failed=True)
        raise SystemExit(1)


def test_run_ends_the_task_with_the_result_or_the_failure():
    module = FakeModule(check_mode=True)
    engine.run(module, lambda runner: runner.apply([Step(["ip", "link", "del", "dev", "x"])]) or {"diff": {}})
    assert module.result == {"diff": {}, "commands": ["ip link del dev x"], "changed": True, "failed": False}
    engine.run(module, lambda runner: {})
    assert module.result == {"commands": [], "changed": False, "failed": False}

    def refuse(_runner):
        raise LinuxError("table inet t exists and is not ours")
    with pytest.raises(SystemExit):
        engine.run(module, refuse)
    assert module.result == {"msg": "table inet t exists and is not ours", "commands": [], "failed": True}
