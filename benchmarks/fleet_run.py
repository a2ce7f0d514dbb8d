"""Wall time of playbooks/site_tunnel.yml on a fleet of emulated routers, first and no-change run.

A hub and N-1 spokes (alternately GRE, EoIP and plain WireGuard), every link verified by ping.
Prints a table and writes JSON.  Usage:
  .venv/bin/python benchmarks/fleet_run.py --sites 50 --forks 10 --json build/bench/fleet_run.json
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import yaml

from rosemu.lab import Lab, RouterSpec

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)


def fleet(count, aggregate=False):
    """(inventory, router specs) of a hub and count-1 spokes; with `aggregate` the spokes route 10.96.0.0/11
    (which all LANs come from) to the hub instead of each other spoke's LAN."""
    names = ["hub"] + ["spoke%02d" % n for n in range(1, count)]
    hosts, specs, links = {}, [], []
    for index, name in enumerate(names):
        wan = "198.51.%d.%d" % (100 + index // 250, index % 250 + 1)
        lan = "10.%d.%d.0/24" % (100 + index // 250, index % 250)
        site = {"id": index + 1, "lans": [lan]}
        if name == "hub":
            site["endpoint"] = wan
        hosts[name] = {"sitelink_site": site}
        specs.append(RouterSpec(name, setup=[["/ip/address/add", "=address=%s/16" % wan, "=interface=ether1"],
                                             ["/ip/address/set", "=numbers=*1",
                                              "=address=%s" % lan.replace(".0/24", ".1/24")]]))
        if index:
            links.append({"sites": ["hub", name], "overlay": ("gre", "eoip", "none")[index % 3]})
    topology = {"type": "hub_spoke", "hubs": ["hub"], "links": links}
    if aggregate:
        topology["aggregates"] = ["10.96.0.0/11"]
    inventory = {"all": {"vars": {
        "sitelink_topology": topology,
        "sitelink_pools": {"wireguard": "10.255.0.0/16", "overlay": "10.254.0.0/16"},
        "sitelink_psk_secret": "benchmark-only-not-a-secret"}, "hosts": hosts}}
    return inventory, specs


def write_fleet(tmp, inventory, lab, others=0):
    """The fleet's inventory and the connections one (the plain API, tls: false; `others` hosts that are not sites)
    in `tmp`: their paths."""
    fleet_file = os.path.join(tmp, "fleet.yml")
    with open(fleet_file, "w", encoding="utf-8") as fh:
        yaml.safe_dump(inventory, fh)
    connections = os.path.join(tmp, "connections.yml")
    with open(connections, "w", encoding="utf-8") as fh:
        fh.write("all:\n  hosts:\n" + "".join(
            "    %s: {ansible_host: 127.0.0.1, sitelink_routeros: {port: %d, tls: false}}\n" % (n, lab.port(n))
            for n in lab.routers) + "".join("    switch%02d: {ansible_connection: local}\n" % n for n in range(others)))
    return fleet_file, connections


def run(inventories, forks):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"), ANSIBLE_NOCOLOR="1")
    command = [os.path.join(BIN, "ansible-playbook"), "-f", str(forks)]
    for inventory in inventories:
        command += ["-i", inventory]
    start = time.monotonic()
    proc = subprocess.run(command + [os.path.join(ROOT, "playbooks", "site_tunnel.yml")], capture_output=True,
                          text=True, env=env, check=False)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit("playbook failed:\n" + proc.stdout[-4000:] + proc.stderr[-2000:])
    changed = sum(int(n) for n in re.findall(r"changed=(\d+)", proc.stdout))
    up = re.search(r"(\d+) link ends up, (\d+) down", proc.stdout)
    return elapsed, changed, (int(up.group(1)), int(up.group(2))) if up else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--json", default=os.path.join(ROOT, "build", "bench", "fleet_run.json"))
    args = parser.parse_args()
    inventory, specs = fleet(args.sites)
    # the emulator keeps RouterOS's timers (first handshakes retried every 5 s, overlay keepalives every 10 s), and
    # verify waits for them as it would on hardware: ten times faster here, so that the run measures the tool
    lab = Lab(specs, time_scale=10).start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
            # the plain API (tls: false; the run warns once), as benchmarks/versus_api_modify.py measures both
            # tools: its numbers stay comparable with community.routeros api_modify and with earlier results
            fleet_file, connections = write_fleet(tmp, inventory, lab)
            first = run([fleet_file, connections], args.forks)
            writes_first = sum(lab.call(lambda r=r: r.counters.written) for r in lab.routers.values())
            second = run([fleet_file, connections], args.forks)
            writes_all = sum(lab.call(lambda r=r: r.counters.written) for r in lab.routers.values())
    finally:
        lab.stop()
    result = {"sites": args.sites, "links": args.sites - 1, "forks": args.forks, "cores": os.cpu_count(),
              "first_run_s": round(first[0], 2), "second_run_s": round(second[0], 2),
              "first_run_changed_tasks": first[1], "second_run_changed_tasks": second[1],
              "link_ends_up": first[2][0] if first[2] else None,
              "link_ends_down": first[2][1] if first[2] else None,
              "write_sentences_first_run": writes_first,
              "write_sentences_second_run": writes_all - writes_first,
              "second_run_s_per_site": round(second[0] / args.sites, 3)}
    print("%d sites (hub and spokes: GRE, EoIP, plain), forks %d, %d cores"
          % (args.sites, args.forks, os.cpu_count()))
    for key, value in result.items():
        print("  %-28s %s" % (key, value))
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=2)
    print("wrote %s" % args.json)


if __name__ == "__main__":
    main()
