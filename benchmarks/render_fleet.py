"""A generated hub and spokes through the role's fleet step, in process and without a router: the pools the fleet
needs under each slot scheme, and the time to load, validate and plan it (plugin_utils/inventory.check, what the
site_fleet action runs once per play), then to render every RouterOS site's script (--scripts).

The spokes are alternately GRE, EoIP and plain WireGuard links (--overlay to choose one), their LANs carved from one
aggregate; the pools are the smallest the chosen scheme needs unless given.  Prints a table and writes JSON.  Usage:
  .venv/bin/python benchmarks/render_fleet.py --sites 1000
  .venv/bin/python benchmarks/render_fleet.py --sites 1000 --hubs 2 --overlay-prefix-length 30 --scripts
  .venv/bin/python benchmarks/render_fleet.py --sites 1000 --wireguard 10.255.0.0/24    # the one-line refusal
"""

import argparse
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "build", "collections"))

# pylint: disable=wrong-import-position
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import addressing  # noqa: E402
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model as topology  # noqa: E402
from ansible_collections.sitelink.tunnels.plugins.plugin_utils import inventory  # noqa: E402
from ansible_collections.sitelink.tunnels.plugins.plugin_utils import routeros_script  # noqa: E402

OVERLAYS = ("gre", "eoip", "none")


def fleet(count, hubs, overlay):
    """({host: host variables}, fleet settings without pools) of `hubs` hubs and count - hubs spokes."""
    names = ["hub%d" % n for n in range(1, hubs + 1)] + ["spoke%04d" % n for n in range(hubs + 1, count + 1)]
    hosts = {}
    for number, name in enumerate(names, start=1):
        site = {"id": number, "lans": ["10.%d.%d.0/24" % (100 + number // 250, number % 250)]}
        if name.startswith("hub"):
            site["endpoint"] = "198.51.100.%d" % number
        hosts[name] = {"ansible_host": "127.0.0.1", "sitelink_site": site}
    return hosts, {
        "sitelink_topology": {"type": "hub_spoke", "hubs": names[:hubs], "aggregates": ["10.96.0.0/11"],
                              "links": [{"sites": [names[0], name], "overlay": overlay or OVERLAYS[number % 3]}
                                        for number, name in enumerate(names[hubs:])]},
        "sitelink_link_defaults": {"overlay": overlay or "gre"},
        "sitelink_psk_secret": "benchmark-only-not-a-secret"}


def needs(hosts, settings, scheme, overlay_length):
    """{pool: the prefix length it needs, and the highest tunnel id} under `scheme` (from the slots alone)."""
    sites = dict((h, v["sitelink_site"]) for h, v in hosts.items())
    pools = {"scheme": scheme, "overlay_prefix_length": overlay_length}
    m = topology.load(sites, dict(settings, sitelink_pools=pools))
    highest = max(addressing.link_slot(m, link) for link in m.links)
    return {"slots": highest + 1,
            "wireguard": 32 - ((highest + 1) * 2 - 1).bit_length(),
            "overlay": 32 - ((highest + 1) * 2 ** (32 - overlay_length) - 1).bit_length(),
            "top_tunnel_id": m.pools["tunnel_id_base"] + highest}


def run(args):
    hosts, settings = fleet(args.sites, args.hubs, args.overlay)
    sizes = dict((scheme, needs(hosts, settings, scheme, args.overlay_prefix_length)) for scheme in addressing.SCHEMES)
    need = sizes[args.scheme]
    pools = {"scheme": args.scheme, "overlay_prefix_length": args.overlay_prefix_length,
             "wireguard": args.wireguard or "100.64.0.0/%d" % need["wireguard"],
             "overlay": args.overlay_pool or "100.96.0.0/%d" % need["overlay"]}
    settings = dict(settings, sitelink_pools=pools)
    start = time.monotonic()
    model, plans = inventory.check(hosts, settings)
    planned = time.monotonic() - start
    result = {"sites": args.sites, "hubs": args.hubs, "scheme": args.scheme, "links": len(model.links),
              "pools": pools, "needs": sizes, "plan_seconds": round(planned, 2),
              "problems": [str(p) for p in model.problems]}
    if plans and args.scripts:
        start = time.monotonic()
        lines = sum(routeros_script.script(plans[h], h, "fleet").count("\n") for h in sorted(plans))
        result.update(script_seconds=round(time.monotonic() - start, 2), script_lines=lines)
    return result


def show(result):
    print("%d sites, %d hub(s), %d links, scheme %s"
          % (result["sites"], result["hubs"], result["links"], result["scheme"]))
    print("%-8s %8s %12s %12s %14s" % ("scheme", "slots", "wireguard", "overlay", "top tunnel id"))
    for scheme, need in sorted(result["needs"].items()):
        print("%-8s %8d %12s %12s %14d" % (scheme, need["slots"], "/%d" % need["wireguard"], "/%d" % need["overlay"],
                                           need["top_tunnel_id"]))
    print("pools: wireguard %(wireguard)s, overlay %(overlay)s (/%(overlay_prefix_length)d slots)" % result["pools"])
    print("load, validate, plan: %.2f s" % result["plan_seconds"])
    if "script_seconds" in result:
        print("RouterOS scripts: %.2f s, %d lines" % (result["script_seconds"], result["script_lines"]))
    for problem in result["problems"]:
        print("problem: %s" % problem)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--hubs", type=int, default=1)
    parser.add_argument("--scheme", choices=addressing.SCHEMES, default=addressing.DEFAULT_SCHEME)
    parser.add_argument("--overlay", choices=OVERLAYS, help="one overlay for every link (default: GRE, EoIP, none)")
    parser.add_argument("--overlay-prefix-length", type=int, choices=(30, 31), default=31)
    parser.add_argument("--wireguard", help="the wireguard pool (default: the smallest the scheme needs)")
    parser.add_argument("--overlay-pool", help="the overlay pool (default: the smallest the scheme needs)")
    parser.add_argument("--scripts", action="store_true", help="also render every site's RouterOS script")
    parser.add_argument("--json", help="write the result there")
    args = parser.parse_args()
    result = run(args)
    show(result)
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=1)
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
