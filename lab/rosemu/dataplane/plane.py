"""Realise emulated routers' tables in network namespaces: the data plane's `DataPlane`.

Each router is a namespace of the Linux lab (rosemu.linuxlab.LinuxLab: a network namespace with a private mount
namespace for wireguard-go's UAPI socket, its `eth0` a veth into the lab's underlay bridge), whose `eth0` becomes
the router's `ether1`.  A LAN host is a namespace of its own behind the router's `ether2`.  `sync(router)` realises
a static snapshot of the router's tables (the emulator's derived `active`/`running` flags included);
`attach(router)` does it again after every change the router's tables take (through the API or directly):

- bridges, and bridge ports that exist here (ether1, ether2, EoIP tunnels); each interface's up/down and MTU;
- WireGuard: one wireguard-go per interface, its keys, port and peers through `wg syncconf` (peers that did not
  change keep their sessions);
- GRE, EoIP, gre6 and eoipv6 through the router's forwarder process (forwarder.py), restarted when the tunnels
  change;
- the addresses of realised interfaces and the active static routes (ECMP as multipath), with iproute2;
- while the router runs OSPF, FRR (routing.py) in its namespace, which then also holds the active static IPv4
  routes at their distances (RouterOS's choice between static and OSPF routes);
- with `firewall=True`, the filter chains of both families as one nftables table (firewall.py).

Names carry a per-run prefix; `down()` removes only what this object made (processes by PID, its namespaces).
"""

import ipaddress
import json
import os
import re
import secrets
import selectors
import shutil
import subprocess
import sys
import threading
import time

import rosemu
from rosemu import ospf
from rosemu.dataplane import routing
from rosemu.dataplane.firewall import FILTER_PATHS, TABLE, nft_script
from rosemu.dataplane.firewall import chain_name as chain_of
from rosemu.dataplane.view import TUNNEL_KINDS, RouterView
from rosemu.linuxlab import LinuxLab, alive, sh
from rosemu.values import format_duration_ms, parse_duration_ms

WAN_PORT, LAN_PORT = "ether1", "ether2"
ADDRESS_TABLES = (("/ip/address", "/ip/route", "-4"), ("/ipv6/address", "/ipv6/route", "-6"))
ROUTER_SYSCTLS = ("net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1", "net.ipv4.conf.all.rp_filter=0",
                  "net.ipv4.conf.default.rp_filter=0",
                  # a GRE keepalive's inner packet comes out of the tunnel with our own address as its source
                  "net.ipv4.conf.all.accept_local=1")
PING_WAIT = 1              # seconds a /ping probe waits for its reply (RouterOS: the interval, 1 s by default)
START_TIMEOUT = 15          # seconds: a forwarder or wireguard-go is ready in well under 5 on an idle host
LINUX_NAME_MAX = 15


def linux_name(name):
    if not name or len(name) > LINUX_NAME_MAX or "/" in name or " " in name:
        raise ValueError("interface name %r cannot be a Linux interface name" % name)
    return name


def enabled(items):
    return [it for it in items if it.values.get("disabled") != "true"]


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("%s: not within %ss" % (what, timeout))
        time.sleep(0.02)


