"""Faults: an interrupted rollout loses nothing and a re-run converges.

For every K from 1 to the number of writes the hub takes on a 3-site rollout, the hub's API connection dies
before its write K+1 (and stays unable to write: the undo cannot run either). The play fails for the hub with a
message naming it, the branches finish, and a re-run on the healthy router ends in exactly the configuration of an
uninterrupted run (ids and the router-made keys aside), the operator's own entries untouched.
"""

import json

import pytest

from lab_fleet import GOOD, OPERATOR, play, start_fleet, writes

# what differs between two labs for reasons that are not configuration: ids, keys the routers generate, counters,
# and live state: whether an overlay runs yet depends on when its keepalive was last answered, and the routes
# through it follow (active, inactive, immediate-gw)
VOLATILE = (".id", "private-key", "public-key", "mac-address", "last-handshake", "rx", "tx", "current-endpoint-address",
            "current-endpoint-port", "running", "actual-mtu", "bytes", "packets", "active", "inactive", "immediate-gw")


def start(tmp_path):
    return start_fleet(tmp_path, hub_setup=OPERATOR)


def configuration(lab):
    """Every router's stored configuration without what two labs differ in by construction."""
    out = {}
    for name, router in lab.routers.items():
        tables = lab.call(lambda r=router: dict((path, [dict(it.values) for it in table])
                                                for path, table in r.tables.items() if path != "/system/resource"))
        out[name] = json.dumps(dict((path, sorted((json.dumps(dict((k, v) for k, v in row.items() if k not in VOLATILE),
                                                              sort_keys=True) for row in rows)))
                                    for path, rows in tables.items()), sort_keys=True, indent=0)
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    lab, connections = start(tmp_path_factory.mktemp("reference"))
    try:
        run = play(GOOD, connections, "-e", "sitelink_verify=false")
        assert run.returncode == 0, run.out[-3000:]
        yield configuration(lab), writes(lab)["hub"]
    finally:
        lab.stop()


SWEEP = 40          # fault points tried; those past the hub's number of writes skip


def test_the_sweep_covers_every_write_of_the_hub(reference):
    assert 10 <= reference[1] <= SWEEP


def interrupted_then_rerun(reference, tmp_path, fault, message):
    """`fault` on the hub: the play fails for the hub only, with `message(lab)` in its output; the branches finish;
    with the fault gone, a re-run ends in the reference configuration."""
    expected, _writes = reference
    lab, connections = start(tmp_path)
    try:
        hub = lab.router("hub")
        lab.call(lambda: [setattr(hub.faults, k, v) for k, v in fault.items()])
        broken = play(GOOD, connections, "-e", "sitelink_verify=false")
        assert broken.returncode != 0
        assert message(lab, broken.out), broken.out[-3000:]
        for branch in ("branch-a", "branch-b"):
            assert " failed=0 " in [line for line in broken.out.splitlines() if line.startswith(branch + " ")][0]
        lab.call(hub.faults.reset)
        again = play(GOOD, connections, "-e", "sitelink_verify=false")
        assert again.returncode == 0, again.out[-3000:]
        assert configuration(lab) == expected
    finally:
        lab.stop()


@pytest.mark.parametrize("k", range(0, SWEEP))
def test_interrupted_after_k_writes_then_rerun_converges(reference, tmp_path, k):
    if k >= reference[1]:
        pytest.skip("the hub takes %d writes" % reference[1])
    interrupted_then_rerun(reference, tmp_path, {"drop_after_writes": k},
                           lambda lab, out: "hub (127.0.0.1:%d)" % lab.port("hub") in out or "hub: " in out)


def test_a_login_that_starts_failing_mid_run_fails_that_router_only_and_a_rerun_converges(reference, tmp_path):
    """The hub accepts its first API login (the interface step) and refuses every later one, as when its password
    is changed during the run: the hub fails with a message naming it and the login, the branches finish, and the
    next run converges."""
    interrupted_then_rerun(reference, tmp_path, {"logins_left": 1}, lambda lab, out: (
        "hub (127.0.0.1:%d, TLS): login refused for user 'ansible'" % lab.port("hub", "api-ssl") in out))


def test_a_trap_on_one_path_fails_that_router_only_and_a_rerun_converges(reference, tmp_path):
    """The hub refuses every route (a trap on /ip/route add, as a script or a full disk would): the hub fails naming
    the path and the router's own message, what it had applied is undone, the branches finish, the re-run converges."""
    trap = {"path": "/ip/route", "verb": "add", "message": "failure: could not add route (injected)"}
    interrupted_then_rerun(reference, tmp_path, {"traps": [trap]}, lambda lab, out: (
        "failure: could not add route (injected)" in out and "hub" in out and "/ip/route" in out))


def test_a_router_that_stops_answering_mid_run_fails_that_router_only_and_a_rerun_converges(reference, tmp_path):
    """After its third write the hub stops answering every session (logins too), as a router that hangs or loses its
    uplink: the hub fails on the API timeout with a message naming it, the branches finish, the re-run converges."""
    interrupted_then_rerun(reference, tmp_path, {"drop_after_writes": 3, "hang": True}, lambda lab, out: (
        "hub (127.0.0.1:%d, TLS)" % lab.port("hub", "api-ssl") in out and "stopped answering (timeout)" in out))
