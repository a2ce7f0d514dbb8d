"""`make demo`: the main job on the built-in lab.

First fleet: three emulated RouterOS routers (a hub and two branches, one branch on EoIP, one on GRE; `rosemu`
in this process, reached over its API-SSL service like hardware, the certificate verified against the lab's own
CA) on the data plane: each router is a network namespace that realises its configuration as the API writes it
(wireguard-go, iproute2, the user-space GRE/EoIP forwarder, FRR for its OSPF and BFD), with a LAN host behind it.
The fleet routes with OSPF and BFD over its overlays (ROUTING: the inventory's settings, given beside it): the
table shows each link's adjacency and BFD session, the picture too, and the LANs reach each other by the routes
OSPF learned.  After the runs, real pings from LAN host to LAN host across each overlay (branch to branch through
the hub) and a multicast stream across each overlay.
Second fleet: three Linux gateways (network namespaces with sshd and real wireguard-go,
reached over SSH) in a full mesh; a ping then crosses from one gateway's LAN to another's.
For each: write the inventory, run playbooks/site_tunnel.yml twice (the second run changes
nothing) with sitelink_report_dir, show the fleet table from the report's JSON file, tear the lab down.  The
reports and their topology pictures (topology.svg, topology.png) stay under build/demo/RUN/.
Secrets audit: the first run of each fleet is at -vvv --diff with a log file and a fact cache; every
private key and preshared key the labs hold, and the inventories' PSK secret, is then searched for in
the output, the log and the cache (rosemu-audit): the demo fails on a hit.
Anything that fails (a run, a second run that changes something, a ping that loses a packet, a multicast stream
that loses a datagram, a change the data plane could not realise, the audit) fails the demo.
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import yaml

from rosemu.cli import generate_certificate
from rosemu.dataplane import lab_dataplane
from rosemu.dataplane import multicast
from rosemu.dataplane.view import TUNNEL_KINDS
from rosemu.lab import Lab, RouterSpec
from rosemu.linuxlab import LinuxLab
from rosemu.secrets_audit import find, linux_secrets, routeros_secrets

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLEET = os.path.join(ROOT, "tests", "inventories", "good", "hub_spoke.yml")
LINUX_FLEET = os.path.join(ROOT, "tests", "inventories", "good", "linux_mesh.yml")
LINUX_LANS = {"gw-1": "192.168.51.1/24", "gw-2": "192.168.52.1/24", "gw-3": "192.168.53.1/24"}
# where each run keeps its fleet reports and topology pictures (a folder per run: two demos at once do not meet)
RUNS = os.path.join(ROOT, "build", "demo")
# Each router's WAN (ether1) on the data plane's underlay, and its LAN (the default configuration's bridge, where
# the inventory says it is) with a host at .10 behind ether2.
ROUTERS = {"hub": ("198.51.100.1", "192.168.10"), "branch-a": ("198.51.100.11", "192.168.11"),
           "branch-b": ("198.51.100.12", "192.168.12")}
# LAN host to LAN host: each branch to the hub, and branch to branch through the hub
LAN_PINGS = (("branch-a", "hub"), ("branch-b", "hub"), ("branch-a", "branch-b"))
PING_COUNT = 20
MULTICAST_COUNT = 50
REPORT_COLUMNS = ("site", "peer", "overlay", "address", "handshake", "ping", "status")
ROUTING_COLUMNS = ("ospf", "bfd")           # in the report when the fleet routes with OSPF
# the RouterOS fleet's routing: OSPF over the overlays, short timers and BFD (what an operator adds to hub_spoke.yml)
ROUTING = {"sitelink_routing": "ospf", "sitelink_ospf": {"hello_interval": 1, "dead_interval": 4, "bfd": True}}
STATES = ("up", "down", "pending")


def router_specs():
    return [RouterSpec(name, setup=[["/ip/address/add", "=address=%s/24" % wan, "=interface=ether1", "=comment=WAN"],
                                    ["/ip/address/set", "=numbers=*1", "=address=%s.1/24" % lan]])
            for name, (wan, lan) in ROUTERS.items()]


def lan_host(name):
    return "%s.10" % ROUTERS[name][1]


def playbook(inventories, label, report_dir, audit=None):
    """Run site_tunnel.yml writing the fleet report to REPORT_DIR; with AUDIT (a folder) at -vvv --diff, logging
    and caching facts there."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"),
               ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook")]
    for inventory in inventories:
        command += ["-i", inventory]
    command += [os.path.join(ROOT, "playbooks", "site_tunnel.yml"),
                "-e", json.dumps({"sitelink_report_dir": report_dir})]
    if audit:
        command += ["-vvv", "--diff"]
        env.update(ANSIBLE_LOG_PATH=os.path.join(audit, "ansible.log"), ANSIBLE_CACHE_PLUGIN="jsonfile",
                   ANSIBLE_CACHE_PLUGIN_CONNECTION=os.path.join(audit, "facts"), ANSIBLE_GATHERING="implicit")
    shown = " ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in command[1:])
    print("\n=== %s: %s" % (label, shown), flush=True)
    report = os.path.join(report_dir, "fleet-report.json")
    if os.path.exists(report):
        os.remove(report)           # the table shown is this run's or none
    proc = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if audit:
        with open(os.path.join(audit, "run-%d.out" % len(os.listdir(audit))), "w", encoding="utf-8") as fh:
            fh.write(proc.stdout + proc.stderr)
    return proc