class DataPlane:
    def __init__(self, names, state_dir, hosts=None, prefix=None, underlay="198.51.100.0/24", call=None,
                 firewall=False):
        """`hosts`: {router: (address/len, gateway)} of the LAN host behind the router's ether2.  `call(fn, *args)`
        runs what touches a router where its state lives: `Lab.call` (the lab's event loop) for a Lab's routers.
        `firewall`: realise the filter chains too (opt-in: without it every packet the routes carry crosses)."""
        self.prefix = prefix or "dp%s" % secrets.token_hex(3)      # no concurrent run draws the same
        self.state = os.path.abspath(state_dir)
        self.hosts = dict(hosts or {})
        # the routers run their own user-space GRE (the forwarder): no ip wrapper in their namespaces
        self.linux = LinuxLab(names, os.path.join(self.state, "netns"), prefix=self.prefix, underlay=underlay,
                              user_gre=False)
        self.processes = {}          # (router, what) -> Popen of a process this object started
        self.forwarder_configs = {}  # router -> the tunnels its forwarder runs
        self.bridges = {}            # router -> the Linux bridges this object made for it
        self.listeners = {}          # router name -> (router, its listener, its own fabric), while attached
        self.sync_errors = {}        # router -> why its last sync from a listener failed
        self.lock = threading.RLock()
        self.call = call or (lambda fn, *args: fn(*args))
        self.made = False            # up() began making namespaces: down() has something to remove
        self.firewall = firewall
        self.nft_scripts = {}        # router -> the nft script last applied in its namespace
        self.routing = {}            # router -> its FRR daemons (routing.RoutingDaemons), while it runs OSPF
        self.routing_configs = {}    # router -> the FRR configuration they run

    # ----- names -------------------------------------------------------------
    @property
    def names(self):
        return self.linux.names

    def netns(self, name):
        return self.linux.netns(name)

    def host_netns(self, name):
        return "%s-%s-lan" % (self.prefix, name)

    def wan_address(self, name):
        return self.linux.wan_address(name)

    def namespaces(self):
        return [self.netns(n) for n in self.names] + [self.linux.wan_ns] + \
            [self.host_netns(n) for n in self.hosts]

    def run(self, name, *command, check=True, **kw):
        """A command in router `name`'s network namespace."""
        return sh("ip", "netns", "exec", self.netns(name), *command, check=check, **kw)

    def run_wg(self, name, *command, check=True, **kw):
        """A command in router `name`'s network and mount namespaces (its own /run/wireguard: wg, wireguard-go)."""
        return sh("nsenter", "--net=/var/run/netns/%s" % self.netns(name), "--mount=%s" % self.linux.mntns(name),
                  *command, check=check, **kw)

    def run_host(self, name, *command, check=True, **kw):
        return sh("ip", "netns", "exec", self.host_netns(name), *command, check=check, **kw)

    # ----- life cycle ------------------------------------------------------------
    def up(self):
        taken = set(self.namespaces()) & set(sh("ip", "netns", "list").stdout.split())
        if taken:       # another run's: refused before anything is made, so down() cannot touch them
            raise RuntimeError("namespaces %s exist already: choose another prefix" % ", ".join(sorted(taken)))
        self.made = True
        try:
            self.linux.up()
            os.makedirs(os.path.join(self.state, "run"), exist_ok=True)
            for name in self.names:
                self._router_base(name)
        except BaseException:
            self.down()
            raise
        return self

    def _router_base(self, name):
        self.run(name, "ip", "link", "set", "eth0", "down")
        self.run(name, "ip", "addr", "flush", "dev", "eth0")     # the router's tables give ether1 its address
        self.run(name, "ip", "link", "set", "eth0", "name", WAN_PORT)
        for setting in ROUTER_SYSCTLS:
            self.run(name, "sysctl", "-q", "-w", setting)
        if name in self.hosts:
            address, gateway = self.hosts[name]
            host = self.host_netns(name)
            sh("ip", "netns", "add", host)
            self.run(name, "ip", "link", "add", LAN_PORT, "type", "veth", "peer", "name", "eth0", "netns", host)
            self.run_host(name, "ip", "link", "set", "lo", "up")
            self.run_host(name, "ip", "addr", "add", address, "dev", "eth0", *(["nodad"] if ":" in address else []))
            self.run_host(name, "ip", "link", "set", "eth0", "up")
            self.run_host(name, "ip", "route", "add", "default", "via", gateway)

    def down(self):
        """Stop what this object started (by PID), remove its namespaces; safe after a failure and twice."""
        if not self.made:
            return          # up() never began (or refused a prefix in use): nothing here is ours
        for router, _on_change, _fabric in list(self.listeners.values()):
            self.detach(router)
        try:
            for daemons in self.routing.values():
                daemons.stop()
            self.routing.clear()
            for proc in self.processes.values():
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(START_TIMEOUT)
            self.processes.clear()
            for name in self.hosts:
                self._remove_host(name)
        finally:
            self.linux.down()       # also the namespaces' remaining processes, its mounts and state
            shutil.rmtree(self.state, ignore_errors=True)

    def _remove_host(self, name):
        host = self.host_netns(name)
        pids = sh("ip", "netns", "pids", host, check=False).stdout.split()
        for pid in pids:
            sh("kill", "-KILL", pid, check=False)
        wait_for(lambda: not any(alive(pid) for pid in pids), START_TIMEOUT, "processes of %s" % host)
        sh("ip", "netns", "del", host, check=False)

    def leftovers(self):
        """Namespaces and started processes of this run that still exist (empty after down())."""
        listed = sh("ip", "netns", "list").stdout.split()
        return sorted(set(self.namespaces()) & set(listed)) + \
            ["pid %d" % p.pid for p in self.processes.values() if alive(p.pid)]

    def __enter__(self):
        return self.up()

    def __exit__(self, *exc):
        self.down()

    # ----- sync -------------------------------------------------------------------
    def attach(self, router):
        """Sync now, then after every change of the router's tables (an emulator listener, as `listen` uses); the
        router's tunnels' `running` and peers' status become the data plane's (view.RouterView).

        A change the data plane cannot realise does not fail the write (the router took it): the error is kept in
        `sync_errors[name]` until a later sync succeeds."""
        self.call(self._attach, router)

    def _attach(self, router):
        def on_change(changed, gone):
            if changed or gone:
                self._sync_recording(router)
        self.sync(router)
        self.listeners[router.name] = (router, on_change, router.fabric)
        router.listeners.append(on_change)
        router.fabric = RouterView(self, router, router.fabric)
        router.refresh()

    def detach(self, router):
        self.call(self._detach, router)

    def _detach(self, router):
        _router, on_change, fabric = self.listeners.pop(router.name)
        router.listeners.remove(on_change)
        router.fabric = fabric
        router.refresh()

    def settle(self, router):
        """Refresh an attached router whose tunnels' `running` (the forwarders') differs from its tables'."""
        for path in TUNNEL_KINDS:
            for item in enabled(router.tables[path]):
                if (item.values.get("running") == "true") != router.fabric.tunnel_running(router, path, item):
                    router.refresh()
                    return

    def _sync_recording(self, router):
        try:
            self.sync(router)
        except (subprocess.SubprocessError, OSError, RuntimeError, ValueError) as error:
            self.sync_errors[router.name] = "%s: %s" % (error, getattr(error, "stderr", "") or "")
        else:
            self.sync_errors.pop(router.name, None)

    def sync(self, router):
        """Make namespace `router.name` forward as the router's tables say (a snapshot, applied now)."""
        with self.lock:         # API sessions are threads: one router's changes are realised one at a time
            self._sync(router)

    def _sync(self, router):
        name = router.name
        if self.firewall:       # first: nothing the tables set up below crosses before the filters exist
            self._firewall(name, router)
        self._bridges(name, router)
        self._wireguard(name, router)
        self._tunnels(name, router)
        present = self.links(name)
        self._bridge_ports(name, router, present)
        self._link_states(name, router, present)
        static = {family: active_static_routes(router, route_path, present)
                  for _address_path, route_path, family in ADDRESS_TABLES}
        # while FRR runs, it installs the IPv4 static routes at their distances (routing.py: RouterOS's choice by
        # distance beside OSPF's routes); IPv6 has no routing protocol here and stays with iproute2
        frr_config = routing.tables_config(router, static["-4"])
        for address_path, _route_path, family in ADDRESS_TABLES:
            self._addresses(name, router, address_path, family, present)
            if frr_config is None or family != "-4":
                self._routes(name, family, static[family])
        self._routing(name, frr_config)     # last: OSPF runs on the interfaces and addresses made above
        if frr_config is not None:          # after FRR has them: no gap; zebra takes ours for distance 0
            self._routes(name, "-4", [])
        # last: a peer's first handshake initiation leaves at once, and finds the underlay addressed and routed
        self._wireguard_peers(name, router)

    def links(self, name):
        """{interface: the bridge it is a port of, or None} of the router's namespace."""
        shown = json.loads(self.run(name, "ip", "-j", "link", "show").stdout)
        return {link["ifname"]: link.get("master") for link in shown}

    def _bridges(self, name, router):
        """A Linux bridge per /interface/bridge; the ones this object made for items since removed go."""
        present = self.links(name)
        wanted = {linux_name(item.values["name"]) for item in router.tables["/interface/bridge"]}
        made = self.bridges.setdefault(name, set())
        for bridge in made - wanted:
            self.run(name, "ip", "link", "del", bridge, check=False)
        made &= wanted
        for bridge in wanted - set(present):     # igmp-snooping=no, RouterOS's default: multicast is flooded
            self.run(name, "ip", "link", "add", bridge, "type", "bridge", "mcast_snooping", "0")
            made.add(bridge)

    def _bridge_ports(self, name, router, present):
        wanted = {port.values["interface"]: port.values["bridge"]
                  for port in enabled(router.tables["/interface/bridge/port"])
                  if port.values["interface"] in present and port.values["bridge"] in present}
        for interface, master in present.items():
            if master is not None and master != wanted.get(interface):
                self.run(name, "ip", "link", "set", interface, "nomaster")
        for interface, bridge in wanted.items():
            if present[interface] != bridge:
                self.run(name, "ip", "link", "set", interface, "master", bridge)

    def _link_states(self, name, router, present):
        """Up unless disabled; a WireGuard interface also needs its UDP port (the router shows it not running).
        A GRE/EoIP device is up while enabled: its `running` is the forwarder's keepalives', not a model's.
        The MTU is the router's `actual-mtu` (a tunnel's outer packets are fragmented: dont-fragment=no)."""
        for item in router.items("/interface"):
            interface, val = item.values["name"], item.values
            if interface in present:
                up = val.get("disabled") != "true" and (
                    router.owner_of(item) != "/interface/wireguard" or val.get("running") == "true")
                mtu = ["mtu", val["actual-mtu"]] if val.get("actual-mtu", "").isdigit() else []
                self.run(name, "ip", "link", "set", interface, *mtu, "up" if up else "down")
        for item in router.tables["/interface/eoip"] + router.tables["/interface/eoipv6"]:
            if item.values["name"] in present and item.values.get("mac-address"):
                self.run(name, "ip", "link", "set", item.values["name"], "address", item.values["mac-address"])

    # ----- WireGuard --------------------------------------------------------------
    def _wireguard(self, name, router):
        wanted = {linux_name(it.values["name"]): it for it in router.tables["/interface/wireguard"]}
        for interface in set(self._started(name, "wg")) - set(wanted):
            self._stop(name, "wg:" + interface)
        for interface in wanted:
            if (name, "wg:" + interface) not in self.processes:
                self._start_wireguard_go(name, interface)

    def _wireguard_peers(self, name, router):
        """Keys, port and peers of each WireGuard interface, through `wg syncconf` (peers that did not change keep
        their sessions)."""
        for item in router.tables["/interface/wireguard"]:
            interface = linux_name(item.values["name"])
            peers = [p for p in enabled(router.tables["/interface/wireguard/peers"])
                     if p.values.get("interface") == interface]
            self.run_wg(name, "wg", "syncconf", interface, "/dev/stdin", input=wg_config(item, peers))

    def _start_wireguard_go(self, name, interface):
        env = dict(os.environ, WG_PROCESS_FOREGROUND="1")
        proc = subprocess.Popen(["nsenter", "--net=/var/run/netns/%s" % self.netns(name),
                                 "--mount=%s" % self.linux.mntns(name), "wireguard-go", interface],
                                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        self.processes[(name, "wg:" + interface)] = proc
        wait_for(lambda: self.run_wg(name, "wg", "show", interface, check=False).returncode == 0 or
                 proc.poll() is not None, START_TIMEOUT, "wireguard-go %s on %s" % (interface, name))
        if proc.poll() is not None:
            raise RuntimeError("wireguard-go %s on %s exited with %s" % (interface, name, proc.returncode))

    def _started(self, name, kind):
        return [what.split(":", 1)[1] for (router, what) in self.processes
                if router == name and what.startswith(kind + ":")]

    def _stop(self, name, what):
        proc = self.processes.pop((name, what))
        if proc.poll() is None:
            proc.terminate()
            proc.wait(START_TIMEOUT)

    # ----- GRE / EoIP ---------------------------------------------------------------
    def _tunnels(self, name, router):
        tunnels = [tunnel_spec(path, item) for path in TUNNEL_KINDS for item in enabled(router.tables[path])]
        if tunnels == self.forwarder_configs.get(name):
            return
        if (name, "forwarder:") in self.processes:
            self._stop(name, "forwarder:")
            shutil.rmtree(self.status_dir(name), ignore_errors=True)
        self.forwarder_configs[name] = tunnels
        if tunnels:
            self._start_forwarder(name, tunnels)

    def _start_forwarder(self, name, tunnels):
        status_dir = self.status_dir(name)
        shutil.rmtree(status_dir, ignore_errors=True)      # no tunnel starts running from its predecessor's file
        os.makedirs(status_dir)
        config = os.path.join(self.state, "run", "%s-forwarder.json" % name)
        with open(config, "w", encoding="utf-8") as fh:
            json.dump({"status_dir": status_dir, "tunnels": tunnels}, fh)
        env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(rosemu.__file__))))
        with open(os.path.join(self.state, "run", "%s-forwarder.log" % name), "ab") as log:
            proc = subprocess.Popen(["ip", "netns", "exec", self.netns(name), sys.executable, "-m",
                                     "rosemu.dataplane.forwarder", config],
                                    env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log)
        self.processes[(name, "forwarder:")] = proc
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            ready = selector.select(START_TIMEOUT) and proc.stdout.readline().strip() == b"ready"
        proc.stdout.close()
        if not ready:
            with open(log.name, encoding="utf-8", errors="replace") as fh:
                raise RuntimeError("the forwarder of %s did not start: %s" % (name, fh.read()[-2000:]))

    def status_dir(self, name):
        return os.path.join(self.state, "run", "%s-tunnels" % name)

    # ----- addresses and routes ------------------------------------------------------
    def _addresses(self, name, router, path, family, present):
        for interface in set(present) - {"lo"}:
            wanted = {str(ipaddress.ip_interface(it.values["address"])) for it in enabled(router.tables[path])
                      if it.values.get("interface") == interface and it.values.get("invalid") != "true"}
            shown = json.loads(self.run(name, "ip", family, "-j", "addr", "show", "dev", interface).stdout)
            have = {"%s/%s" % (a["local"], a["prefixlen"]) for link in shown for a in link.get("addr_info", ())
                    if a.get("scope") == "global"}
            for address in have - wanted:
                self.run(name, "ip", family, "addr", "del", address, "dev", interface)
            for address in wanted - have:
                self.run(name, "ip", family, "addr", "add", address, "dev", interface,
                         *(["nodad"] if family == "-6" else []))

    def _routes(self, name, family, routes):
        """The kernel routes of ours (`proto static`) become `routes` ([(destination, hop, distance)], the active
        ones: ECMP as one multipath route). `proto static` is protocol 4 on iproute2's command line; FRR's staticd
        routes are 196, which FRR's rt_protos.d names `static` too: ours never touch zebra's."""
        wanted = {}
        for destination, hop, _distance in routes:
            wanted.setdefault(destination, []).append(hop)
        shown = json.loads(self.run(name, "ip", family, "-j", "route", "show", "proto", "static").stdout)
        for route in shown:
            destination = route["dst"] if route["dst"] != "default" else ("0.0.0.0/0" if family == "-4" else "::/0")
            if str(ipaddress.ip_network(destination)) not in wanted:
                self.run(name, "ip", family, "route", "del", destination, "proto", "static")
        for destination, hops in wanted.items():
            self.run(name, "ip", family, "route", "replace", *route_words(destination, hops), "proto", "static")

    # ----- OSPF and BFD ----------------------------------------------------------------
    def _routing(self, name, config):
        """FRR in the router's namespace while its /routing/ospf tables run an instance (`config`, from
        routing.tables_config; None: none): started, reloaded in place when the configuration changes (unchanged
        adjacencies stay, a static route changes alone), stopped when gone."""
        daemons = self.routing.get(name)
        if config is None:
            if daemons is not None:
                daemons.stop()
                del self.routing[name]
                self.routing_configs.pop(name, None)
            return
        if daemons is None:
            self.routing[name] = routing.RoutingDaemons(
                name, os.path.join(self.state, "frr", name),
                lambda *command, check=True: self.run(name, *command, check=check)).start(config)
        elif config != self.routing_configs.get(name):
            daemons.reload(config)
        self.routing_configs[name] = config

    def ospf_neighbors(self, router):
        """The router's /routing/ospf/neighbor rows from FRR (the fabric's ospf_neighbors, same columns)."""
        daemons = self.routing.get(router.name)
        if daemons is None:
            return []
        rows = []
        for neighbor in daemons.neighbors():
            found = ospf.template_for(router, neighbor["interface"])
            instance, area = (found[2].values["name"], found[1].values["name"]) if found else ("", "")
            rows.append({"instance": instance, "area": area, "address": neighbor["address"] or "",
                         "interface": neighbor["interface"], "router-id": neighbor["router_id"],
                         "state": neighbor["state"]})
        return rows

    def ospf_routes(self, router):
        """The router's dynamic /ip/route rows of OSPF's routes, from FRR (fabric.Fabric.ospf_routes, same
        columns): each route's next hops as `ADDRESS%INTERFACE`, its distance, active when zebra selected it."""
        daemons = self.routing.get(router.name)
        if daemons is None:
            return []
        rows = []
        for prefix, route in sorted(daemons.routes().items()):
            hops = ",".join("%s%%%s" % hop for hop in route["hops"])
            active = "true" if route["active"] else "false"
            rows.append(dict(OSPF_ROUTE, **{"dst-address": prefix, "gateway": hops, "immediate-gw": hops,
                                            "distance": str(route["distance"]), "active": active,
                                            "ecmp": "true" if len(route["hops"]) > 1 else "false"}))
        return rows

    def bfd_sessions(self, router):
        """The router's /routing/bfd/session rows from FRR's bfdd (the fabric's bfd_sessions, same columns)."""
        daemons = self.routing.get(router.name)
        if daemons is None:
            return []
        return [{"multihop": "false", "vrf": "main",
                 "remote-address": "%s%%%s" % (peer["peer"], peer["interface"]) if peer["interface"] else peer["peer"],
                 "state": peer["status"]} for peer in daemons.bfd_peers()]

    # ----- firewall ------------------------------------------------------------------
    def _firewall(self, name, router):
        """The filter chains as table inet firewall.TABLE, replaced atomically when the script changes."""
        script = nft_script({path: [dict(it.values) for it in router.tables[path]] for path in FILTER_PATHS})
        if script != self.nft_scripts.get(name):
            self.run(name, "nft", "-f", "-", input=script)
            self.nft_scripts[name] = script

    def rule_packets(self, name, family, chain):
        """The packet counters of the rules of RouterOS chain `chain` ("ip4" or "ip6"), in order (not the skipped)."""
        shown = self.run(name, "nft", "list", "chain", "inet", TABLE, chain_of(family, chain)).stdout
        return [int(n) for n in re.findall(r"counter packets (\d+)", shown)]

    # ----- what the router prints ------------------------------------------------------
    def tunnel_running(self, router, path, item):
        """The forwarder's `running` for a GRE/EoIP tunnel (the fabric's method, same arguments)."""
        return self.tunnel_status(router.name, item.values["name"]).get("running", False)

    def tunnel_status(self, name, interface):
        try:
            with open(os.path.join(self.status_dir(name), "%s.json" % interface), encoding="utf-8") as fh:
                return json.load(fh)
        except (OSError, ValueError):
            return {}

    def ping(self, name, address, src=None, interface=None):
        """One real echo request from router `name`'s namespace: the round trip in ms, or None when no reply came
        within PING_WAIT (the fabric's `ping`, which the API's /ping asks once per probe)."""
        words = ["ping", "-6" if ":" in address else "-4", "-n", "-c", "1", "-W", str(PING_WAIT)]
        if src or interface:
            words += ["-I", src or interface]
        result = self.run(name, *words, address, check=False, timeout=PING_WAIT * 3 + 5)
        match = re.search(r"time=([0-9.]+) ms", result.stdout)
        return float(match.group(1)) if match else None

    def peer_status(self, router, item):
        """`last-handshake`, `current-endpoint-*`, `rx`, `tx` of a peer from `wg show dump` (as the fabric's)."""
        dump = self.run_wg(router.name, "wg", "show", item.values["interface"], "dump", check=False).stdout
        return peer_values(dump, item.values["public-key"], time.time())


