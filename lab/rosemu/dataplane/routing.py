"""Routing daemons for an emulated router on the data plane: FRR's zebra, ospfd and bfdd in its namespace.

On RouterOS v7 OSPF and BFD are the router's own (`/routing/ospf/...`, `/routing/bfd/...`); here FRR (Debian's
`frr` package, 8.4) plays that part inside the router's network namespace, so adjacencies form over the real
(user-space) GRE and EoIP tunnels and the learned routes are real kernel routes. Each router's daemons keep every
file under a state directory of their own (configuration, zebra's socket, vty sockets, PID files, logs) and are
stopped by PID: nothing is shared with another router, another lab, or an FRR the host may run.

`ospf_config(...)` writes the FRR configuration for one router from a plain description (router id, interfaces
with their OSPF settings, passive networks); mapping `/routing/ospf` tables onto it is the caller's business.
"""

import json
import os
import signal
import subprocess
import time

from rosemu.linuxlab import alive

FRR_DIR = "/usr/lib/frr"
DAEMONS = ("zebra", "ospfd", "bfdd")
STOP_WAIT = 5          # seconds a daemon gets after SIGTERM before SIGKILL
START_TIMEOUT = 15     # seconds until every daemon answers on its vty socket (well under 3 on an idle host)

# RouterOS interface-template `type` -> FRR `ip ospf network`
NETWORK_TYPES = {"ptp": "point-to-point", "broadcast": "broadcast", "ptmp": "point-to-multipoint",
                 "nbma": "non-broadcast"}


class RoutingError(Exception):
    """A routing daemon did not start or answer; the message names the router and the daemon."""


def ospf_config(hostname, router_id, interfaces, networks, passive=()):
    """FRR configuration text.

    interfaces: [{"name", "type" (RouterOS's: ptp, broadcast, ...), "cost", "hello", "dead", "priority", "bfd"}]
    networks: [(prefix, area)] that OSPF runs on (like RouterOS's template `networks`); passive: interface names
    that advertise their networks without hellos (the LANs)."""
    lines = ["frr defaults traditional", "hostname %s" % hostname, "no ipv6 forwarding", "!"]
    for iface in interfaces:
        lines.append("interface %s" % iface["name"])
        lines.append(" ip ospf network %s" % NETWORK_TYPES[iface.get("type", "broadcast")])
        for key, command in (("cost", "ip ospf cost"), ("hello", "ip ospf hello-interval"),
                             ("dead", "ip ospf dead-interval"), ("priority", "ip ospf priority")):
            if iface.get(key) is not None:
                lines.append(" %s %s" % (command, iface[key]))
        if iface.get("bfd"):
            lines.append(" ip ospf bfd")
        lines.append("!")
    lines += ["router ospf", " ospf router-id %s" % router_id]
    lines += [" network %s area %s" % (prefix, area) for prefix, area in networks]
    lines += [" passive-interface %s" % name for name in passive]
    lines += ["!", "bfd", "!"]
    return "\n".join(lines) + "\n"


