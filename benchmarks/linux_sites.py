"""Wall time of playbooks/site_tunnel.yml on Linux sites (namespaces, real wireguard-go), first and
no-change run, with every link verified by handshake and ping.

Usage:
  .venv/bin/python benchmarks/linux_sites.py --sites 6 --topology mesh --json build/bench/linux_sites.json
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

from rosemu.linuxlab import LinuxLab

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)


def inventory(lab, names, topology):
    hosts = {}
    for index, name in enumerate(names):
        site = {"id": index + 1, "platform": "linux", "lans": ["10.%d.0.0/24" % (100 + index)],
                "endpoint": str(lab.wan_address(name))}
        hosts[name] = dict(lab.inventory_vars(name), sitelink_site=site)
    kind = {"type": "mesh"} if topology == "mesh" else {"type": "hub_spoke", "hubs": [names[0]]}
    return {"all": {"hosts": hosts, "vars": {"sitelink_topology": kind,
                                             "sitelink_psk_secret": "benchmark-only-not-a-secret",
                                             "sitelink_verify_retries": 10, "sitelink_verify_delay": 1}}}


def run(path, forks):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_HOST_KEY_CHECKING="0")
    start = time.monotonic()
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-f", str(forks), "-i", path,
                           os.path.join(ROOT, "playbooks", "site_tunnel.yml")], capture_output=True, text=True,
                          env=env, check=False)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit("playbook failed:\n" + proc.stdout[-4000:] + proc.stderr[-2000:])
    changed = sum(int(n) for n in re.findall(r"changed=(\d+)", proc.stdout))
    up = re.search(r"(\d+) link ends up, (\d+) down", proc.stdout)
    return {"seconds": round(elapsed, 1), "changed_tasks": changed,
            "link_ends_up": int(up.group(1)) if up else None, "link_ends_down": int(up.group(2)) if up else None}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=6)
    parser.add_argument("--topology", choices=["mesh", "hub_spoke"], default="mesh")
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--json", default=os.path.join(ROOT, "build", "bench", "linux_sites.json"))
    args = parser.parse_args()
    names = ["site%02d" % n for n in range(1, args.sites + 1)]
    with tempfile.TemporaryDirectory(prefix="sitelink-bench-") as tmp:
        lab = LinuxLab(names, os.path.join(tmp, "lab")).up()
        try:
            path = os.path.join(tmp, "inventory.json")
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(inventory(lab, names, args.topology), fh)
            first = run(path, args.forks)
            again = run(path, args.forks)
        finally:
            lab.down()
    result = {"sites": args.sites, "topology": args.topology, "forks": args.forks, "first_run": first,
              "no_change_run": again}
    print("%d Linux sites (%s, forks %d)" % (args.sites, args.topology, args.forks))
    for label, row in (("first run", first), ("no-change run", again)):
        print("  %-14s %6.1f s  changed tasks %3d  link ends up %s, down %s" % (
            label, row["seconds"], row["changed_tasks"], row["link_ends_up"], row["link_ends_down"]))
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=2)
    print("wrote %s" % args.json)


if __name__ == "__main__":
    main()
