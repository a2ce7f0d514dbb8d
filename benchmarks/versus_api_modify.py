"""site_tunnel.yml against the alternative a user would pick, in one run on the same emulated fleet.

For each size (a hub and N-1 spokes, GRE / EoIP / plain WireGuard links):
  - site_tunnel: playbooks/site_tunnel.yml, first run and no-change run (verification on, as shipped), and a first
    run with sitelink_verify=false on fresh routers: the same objects applied, as api_modify does, without the
    verification whose first run waits for the routers' timers (first handshakes, each overlay's first keepalive);
  - api_modify: the same objects applied with community.routeros `api_modify`, written as a user of that
    collection would (one task per path, public keys exchanged through hostvars after `api_info`, the managed
    subset selected with `restrict` on a comment prefix); first run and re-run;
  - floor: one `ansible.builtin.debug` task per host.
Each gets a fresh set of emulated routers.  community.routeros is taken from the `ansible` package on PyPI into
build/community_routeros (tests/tools/community_routeros.py, shared with the tests that compare our field catalogue
with its API data; it is not a requirement of the project).  Prints seconds,
seconds per site, sentences read and written per run, and the ratios; writes JSON.  Usage:
  .venv/bin/python benchmarks/versus_api_modify.py --sites 50 100 200 --json build/bench/versus_api_modify.json
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import yaml

from rosemu.lab import Lab
from rosemu.router import Counters

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
import fleet_run  # noqa: E402  (the fleet of the other benchmark: same sites, same routers)
import community_routeros  # noqa: E402  (the pinned `ansible` package's community.routeros)

BIN = os.path.dirname(sys.executable)
BENCH = os.path.join(ROOT, "build", "bench")
sys.path.insert(0, os.path.join(ROOT, "build", "collections"))

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import resources  # noqa: E402
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model as topology  # noqa: E402
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import validate  # noqa: E402
from ansible_collections.sitelink.tunnels.plugins.module_utils.wireguard import keys  # noqa: E402

MARK = "bench"                            # the api_modify playbook's own comment prefix


# The api_modify playbook: what a community.routeros user writes for the same objects.
API_MODIFY_PLAY = """
- name: Site tunnels with community.routeros api_modify
  hosts: all
  gather_facts: false
  connection: local               # its modules run on the controller and talk to the API from there
  module_defaults:
    group/community.routeros.api:
      hostname: "{{ ansible_host }}"
      port: "{{ api_port }}"
      username: admin
      password: ""
      tls: false
  tasks:
    - name: WireGuard interface
      community.routeros.api_modify:
        path: interface wireguard
        data: "{{ bench_data['interface wireguard'] }}"
    - name: Public key of the interface
      community.routeros.api_info:
        path: interface wireguard
      register: bench_wg
    - name: WireGuard peers, with each peer's public key from its router
      community.routeros.api_modify:
        path: interface wireguard peers
        data: >-
          {%- set out = [] -%}
          {%- for p in bench_peers -%}
          {%- set key = (hostvars[p.peer].bench_wg.result | selectattr('name', 'equalto', 'wg-sitelink') | first)['public-key'] -%}
          {%- set _ = out.append(p.entry | combine({'public-key': key})) -%}
          {%- endfor -%}
          {{ out }}
    - name: GRE tunnels
      community.routeros.api_modify:
        path: interface gre
        data: "{{ bench_data['interface gre'] }}"
    - name: EoIP tunnels
      community.routeros.api_modify:
        path: interface eoip
        data: "{{ bench_data['interface eoip'] }}"
    - name: The interface list of the tunnels
      community.routeros.api_modify:
        path: interface list
        data: "{{ bench_data['interface list'] }}"
    - name: Its members, every tunnel interface
      community.routeros.api_modify:
        path: interface list member
        data: "{{ bench_data['interface list member'] }}"
        handle_absent_entries: remove
        handle_entries_content: remove_as_much_as_possible
        restrict: [{field: comment, regex: '^bench'}]
    - name: Transit addresses
      community.routeros.api_modify:
        path: ip address
        data: "{{ bench_data['ip address'] }}"
        handle_absent_entries: remove
        handle_entries_content: remove_as_much_as_possible
        restrict: [{field: comment, regex: '^bench'}]
    - name: Routes to the remote LANs
      community.routeros.api_modify:
        path: ip route
        data: "{{ bench_data['ip route'] }}"
        handle_absent_entries: remove
        handle_entries_content: remove_as_much_as_possible
        restrict: [{field: comment, regex: '^bench'}]
    - name: The fleet's LANs, for the forward rules
      community.routeros.api_modify:
        path: ip firewall address-list
        data: "{{ bench_data['ip firewall address-list'] }}"
        handle_absent_entries: remove
        handle_entries_content: remove_as_much_as_possible
        restrict: [{field: comment, regex: '^bench'}]
    - name: Firewall holes
      community.routeros.api_modify:
        path: ip firewall filter
        data: "{{ bench_data['ip firewall filter'] }}"
        handle_absent_entries: remove
        handle_entries_content: remove_as_much_as_possible
        restrict: [{field: comment, regex: '^bench'}]
