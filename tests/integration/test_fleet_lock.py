"""One run at a time per fleet (security review 3, N5): the lock each run takes on a router before its first write
there; two runs at once leave no duplicates, a second run is refused naming the holder, a dead run's lock is broken
on purpose or goes stale."""

import collections
import threading
import time

from lab_fleet import GOOD, play, reset, start_fleet, writes
from rosemu.session import parse_sentence

LOCK = "sitelink-lock-fleet"


def lock_entries(lab, name):
    router = lab.router(name)
    return lab.call(lambda: [dict(item.values) for item in router.tables["/ip/firewall/address-list"]
                             if item.values.get("list") == LOCK])


def ours_twice(lab, name):
    """Entries of ours that the router holds twice (same menu, same values but the id): what two runs at once left."""
    router = lab.router(name)
    seen = lab.call(lambda: [(path, tuple(sorted((k, str(v)) for k, v in item.values.items())))
                             for path, table in router.tables.items() for item in table
                             if str(item.values.get("comment", "")).startswith("sitelink:")])
    return [entry for entry, n in collections.Counter(seen).items() if n > 1]


def add(lab, name, sentence):
    """Run an API sentence on a router as its operator would."""
    router = lab.router(name)
    command, args, queries, _tag = parse_sentence(sentence)
    lab.call(lambda: router.run(*router.split(command), args, queries))


def route_of_ours(lab, name):
    router = lab.router(name)
    return lab.call(lambda: next(item.id for item in router.tables["/ip/route"]
                                 if str(item.values.get("comment", "")).startswith("sitelink:")))


def planted(holder, since):
    return ["/ip/firewall/address-list/add", "=list=%s" % LOCK, "=address=127.0.0.1",
            "=comment=sitelink-lock: %s since %s" % (holder, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(since)))]


def test_two_runs_at_once_one_is_refused_naming_the_holder_and_no_duplicates_are_left(tmp_path):
    lab, connections = start_fleet(tmp_path)
    try:
        runs = [None, None]

        def run(index):
            runs[index] = play(GOOD, connections, "-e", "sitelink_verify=false")
        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        refused = [r for r in runs if r.rc != 0]
        assert refused, "both runs succeeded: %r %r" % tuple(runs)
        for r in refused:
            assert "another run holds the fleet lock of owner fleet on this router: " in r.out, r
            assert " pid " in r.out and "nothing was changed" in r.out and "sitelink_break_lock=true" in r.out, r
        assert all(ours_twice(lab, name) == [] for name in ("hub", "branch-a", "branch-b"))
        assert all(lock_entries(lab, name) == [] for name in ("hub", "branch-a", "branch-b")), "a lock was left"
        again = play(GOOD, connections, "-e", "sitelink_verify=false")
        assert again.rc == 0, again
        reset(lab)
        assert play(GOOD, connections, "-e", "sitelink_verify=false").rc == 0
        assert writes(lab) == {"hub": 0, "branch-a": 0, "branch-b": 0}      # a no-change run writes no lock either
    finally:
        lab.stop()


def test_a_held_lock_stops_the_run_before_any_write_until_broken_and_a_stale_one_is_taken_over(tmp_path):
    lab, connections = start_fleet(tmp_path, hub_setup=[planted("ops@awx-2 pid 4242", time.time())])
    try:
        refused = play(GOOD, connections, "-e", "sitelink_verify=false")
        assert refused.rc != 0 and refused.recap["hub"]["failed"] == 1, refused
        assert "hub: another run holds the fleet lock of owner fleet on this router: ops@awx-2 pid 4242, since " \
            in refused.out, refused
        assert writes(lab)["hub"] == 0 and len(lock_entries(lab, "hub")) == 1
        broken = play(GOOD, connections, "-e", "sitelink_verify=false", "-e", "sitelink_break_lock=true")
        assert broken.rc == 0, broken
        assert "hub: removed the fleet lock of ops@awx-2 pid 4242" in broken.out and "sitelink_break_lock" in broken.out
        assert lock_entries(lab, "hub") == []
        add(lab, "branch-a", planted("ops@awx-2 pid 4242", time.time() - 3600))      # a run that died an hour ago
        reset(lab)
        stale = play(GOOD, connections, "-e", "sitelink_verify=false")
        assert stale.rc == 0, stale
        # a no-change run writes nothing, so it leaves the stale lock alone; a change takes it over with a warning
        assert writes(lab)["branch-a"] == 0 and len(lock_entries(lab, "branch-a")) == 1
        add(lab, "branch-a", ["/ip/route/remove", "=numbers=*%X" % route_of_ours(lab, "branch-a")])
        taken = play(GOOD, connections, "-e", "sitelink_verify=false")
        assert taken.rc == 0 and "branch-a: removed the fleet lock of ops@awx-2 pid 4242 (" in taken.out, taken
        assert "(stale)" in taken.out and lock_entries(lab, "branch-a") == []
    finally:
        lab.stop()
