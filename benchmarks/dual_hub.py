"""Two hubs on the data plane: a hub killed, a hub drained and undrained, measured with packets between two spokes.

Four emulated RouterOS routers (hub-1, hub-2, spoke-a over GRE, spoke-b over EoIP; rosemu in this process, the
plain API) on the data plane with their firewalls realised (rosemu.dataplane, as lab/demo.py: a LAN host behind
each router, `sitelink_tunnels_in_lan_list: true` as the demo sets), configured by playbooks/site_tunnel.yml run
with ansible-playbook. hub-1 is the primary: in static mode by the hubs' order, in OSPF mode by hub-2's `ospf_cost`.
A thread settles the routers every 0.5 s (rosemu/cli.py keep_settled): a route follows its tunnel's `running` by
itself, as on RouterOS. Then, with a continuous ping (every 50 ms) and a TCP stream from spoke-a's LAN host to
spoke-b's:

- drain: a run with `-e sitelink_drain=HUB` (by default hub-1, the hub that carries the traffic: the maintenance
  case, where the traffic has somewhere to go), then a run without it (undrain); the pings lost during each run,
  the hubs the spokes' traffic leaves by after each, and whether the TCP stream survived both;
- kill: hub-1's WireGuard stops answering (nftables in its namespace drops UDP to and from its listen port: the
  tunnels inside go silent, the router and its API stay); the outage (the longest time without a reply), the
  pings lost, the time until both spokes route through hub-2, and whether the TCP stream survived.

Modes (each on a lab of its own): static:INTERVAL,RETRIES (overlay_keepalive), static (RouterOS's 10s,10
keepalive: ~100 s of outage), ospf (hello 1, dead 4), ospf+bfd (the same with BFD), +backup on either (the static
LAN routes kept as floating backups above OSPF: sitelink_ospf_static_backup). Needs root, wireguard-go, wg, nft, FRR.
Prints a table and writes JSON; asserts nothing. Usage:
  .venv/bin/python benchmarks/dual_hub.py --modes static:2,3 ospf ospf+bfd --json build/bench/dual_hub.json
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

from failover import Settler, wait
from fleet_run import BIN, ROOT, write_fleet
from rosemu.cli import SETTLE_INTERVAL
from rosemu.dataplane import lab_dataplane
from rosemu.dataplane.outage import ContinuousPing, TcpStream
from rosemu.lab import Lab, RouterSpec

SITES = {"hub-1": 1, "hub-2": 2, "spoke-a": 3, "spoke-b": 4}
HUBS, SPOKES = ("hub-1", "hub-2"), ("spoke-a", "spoke-b")
OVERLAYS = {"spoke-a": "gre", "spoke-b": "eoip"}
BACKUP_HUB_COST = 100           # OSPF mode: hub-2's ospf_cost (the docs' "backup hub")
BEFORE, AFTER = 3.0, 3.0        # seconds of traffic before a change, and after the new path carries it
CONVERGE_TIMEOUT = 120          # seconds for every tunnel to run and the LANs to reach each other after a run
ROUTEROS_KEEPALIVE = {"interval": 10, "retries": 10}       # a GRE/EoIP tunnel's keepalive without overlay_keepalive
OSPF_OPTIONS = {"bfd", "backup"}
KILL_TABLE = """table inet dualhub_kill {
    chain in { type filter hook input priority -300; udp dport %(port)s drop; }
    chain out { type filter hook output priority -300; udp sport %(port)s drop; }
}
"""


def wan(name):
    return "198.51.100.%d" % (20 + SITES[name])


def lan(name):
    return "192.168.%d.0/24" % (20 + SITES[name])


def lan_host(name):
    return "192.168.%d.10" % (20 + SITES[name])


def parse_mode(spec):
    """'static:2,3' -> ("static", {"interval": 2, "retries": 3}); 'static' -> ("static", None); 'ospf', 'ospf+bfd',
    'ospf+backup', 'ospf+bfd+backup' -> (spec, None) (backup: sitelink_ospf_static_backup)."""
    mode, _sep, keepalive = spec.partition(":")
    words = mode.split("+")
    if not (mode == "static" or (words[0] == "ospf" and set(words[1:]) <= OSPF_OPTIONS)) or \
            (keepalive and mode != "static"):
        raise argparse.ArgumentTypeError("%r: static[:INTERVAL,RETRIES] or ospf[+bfd][+backup]" % spec)
    if not keepalive:
        return mode, None
    interval, retries = keepalive.split(",")
    return mode, {"interval": int(interval.rstrip("s")), "retries": int(retries)}


def inventory(mode, keepalive):
    hosts = {}
    for name, site_id in SITES.items():
        site = {"id": site_id, "lans": [lan(name)]}
        if name in HUBS:
            site["endpoint"] = wan(name)
        if name == "hub-2" and mode != "static":
            site["ospf_cost"] = BACKUP_HUB_COST
        hosts[name] = {"sitelink_site": site}
    defaults = {"overlay": "gre", "preshared_key": True, "keepalive": 25}
    if keepalive:
        defaults["overlay_keepalive"] = keepalive
    links = [{"sites": [hub, spoke], "overlay": OVERLAYS[spoke]} for hub in HUBS for spoke in SPOKES]
    fleet = {"sitelink_topology": {"type": "hub_spoke", "hubs": list(HUBS), "links": links},
             "sitelink_link_defaults": defaults,
             "sitelink_pools": {"wireguard": "10.255.0.0/24", "overlay": "10.254.0.0/24",
                                "router_id": "10.253.0.0/16"},
             "sitelink_psk_secret": "benchmark-only-not-a-secret",
             # the tunnels in the LAN interface list too, as the demo: defconf's input chain admits what crosses them
             "sitelink_tunnels_in_lan_list": True}
    if mode != "static":
        options = mode.split("+")[1:]
        fleet.update(sitelink_routing="ospf", sitelink_ospf_static_backup="backup" in options,
                     sitelink_ospf={"hello_interval": 1, "dead_interval": 4, "bfd": "bfd" in options})
    return {"all": {"vars": fleet, "hosts": hosts}}


def playbook(inventories, *extra):
    """site_tunnel.yml on the lab: {"rc", "seconds", "recap"}."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"), ANSIBLE_NOCOLOR="1")
    command = [os.path.join(BIN, "ansible-playbook"), "-f", "4"]
    for path in inventories:
        command += ["-i", path]
    started = time.monotonic()
    proc = subprocess.run(command + [os.path.join(ROOT, "playbooks", "site_tunnel.yml"), *extra],
                          capture_output=True, text=True, env=env, check=False)
    result = {"rc": proc.returncode, "seconds": round(time.monotonic() - started, 1),
              "recap": proc.stdout[proc.stdout.find("PLAY RECAP"):].strip()}
    if proc.returncode != 0:
        result["tail"] = proc.stdout[-3000:] + proc.stderr[-1000:]
    return result


