# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render-only output of a site: its plan (YAML, JSON) and a RouterOS script or a Linux shell script.

Written by the role's fleet step for every site of the play at once, and by site_render for one site."""

from __future__ import annotations

import json
import os
import re

import yaml

from ansible_collections.sitelink.tunnels.plugins.module_utils.linux import render
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.engine import Engine
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.resources import RESOURCES
from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import linux as linux_adapter
from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import routeros as adapter
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import plan as planner

# libyaml's emitter when PyYAML has it: the pure-Python one is most of the time of rendering a big fleet
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
LINUX_DEFAULTS = {"linux_key_dir": "/etc/wireguard", "linux_route_protocol": 157, "linux_firewall_table": "sitelink"}
# A site's name becomes a file name: no path separators, no leading dot, no control characters.
FILE_STEM = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,127}$")


def script(plan, host, owner):
    """The whole site as a RouterOS script, with placeholders for what only routers know."""
    placeholders = planner.public_key_placeholders(plan)
    lines = ["# sitelink.tunnels: site %s (render only; nothing was sent to the router)" % host,
             "# <public key of SITE>: read it on SITE with /interface wireguard print; preshared keys are redacted"]
    for name in adapter.ORDER:
        resource = RESOURCES[name]
        config = adapter.config(plan, name, placeholders, None, owner)
        if not config:
            continue
        engine = Engine(resource, host, owner=owner)
        lines.extend(engine.script(op) for op in engine.render(config))
    return "\n".join(lines) + "\n"


def shell_script(plan, host, owner, key_dir="/etc/wireguard", protocol=157, table="sitelink"):
    """What the role does on a Linux site, as a shell script to read (keys and preshared keys as placeholders)."""
    placeholders = planner.public_key_placeholders(plan)
    wg = linux_adapter.wireguard(plan, placeholders, None)
    peers = [dict(peer, psk_text=peer.get("preshared_key")) for peer in wg["peers"]]   # placeholders: no secret given
    key = "%s/%s.key" % (key_dir, wg["name"])
    lines = ["#!/bin/sh",
             "# sitelink.tunnels: Linux site %s (render only; nothing was run on the host)" % host,
             "# <public key of SITE>: wg pubkey < %s on a Linux SITE, /interface wireguard print on RouterOS" % key,
             "set -eu", "umask 077",
             "[ -s %s ] || wg genkey > %s" % (key, key),
             "cat > %s/%s.conf <<'EOF'" % (key_dir, wg["name"]),
             render.wg_quick(wg["name"], wg["listen_port"], wg["mtu"], wg["addresses"], key, peers).rstrip("\n"),
             "EOF",
             "wg-quick up %s   # the role instead changes a running interface in place (wg set)" % wg["name"]]
    for overlay in linux_adapter.gre_tunnels(plan):
        lines.append("ip link add %s type gre local %s remote %s ttl 64   # needs the ip_gre kernel module"
                     % (overlay["name"], overlay["local"], overlay["remote"]))
        lines += ["ip addr add %s dev %s" % (a, overlay["name"]) for a in overlay["addresses"]]
        lines.append("ip link set dev %s mtu %d up" % (overlay["name"], overlay["mtu"]))
    lines += [" ".join(render.route_command(r, protocol)) for r in linux_adapter.routes(plan)]
    lines += ["sysctl -w %s=1" % ("net.ipv4.ip_forward" if f == "ipv4" else "net.ipv6.conf.all.forwarding")
              for f in linux_adapter.forwarding(plan)]
    lines += ["nft -f - <<'EOF'", "table inet %s" % table, "delete table inet %s" % table,
              render.nft_table(table, owner, linux_adapter.firewall(plan), -10).rstrip("\n"), "EOF"]
    return "\n".join(lines) + "\n"


def contents(plan, host, owner, options=None):
    """{file name: text} for one site; `options` holds the Linux settings (LINUX_DEFAULTS' keys)."""
    options = dict(LINUX_DEFAULTS, **dict((k, v) for k, v in (options or {}).items() if v not in (None, "")))
    files = {
        "%s.plan.yml" % host: yaml.dump(plan, Dumper=DUMPER, sort_keys=False, default_flow_style=False),
        "%s.plan.json" % host: json.dumps(plan, indent=2) + "\n",
    }
    if plan["platform"] == "linux":
        files["%s.sh" % host] = shell_script(plan, host, owner, options["linux_key_dir"],
                                             int(options["linux_route_protocol"]), options["linux_firewall_table"])
    else:
        files["%s.rsc" % host] = script(plan, host, owner)
    return files


def render_site(dest, plan, host, options, check_mode):
    """Writes one site's files into `dest`: (paths, written); ValueError/OSError name what went wrong."""
    return write(dest, contents(plan, host, options.get("owner", ""), options), check_mode)


def write(dest, files, check_mode):
    """Writes the files that differ into `dest` (never through a symlink); returns (all paths, written paths).
    Raises ValueError for a name that would leave `dest`."""
    paths, written = [], []
    for name, text in files.items():
        if not FILE_STEM.match(name) or name != os.path.basename(name):
            raise ValueError("%r cannot be a file name in %s (letters, digits, _ . @ + -; no leading dot)"
                             % (name, dest))
        path = os.path.join(dest, name)
        paths.append(path)
        if os.path.islink(path):
            raise ValueError("%s is a symbolic link; render files are never written through one" % path)
        current = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as fh:
                current = fh.read()
        if current != text:
            written.append(path)
            if not check_mode:
                os.makedirs(dest, exist_ok=True)
                # O_NOFOLLOW: a symlink planted after the check above is refused by the kernel, not followed
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(text)
    return paths, written