def report_table(report_dir):
    """The fleet table from the run's fleet-report.json (one row per link), with the links' and the link ends'
    counts; None when the run wrote no report."""
    try:
        with open(os.path.join(report_dir, "fleet-report.json"), encoding="utf-8") as fh:
            links = json.load(fh)["links"]
    except (OSError, ValueError, KeyError):
        return None
    routing = tuple(c for c in ROUTING_COLUMNS if any(c in link for link in links))
    columns = REPORT_COLUMNS[:-1] + routing + REPORT_COLUMNS[-1:] + (
        ("why",) if any(link["status"] != "up" for link in links) else ())
    widths = dict((c, max([len(c)] + [len(str(link[c])) for link in links])) for c in columns)
    line = "  ".join("%-" + str(widths[c]) + "s" for c in columns)
    lines = [line % columns, line % tuple("-" * widths[c] for c in columns)]
    lines += [line % tuple(link[c] for c in columns) for link in links]
    ends = [end for link in links for end in link["ends"]]
    for what, rows in (("links", links), ("link ends", ends)):
        counts = tuple(len([r for r in rows if r["status"] == state]) for state in STATES)
        lines.append("%d %s up, %d down, %d pending" % ((counts[0], what) + counts[1:]))
    return [text.rstrip() for text in lines]


def show(proc, report_dir):
    table = report_table(report_dir)
    for line in table or ["(no fleet report: the run did not reach its verification)"]:
        print("  " + line)
    text = proc.stdout
    recap = text[text.find("PLAY RECAP"):]
    print(recap.strip())
    if proc.returncode != 0:
        print(text[-3000:] + proc.stderr[-2000:])


def twice(inventories, audit, report_dir):
    first = playbook(inventories, "first run, -vvv --diff for the secrets audit", report_dir, audit)
    show(first, report_dir)
    second = playbook(inventories, "second run (nothing to change)", report_dir)
    show(second, report_dir)
    pictures = [os.path.join(report_dir, name) for name in ("topology.svg", "topology.png")]
    drawn = all(os.path.exists(path) for path in pictures)
    print("topology picture: %s" % (", ".join(os.path.relpath(p, ROOT) for p in pictures) if drawn else
                                    "NOT DRAWN (is Graphviz's dot installed? the run's warning says why)"))
    return first.returncode == 0 and second.returncode == 0 and drawn and \
        not re.search(r"changed=[1-9]", second.stdout[second.stdout.find("PLAY RECAP"):])