"""

FLOOR_PLAY = """
- name: Ansible's floor, one task per host
  hosts: all
  gather_facts: false
  tasks:
    - name: Nothing
      ansible.builtin.debug:
        msg: "{{ inventory_hostname }}"
"""


def api(entry):
    """Option names of our adapters as RouterOS API names, lists as RouterOS lists."""
    return dict((k.replace("_", "-"), ",".join(v) if isinstance(v, list) else v) for k, v in entry.items())


def _comment(text):
    return "%s %s" % (MARK, text)


def api_modify_vars(inventory):
    """Per-host data of the api_modify playbook: the objects the role's plans hold, nothing more."""
    settings = inventory["all"]["vars"]
    sites = dict((h, v["sitelink_site"]) for h, v in inventory["all"]["hosts"].items())
    m = topology.load(sites, settings)
    plans = validate.plan_fleet(m)
    assert plans is not None, [str(p) for p in m.problems]
    out = {}
    for host, plan in plans.items():
        wg = plan["wireguard"]
        data = {
            "interface wireguard": [{"name": wg["name"], "listen-port": wg["listen_port"], "mtu": wg["mtu"],
                                     "comment": MARK}],
            "interface gre": [], "interface eoip": [],
            "interface list": [{"name": "sitelink-tunnels", "comment": MARK}],
            "interface list member": [{"list": m["list"], "interface": m["interface"], "comment": MARK}
                                      for m in plan["interface_lists"]],
            "ip address": [{"address": a["address"], "interface": a["interface"], "comment": _comment(a["interface"])}
                           for a in plan["addresses"]],
            "ip route": [{"dst-address": r["dst_address"], "gateway": r["gateway"], "comment": _comment("route")}
                         for r in plan["routes"]],
            "ip firewall address-list": [{"list": a["list"], "address": a["address"], "comment": _comment(a["list"])}
                                         for a in plan["address_lists"] if a["family"] == "ipv4"],
            "ip firewall filter": [dict(api(dict((k, v) for k, v in rule.items() if k not in ("name", "family"))),
                                        action="accept", comment=_comment(rule["name"]))
                                   for rule in plan["firewall"] if rule["family"] == "ipv4"],
        }
        for ov in plan["overlays"]:
            entry = {"name": ov["name"], "local-address": ov["local_address"], "remote-address": ov["remote_address"],
                     "mtu": ov["mtu"], "comment": _comment(ov["link"])}
            if ov["type"] == "eoip":
                entry["tunnel-id"] = ov["tunnel_id"]
            data["interface %s" % ov["type"]].append(entry)
        peers = []
        for peer in plan["peers"]:
            entry = {"interface": peer["interface"], "allowed-address": ",".join(peer["allowed_address"]),
                     "persistent-keepalive": "%ds" % peer["persistent_keepalive"], "comment": _comment(peer["link"])}
            if peer["endpoint_address"]:
                entry.update({"endpoint-address": peer["endpoint_address"], "endpoint-port": peer["endpoint_port"]})
            if peer["preshared_key"]:
                entry["preshared-key"] = keys.derive_preshared_key(settings["sitelink_psk_secret"], (host, peer["peer"]))
            peers.append({"peer": peer["peer"], "entry": entry})
        out[host] = {"bench_data": data, "bench_peers": peers}
    return out


