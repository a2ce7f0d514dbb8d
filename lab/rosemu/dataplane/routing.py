"""Routing daemons for an emulated router on the data plane: FRR's zebra, ospfd and bfdd in its namespace.

On RouterOS v7 OSPF and BFD are the router's own (`/routing/ospf/...`, `/routing/bfd/...`); here FRR (Debian's
`frr` package, 8.4) plays that part inside the router's network namespace, so adjacencies form over the real
(user-space) GRE and EoIP tunnels and the learned routes are real kernel routes. Each router's daemons keep every
file under a state directory of their own (configuration, zebra's socket, vty sockets, PID files, logs) and are
stopped by PID: nothing is shared with another router, another lab, or an FRR the host may run.

`ospf_config(...)` writes the FRR configuration for one router from a plain description (router id, interfaces
with their OSPF settings, passive networks, static routes); mapping `/routing/ospf` tables onto it is the caller's
business.

While FRR runs, the router's active static IPv4 routes are FRR's too (staticd, each at its RouterOS distance), not
kernel routes: zebra takes a kernel route for a kernel-only one of distance 0 that beats every OSPF route, where
RouterOS picks the route of the lowest distance (OSPF 110; MikroTik manual, IP Routing), so a floating static backup
at 111 must lose to OSPF here as it does there.
"""

import ipaddress
import json
import os
import signal
import subprocess
import time

from rosemu.linuxlab import alive
from rosemu.values import parse_duration_ms

FRR_DIR = "/usr/lib/frr"
DAEMONS = ("zebra", "staticd", "ospfd", "bfdd")
STOP_WAIT = 5          # seconds a daemon gets after SIGTERM before SIGKILL
START_TIMEOUT = 15     # seconds until every daemon answers on its vty socket (well under 3 on an idle host)

# RouterOS interface-template `type` -> FRR `ip ospf network`
NETWORK_TYPES = {"ptp": "point-to-point", "broadcast": "broadcast", "ptmp": "point-to-multipoint",
                 "nbma": "non-broadcast"}


class RoutingError(RuntimeError):
    """A routing daemon did not start or answer; the message names the router and the daemon."""


def ospf_config(hostname, router_id, interfaces, networks, passive=(), static_routes=()):
    """FRR configuration text.

    interfaces: [{"name", "type" (RouterOS's: ptp, broadcast, ...), "cost", "hello", "dead", "priority", "bfd",
    "bfd_timers": (min-rx ms, min-tx ms, multiplier) or None}]
    networks: [(prefix, area)] that OSPF runs on (like RouterOS's template `networks`); passive: interface names
    that advertise their networks without hellos (the LANs); static_routes: [(prefix, hop, distance)] for staticd,
    hop ("blackhole",) or (gateway address or None, interface) as plane.route_hop gives it."""
    # no `no ipv6 forwarding` (Debian's sample frr.conf has it): zebra would turn the namespace's IPv6 forwarding off,
    # and a RouterOS router forwards IPv6 whether OSPF runs or not
    lines = ["frr defaults traditional", "hostname %s" % hostname, "!"]
    lines += static_route_lines(static_routes)
    profiles = sorted({iface["bfd_timers"] for iface in interfaces if iface.get("bfd") and iface.get("bfd_timers")})
    for iface in interfaces:
        lines.append("interface %s" % iface["name"])
        lines.append(" ip ospf network %s" % NETWORK_TYPES[iface.get("type", "broadcast")])
        for key, command in (("cost", "ip ospf cost"), ("hello", "ip ospf hello-interval"),
                             ("dead", "ip ospf dead-interval"), ("priority", "ip ospf priority")):
            if iface.get(key) is not None:
                lines.append(" %s %s" % (command, iface[key]))
        if iface.get("bfd"):
            lines.append(" ip ospf bfd")
            if iface.get("bfd_timers"):
                lines.append(" ip ospf bfd profile %s" % _profile_name(iface["bfd_timers"]))
        lines += [" ip ospf passive"] if iface["name"] in passive else []
        lines.append("!")
    # FRR 8.4 keeps passive per interface (`show running-config` prints `ip ospf passive` there, not
    # `passive-interface` under `router ospf`): written as it prints it, a reload leaves it alone (frr-reload.py
    # turned it off and on again at every reload)
    for name in sorted(set(passive) - {iface["name"] for iface in interfaces}):
        lines += ["interface %s" % name, " ip ospf passive", "!"]
    lines += ["router ospf", " ospf router-id %s" % router_id]
    lines += [" network %s area %s" % (prefix, area) for prefix, area in networks]
    lines += ["!", "bfd"]
    for rx, tx, multiplier in profiles:
        lines += [" profile %s" % _profile_name((rx, tx, multiplier)), "  receive-interval %d" % rx,
                  "  transmit-interval %d" % tx, "  detect-multiplier %d" % multiplier, " !"]
    lines.append("!")
    return "\n".join(lines) + "\n"