def wg_config(interface, peers):
    """`wg syncconf` text for a RouterOS WireGuard interface and its enabled peers."""
    lines = ["[Interface]", "PrivateKey = %s" % interface.values["private-key"],
             "ListenPort = %s" % interface.values.get("listen-port", "13231")]
    for peer in peers:
        val = peer.values
        lines += ["", "[Peer]", "PublicKey = %s" % val["public-key"], "AllowedIPs = %s" % val["allowed-address"]]
        if val.get("preshared-key") and val["preshared-key"] != "auto":
            lines.append("PresharedKey = %s" % val["preshared-key"])
        if val.get("endpoint-address") and val.get("endpoint-port") not in (None, "", "0"):
            host = val["endpoint-address"]
            lines.append("Endpoint = %s:%s" % ("[%s]" % host if ":" in host else host, val["endpoint-port"]))
        keepalive = parse_duration_ms(val.get("persistent-keepalive") or "0s") or 0
        if keepalive:
            lines.append("PersistentKeepalive = %d" % max(1, keepalive // 1000))
    return "\n".join(lines) + "\n"


def tunnel_spec(path, item):
    val = item.values
    keepalive = None
    if val.get("keepalive"):
        interval, _sep, retries = val["keepalive"].partition(",")
        keepalive = [parse_duration_ms(interval) / 1000.0, int(retries or 10)]
    return {"name": linux_name(val["name"]), "kind": TUNNEL_KINDS[path], "local": val.get("local-address"),
            "remote": val["remote-address"], "keepalive": keepalive,
            "tunnel_id": int(val["tunnel-id"]) if "tunnel-id" in val else None}


# what every dynamic OSPF route of /ip/route prints besides its destination, next hops and distance (RouterOS 7's
# flags D, o; scope and target-scope as MikroTik's /routing/route example shows an OSPF route: an assumption to check
# on a CHR, FIDELITY.md)
OSPF_ROUTE = {"dynamic": "true", "ospf": "true", "static": "false", "inactive": "false", "routing-table": "main",
              "scope": "20", "target-scope": "10"}


def active_static_routes(router, path, present):
    """[(destination, hop, distance)] of the routes the router holds active (its distance and ECMP selection, its
    check-gateway verdict), not connected or dynamic, whose gateway interface exists here."""
    routes = []
    for item in router.tables[path]:
        val = item.values
        if val.get("active") != "true" or val.get("connect") == "true" or val.get("dynamic") == "true":
            continue
        hop = route_hop(val, present)
        if hop is not None:
            routes.append((str(ipaddress.ip_network(val["dst-address"])), hop, val.get("distance", "1")))
    return routes


def route_hop(val, present):
    """("blackhole",) or (gateway address or None, interface) from an active route's `immediate-gw`."""
    if val.get("blackhole") == "true":
        return ("blackhole",)
    address, pct, interface = (val.get("immediate-gw") or "").partition("%")
    if not pct:
        address, interface = None, address
    return (address, interface) if interface in present else None


def route_words(destination, hops):
    if hops[0] == ("blackhole",):
        return ["blackhole", destination]
    words = [destination]
    for address, interface in hops:
        via = ["via", address] if address else []
        words += (["nexthop"] if len(hops) > 1 else []) + via + ["dev", interface]
    return words


def peer_values(dump, public_key, now):
    for line in dump.splitlines()[1:]:
        fields = line.split("\t")
        if len(fields) < 8 or fields[0] != public_key:
            continue
        values = {"rx": fields[5], "tx": fields[6]}
        if fields[4] != "0":
            values["last-handshake"] = format_duration_ms(max(0, int(now) - int(fields[4])) * 1000)
        if fields[2] != "(none)":
            host, _sep, port = fields[2].rpartition(":")
            values.update({"current-endpoint-address": host.strip("[]"), "current-endpoint-port": port})
        return values
    return {}


def lab_dataplane(lab, state_dir, hosts=None, **kw):
    """The data plane of a running `Lab` (opt-in: the lab's fabric stays and keeps modelling): every router of the
    lab in a namespace, attached in the lab's event loop, so API writes are realised as they are made."""
    dataplane = DataPlane(list(lab.routers), state_dir, hosts=hosts, call=lab.call, **kw).up()
    try:
        for router in lab.routers.values():
            dataplane.attach(router)
    except BaseException:
        dataplane.down()
        raise
    return dataplane
