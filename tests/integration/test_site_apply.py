"""One action per RouterOS site and step (site_apply): sessions, reads per path, check mode and diff, failures."""

import collections

from lab_fleet import GOOD, play, reset, writes

MANAGED_PATHS = ("/interface/wireguard", "/interface/wireguard/peers", "/interface/gre", "/interface/eoip",
                 "/ip/address", "/ip/route", "/ip/firewall/filter")


def sentences(lab, name):
    router = lab.router(name)
    return lab.call(lambda: [list(s) for s in router.counters.sentences])


def reads_by_path(words):
    return collections.Counter(s[0][:-len("/print")] for s in words if s[0].endswith("/print"))


def test_a_no_change_run_opens_two_sessions_and_reads_each_managed_path_once(fleet):
    lab, connections = fleet
    first = play(GOOD, connections, "-e", "sitelink_verify=false")
    assert first.returncode == 0, first.out[-3000:]
    reset(lab)
    second = play(GOOD, connections, "-e", "sitelink_verify=false")
    assert second.returncode == 0, second.out[-3000:]
    assert writes(lab) == {"hub": 0, "branch-a": 0, "branch-b": 0}
    for name in ("hub", "branch-a", "branch-b"):
        words = sentences(lab, name)
        # the interface step and the rest, each over one session; the key step reuses what the first read
        assert [s[0] for s in words].count("/login") == 2, name
        reads = reads_by_path(words)
        assert dict((p, reads[p]) for p in MANAGED_PATHS) == dict((p, 1) for p in MANAGED_PATHS), (name, reads)
        assert reads["/interface"] == 2, (name, reads)          # interface references, once per session
        # the user's group and its policies, once per session, before anything else is read
        assert (reads["/user"], reads["/user/group"]) == (2, 2), (name, reads)
        assert [s[0] for s in words][:3] == ["/login", "/user/print", "/user/group/print"], name


def test_verification_reads_the_peers_after_its_pings_only_when_the_apply_step_saw_no_handshake(fleet):
    lab, connections = fleet
    run = play(GOOD, connections)
    assert run.returncode == 0 and "4 link ends up" in run.out, run.out[-3000:]
    commands = [s[0] for s in sentences(lab, "hub")]
    # a first run: the pings make the first handshakes, so the peers are read again after them
    assert commands.index("/ping") < len(commands) - 1 - commands[::-1].index("/interface/wireguard/peers/print")
    reset(lab)
    again = play(GOOD, connections, "-v")
    assert again.returncode == 0 and "4 link ends up" in again.out
    words = sentences(lab, "hub")
    assert [s[0] for s in words].count("/ping") == 2                 # one probe per link, answered at once
    # every link answered and the apply step's reading had a handshake for each: no second read
    assert reads_by_path(words)["/interface/wireguard/peers"] == 1
    assert again.out.count('"peers_read_by": "site_apply"') == 3, again.out[-3000:]


def test_check_mode_diff_shows_every_resource_and_writes_nothing(fleet):
    lab, connections = fleet
    run = play(GOOD, connections, "--check", "--diff")
    assert run.returncode == 0, run.out[-3000:]
    assert writes(lab) == {"hub": 0, "branch-a": 0, "branch-b": 0}
    for header in ("branch-b /interface/gre", "branch-a /interface/eoip", "hub /ip/address", "hub /ip/route",
                   "hub /ip/firewall/filter", "hub /interface/wireguard"):
        assert header in run.out, header
    # addresses on overlays that check mode only would create are accepted, not refused as unknown interfaces
    assert "unknown interface" not in run.out and "problem(s)" not in run.out


def test_a_failing_resource_stops_the_site_and_says_what_was_applied_before_it(fleet):
    lab, connections = fleet
    branch_b = lab.router("branch-b")
    # the operator's own GRE interface holds the name the overlay needs: ours to refuse, not to take over
    lab.call(lambda: branch_b.run("/interface/gre", "add", {"name": "gre-hub", "remote-address": "192.0.2.77",
                                                            "comment": "operator tunnel"}))
    run = play(GOOD, connections, "-e", "sitelink_verify=false")
    assert run.returncode != 0
    assert "branch-b" in run.out and "gre-hub" in run.out
    assert "applied before it: wireguard_peers" in run.out
    tunnels = lab.call(lambda: [(r.values.get("name"), r.values.get("comment"))
                                for r in branch_b.tables["/interface/gre"]])
    assert tunnels == [("gre-hub", "operator tunnel")]
    assert "hub " in run.out and "failed=0" in [l for l in run.out.splitlines() if l.startswith("hub ")][0]