def static_route_lines(routes):
    """staticd's `ip route` lines, written as `show running-config` prints them (the default distance 1 left out), so
    that frr-reload.py finds an unchanged route unchanged and leaves it in place."""
    lines = set()
    for prefix, hop, distance in routes:
        nexthop = "blackhole" if hop == ("blackhole",) else " ".join(word for word in hop if word)
        lines.add("ip route %s %s%s" % (prefix, nexthop, "" if int(distance) == 1 else " %d" % int(distance)))
    return sorted(lines) + ["!"] if lines else []


# interface settings of one value that a reload sets over the old one, as RouterOS sets a template's field:
# frr-reload.py would first `no` the old value (FRR's default for a moment: another router-LSA, another SPF everywhere)
IN_PLACE = ("ip ospf cost", "ip ospf hello-interval", "ip ospf dead-interval", "ip ospf priority")
BLOCKS = ("interface ", "router ", "bfd")


def _blocks(config):
    """{block's first line ("" for the top level): its lines} of a configuration as ospf_config writes it."""
    blocks, current = {"": []}, ""
    for line in config.splitlines():
        if line == "!":
            current = ""
        elif line.startswith(" "):
            blocks[current].append(line)
        elif line.startswith(BLOCKS):
            current = line
            blocks[current] = []
        else:
            blocks[""].append(line)
    return blocks


def in_place_commands(old, new):
    """vtysh's commands from configuration `old` to `new` when they differ only in static routes (the new ones added
    before the old ones go: no gap) and in IN_PLACE values; None for any other change (frr-reload.py's business)."""
    before, after = _blocks(old), _blocks(new)
    top, routes = [], []
    for blocks in (before, after):
        lines = blocks.pop("")
        top.append([line for line in lines if not line.startswith("ip route ")])
        routes.append({line for line in lines if line.startswith("ip route ")})
    if top[0] != top[1] or list(before) != list(after):
        return None
    commands = ["configure terminal"]
    for block, lines in after.items():
        changed = [(was, now) for was, now in zip(before[block], lines) if was != now]
        if len(before[block]) != len(lines) or (changed and not block.startswith("interface ")) or any(
                was.rsplit(" ", 1)[0] != now.rsplit(" ", 1)[0] or now.strip().rsplit(" ", 1)[0] not in IN_PLACE
                for was, now in changed):
            return None
        if changed:
            commands += [block] + [now.strip() for _was, now in changed] + ["exit"]
    # staticd takes a route to the same prefix and next hop at another distance as that route's new distance (and
    # `no ip route` ignores the distance): only the routes whose prefix and next hop are gone are removed
    kept = {_route_key(line) for line in routes[1]}
    return commands + sorted(routes[1] - routes[0]) + \
        ["no " + line for line in sorted(routes[0] - routes[1]) if _route_key(line) not in kept]


def _route_key(line):
    """An `ip route` line without its distance."""
    words = line.split()
    return " ".join(words[:-1] if words[-1].isdigit() else words)


def _profile_name(timers):
    return "rx%d-tx%d-x%d" % timers


# ----- a RouterOS router's /routing/ospf and /routing/bfd tables as FRR's configuration -----------------------------
TEMPLATE_DEFAULTS = {"type": "broadcast", "cost": "1", "priority": "128", "hello-interval": "10s",
                     "dead-interval": "40s"}        # schema.py (MikroTik manual, OSPF: interface-template)
BFD_DEFAULTS = {"min-rx": "200ms", "min-tx": "200ms", "multiplier": "5"}        # MikroTik manual, BFD


def _enabled(items):
    return [it for it in items if it.values.get("disabled") != "true"]