def egress(dataplane, name, address):
    """The interface router `name`'s namespace sends a packet for `address` out of ("no route" when none)."""
    shown = dataplane.run(name, "ip", "-j", "route", "get", address, check=False)
    return json.loads(shown.stdout)[0]["dev"] if shown.returncode == 0 else "no route"


def via_hub(dataplane, name, address):
    dev = egress(dataplane, name, address)
    return next((hub for hub in HUBS if dev.endswith(hub)), dev)


def paths(dataplane):
    """{spoke: the hub it sends the other spoke's LAN traffic through}."""
    return dict((spoke, via_hub(dataplane, spoke, lan_host(other))) for spoke, other in zip(SPOKES, SPOKES[::-1]))


def lans_reach(dataplane):
    return dataplane.run_host("spoke-a", "ping", "-n", "-c", "1", "-W", "1", lan_host("spoke-b"),
                              check=False).returncode == 0


def start_traffic(dataplane):
    ping = ContinuousPing(dataplane.host_netns("spoke-a"), lan_host("spoke-b"))
    stream = TcpStream(dataplane.host_netns("spoke-b"), dataplane.host_netns("spoke-a"), lan_host("spoke-b"))
    return ping, stream


def stop_traffic(ping, stream):
    result = ping.stop()
    result["stream"] = stream.stop()
    return result


def ospf_neighbors(dataplane):
    """{router: [(interface, state)]} from FRR, in OSPF mode."""
    return dict((name, sorted((n["interface"], n["state"]) for n in daemons.neighbors()))
                for name, daemons in dataplane.routing.items())


def drain_phase(dataplane, inventories, hub):
    """Drain `hub` and undrain it under traffic: for each run, the pings lost while it ran (and AFTER seconds past
    it) and the hubs the spokes use after it; the TCP stream across both."""
    stream = TcpStream(dataplane.host_netns("spoke-b"), dataplane.host_netns("spoke-a"), lan_host("spoke-b"))
    result = {"hub": hub}
    for step, extra in (("drain", ("-e", "sitelink_drain=%s" % hub)), ("undrain", ())):
        ping = ContinuousPing(dataplane.host_netns("spoke-a"), lan_host("spoke-b"))
        time.sleep(BEFORE)
        run = playbook(inventories, *extra)
        time.sleep(AFTER)
        result[step] = dict(ping.stop(), run=run, paths=paths(dataplane))
    result["stream"] = stream.stop()
    return result


def wireguard_port(lab, name):
    router = lab.router(name)
    return lab.call(lambda: router.tables["/interface/wireguard"][0].values.get("listen-port", "13231"))


def kill_phase(lab, dataplane, timeout):
    """hub-1's WireGuard stops answering under traffic: the outage and the time until both spokes use hub-2."""
    ping, stream = start_traffic(dataplane)
    time.sleep(BEFORE)
    killed_at = time.monotonic()
    dataplane.run("hub-1", "nft", "-f", "-", input=KILL_TABLE % {"port": wireguard_port(lab, "hub-1")})
    moved = wait(lambda: set(paths(dataplane).values()) == {"hub-2"}, timeout)
    switched = round(time.monotonic() - killed_at, 2)
    time.sleep(AFTER)
    result = stop_traffic(ping, stream)
    result.update(paths_after=paths(dataplane), route_switched_s=switched if moved else None)
    return result