def psk_secret(inventory):
    with open(inventory, encoding="utf-8") as fh:
        return {"PSK secret of %s" % os.path.basename(inventory): yaml.safe_load(fh)["all"]["vars"]["sitelink_psk_secret"]}


def audited(audit, secrets):
    hits, searched = find(secrets, [audit])
    for label, path in hits:
        print("secrets audit: %s found in %s" % (label, os.path.relpath(path, audit)))
    print("\nsecrets audit (-vvv --diff output, log, fact cache): %d secrets, %d files searched, %d hits"
          % (len(secrets), searched, len(hits)))
    return not hits and len(secrets) > 1 and searched >= 3     # two outputs and the log at least


def linux_fleet(tmp, run_dir, audit, secrets):
    print("\n##### Linux gateways: namespaces with sshd and wireguard-go, reached over SSH", flush=True)
    lab = LinuxLab(list(LINUX_LANS), os.path.join(tmp, "linuxlab"), lans=LINUX_LANS).up()
    try:
        connections = os.path.join(tmp, "linux-connections.json")
        with open(connections, "w", encoding="utf-8") as fh:
            json.dump({"all": {"hosts": dict((n, lab.inventory_vars(n)) for n in LINUX_LANS)}}, fh)
        sites = ["%s (WAN %s, LAN %s)" % (n, lab.wan_address(n), LINUX_LANS[n]) for n in LINUX_LANS]
        print("lab up: %s" % ", ".join(sites))
        print("inventory: %s (+ the lab's SSH settings)" % os.path.relpath(LINUX_FLEET, ROOT))
        ok = twice([LINUX_FLEET, connections], audit, os.path.join(run_dir, "linux"))
        secrets.update(linux_secrets(lab.state))
        secrets.update(psk_secret(LINUX_FLEET))
        ping = lab.ssh("gw-3", "ping -c 3 -i 0.2 -W 2 -I 192.168.53.1 192.168.51.1", check=False)
        summary = [line for line in ping.stdout.splitlines() if "packets transmitted" in line]
        print("\nLAN to LAN through the tunnel, gw-3 192.168.53.1 -> gw-1 192.168.51.1: %s"
              % (summary[0] if summary else ping.stdout + ping.stderr))
        return ok and ping.returncode == 0
    finally:
        lab.down()


def route_get(dataplane, name, address):
    """What router `name`'s namespace does with a packet to `address`: {"dev", "gateway", "prefsrc", ...}, or
    {"dev": "no route"}."""
    result = dataplane.run(name, "ip", "-j", "route", "get", address, check=False)
    return json.loads(result.stdout)[0] if result.returncode == 0 else {"dev": "no route", "prefsrc": None}


def tunnels_not_running(dataplane, router):
    """The router's GRE/EoIP tunnels that its tables do not show running, once they have looked at the forwarder's
    keepalives again (settle: a route over a tunnel turns active, and is installed, when the tunnel runs)."""
    dataplane.settle(router)
    return ["%s %s" % (router.name, item.values["name"]) for path in TUNNEL_KINDS for item in router.tables[path]
            if item.values.get("running") != "true"]


def overlays_running(lab, dataplane, timeout=30):
    """Wait until every tunnel runs (a forwarder restarted by a change waits for its next keepalive answer);
    True when all do within `timeout` seconds."""
    started = time.monotonic()
    while True:
        waiting = [t for router in lab.routers.values() for t in lab.call(tunnels_not_running, dataplane, router)]
        if not waiting or time.monotonic() - started > timeout:
            break
        time.sleep(0.5)
    print("\nGRE/EoIP keepalives answered, every tunnel running: %s" % (
        "after %.1f s" % (time.monotonic() - started) if not waiting else "NO, not %s" % ", ".join(waiting)))
    return not waiting