class RoutingDaemons:
    """FRR's daemons for one router: `start(config)`, `reload(config)`, `neighbors()`, `bfd_peers()`,
    `routes()`, `stop()`. `run(*command, **kw)` runs a command in the router's namespace (DataPlane.run)."""

    def __init__(self, name, state_dir, run):
        self.name, self.state, self.run = name, os.path.abspath(state_dir), run
        self.pids = {}

    def path(self, *parts):
        return os.path.join(self.state, *parts)

    def start(self, config):
        os.makedirs(self.path("vty"), exist_ok=True)
        self._write(config)
        for daemon in DAEMONS:
            command = [os.path.join(FRR_DIR, daemon), "-d", "-u", "root", "-g", "frrvty", "-f", self.path("frr.conf"),
                       "-i", self.path("%s.pid" % daemon), "-z", self.path("zserv.api"), "--vty_socket",
                       self.path("vty"), "-P", "0", "--log", "file:%s" % self.path("%s.log" % daemon)]
            result = self.run(*command, check=False)
            if result.returncode != 0:
                self.stop()
                raise RoutingError("%s: %s did not start: %s" % (self.name, daemon, (result.stderr or "").strip()))
            self.pids[daemon] = self._pid(daemon)
        self._wait_ready()
        return self

    def _write(self, config):
        with open(self.path("frr.conf"), "w", encoding="utf-8") as fh:
            fh.write(config)

    def _pid(self, daemon):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                with open(self.path("%s.pid" % daemon), encoding="utf-8") as fh:
                    return int(fh.read().strip())
            except (OSError, ValueError):
                time.sleep(0.05)
        raise RoutingError("%s: %s wrote no PID file in %d s (%s)" % (self.name, daemon, START_TIMEOUT,
                                                                      self.path("%s.log" % daemon)))

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            result = self.vtysh("show version", check=False)
            if result.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise RoutingError("%s: FRR does not answer on %s: %s" % (self.name, self.path("vty"),
                                                                         result.stderr.strip()))
            time.sleep(0.1)

    def vtysh(self, *commands, check=True):
        argv = ["vtysh", "--vty_socket", self.path("vty")]
        for command in commands:
            argv += ["-c", command]
        return self.run(*argv, check=check)

    def reload(self, config):
        """The new configuration in place: what changed is applied, adjacencies that did not change stay."""
        self._write(config)
        # frr-reload.py (Debian's frr-pythontools) diffs the running configuration against the file and sends only
        # the difference; it is a script for the system's python3, not the lab's venv
        result = self.run("/usr/bin/python3", os.path.join(FRR_DIR, "frr-reload.py"), "--reload", "--vty_socket",
                          self.path("vty"), "--confdir", self.state, "--rundir", self.state, "--bindir", "/usr/bin",
                          self.path("frr.conf"), check=False)
        if result.returncode != 0:
            raise RoutingError("%s: frr-reload failed: %s" % (self.name, (result.stderr or result.stdout).strip()))

    def _json(self, command):
        result = self.vtysh(command, check=False)
        if result.returncode != 0:
            raise RoutingError("%s: `%s` failed: %s" % (self.name, command, result.stderr.strip()))
        return json.loads(result.stdout or "{}")

    def neighbors(self):
        """[{"router_id", "state" (Full, Init, ...), "address", "interface"}] of the OSPF neighbours."""
        found = []
        for router_id, entries in self._json("show ip ospf neighbor json").get("neighbors", {}).items():
            for entry in entries:
                found.append({"router_id": router_id, "state": entry.get("nbrState", "").split("/")[0],
                              "address": entry.get("ifaceAddress"),
                              "interface": entry.get("ifaceName", "").split(":")[0]})
        return found

    def bfd_peers(self):
        """[{"peer", "interface", "status" (up, down, init)}] of the BFD sessions."""
        return [{"peer": p.get("peer"), "interface": p.get("interface"), "status": p.get("status")}
                for p in self._json("show bfd peers json")]

    def routes(self):
        """{prefix: {"gateways": [next hop addresses], "active": bool}} of OSPF's routes to other routers'
        networks; active: zebra selected it (a static route of lower distance wins, as on RouterOS)."""
        found = {}
        for prefix, entries in self._json("show ip route ospf json").items():
            for entry in entries:
                hops = sorted(h["ip"] for h in entry.get("nexthops", ()) if h.get("ip"))
                if hops:
                    found[prefix] = {"gateways": hops, "active": bool(entry.get("selected"))}
        return found

    def stop(self):
        """Stop this router's daemons by PID (SIGTERM, then SIGKILL); idempotent."""
        for daemon, pid in list(self.pids.items()):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                del self.pids[daemon]
        deadline = time.monotonic() + STOP_WAIT
        while self.pids and time.monotonic() < deadline:
            for daemon, pid in list(self.pids.items()):
                if not alive(pid):
                    del self.pids[daemon]
            time.sleep(0.05)
        for daemon, pid in list(self.pids.items()):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            del self.pids[daemon]


def run_in(namespace):
    """A `run` for RoutingDaemons that executes in network namespace `namespace` (argument lists only)."""
    def run(*command, check=True):
        return subprocess.run(["ip", "netns", "exec", namespace, *command], capture_output=True, text=True,
                              check=check, timeout=60)
    return run
