# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render-only output of a site: its plan (YAML, JSON) and what its platform's driver renders (a RouterOS script, a
Linux shell script). Written by the role's fleet step for every site of the play at once, and by site_render for one
site."""

from __future__ import annotations

import json
import os
import re

import yaml

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.sitelink.tunnels.plugins.plugin_utils import drivers
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.drivers.base import SecretText

# libyaml's emitter when PyYAML has it: the pure-Python one is most of the time of rendering a big fleet
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
# A site's name becomes a file name: no path separators, no leading dot, no control characters.
FILE_STEM = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,127}$")
# What rendering takes from a site's role variables: setting -> (the render task's option, the role variable).
RENDER_SETTINGS = {
    "owner": ("owner", "sitelink_owner"),
    "key_dir": ("linux_key_dir", "sitelink_linux_key_dir"),
    "route_protocol": ("linux_route_protocol", "sitelink_linux_route_protocol"),
    "firewall_table": ("linux_firewall_table", "sitelink_linux_firewall_table"),
    "preshared_keys": ("render_preshared_keys", "sitelink_render_preshared_keys"),
    "read_keys": ("render_read_keys", "sitelink_render_read_keys"),
    "release": ("render_release", "sitelink_render_release"),
    "tunnels_in_lan_list": ("tunnels_in_lan_list", "sitelink_tunnels_in_lan_list"),
    "lan_interface_list": ("lan_interface_list", "sitelink_lan_interface_list"),
}
# settings that are switches: an INI inventory or -e gives them as text
SWITCHES = ("preshared_keys", "read_keys")


def render_settings(fleet, sites, args):
    """{site: its render settings}: each from the site's own role variables (FleetContext), else the role's
    defaults; an option the render task gives holds for every site."""
    out = dict((site, {}) for site in sites)
    for setting, (option, variable) in RENDER_SETTINGS.items():
        values = fleet.role_setting(variable, sites) if args.get(option) in (None, "") else {}
        for site in sites:
            out[site][setting] = values[site] if values else args[option]
    for site in sites:
        for setting in SWITCHES:
            out[site][setting] = boolean(out[site][setting] or False, strict=False)
    return out


def add_keys_and_secrets(fleet, plans, sites, settings):
    """Completes `settings` (render_settings) with what a site's files may hold besides its plan: the public keys
    of its peers, read once from each peer that answers (read_keys), and the fleet's preshared-key secret
    (preshared_keys). Returns the warnings of the keys that could not be read."""
    readers = [s for s in sites if settings[s]["read_keys"]]
    peers = sorted(set(link["peer"] for s in readers for link in plans[s]["links"]
                       if link["peer"] in plans and not drivers.of(plans[link["peer"]]).reads_key_on_host))
    keys, warnings = {}, []
    for peer in peers:
        keys[peer] = drivers.of(plans[peer]).public_key(fleet, peer, plans[peer]["wireguard"]["name"], warnings)
    asking = [s for s in sites if settings[s]["preshared_keys"]]
    secrets = fleet.role_setting("sitelink_psk_secret", asking) if asking else {}
    for site in sites:
        settings[site]["public_keys"] = keys if site in readers else {}
        settings[site]["psk_secret"] = secrets.get(site)
    return warnings


def contents(plan, host, settings):
    """{file name: text} for one site."""
    files = {
        "%s.plan.yml" % host: yaml.dump(plan, Dumper=DUMPER, sort_keys=False, default_flow_style=False),
        "%s.plan.json" % host: json.dumps(plan, indent=2) + "\n",
    }
    files.update(drivers.of(plan).files(plan, host, settings))
    return files


def render_site(dest, plan, host, settings, check_mode):
    """Writes one site's files into `dest`: (paths, written); ValueError/OSError name what went wrong."""
    return write(dest, contents(plan, host, settings), check_mode)


def write(dest, files, check_mode):
    """Writes the files that differ into `dest` (never through a symlink), a SecretText with mode 0600 (a file that
    was there before too); returns (all paths, written paths). Raises ValueError for a name that would leave `dest`."""
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
        mode = 0o600 if isinstance(text, SecretText) else 0o644
        if current != text or (current is not None and mode == 0o600 and os.stat(path).st_mode & 0o077):
            written.append(path)
            if not check_mode:
                write_file(dest, path, text, mode)
    return paths, written


def write_file(dest, path, text, mode):
    os.makedirs(dest, exist_ok=True)
    # O_NOFOLLOW: a symlink planted after the check above is refused by the kernel, not followed
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
    if mode == 0o600:
        os.fchmod(fd, mode)       # an older file keeps its mode through O_CREAT: a secret's is narrowed first
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
