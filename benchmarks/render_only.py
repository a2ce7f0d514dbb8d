"""Wall time of playbooks/site_tunnel.yml in render-only mode (-e sitelink_render_dir): no router is contacted,
so this is the cost of loading, validating and planning the fleet and writing every site's files.

A hub and N-1 spokes (alternately GRE, EoIP and plain WireGuard); with --aggregate the spokes' LANs are
carved from one declared aggregate.  Prints a table and writes JSON.  Usage:
  .venv/bin/python benchmarks/render_only.py --sites 200 1000 --json build/bench/render_only.json
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)


def inventory(count, aggregate):
    names = ["hub"] + ["spoke%04d" % n for n in range(1, count)]
    hosts, links = {}, []
    for index, name in enumerate(names):
        site = {"id": index + 1, "lans": ["10.%d.%d.0/24" % (100 + index // 250, index % 250)]}
        if name == "hub":
            site["endpoint"] = "198.51.100.1"
        hosts[name] = {"ansible_host": "127.0.0.1", "sitelink_site": site}
        if index:
            # GRE past site id 300: kept from the triangular slots, whose EoIP ids passed 65535 beyond site id 362,
            # so that the figures stay comparable with the earlier ones
            overlay = ("gre", "eoip", "none")[index % 3]
            links.append({"sites": ["hub", name], "overlay": "gre" if overlay == "eoip" and index > 300 else overlay})
    topology = {"type": "hub_spoke", "hubs": ["hub"], "links": links}
    if aggregate:
        topology["aggregates"] = ["10.96.0.0/11"]
    return {"all": {"vars": {
        "sitelink_topology": topology,
        # big enough for the triangular slots (~N²/2) of the earlier figures; the linear default needs a /21 at 1,000
        "sitelink_pools": {"wireguard": "100.64.0.0/10", "overlay": "172.16.0.0/12"},
        "sitelink_psk_secret": "benchmark-only-not-a-secret"}, "hosts": hosts}}


def run(sites, forks, aggregate):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"), ANSIBLE_NOCOLOR="1")
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        path = os.path.join(tmp, "fleet.yml")
        with open(path, "w", encoding="utf-8") as fh:
            yaml.safe_dump(inventory(sites, aggregate), fh)
        out = os.path.join(tmp, "out")
        command = [os.path.join(BIN, "ansible-playbook"), "-f", str(forks), "-i", path,
                   "-e", "sitelink_render_dir=%s" % out, os.path.join(ROOT, "playbooks", "site_tunnel.yml")]
        start = time.monotonic()
        proc = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        elapsed = time.monotonic() - start
        if proc.returncode != 0:
            sys.exit("playbook failed:\n" + proc.stdout[-4000:] + proc.stderr[-2000:])
        files = len(os.listdir(out))
    return {"sites": sites, "aggregate": aggregate, "forks": forks, "seconds": round(elapsed, 2),
            "s_per_site": round(elapsed / sites, 4), "files": files}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--aggregate", action="store_true", help="declare the spokes' aggregate")
    parser.add_argument("--json", default=os.path.join(ROOT, "build", "bench", "render_only.json"))
    args = parser.parse_args()
    results = [run(n, args.forks, args.aggregate) for n in args.sites]
    print("render only (hub and spokes: GRE, EoIP, plain), forks %d, %d cores" % (args.forks, os.cpu_count()))
    print("  %6s  %9s  %8s  %10s  %6s" % ("sites", "aggregate", "seconds", "s/site", "files"))
    for r in results:
        print("  %6d  %9s  %8.2f  %10.4f  %6d" % (r["sites"], r["aggregate"], r["seconds"], r["s_per_site"],
                                                  r["files"]))
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=2)
    print("wrote %s" % args.json)


if __name__ == "__main__":
    main()
