#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: linux_gre_tunnels
short_description: GRE tunnels on a Linux host (iproute2), with their addresses
version_added: 1.0.0
description:
  - Keeps point-to-point GRE interfaces (C(ip link add NAME type gre local A remote B)) with their MTU and
    addresses; in the site_tunnel role they run inside WireGuard, between the two ends' transit addresses, to
    carry multicast (OSPF and friends) that WireGuard alone does not.
  - Each interface made here carries the alias C(sitelink:OWNER LINK) (C(ip link set NAME alias ...)); only
    interfaces with this module's alias are changed or, with O(state=overridden), removed. A GRE interface of
    the same name without it is refused.
  - Needs the kernel's C(ip_gre) module. Without it the module fails naming the interface and the module to load.
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
options:
  config:
    description: The tunnels.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Interface name (at most 15 characters).
        type: str
        required: true
      local:
        description: Local address of the tunnel.
        type: str
        required: true
      remote:
        description: Address of the far end.
        type: str
        required: true
      mtu:
        description: Interface MTU.
        type: int
        default: 1396
      ttl:
        description: TTL of the outer packets (C(0) inherits the inner one's).
        type: int
        default: 64
      addresses:
        description: Addresses with prefix length on the interface.
        type: list
        elements: str
        default: []
      comment:
        description: Written after the ownership tag in the interface's alias (the role uses the link id).
        type: str
  owner:
    description:
      - Ownership tag in the alias of every interface this module makes (C(sitelink:OWNER)); 1-32 ASCII letters,
        digits, C(.), C(_) or C(-).
    type: str
    default: fleet
  state:
    description: C(merged) keeps other interfaces of ours; C(overridden) removes ours not in O(config);
      C(deleted) removes the listed ones (or all of ours with an empty list).
    type: str
    choices: [merged, overridden, deleted]
    default: overridden
attributes:
  check_mode:
    description: Reports the commands it would run; changes nothing.
    support: full
  diff_mode:
    description: The tunnels (ours) before and after.
    support: full
  platform:
    description: Linux with iproute2 and the C(ip_gre) kernel module.
    support: full
    platforms: posix
requirements:
  - iproute2; the kernel module C(ip_gre)
seealso:
  - module: sitelink.tunnels.routeros_gre_tunnels
"""

EXAMPLES = r"""
- name: GRE over the WireGuard transit, for OSPF
  sitelink.tunnels.linux_gre_tunnels:
    owner: fleet
    config:
      - name: gre-hub
        local: 10.255.0.1
        remote: 10.255.0.0
        mtu: 1396
        addresses: [10.254.0.1/31]
        comment: gateway--hub
"""

RETURN = r"""
commands:
  description: The commands run (or that would run in check mode).
  returned: always
  type: list
  elements: str
"""

import ipaddress
import json

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sitelink.tunnels.plugins.module_utils.common import names
from ansible_collections.sitelink.tunnels.plugins.module_utils.linux import engine, render
from ansible_collections.sitelink.tunnels.plugins.module_utils.linux.engine import LinuxError, Step

TUNNEL = engine.Resource(
    key="name", fields=("local", "remote", "ttl", "mtu", "up", "alias", "addresses"),
    line=lambda t: "%s local=%s remote=%s ttl=%s mtu=%s addresses=%s" % (
        t["name"], t["local"], t["remote"], t["ttl"], t["mtu"], ",".join(t["addresses"]) or "-"))
ENDPOINTS = ("local", "remote", "ttl")          # fixed when a GRE link is made: a change makes it anew
NO_GRE = " (the kernel needs GRE support: modprobe ip_gre)"


def read(runner):
    """Every GRE interface of the host, ours or not, by name."""
    tunnels = {}
    for link in json.loads(runner.read(["ip", "-j", "-d", "address", "show"]) or "[]"):
        info = link.get("linkinfo", {})
        if info.get("info_kind") != "gre":
            continue
        data = info.get("info_data", {})
        tunnels[link["ifname"]] = {
            "name": link["ifname"], "local": data.get("local"), "remote": data.get("remote"),
            "ttl": data.get("ttl", 0), "mtu": link.get("mtu"), "alias": link.get("ifalias", ""),
            "up": "UP" in link.get("flags", []),
            "addresses": sorted("%s/%s" % (a["local"], a["prefixlen"]) for a in link.get("addr_info", [])
                                if a.get("scope") != "link")}
    return tunnels


def wanted_tunnels(config, tag):
    wanted = {}
    for index, t in enumerate(config):
        if len(t["name"]) > 15:
            raise LinuxError("config[%d].name: %r is longer than 15 characters" % (index, t["name"]))
        try:
            addresses = sorted("%s/%d" % (i.ip, i.network.prefixlen)
                               for i in (ipaddress.ip_interface(a) for a in t["addresses"]))
            local, remote = str(ipaddress.ip_address(t["local"])), str(ipaddress.ip_address(t["remote"]))
        except ValueError as exc:
            raise LinuxError("config[%d] (%s): %s" % (index, t["name"], exc))
        wanted[t["name"]] = {"name": t["name"], "local": local, "remote": remote, "ttl": t["ttl"], "mtu": t["mtu"],
                             "alias": ("%s %s" % (tag, t["comment"])) if t["comment"] else tag,
                             "addresses": addresses, "up": True}
    return wanted


def ip(name, *args, **kw):
    """An `ip` command about interface `name` (which a failure names)."""
    return Step(["ip"] + list(args), label=name, **kw)


def put(name, have, want):
    """The commands that make interface `name` as wanted from `have` (None: there is none)."""
    steps = []
    if have and any(have[f] != want[f] for f in ENDPOINTS):
        steps.append(ip(name, "link", "del", "dev", name))
        have = None
    if have is None:
        steps.append(ip(name, "link", "add", name, "type", "gre", "local", want["local"], "remote", want["remote"],
                        "ttl", str(want["ttl"]), hint=NO_GRE))
    gone, new = engine.set_changes(have["addresses"] if have else [], want["addresses"])
    steps += [ip(name, "addr", "del", a, "dev", name) for a in gone]
    steps += [ip(name, "addr", "add", a, "dev", name) for a in new]
    if not have or have["alias"] != want["alias"]:
        steps.append(ip(name, "link", "set", "dev", name, "alias", want["alias"]))
    if not have or have["mtu"] != want["mtu"] or not have["up"]:
        steps.append(ip(name, "link", "set", "dev", name, "mtu", str(want["mtu"]), "up"))
    return steps


def converge(p, runner):
    why = names.problem("owner", p["owner"])
    if why:
        raise LinuxError("owner: %s" % why)
    tag = render.nft_marker(p["owner"])
    wanted = wanted_tunnels(p["config"], tag)
    have_all = read(runner)
    owner_of = dict((n, t["alias"].split(" ")[0]) for n, t in have_all.items())
    ours = dict((n, t) for n, t in have_all.items() if owner_of[n] == tag)
    if p["state"] != "deleted":
        for name in wanted:
            if name in have_all and name not in ours:
                raise LinuxError("%s: a GRE interface of that name exists and is not ours (alias %r)"
                                 % (name, have_all[name]["alias"]))
    plan = engine.compare(TUNNEL, ours, wanted, p["state"])
    steps = [ip(t["name"], "link", "del", "dev", t["name"]) for t in plan.remove]
    for name, (have, want) in plan.put.items():
        steps += put(name, have, want)
    runner.apply(steps)
    return {"diff": engine.diff(TUNNEL.text(ours), TUNNEL.text(plan.after))}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config=dict(type="list", elements="dict", default=[], options=dict(
                name=dict(type="str", required=True),
                local=dict(type="str", required=True),
                remote=dict(type="str", required=True),
                mtu=dict(type="int", default=1396),
                ttl=dict(type="int", default=64),
                addresses=dict(type="list", elements="str", default=[]),
                comment=dict(type="str"),
            )),
            owner=dict(type="str", default=render.DEFAULT_OWNER),
            state=dict(type="str", choices=list(engine.STATES), default="overridden"),
        ),
        supports_check_mode=True,
    )
    engine.run(module, lambda runner: converge(module.params, runner))


if __name__ == "__main__":
    main()
