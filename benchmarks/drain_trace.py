"""Why pings are lost on an OSPF drain: dual_hub.py's lab, a drain and undrain traced route by route.

The lab of benchmarks/dual_hub.py (two hubs, two RouterOS spokes on the data plane, firewalls on) in an OSPF mode;
then `--rounds` times a drain of hub-1 (`-e sitelink_drain=hub-1`) and an undrain, under a ping every 50 ms from
spoke-a's LAN host to spoke-b's (`ping -D -O`: a timestamp per line, a line per unanswered request), with
`ip -ts monitor route` in every router's namespace and every FRR reload timed. Prints, per lost run of pings, the
LAN routes that changed around it in each namespace, and the reloads; writes the raw traces to --out. Asserts
nothing. Needs what dual_hub.py needs. Usage:
  .venv/bin/python benchmarks/drain_trace.py --mode ospf --rounds 2 --out build/bench/drain_trace
"""

import argparse
import datetime
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import dual_hub
from failover import Settler, wait
from fleet_run import ROOT, write_fleet
from rosemu.cli import SETTLE_INTERVAL
from rosemu.dataplane import routing

PING_INTERVAL = 0.05
CONTEXT = 1.0           # seconds of route changes shown before and after a run of lost pings
LAN_ROUTE = re.compile(r"^\[(\S+)\]\s*(?:Deleted )?(192\.168\.\S+.*)$")


def timed_reloads(log):
    """Record every FRR reload (start, end, router, its cost and route lines) in `log`: the data plane has no hook."""
    reload = routing.RoutingDaemons.reload

    def timed(daemons, config):
        started = time.time()
        reload(daemons, config)
        log.append((started, time.time(), daemons.name,
                    [line.strip() for line in config.splitlines() if "ospf cost" in line or "ip route" in line]))
    routing.RoutingDaemons.reload = timed


def lost_runs(ping_output):
    """[[first, last, count]]: the runs of consecutive unanswered requests (`no answer yet` lines), their timestamps."""
    runs, previous = [], None
    for line in ping_output.splitlines():
        match = re.match(r"^\[(\d+\.\d+)\] no answer yet", line)
        if not match:
            continue
        stamp = float(match.group(1))
        if previous is not None and stamp - previous < 3 * PING_INTERVAL:
            runs[-1][1:] = [stamp, runs[-1][2] + 1]
        else:
            runs.append([stamp, stamp, 1])
        previous = stamp
    return runs


def route_changes(path):
    """[(time, line)] of the LAN routes `ip -ts monitor route` saw."""
    changes = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            match = LAN_ROUTE.match(line.strip())
            if match:
                changes.append((datetime.datetime.fromisoformat(match.group(1)).timestamp(), match.group(2)))
    return changes


def trace(mode, rounds, out):
    spec, keepalive = dual_hub.parse_mode(mode)
    reloads, steps, monitors = [], [], []
    timed_reloads(reloads)
    with tempfile.TemporaryDirectory(prefix="bench-draintrace-") as tmp:
        lab, dataplane = dual_hub.lab_up(tmp)
        settler = Settler(lab.routers.values(), lambda router: lab.call(dataplane.settle, router), SETTLE_INTERVAL)
        try:
            settler.start()
            inventories = write_fleet(tmp, dual_hub.inventory(spec, keepalive), lab)
            dual_hub.playbook(inventories)
            if not wait(lambda: dual_hub.paths(dataplane) == dict.fromkeys(dual_hub.SPOKES, "hub-1"), 120):
                sys.exit("the lab did not converge through hub-1: %s" % dual_hub.paths(dataplane))
            for name in dual_hub.SITES:
                with open(os.path.join(out, "routes-%s.txt" % name), "w", encoding="utf-8") as fh:
                    monitors.append(subprocess.Popen(["ip", "netns", "exec", dataplane.netns(name), "ip", "-ts",
                                                      "monitor", "route"], stdout=fh, stderr=subprocess.STDOUT))
            with open(os.path.join(out, "ping.txt"), "w", encoding="utf-8") as fh:
                ping = subprocess.Popen(["ip", "netns", "exec", dataplane.host_netns("spoke-a"), "ping", "-n", "-D",
                                         "-O", "-i", str(PING_INTERVAL), "-W", "1", dual_hub.lan_host("spoke-b")],
                                        stdout=fh, stderr=subprocess.STDOUT)
                for _round in range(rounds):
                    for step, extra in (("drain", ("-e", "sitelink_drain=hub-1")), ("undrain", ())):
                        time.sleep(dual_hub.BEFORE)
                        started = time.time()
                        run = dual_hub.playbook(inventories, *extra)
                        steps.append({"step": step, "start": started, "end": time.time(), "rc": run["rc"],
                                      "paths_after": dual_hub.paths(dataplane)})
                time.sleep(dual_hub.AFTER)
                ping.terminate()
                ping.wait(30)
        finally:
            for monitor in monitors:
                monitor.terminate()
                monitor.wait(30)
            settler.halt.set()
            settler.join(5)
            dataplane.down()
            lab.stop()
    with open(os.path.join(out, "steps.json"), "w", encoding="utf-8") as fh:
        json.dump({"mode": mode, "steps": steps, "reloads": reloads}, fh, indent=1)
    return steps, reloads


def report(out, steps, reloads):
    with open(os.path.join(out, "ping.txt"), encoding="utf-8") as fh:
        runs = lost_runs(fh.read())
    changes = {name: route_changes(os.path.join(out, "routes-%s.txt" % name)) for name in dual_hub.SITES}
    for step in steps:
        inside = [run for run in runs if step["start"] <= run[0] <= step["end"] + dual_hub.AFTER]
        lost = sum(count for _first, _last, count in inside)
        print("%s: %d pings lost in %d runs, %.1f s, paths after %s" % (
            step["step"], lost, len(inside), step["end"] - step["start"], step["paths_after"]))
        for first, last, count in inside:
            print("  %d lost %.3f .. %.3f" % (count, first, last))
            events = [(stamp, name, "route " + line) for name, seen in changes.items() for stamp, line in seen
                      if first - CONTEXT <= stamp <= last + CONTEXT]
            events += [(start, name, "reload %.2f s: %s" % (end - start, ", ".join(lines)))
                       for start, end, name, lines in reloads if first - CONTEXT <= start <= last + CONTEXT]
            for stamp, name, what in sorted(events):
                print("    %+.3f %-8s %s" % (stamp - first, name, what[:140]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--mode", default="ospf", type=lambda spec: dual_hub.parse_mode(spec) and spec,
                        help="ospf[+bfd][+backup]")
    parser.add_argument("--rounds", type=int, default=2, help="drains and undrains, one after the other")
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "bench", "drain_trace"))
    args = parser.parse_args(argv)
    if not args.mode.startswith("ospf"):
        parser.error("--mode: an OSPF mode (static mode's drain moves distances and lost nothing)")
    if os.geteuid() != 0:
        print("drain trace: needs root (namespaces)", file=sys.stderr)
        return 1
    os.makedirs(args.out, exist_ok=True)
    # SIGTERM unwinds like Ctrl-C: the lab's namespaces and processes go
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    steps, reloads = trace(args.mode, args.rounds, args.out)
    report(args.out, steps, reloads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