def adjacencies(dataplane, timeout=30):
    """Wait until every router's OSPF neighbours (FRR in its namespace) are Full on each of its overlays and it has
    learned every other router's LAN (SPF runs a moment after Full); print them; True when all that holds within
    `timeout` seconds."""
    started, lans = time.monotonic(), dict((name, "%s.0/24" % lan) for name, (_wan, lan) in ROUTERS.items())
    while True:
        seen = dict((name, ospf_view(dataplane, name, lans)) for name in ROUTERS)
        done = all(n["state"] == "Full" for found, _learned in seen.values() for n in found) and \
            sum(len(found) for found, _learned in seen.values()) == 2 * (len(ROUTERS) - 1) and \
            all(len(learned) == len(ROUTERS) - 1 for _found, learned in seen.values())
        if done or time.monotonic() - started > timeout:
            break
        time.sleep(0.5)
    print("\nOSPF (FRR in each router's namespace, BFD on): %s" % (
        "every adjacency Full and every LAN learned after %.1f s" % (time.monotonic() - started) if done
        else "NOT every adjacency Full and every LAN learned"))
    for name, (found, learned) in seen.items():
        neighbours = ", ".join("%s %s (%s)" % (n["interface"], n["state"], n["router_id"]) for n in found)
        print("  %-8s %s; LANs learned: %s" % (name, neighbours or "no neighbour", ", ".join(learned) or "none"))
    return done


def ospf_view(dataplane, name, lans):
    """([its OSPF neighbours], [the other routers' LANs it routes by OSPF]) of router `name`."""
    daemons = dataplane.routing.get(name)
    if daemons is None:
        return [], []
    routes = daemons.routes()
    return daemons.neighbors(), sorted(lan for other, lan in lans.items()
                                       if other != name and routes.get(lan, {}).get("active"))


def lan_pings(dataplane):
    """PING_COUNT pings from LAN host to LAN host (LAN_PINGS), each printed with the tunnels it leaves by and
    its loss; True when none was lost."""
    print("\nLAN to LAN, real pings between the LAN hosts behind the routers (%d each, 50 ms apart):" % PING_COUNT)
    ok = True
    for source, destination in LAN_PINGS:
        hops = ["%s %s" % (source, route_get(dataplane, source, lan_host(destination))["dev"])]
        if "hub" not in (source, destination):
            hops.append("hub %s" % route_get(dataplane, "hub", lan_host(destination))["dev"])
        result = dataplane.run_host(source, "ping", "-n", "-q", "-c", str(PING_COUNT), "-i", "0.05", "-W", "2",
                                    lan_host(destination), check=False, timeout=60)
        summary = next((line for line in result.stdout.splitlines() if "packets transmitted" in line),
                       (result.stdout + result.stderr).strip())
        print("  %-8s %s -> %-8s %s via %s: %s" % (source, lan_host(source), destination, lan_host(destination),
                                                   " then ".join(hops), summary))
        ok = ok and result.returncode == 0 and " 0% packet loss" in summary
    return ok


def multicast_across_overlays(dataplane, report_dir):
    """A multicast stream from the hub to each branch across the branch's overlay, between the tunnel's two
    addresses (the link ends' addresses in the fleet report; as OSPF hellos cross it: the routers forward no
    multicast from LAN to LAN); True when every datagram arrived."""
    print("\nmulticast across each overlay, hub -> branch (%d UDP datagrams to a 239.x group, TTL > 1):"
          % MULTICAST_COUNT)
    with open(os.path.join(report_dir, "fleet-report.json"), encoding="utf-8") as fh:
        links = json.load(fh)["links"]
    # each end's address is the one it pings: the other end's address on the overlay
    far_address = dict(((end["site"], end["peer"]), end["address"]) for link in links for end in link["ends"])
    ok = True
    for branch in ("branch-a", "branch-b"):
        hub_address, branch_address = far_address[(branch, "hub")], far_address[("hub", branch)]
        got = multicast.stream((("ip", "netns", "exec", dataplane.netns("hub")), hub_address, None),
                               {branch: (("ip", "netns", "exec", dataplane.netns(branch)), None, branch_address)},
                               count=MULTICAST_COUNT)[branch]
        print("  hub %s (%s) -> %s %s (%s): %d of %d datagrams received" % (
            hub_address, route_get(dataplane, "hub", branch_address)["dev"], branch, branch_address,
            route_get(dataplane, branch, hub_address)["dev"], got, MULTICAST_COUNT))
        ok = ok and got == MULTICAST_COUNT
    return ok