def _seconds(duration):
    return max(1, -(-parse_duration_ms(duration) // 1000))      # FRR's timers are whole seconds, at least 1


def _addresses(router):
    """[(interface, ip_interface)] of the router's enabled IPv4 addresses."""
    return [(it.values["interface"], ipaddress.ip_interface(it.values["address"]))
            for it in _enabled(router.tables["/ip/address"]) if it.values.get("invalid") != "true"]


def _router_id(instance, addresses):
    """The instance's router-id when it is an address; else (`main`, a /routing/id) the highest IPv4 address of
    the router (U: RouterOS's dynamic id selection, check on a CHR)."""
    try:
        return str(ipaddress.IPv4Address(instance.values.get("router-id", "main")))
    except ValueError:
        return str(max((a.ip for _i, a in addresses), default=ipaddress.IPv4Address("0.0.0.1")))


def _bfd_timers(router, ifname):
    for item in _enabled(router.tables.get("/routing/bfd/configuration", ())):
        if ifname in (item.values.get("interfaces") or "").split(",") or not item.values.get("interfaces"):
            if item.values.get("forbid-bfd") == "true":
                return None
            timers = dict(BFD_DEFAULTS, **{k: v for k, v in item.values.items() if k in BFD_DEFAULTS})
            return (parse_duration_ms(timers["min-rx"]), parse_duration_ms(timers["min-tx"]), int(timers["multiplier"]))
    return (200, 200, 5)


def _covers(template, ifname, address):
    if ifname in (template.values.get("interfaces") or "").split(","):
        return True
    return any(address.ip in ipaddress.ip_network(net, strict=False)
               for net in (template.values.get("networks") or "").split(",") if net and ":" not in net)


def tables_config(router, static_routes=()):
    """FRR's configuration for the router's OSPFv2 instance (the first enabled one with templates), or None when it
    runs none. Each interface with an IPv4 address takes the first enabled template that names it or holds the
    address (templates are ordered, as on RouterOS); its networks go into that template's area. static_routes: the
    active static IPv4 routes as ospf_config takes them (FRR installs them when it runs)."""
    areas = {}
    for instance in _enabled(router.tables["/routing/ospf/instance"]):
        if instance.values.get("version", "2") != "2":
            continue
        areas = {a.values["name"]: a.values.get("area-id", "0.0.0.0")
                 for a in _enabled(router.tables["/routing/ospf/area"])
                 if a.values.get("instance") == instance.values["name"]}
        if areas:
            break
    templates = [t for t in _enabled(router.tables["/routing/ospf/interface-template"]) if t.values.get("area") in areas]
    if not templates:
        return None
    addresses = _addresses(router)
    interfaces, networks, passive = {}, [], []
    for ifname, address in addresses:
        template = next((t for t in templates if _covers(t, ifname, address)), None)
        if template is None:
            continue
        networks.append((str(address.network), areas[template.values["area"]]))
        if ifname in interfaces:
            continue
        values = dict(TEMPLATE_DEFAULTS, **template.values)
        timers = _bfd_timers(router, ifname) if values.get("use-bfd") == "true" else None      # None: no BFD here
        interfaces[ifname] = {"name": ifname, "type": values["type"], "cost": values["cost"],
                              "priority": values["priority"], "hello": _seconds(values["hello-interval"]),
                              "dead": _seconds(values["dead-interval"]), "bfd": timers is not None,
                              "bfd_timers": timers}
        if values.get("passive") == "true":
            passive.append(ifname)
    return ospf_config(router.name, _router_id(instance, addresses), list(interfaces.values()),
                       sorted(set(networks)), passive, static_routes)


class RoutingDaemons:
    """FRR's daemons for one router: `start(config)`, `reload(config)`, `neighbors()`, `bfd_peers()`,
    `routes()`, `stop()`. `run(*command, **kw)` runs a command in the router's namespace (DataPlane.run)."""

    def __init__(self, name, state_dir, run):
        self.name, self.state, self.run = name, os.path.abspath(state_dir), run
        self.pids = {}
        self.config = None          # the configuration the daemons run

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
        self.config = config
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
                raise RoutingError("%s: FRR does not answer on %s: %s"
                                   % (self.name, self.path("vty"), result.stderr.strip()))
            time.sleep(0.1)

    def vtysh(self, *commands, check=True):
        argv = ["vtysh", "--vty_socket", self.path("vty")]
        for command in commands:
            argv += ["-c", command]
        return self.run(*argv, check=check)

    def reload(self, config):
        """The new configuration in place: what changed is applied, adjacencies that did not change stay. A change of
        static routes or of interface values alone (a drain's costs) goes straight to vtysh (in_place_commands);
        anything else through frr-reload.py."""
        commands = in_place_commands(self.config, config) if self.config else None
        self._write(config)
        if commands is not None:
            result = self.vtysh(*commands, check=False)
            if result.returncode != 0:
                raise RoutingError("%s: %s failed: %s"
                                   % (self.name, " / ".join(commands), (result.stderr or result.stdout).strip()))
            self.config = config
            return
        # frr-reload.py (Debian's frr-pythontools) diffs the running configuration against the file and sends only
        # the difference; it is a script for the system's python3, not the lab's venv
        result = self.run("/usr/bin/python3", os.path.join(FRR_DIR, "frr-reload.py"), "--reload", "--vty_socket",
                          self.path("vty"), "--confdir", self.state, "--rundir", self.state, "--bindir", "/usr/bin",
                          self.path("frr.conf"), check=False)
        if result.returncode != 0:
            raise RoutingError("%s: frr-reload failed: %s" % (self.name, (result.stderr or result.stdout).strip()))
        self.config = config

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
        """{prefix: {"gateways": [next hop addresses], "hops": [(address, interface)], "distance", "active": bool}}
        of OSPF's routes to other routers' networks; active: zebra selected it (a static route of lower distance
        wins, as on RouterOS)."""
        found = {}
        for prefix, entries in self._json("show ip route ospf json").items():
            for entry in entries:
                hops = sorted((h["ip"], h.get("interfaceName", "")) for h in entry.get("nexthops", ()) if h.get("ip"))
                if hops:
                    found[prefix] = {"gateways": [ip for ip, _ifname in hops], "hops": hops,
                                     "distance": entry.get("distance", 110), "active": bool(entry.get("selected"))}
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