# The paths the role manages: "at most one read per managed path per router" is counted over these.
MANAGED_PRINTS = frozenset("%s/print" % path for r in resources.RESOURCES.values() for path in r.paths.values())


def counters(lab):
    """(sentences, writes, {command: count} summed over routers, {command: most on one router})."""
    sentences = written = 0
    total, most = {}, {}
    for router in lab.routers.values():
        c = lab.call(lambda r=router: (r.counters.read, r.counters.written, dict(r.counters.by_command)))
        sentences, written = sentences + c[0], written + c[1]
        for command, count in c[2].items():
            total[command] = total.get(command, 0) + count
            most[command] = max(most.get(command, 0), count)
    return sentences, written, total, most


def reset_counters(lab):
    for router in lab.routers.values():
        lab.call(lambda r=router: setattr(r, "counters", Counters()))


def playbook(path, inventories, forks, collections, flags=()):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR="1")
    command = [os.path.join(BIN, "ansible-playbook"), "-f", str(forks)] + list(flags)
    for inventory in inventories:
        command += ["-i", inventory]
    # Output goes to a file, not a pipe: this process also runs the emulated routers, and a pipe it drains late
    # would block ansible-playbook's writes and count as the playbook's time.
    with tempfile.TemporaryFile(mode="w+") as output:
        start = time.monotonic()
        proc = subprocess.run(command + [path], stdout=output, stderr=subprocess.STDOUT, env=env, check=False)
        elapsed = time.monotonic() - start
        if proc.returncode != 0:
            output.seek(0)
            sys.exit("%s failed:\n%s" % (os.path.basename(path), output.read()[-6000:]))
    return elapsed


def runs(tmp, name, play, inventory, host_vars, specs, forks, collections, times=2, flags=()):
    """[{seconds, reads, writes}] of `times` runs of `play` on fresh routers.

    Both tools use the plain API: api_modify's play connects without TLS, so site_tunnel gets tls: false (the
    role's default is TLS; the run then warns once that the password crosses in clear text, fine on loopback)."""
    lab = Lab(specs).start()
    try:
        hosts = dict((h, dict(v, ansible_host="127.0.0.1", api_port=lab.port(h),
                              ansible_python_interpreter=sys.executable,
                              sitelink_routeros={"port": lab.port(h), "tls": False}, **host_vars.get(h, {})))
                     for h, v in inventory["all"]["hosts"].items())
        path = os.path.join(tmp, "%s-inventory.yml" % name)
        with open(path, "w", encoding="utf-8") as fh:
            yaml.safe_dump({"all": {"vars": inventory["all"]["vars"], "hosts": hosts}}, fh)
        out = []
        for _run in range(times):
            reset_counters(lab)
            seconds = playbook(play, [path], forks, collections, flags)
            sentences, writes, by_command, most = counters(lab)
            managed = dict((c, n) for c, n in most.items() if c in MANAGED_PRINTS)
            out.append({"seconds": round(seconds, 2), "reads": sentences - writes, "writes": writes,
                        "most_reads_of_a_managed_path": max(managed.values()) if managed else 0,
                        "by_command": by_command, "most_on_one_router": most})
        return out
    finally:
        lab.stop()


TOOLS = ("site_tunnel", "api_modify", "floor")
RUNS = {"first": "first", "first_verify_off": "first, verify off", "rerun": "rerun"}   # key: label