def routeros_fleet(tmp, run_dir, audit, secrets):
    print("##### RouterOS fleet: emulated routers on the data plane, reached over the RouterOS API", flush=True)
    # API-SSL, as the role uses by default: a self-signed certificate for 127.0.0.1, which the inventory gives as
    # the routers' CA (ca_path), so the certificate and host name are verified
    cert, key = generate_certificate(os.path.join(tmp, "tls"))
    lab = Lab(router_specs(), tls_cert=cert, tls_key=key).start()
    dataplane = None
    try:
        # every router a namespace (its filter chains realised too), a LAN host behind each
        hosts = dict((name, ("%s/24" % lan_host(name), "%s.1" % lan)) for name, (_wan, lan) in ROUTERS.items())
        dataplane = lab_dataplane(lab, os.path.join(tmp, "dataplane"), hosts=hosts, firewall=True)
        print("lab up: %s" % ", ".join("%s (api-ssl 127.0.0.1:%d, namespace %s, LAN host %s)" % (
            name, lab.port(name, "api-ssl"), dataplane.netns(name), lan_host(name)) for name in ROUTERS))
        connections = os.path.join(tmp, "connections.yml")
        with open(connections, "w", encoding="utf-8") as fh:
            # the tunnels in the routers' LAN interface list too: defconf's input chain then admits what routing
            # protocols send across them (the multicast stream below), not only the role's ICMP
            fh.write("all:\n  vars: %s\n  hosts:\n" % json.dumps(dict(ROUTING, sitelink_tunnels_in_lan_list=True)))
            for name in ROUTERS:
                fh.write("    %s: {ansible_host: 127.0.0.1, sitelink_routeros: {port: %d, ca_path: %s}}\n"
                         % (name, lab.port(name, "api-ssl"), json.dumps(cert)))
        print("inventory: %s (+ the lab's API-SSL ports and CA, sitelink_tunnels_in_lan_list: true)"
              % os.path.relpath(FLEET, ROOT))
        print("routing: %s" % json.dumps(ROUTING))
        ok = twice([FLEET, connections], audit, os.path.join(run_dir, "routeros"))
        for name in ROUTERS:
            secrets.update(routeros_secrets("127.0.0.1", lab.port(name)))
        secrets.update(psk_secret(FLEET))
        ok = overlays_running(lab, dataplane) and ok
        ok = adjacencies(dataplane) and ok
        ok = lan_pings(dataplane) and ok
        ok = multicast_across_overlays(dataplane, os.path.join(run_dir, "routeros")) and ok
        for name, error in sorted(dataplane.sync_errors.items()):
            print("data plane: %s could not realise its configuration: %s" % (name, error))
        return ok and not dataplane.sync_errors
    finally:
        if dataplane is not None:
            dataplane.down()
        lab.stop()


def main():
    # SIGTERM (a killed `make demo`) unwinds like Ctrl-C: the labs' namespaces and processes go
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    run_dir = os.path.join(RUNS, "%s-%d" % (time.strftime("%Y%m%d-%H%M%S"), os.getpid()))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="sitelink-demo-") as tmp:
        audit, secrets = os.path.join(tmp, "audit"), {}
        os.makedirs(audit)
        ok = routeros_fleet(tmp, run_dir, audit, secrets)
        print("(RouterOS fleet, lab up to lab down: %.0f s)" % (time.monotonic() - started))
        ok = linux_fleet(tmp, run_dir, audit, secrets) and ok
        ok = audited(audit, secrets) and ok
        print("\nreports and topology pictures: %s" % os.path.relpath(run_dir, ROOT))
        print("labs down after %.0f s; %s" % (time.monotonic() - started, "both fleets healthy, second runs changed "
                                              "nothing" if ok else "DEMO FAILED"))
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
