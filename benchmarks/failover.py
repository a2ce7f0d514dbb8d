"""Failover measured with packets on the data plane: how long LAN-to-LAN traffic is out when its path dies.

Two emulated RouterOS sites (rosemu.dataplane.pair.SitePair: WireGuard between them, GRE and EoIP over it). The
LAN-to-LAN path is the GRE tunnel; the EoIP tunnel is the other way. A continuous ping (every 50 ms) and a TCP
stream run from a's LAN host to b's; then GRE dies at b (an nftables rule in b's namespace drops GRE version 0 both
ways: data and keepalives; EoIP, GRE version 1, still passes) and the ping says how long nothing crossed.

Modes:
- static KEEPALIVE: the GRE route (distance 1) and an EoIP route (distance 2), as the role's dual-path statics;
  GRE's keepalive takes the tunnel's `running` away after `retries` unanswered intervals, the route goes inactive
  and the EoIP route takes over. The emulated router learns its tunnels' `running` from the data plane when it is
  asked (`DataPlane.settle`): a thread asks every 100 ms, standing in for RouterOS's own reaction (adds <= 0.1 s).
- ospf / ospf+bfd: no static LAN routes; FRR (rosemu.dataplane.routing) runs OSPF on both tunnels (GRE cost 10,
  EoIP cost 20, hello 1 s, dead 4 s), with or without BFD (FRR's default 300 ms x 3).

Needs root, wireguard-go, wg and FRR. Prints a table and writes JSON; asserts nothing. Usage:
  .venv/bin/python benchmarks/failover.py --modes static:2s,3 static:1s,3 ospf ospf+bfd --json build/bench/failover.json
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

from rosemu.dataplane.outage import ContinuousPing, TcpStream
from rosemu.dataplane.pair import OVERLAY_GATEWAYS, SitePair, host_address, lan_prefix, other
from rosemu.dataplane.routing import RoutingDaemons, ospf_config, run_in

GRE_DROP = """table ip failover {
    chain in { type filter hook input priority -300; ip protocol gre @th,0,16 & 0x0007 == 0 drop; }
    chain out { type filter hook output priority -300; ip protocol gre @th,0,16 & 0x0007 == 0 drop; }
}
"""
BEFORE, AFTER = 3.0, 3.0          # seconds of traffic before the failure, and after the new path carries it


def wait(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


class Settler(threading.Thread):
    """Ask attached routers every `interval` seconds whether a tunnel's `running` moved: `settle(router)` for each
    (DataPlane.settle, or through a Lab's loop), as a router reacts by itself."""

    def __init__(self, routers, settle, interval=0.1):
        super().__init__(daemon=True)
        self.routers, self.settle, self.interval, self.halt = list(routers), settle, interval, threading.Event()

    def run(self):
        while not self.halt.wait(self.interval):
            for router in self.routers:
                self.settle(router)


def route_active(router, gateway):
    return any(it.values.get("gateway") == gateway and it.values.get("active") == "true"
               for it in router.tables["/ip/route"] if it.values.get("dst-address") == lan_prefix(other(router.name)))


def static_setup(pair):
    pair.route_lans_over("gre")
    for name, router in pair.routers.items():
        pair.write(router, "/ip/route", "add", {"dst-address": lan_prefix(other(name)), "distance": "2",
                                                "gateway": OVERLAY_GATEWAYS["eoip"][name], "comment": "lan backup"})
    router = pair.routers["a"]
    return (lambda: route_active(router, OVERLAY_GATEWAYS["gre"]["a"]),
            lambda: route_active(router, OVERLAY_GATEWAYS["eoip"]["a"])), []


def ospf_setup(pair, state, bfd):
    for router in pair.routers.values():
        route = next(it for it in router.tables["/ip/route"] if it.values.get("comment") == "lan")
        pair.write(router, "/ip/route", "remove", {".id": route.ref})
    daemons = []
    for index, name in enumerate(("a", "b")):
        config = ospf_config(name, "10.255.255.%d" % (index + 1),
                             [{"name": "gre-x", "type": "ptp", "cost": 10, "hello": 1, "dead": 4, "bfd": bfd},
                              {"name": "eoip-x", "type": "broadcast", "cost": 20, "hello": 1, "dead": 4, "bfd": bfd}],
                             [("10.10.0.0/30", "0.0.0.0"), ("10.20.0.0/30", "0.0.0.0"), (lan_prefix(name), "0.0.0.0")],
                             passive=["bridge"])
        daemons.append(RoutingDaemons(name, os.path.join(state, "frr-" + name),
                                      run_in(pair.dataplane.netns(name))).start(config))

    def via(overlay):
        return lambda: (daemons[0].routes().get(lan_prefix("b")) or {}).get("gateways") == \
            [OVERLAY_GATEWAYS[overlay]["a"]]
    return (via("gre"), via("eoip")), daemons


def measure(mode, keepalive):
    with tempfile.TemporaryDirectory(prefix="sitelink-failover-") as state:
        pair = SitePair(os.path.join(state, "plane"), keepalive=keepalive, attach=True).up()
        settler, daemons = Settler(pair.routers.values(), pair.dataplane.settle), []
        try:
            settler.start()
            if mode == "static":
                (primary, backup), daemons = static_setup(pair)
                timeout = 60 + 3 * sum(int(x.rstrip("s")) for x in keepalive.split(",")[:1]) * \
                    int(keepalive.split(",")[1])
            else:
                (primary, backup), daemons = ospf_setup(pair, state, bfd=mode == "ospf+bfd")
                timeout = 60
            if not wait(primary, 60):
                return {"error": "the GRE path never became the LAN route"}
            ping = ContinuousPing(pair.dataplane.host_netns("a"), host_address("b"))
            stream = TcpStream(pair.dataplane.host_netns("b"), pair.dataplane.host_netns("a"), host_address("b"))
            time.sleep(BEFORE)          # steady traffic before the failure (a benchmark's window, not a wait)
            failed_at = time.monotonic()
            subprocess.run(["ip", "netns", "exec", pair.dataplane.netns("b"), "nft", "-f", "-"], input=GRE_DROP,
                           text=True, check=True)
            moved = wait(backup, timeout)
            switched = round(time.monotonic() - failed_at, 2)
            time.sleep(AFTER)
            result = ping.stop()
            result.update(stream=stream.stop(), route_switched_s=switched if moved else None)
            return result
        finally:
            settler.halt.set()
            settler.join(5)
            for routing in daemons:
                routing.stop()
            pair.down()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--modes", nargs="+", default=["static:2s,3", "static:1s,3", "ospf", "ospf+bfd"],
                        help="static:KEEPALIVE (GRE/EoIP keepalive interval,retries), ospf, ospf+bfd")
    parser.add_argument("--json", default="build/bench/failover.json")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("failover benchmark: needs root (namespaces)", file=sys.stderr)
        return 1
    rows = []
    print("%-16s %8s %8s %6s %9s %11s %s" % ("mode", "sent", "lost", "runs", "outage s", "switched s", "TCP stream"))
    for spec in args.modes:
        mode, _sep, keepalive = spec.partition(":")
        result = measure(mode, keepalive or None)
        rows.append(dict(result, mode=spec))
        if "error" in result:
            print("%-16s %s" % (spec, result["error"]))
            continue
        stream = result["stream"]
        print("%-16s %8d %8d %6d %9.2f %11s %s" % (
            spec, result["sent"], result["lost"], result["outages"], result["outage_s"], result["route_switched_s"],
            "survived, longest gap %.2f s" % stream["longest_gap_s"] if stream["survived"] else "broken"), flush=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as fh:
        json.dump({"runs": rows, "load_average": os.getloadavg()}, fh, indent=2)
    print("written %s" % args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
