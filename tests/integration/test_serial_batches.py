"""`serial` batches (issue 19, item 2): each batch is a part of the play as --limit makes one - the other batches'
sites are read for their keys, never written, never purged - and its fleet table shows its own sites' links.
Over a healthy six-site fleet, a run two sites at a time writes nothing, warns of no missing key and finds every
link up; over a new fleet, a link whose far end a later batch configures waits (pending, not pinged, not failed),
and the second run in batches finds every link up."""

import os
import re

from lab_fleet import reset, writes
from playbook_runs import ROOT, run_playbook
from test_decommission import start, write

SERIAL = os.path.join(ROOT, "tests", "integration", "playbooks", "site_tunnel_serial.yml")
SITES = {"hub": 1, "spoke-1": 2, "spoke-2": 3, "spoke-3": 4, "spoke-4": 5, "spoke-5": 6}


def serial(path, *flags):
    return run_playbook(SERIAL, path, *flags, timeout=300)


def tables(out):
    """The fleet tables' last lines, one per batch: (up, down, pending)."""
    return [tuple(int(n) for n in found)
            for found in re.findall(r"(\d+) link ends up, (\d+) down, (\d+) pending", out)]


def test_batches_of_two_over_a_healthy_fleet_write_nothing_and_find_every_link_up(tmp_path):
    lab, inventory = start(tmp_path, SITES)
    try:
        path = write(tmp_path, "fleet.yml", inventory)
        first = run_playbook(os.path.join(ROOT, "playbooks", "site_tunnel.yml"), path, timeout=300)
        assert first.returncode == 0, first.out[-3000:]
        assert tables(first.out) == [(10, 0, 0)]
        reset(lab)
        batches = serial(path)
        assert batches.returncode == 0, batches.out[-4000:]
        assert "no public key yet" not in batches.out and "would remove the tunnels" not in batches.out
        assert "[WARNING]" not in batches.out, batches.out[-4000:]
        # hub (five link ends) and spoke-1, spoke-2 and spoke-3, spoke-4 and spoke-5: each batch's own, all up
        assert tables(batches.out) == [(6, 0, 0), (2, 0, 0), (2, 0, 0)], batches.out[-4000:]
        assert set(writes(lab).values()) == {0}, writes(lab)
    finally:
        lab.stop()


def test_batches_of_two_over_a_new_fleet_wait_for_later_batches_then_converge(tmp_path):
    lab, inventory = start(tmp_path, SITES)
    try:
        path = write(tmp_path, "fleet.yml", inventory)
        first = serial(path, "-e", "sitelink_verify_strict=false")
        assert first.returncode == 0, first.out[-4000:]
        # the hub's links to the four spokes of later batches wait for their keys: pending, not down
        assert tables(first.out)[0] == (2, 0, 4), first.out[-4000:]
        assert "would remove the tunnels" not in first.out
        second = serial(path)
        assert second.returncode == 0, second.out[-4000:]
        assert tables(second.out) == [(6, 0, 0), (2, 0, 0), (2, 0, 0)], second.out[-4000:]
        reset(lab)
        third = serial(path)
        assert third.returncode == 0, third.out[-4000:]
        assert set(writes(lab).values()) == {0}, writes(lab)
    finally:
        lab.stop()
