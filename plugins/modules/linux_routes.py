#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: linux_routes
short_description: Routes a Linux host owns by a route protocol number, and IP forwarding
version_added: 1.0.0
description:
  - Keeps the routes listed in O(config) in the host's main routing table, each tagged with the route protocol
    number O(protocol) (C(ip route ... proto 157)). That number is the ownership marker - routes with any
    other protocol (the kernel's, DHCP's, a routing daemon's, the administrator's C(static) ones) are never
    changed or removed.
  - With O(state=overridden), routes carrying O(protocol) that are not in O(config) are removed; with
    O(state=merged) they are kept; O(state=deleted) removes the listed ones (or all of ours with an empty list).
  - A prefix in O(config) that already has a route in O(table) with another protocol (a connected route, the
    administrator's, a DHCP client's or a routing daemon's) is not taken over, since C(ip route replace) would
    overwrite that route. The task fails before changing anything, naming the prefix and the route, unless
    O(adopt=true).
  - Optionally turns IP forwarding on (O(forwarding)), at once and, with O(sysctl_file), across reboots.
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
options:
  config:
    description: The routes.
    type: list
    elements: dict
    default: []
    suboptions:
      dst:
        description: Destination prefix (C(192.168.20.0/24)); a bare address means a host route.
        type: str
        required: true
      via:
        description: Next hop address.
        type: str
      dev:
        description: Output interface; needed without O(config[].via), optional with it.
        type: str
      src:
        description: Preferred source address for traffic the host itself sends along the route.
        type: str
      metric:
        description: Route metric.
        type: int
  state:
    description: How O(config) relates to the routes already tagged with O(protocol).
    type: str
    choices: [merged, overridden, deleted]
    default: overridden
  protocol:
    description: Route protocol number (1-255) that marks the routes as this module's. Pick one no other
      software on the host uses; 157 is unassigned in iproute2's C(rt_protos).
    type: int
    default: 157
  table:
    description: Routing table.
    type: str
    default: main
  forwarding:
    description: IP families to forward (C(net.ipv4.ip_forward), C(net.ipv6.conf.all.forwarding)). Never
      turned off by this module.
    type: list
    elements: str
    choices: [ipv4, ipv6]
    default: []
  sysctl_file:
    description: Also write the forwarding settings to this file (read at boot by systemd-sysctl). Omit to
      change only the running system. A file that exists and does not start with the comment line this module
      writes (C(# sitelink.tunnels) and the file's purpose), such as C(/etc/sysctl.conf), is refused unless
      O(adopt).
    type: path
  adopt:
    description: Take over the prefixes in O(config) that have routes of another protocol in O(table) - those
      routes are replaced by this module's (and removed where their metric differs) - and an O(sysctl_file) it did
      not write. Without it such a prefix or file fails the task and every route stays as it is.
    type: bool
    default: false
attributes:
  check_mode:
    description: Reports the commands it would run; changes nothing.
    support: full
  diff_mode:
    description: Routes (and forwarding) before and after, one per line.
    support: full
  platform:
    description: Linux with iproute2.
    support: full
    platforms: posix
requirements:
  - iproute2 with JSON output (C(ip -j))
notes:
  - The routes are set at once, not written to a distribution's network configuration; the site_tunnel role
    re-applies them on every run.
seealso:
  - module: sitelink.tunnels.linux_wireguard
  - module: sitelink.tunnels.routeros_routes
"""

EXAMPLES = r"""
- name: Routes to the other sites' LANs, through the tunnel
  sitelink.tunnels.linux_routes:
    config:
      - dst: 192.168.20.0/24
        via: 10.255.0.1
        src: 10.255.0.0
      - dst: 198.51.100.1/32
        via: 203.0.113.1
    forwarding: [ipv4]
    sysctl_file: /etc/sysctl.d/90-sitelink.conf

- name: Remove every route this module made
  sitelink.tunnels.linux_routes:
    state: deleted
"""

RETURN = r"""
commands:
  description: The commands run (or that would run in check mode).
  returned: always
  type: list
  elements: str
  sample: ["ip route replace 192.168.20.0/24 via 10.255.0.1 src 10.255.0.0 proto 157 table main"]
routes:
  description: The routes tagged with O(protocol) after the run (predicted in check mode).
  returned: always
  type: list
  elements: dict
"""

import ipaddress
import json
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sitelink.tunnels.plugins.module_utils.linux import engine, files, render
from ansible_collections.sitelink.tunnels.plugins.module_utils.linux.engine import LinuxError, Step

SYSCTL = {"ipv4": "net.ipv4.ip_forward", "ipv6": "net.ipv6.conf.all.forwarding"}
PROTOCOL_NAMES = {"2": "kernel", "3": "boot", "4": "static", "9": "ra", "16": "dhcp"}
TYPE_NAMES = {"6": "blackhole", "7": "unreachable", "8": "prohibit", "9": "throw"}
DEFAULT_METRIC = {4: 0, 6: 1024}        # the kernel's metric for a route given none
SYSCTL_HEADER = "# sitelink.tunnels: forwarding between the sites' LANs and the tunnels\n"
# a field the task leaves unset (dev, src, metric; via) is the kernel's choice: IPv6 routes get metric 1024
ROUTE = engine.Resource(
    key="dst", fields=("via", "dev", "src", "metric"), loose=("via", "dev", "src", "metric"),
    line=lambda r: "%s%s%s%s%s" % (r["dst"], " via %s" % r["via"] if r.get("via") else "",
                                   " dev %s" % r["dev"] if r.get("dev") else "",
                                   " src %s" % r["src"] if r.get("src") else "",
                                   " metric %s" % r["metric"] if r.get("metric") else ""))


def prefix(text):
    return str(ipaddress.ip_network(text, strict=False))


def normal(route):
    """The fields that make a route ours and as wanted, as `ip -j route` shows them."""
    return {"dst": prefix(route["dst"]), "via": route.get("via") and str(ipaddress.ip_address(route["via"])),
            "dev": route.get("dev"), "src": route.get("src") and str(ipaddress.ip_address(route["src"])),
            "metric": route.get("metric")}


def read(runner, protocol, table):
    """(ours, others): the table's routes tagged with `protocol`, by prefix; and every other route of the table,
    a list per prefix (numeric protocol, missing when `boot`)."""
    routes, others = {}, {}
    for family in ("-4", "-6"):
        out = runner.read(["ip", "-N", "-j", family, "route", "show", "table", table], label="table %s" % table)
        for row in json.loads(out or "[]"):
            dst = row["dst"]
            if dst == "default":
                dst = "0.0.0.0/0" if family == "-4" else "::/0"
            via = row.get("gateway") or (row.get("via") or {}).get("host")     # "via" when of the other family
            route = {"dst": prefix(dst), "via": via, "dev": row.get("dev"), "src": row.get("prefsrc"),
                     "metric": row.get("metric")}
            if row.get("protocol", "3") == str(protocol):
                routes[route["dst"]] = route
            else:
                others.setdefault(route["dst"], []).append(dict(route, protocol=row.get("protocol", "3"),
                                                                type=row.get("type")))
    return routes, others


def describe(route):
    """A route of another protocol, as `ip route` shows it."""
    text = route["dst"]
    if route.get("type") not in (None, "1"):                  # 1: unicast
        text = "%s %s" % (TYPE_NAMES.get(route["type"], "type %s" % route["type"]), text)
    for key in ("via", "dev", "src", "metric"):
        if route.get(key) is not None:
            text += " %s %s" % (key, route[key])
    return text + " proto %s" % PROTOCOL_NAMES.get(route["protocol"], route["protocol"])


def effective_metric(route):
    return route["metric"] if route.get("metric") is not None else \
        DEFAULT_METRIC[ipaddress.ip_network(route["dst"]).version]


def read_forwarding(family):
    path = "/proc/sys/" + SYSCTL[family].replace(".", "/")
    try:
        with open(path) as fh:
            return fh.read().strip() == "1"
    except (IOError, OSError) as exc:
        raise LinuxError("cannot read %s: %s" % (path, exc))


def wanted_routes(p):
    wanted = {}
    for index, route in enumerate(p["config"]):
        try:
            entry = normal(route)
        except ValueError as exc:
            raise LinuxError("config[%d]: %s" % (index, exc))
        if p["state"] != "deleted" and not entry["via"] and not entry["dev"]:
            raise LinuxError("config[%d]: %s needs via or dev" % (index, entry["dst"]))
        if entry["dst"] in wanted:
            raise LinuxError("config[%d]: %s is listed twice" % (index, entry["dst"]))
        wanted[entry["dst"]] = entry
    return wanted


def sysctl_file_step(p):
    """Writing the forwarding settings to O(sysctl_file), or None when it already holds them. A file the module did not
    write (its first line is not SYSCTL_HEADER: /etc/sysctl.conf, an administrator's) is refused unless adopt,
    before anything changes (security review 3, N6: it was replaced whatever it held)."""
    text = SYSCTL_HEADER + "".join("%s = 1\n" % SYSCTL[family] for family in p["forwarding"])
    try:
        with open(p["sysctl_file"]) as fh:
            current = fh.read()
    except FileNotFoundError:
        current = None
    except (IOError, OSError, UnicodeDecodeError) as exc:
        raise LinuxError("cannot read %s: %s" % (p["sysctl_file"], exc), commands=[])
    if current == text:
        return None
    if current is not None and not current.startswith(SYSCTL_HEADER) and not p["adopt"]:
        raise LinuxError("%s exists and was not written by sitelink.tunnels (its first line is not %r); refusing to "
                         "overwrite it - set adopt: true to take it over" % (p["sysctl_file"], SYSCTL_HEADER.strip()),
                         commands=[])

    def write(_runner):
        try:
            files.write_atomically(p["sysctl_file"], text, 0o644)
        except (IOError, OSError) as exc:
            raise LinuxError("cannot write %s: %s" % (p["sysctl_file"], exc))
    return Step(shown="write %s" % p["sysctl_file"], action=write)


def converge(p, runner):
    if not 1 <= p["protocol"] <= 255 or p["protocol"] in (1, 2, 3):
        raise LinuxError("protocol: %d is not usable (1-255, and not redirect, kernel or boot)" % p["protocol"])
    wanted = wanted_routes(p)
    have, others = read(runner, p["protocol"], p["table"])
    # a prefix we want that has a route of another protocol (connected, the administrator's, DHCP's, a daemon's):
    # `ip route replace` would overwrite it, so it is refused before anything changes, unless adopted
    taken = dict((dst, others[dst]) for dst in sorted(wanted) if dst in others and p["state"] != "deleted")
    if taken and not p["adopt"]:
        raise LinuxError("; ".join("%s: table %s already has a route to it that is not ours (%s)" % (
            dst, p["table"], ", ".join(describe(r) for r in routes)) for dst, routes in taken.items()) +
            " - refusing to replace it; set adopt: true to take it over", commands=[])
    plan = engine.compare(ROUTE, have, wanted, p["state"])
    steps = [Step(render.route_command(r, p["protocol"], p["table"], "del")) for r in plan.remove]
    for dst in wanted if p["state"] != "deleted" else ():
        for other in taken.get(dst, []):      # adopted: the other routes to the prefix go first
            steps.append(Step(["ip", "route", "del", dst, "proto", other["protocol"], "metric",
                               str(effective_metric(other)), "table", p["table"]]))
        if dst in plan.put:
            steps.append(Step(render.route_command(wanted[dst], p["protocol"], p["table"])))
    forwarding_before = [(family, read_forwarding(family)) for family in p["forwarding"]]
    steps += [Step(["sysctl", "-w", "%s=1" % SYSCTL[family]]) for family, on in forwarding_before if not on]
    file_step = sysctl_file_step(p) if p["sysctl_file"] and p["forwarding"] else None
    steps += [file_step] if file_step else []
    # the file in the diff when it is written (it was not shown at all)
    shown = ["sysctl file %s: %s" % (p["sysctl_file"], "other content" if os.path.exists(p["sysctl_file"])
                                     else "missing")] if file_step else []
    runner.apply(steps)
    return {"routes": sorted(plan.after.values(), key=lambda r: r["dst"]),
            "diff": engine.diff(ROUTE.text(have, ["forwarding %s: %s" % (f, "on" if on else "off")
                                                  for f, on in forwarding_before] + shown),
                                ROUTE.text(plan.after, ["forwarding %s: on" % f for f in p["forwarding"]]
                                           + (["sysctl file %s: forwarding settings" % p["sysctl_file"]]
                                              if file_step else [])))}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config=dict(type="list", elements="dict", default=[], options=dict(
                dst=dict(type="str", required=True),
                via=dict(type="str"),
                dev=dict(type="str"),
                src=dict(type="str"),
                metric=dict(type="int"),
            )),
            state=dict(type="str", choices=list(engine.STATES), default="overridden"),
            protocol=dict(type="int", default=157),
            table=dict(type="str", default="main"),
            forwarding=dict(type="list", elements="str", choices=["ipv4", "ipv6"], default=[]),
            sysctl_file=dict(type="path"),
            adopt=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    engine.run(module, lambda runner: converge(module.params, runner))


if __name__ == "__main__":
    main()
