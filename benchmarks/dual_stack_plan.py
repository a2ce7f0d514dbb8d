"""What dual stack costs a plan: a hub and N-1 spokes (alternately plain WireGuard and GRE, one aggregate per
family), planned once with IPv4 LANs only and once with an IPv6 LAN per site and the second-family pools.  Prints
the planning time (best of 3) and the hub's and a spoke's counts of addresses, routes, filter rules, address-list
entries and allowed addresses; asserts nothing.  Usage:
  .venv/bin/python benchmarks/dual_stack_plan.py [--sites 200]
"""

import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "build", "collections"))

# pylint: disable=wrong-import-position
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model, validate  # noqa: E402


def fleet(count, dual):
    sites = {"hub": {"id": 1, "lans": ["10.100.0.0/24"] + (["2001:db8:100::/64"] if dual else []),
                     "endpoint": "198.51.100.1"}}
    links = []
    for n in range(1, count):
        lans = ["10.%d.%d.0/24" % (100 + n // 250, n % 250 + 1)]
        if dual:
            lans.append("2001:db8:%x::/64" % (0x1000 + n))
        sites["spoke%03d" % n] = {"id": n + 1, "lans": lans}
        links.append({"sites": ["hub", "spoke%03d" % n], "overlay": ("gre", "none")[n % 2]})
    pools = {"wireguard": "100.64.0.0/16", "overlay": "172.16.0.0/16"}
    if dual:
        pools.update(wireguard_second="fd00:255::/64", overlay_second="fd00:254::/64")
    return sites, {"sitelink_topology": {"type": "hub_spoke", "hubs": ["hub"], "links": links,
                                         "aggregates": ["10.96.0.0/11"] + (["2001:db8::/32"] if dual else [])},
                   "sitelink_pools": pools, "sitelink_psk_secret": "benchmark-only-not-a-secret"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sites", type=int, default=200, help="the hub and its spokes")
    count = parser.parse_args().sites
    for dual in (False, True):
        sites, settings = fleet(count, dual)
        times = []
        for _attempt in range(3):
            started = time.perf_counter()
            loaded = model.load(sites, settings)
            plans = validate.plan_fleet(loaded)
            times.append(time.perf_counter() - started)
        assert plans, [str(p) for p in loaded.problems]
        hub, spoke = plans["hub"], plans["spoke001"]
        print("%-6s plan %d sites: %.2f s | hub: addresses %d, routes %d, filter rules %d, address-list entries %d, "
              "allowed addresses %d | spoke001: routes %d, filter rules %d" % (
                  "dual" if dual else "single", count, min(times), len(hub["addresses"]), len(hub["routes"]),
                  len(hub["firewall"]), len(hub["address_lists"]),
                  sum(len(p["allowed_address"]) for p in hub["peers"]), len(spoke["routes"]), len(spoke["firewall"])))


if __name__ == "__main__":
    main()
