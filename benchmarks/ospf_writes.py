"""What a spoke's configuration costs as the fleet grows, static and OSPF mode: write sentences on the wire.

A hub and N-1 spokes (alternately GRE and EoIP: OSPF runs on the overlays), emulated RouterOS routers (rosemu in
this process, the plain API), configured by playbooks/site_tunnel.yml (one first run, verification off: the writes
are the same with it, and it waits for the routers' timers).  For each size, mode (static, ospf) and with or
without an aggregate (`sitelink_topology.aggregates`: the spokes route the LANs' covering prefix to the hub
instead of each other spoke's LAN), the write sentences each router received (rosemu's counters: add, set, remove):
the spokes' median, least and most, and the hub's.  Issue 21's target: in OSPF mode a spoke's writes do not grow
with the fleet.  Prints a table and writes JSON; asserts nothing.  Usage:
  .venv/bin/python benchmarks/ospf_writes.py --sites 10 50 --json build/bench/ospf_writes.json
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from fleet_run import BIN, ROOT, fleet, write_fleet
from rosemu.lab import Lab

MODES = ("static", "ospf")


def inventory(count, mode, aggregate):
    """fleet_run's hub and spokes, every link on an overlay, in `mode`."""
    fleet_inventory, specs = fleet(count, aggregate)
    fleet_vars = fleet_inventory["all"]["vars"]
    for index, link in enumerate(fleet_vars["sitelink_topology"]["links"], start=1):
        link["overlay"] = ("gre", "eoip")[index % 2]
    fleet_vars["sitelink_verify"] = False
    if mode == "ospf":
        fleet_vars.update(sitelink_routing="ospf", sitelink_pools=dict(fleet_vars["sitelink_pools"],
                                                                       router_id="10.253.0.0/16"))
    return fleet_inventory, specs


def measure(count, mode, aggregate, forks):
    fleet_inventory, specs = inventory(count, mode, aggregate)
    lab = Lab(specs).start()
    try:
        with tempfile.TemporaryDirectory(prefix="sitelink-ospf-writes-") as tmp:
            inventories = write_fleet(tmp, fleet_inventory, lab)
            started = time.monotonic()
            env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"),
                       ANSIBLE_NOCOLOR="1")
            command = [os.path.join(BIN, "ansible-playbook"), "-f", str(forks)]
            for path in inventories:
                command += ["-i", path]
            proc = subprocess.run(command + [os.path.join(ROOT, "playbooks", "site_tunnel.yml")], capture_output=True,
                                  text=True, env=env, check=False)
            seconds = round(time.monotonic() - started, 1)
            if proc.returncode != 0:
                tail = proc.stdout[-4000:] + proc.stderr[-2000:]
                sys.exit("playbook failed (%d sites, %s):\n%s" % (count, mode, tail))
        writes = dict((name, lab.call(lambda r=router: r.counters.written)) for name, router in lab.routers.items())
    finally:
        lab.stop()
    spokes = [n for name, n in writes.items() if name != "hub"]
    return {"sites": count, "mode": mode, "aggregate": aggregate, "seconds": seconds, "hub": writes["hub"],
            "spoke_median": statistics.median(spokes), "spoke_min": min(spokes), "spoke_max": max(spokes)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sites", type=int, nargs="+", default=[10, 50], help="fleet sizes (hub included)")
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--json", help="write the rows here")
    args = parser.parse_args(argv)
    header = ("sites", "mode", "aggregate", "seconds", "spoke median", "spoke min", "spoke max", "hub")
    print("%5s  %-6s  %-9s  %8s  %12s  %9s  %9s  %9s" % header)
    rows = []
    for aggregate in (False, True):
        for mode in MODES:
            for count in args.sites:
                row = measure(count, mode, aggregate, args.forks)
                rows.append(row)
                print("%5d  %-6s  %-9s  %8.1f  %12g  %9d  %9d  %9d" % (
                    count, mode, "yes" if aggregate else "no", row["seconds"], row["spoke_median"], row["spoke_min"],
                    row["spoke_max"], row["hub"]), flush=True)
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