def measure(sites, forks, aggregate, tools=TOOLS):
    """One size: each tool of `tools` on its own fresh routers (site_tunnel alone is the quick loop while tuning)."""
    inventory, specs = fleet_run.fleet(sites, aggregate)
    ours = os.path.join(ROOT, "build", "collections")
    result = {"sites": sites, "aggregate": aggregate, "forks": forks, "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="bench-versus-") as tmp:
        plays = {"site_tunnel": os.path.join(ROOT, "playbooks", "site_tunnel.yml")}
        for name, text in (("api_modify", API_MODIFY_PLAY), ("floor", FLOOR_PLAY)):
            plays[name] = os.path.join(tmp, "%s.yml" % name)
            with open(plays[name], "w", encoding="utf-8") as fh:
                fh.write(text)
        if "site_tunnel" in tools:
            first, rerun = runs(tmp, "site_tunnel", plays["site_tunnel"], inventory, {}, specs, forks, ours)
            # api_modify verifies nothing: the same objects applied, without site_tunnel's verification (whose
            # first run waits for the routers' timers: first handshakes, the overlays' first answered keepalive)
            applied_only = runs(tmp, "site_tunnel", plays["site_tunnel"], inventory, {}, specs, forks, ours, times=1,
                                flags=["-e", "sitelink_verify=false"])[0]
            result["site_tunnel"] = {"first": first, "rerun": rerun, "first_verify_off": applied_only}
        if "api_modify" in tools:
            first, rerun = runs(tmp, "api_modify", plays["api_modify"], inventory, api_modify_vars(inventory), specs,
                                forks, community_routeros.collections_path() + os.pathsep + ours)
            result["api_modify"] = {"first": first, "rerun": rerun}
        if "floor" in tools:
            result["floor_s"] = runs(tmp, "floor", plays["floor"], inventory, {}, specs, forks, ours, times=1)[0]["seconds"]
    if "site_tunnel" in result and "api_modify" in result:
        for run in ("first", "rerun"):
            result["ratio_" + run] = round(result["api_modify"][run]["seconds"] / result["site_tunnel"][run]["seconds"], 2)
        result["ratio_first_verify_off"] = round(
            result["api_modify"]["first"]["seconds"] / result["site_tunnel"]["first_verify_off"]["seconds"], 2)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--no-aggregate", dest="aggregate", action="store_false",
                        help="route every spoke LAN separately (no sitelink_topology.aggregates)")
    parser.add_argument("--tools", nargs="+", choices=TOOLS, default=list(TOOLS),
                        help="measure only these (default: all three; the ratios need site_tunnel and api_modify)")
    parser.add_argument("--json", default=os.path.join(BENCH, "versus_api_modify.json"))
    args = parser.parse_args()
    if "api_modify" in args.tools:
        community_routeros.collections_path()      # fetched before any clock starts
    results = [measure(n, args.forks, args.aggregate, args.tools) for n in args.sites]
    print("hub and spokes (GRE, EoIP, plain), aggregate %s, forks %d, %d cores; fresh routers per tool"
          % (args.aggregate, args.forks, os.cpu_count()))
    print("  %5s  %-11s  %-17s  %8s  %7s  %7s  %7s  %s" % ("sites", "tool", "run", "seconds", "s/site", "reads", "writes",
                                                           "reads/path/router"))
    for r in results:
        for tool in [t for t in ("site_tunnel", "api_modify") if t in r]:
            for run in [k for k in RUNS if k in r[tool]]:
                m = r[tool][run]
                row = (r["sites"], tool, RUNS[run], m["seconds"], m["seconds"] / r["sites"], m["reads"], m["writes"],
                       m["most_reads_of_a_managed_path"])
                print("  %5d  %-11s  %-17s  %8.2f  %7.3f  %7d  %7d  %d" % row)
        if "floor_s" in r:
            print("  %5d  %-11s  %-17s  %8.2f  %7.3f" % (r["sites"], "floor", "debug", r["floor_s"], r["floor_s"] / r["sites"]))
        if "ratio_first" in r:
            print("  %5d  api_modify / site_tunnel: first run %.1fx (without verification %.1fx), re-run %.1fx"
                  % (r["sites"], r["ratio_first"], r["ratio_first_verify_off"], r["ratio_rerun"]))
    if len(results) > 1 and "site_tunnel" in results[0]:
        small, large = results[0], results[-1]
        for run in RUNS:
            per_small = small["site_tunnel"][run]["seconds"] / small["sites"]
            per_large = large["site_tunnel"][run]["seconds"] / large["sites"]
            print("  site_tunnel %s: %.3f s/site at %d sites, %.3f at %d (%+.0f%%)"
                  % (RUNS[run], per_small, small["sites"], per_large, large["sites"], 100.0 * (per_large / per_small - 1)))
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=2)
    print("wrote %s" % args.json)


if __name__ == "__main__":
    main()