def lab_up(tmp):
    specs = [RouterSpec(name, setup=[["/ip/address/add", "=address=%s/24" % wan(name), "=interface=ether1"],
                                     ["/ip/address/set", "=numbers=*1",
                                      "=address=%s" % lan(name).replace(".0/24", ".1/24")]]) for name in SITES]
    lab = Lab(specs).start()
    hosts = dict((name, ("%s/24" % lan_host(name), lan_host(name).rsplit(".", 1)[0] + ".1")) for name in SITES)
    try:
        dataplane = lab_dataplane(lab, os.path.join(tmp, "dataplane"), hosts=hosts, firewall=True)
    except BaseException:
        lab.stop()
        raise
    return lab, dataplane


def measure(spec, drain):
    """One mode on a lab of its own: {"converge", "paths", "drain", "kill", ...}."""
    mode, keepalive = parse_mode(spec)
    with tempfile.TemporaryDirectory(prefix="bench-dualhub-") as tmp:
        lab, dataplane = lab_up(tmp)
        settler = Settler(lab.routers.values(), lambda router: lab.call(dataplane.settle, router), SETTLE_INTERVAL)
        try:
            settler.start()
            inventories = write_fleet(tmp, inventory(mode, keepalive), lab)
            result = {"mode": spec, "load_average_before": [round(x, 2) for x in os.getloadavg()],
                      "converge": playbook(inventories)}
            if not wait(lambda: lans_reach(dataplane) and paths(dataplane) == dict.fromkeys(SPOKES, "hub-1"),
                        CONVERGE_TIMEOUT):
                result["error"] = "spoke-a's LAN never reached spoke-b's through hub-1: %s" % paths(dataplane)
                return result
            result.update(paths=paths(dataplane), ospf_neighbors=ospf_neighbors(dataplane),
                          sync_errors=dict(dataplane.sync_errors))
            if drain != "none":
                result["drain"] = drain_phase(dataplane, inventories, drain)
                if not wait(lambda: paths(dataplane) == dict.fromkeys(SPOKES, "hub-1"), CONVERGE_TIMEOUT):
                    result["error"] = "after the undrain the traffic did not come back to hub-1: %s" % paths(dataplane)
                    return result
            timers = keepalive or ROUTEROS_KEEPALIVE
            # static routes (a backup's too) wait for their tunnels' keepalives
            timeout = 60 + (timers["interval"] * timers["retries"] if "static" in mode or "backup" in mode else 0)
            result["kill"] = kill_phase(lab, dataplane, timeout)
            result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
            return result
        finally:
            settler.halt.set()
            settler.join(5)
            dataplane.down()
            lab.stop()


def stream_text(stream):
    return "survived, gap %.2f s" % stream["longest_gap_s"] if stream["survived"] else "broken"


def print_row(result):
    if "error" in result:
        print("%-14s %s" % (result["mode"], result["error"]), flush=True)
        return
    kill, drain = result["kill"], result.get("drain")
    drain_text = "-" if drain is None else "%d/%d lost, via %s; undrain %d/%d lost, via %s; %s" % (
        drain["drain"]["lost"], drain["drain"]["sent"], ",".join(sorted(set(drain["drain"]["paths"].values()))),
        drain["undrain"]["lost"], drain["undrain"]["sent"], ",".join(sorted(set(drain["undrain"]["paths"].values()))),
        stream_text(drain["stream"]))
    print("%-14s %7.2f %6d %7s %-24s %-10s %s" % (
        result["mode"], kill["outage_s"], kill["lost"], kill["route_switched_s"], stream_text(kill["stream"]),
        "%.1f" % result["load_average_before"][0], drain_text), flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--modes", nargs="+", default=["static:2,3", "static", "ospf", "ospf+bfd"],
                        help="static[:INTERVAL,RETRIES] (overlay_keepalive), ospf[+bfd][+backup]; a lab each")
    parser.add_argument("--drain", default="hub-1", choices=list(HUBS) + ["none"],
                        help="the hub drained and undrained under traffic before the kill (none: skip)")
    parser.add_argument("--json", default=os.path.join(ROOT, "build", "bench", "dual_hub.json"))
    args = parser.parse_args(argv)
    for spec in args.modes:
        parse_mode(spec)
    if os.geteuid() != 0:
        print("dual hub benchmark: needs root (namespaces)", file=sys.stderr)
        return 1
    # SIGTERM (a killed `make bench`) unwinds like Ctrl-C: the lab's namespaces and processes go
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    print("hub-1 killed (its WireGuard port dropped) under a 50 ms ping and a TCP stream, spoke-a LAN -> spoke-b LAN;"
          " drain: %s" % args.drain)
    print("%-14s %7s %6s %7s %-24s %-10s %s" % ("mode", "outage", "lost", "switch", "TCP stream", "load", "drain"))
    rows = []
    for spec in args.modes:
        rows.append(measure(spec, args.drain))
        print_row(rows[-1])
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as fh:
        json.dump({"runs": rows, "cores": os.cpu_count(), "load_average": os.getloadavg()}, fh, indent=2)
    print("written %s" % args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
