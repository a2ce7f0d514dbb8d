# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A RouterOS site rendered as a script that `/import` takes as it is: what only routers know (a peer's public
key) and what is secret (preshared keys) are script variables, set at the top of the file or by a separate 0600
file imported first; the router makes its own private key, so no rendered file ever holds one.

Variables are `:global`: whether a `:local` of an imported file lasts beyond its own line is not documented
(MikroTik manual, Scripting: "Command lines are executed one by one"), so every line that uses a variable declares
it itself, and the file removes its variables from /system script environment at its end (lab/FIDELITY.md: to
check on a CHR)."""

from __future__ import annotations

import re

from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import routeros as platform
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import resources as catalogue
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.engine import Engine
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.rendering import rsc_quote
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import plan as planner

# the release a render is cut for unless told (sitelink_render_release): the oldest the lab imports renders into, so
# that a field of a later release (a hub peer's responder, 7.15) never stops /import on an older router
RENDER_RELEASE = "7.12"
# the script variables' name prefixes: a peer's public key, a link's preshared key
KEY_PREFIX, PSK_PREFIX = "sitelinkKey", "sitelinkPsk"
# The file's one resource that may exist before the import: the operator creates the WireGuard interface first to
# read its public key for the other sites' files. Its add is skipped when the router has an interface of that name.
ADD_IF_ABSENT = "wireguard_interfaces"


def psk_file_name(host):
    return "%s.psk.rsc" % host


def variable_name(prefix, site, taken):
    """`prefix` and the site's name as one word (RouterOS variable names are letters and digits): branch-a gives
    sitelinkKeyBranchA; a name already taken gets a number."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", site) if w]
    base = prefix + "".join(w[:1].upper() + w[1:] for w in words)
    name, number = base, 1
    while name in taken:
        number += 1
        name = "%s%d" % (base, number)
    taken.add(name)
    return name


class SiteVariables(object):
    """The script variables of one site's file: per peer whose key the plan lacks, a public-key variable (its
    value known when it was read from the peer's router); per link with a preshared key, a preshared-key variable.
    `by_value` maps the placeholder the engine renders to the variable that replaces it."""

    def __init__(self, plan, public_keys):
        taken, placeholders = set(), planner.public_key_placeholders(plan)
        self.keys, self.psks, self.by_value = [], [], {}
        for peer in plan["peers"]:
            name = peer["peer"]
            if not planner.peer_public_key(plan, name, None):   # an external peer's key is in the plan: as text
                variable = variable_name(KEY_PREFIX, name, taken)
                self.keys.append((variable, name, (public_keys or {}).get(name) or ""))
                self.by_value[placeholders[name]] = variable
            if peer["preshared_key"]:
                variable = variable_name(PSK_PREFIX, name, taken)
                self.psks.append((variable, peer))
                self.by_value[planner.peer_preshared_key(plan, peer, None)] = variable
        self.placeholders = placeholders

    def names(self):
        return [v for v, _name, _key in self.keys] + [v for v, _peer in self.psks]


def header(host, variables, interface_line, release):
    lines = ["# sitelink.tunnels: site %s (render only; nothing was sent to the router)" % host,
             "# For RouterOS %s or later (sitelink_render_release; the fields of later releases are left out and the "
             "role adds them on its first run):" % release, "# upload it, then /import file-name=%s.rsc" % host,
             "# The router makes its own WireGuard private key: no rendered file holds one. Its public key, which the",
             "# other sites' files need, exists once its interface does: this line makes it, and this file then "
             "keeps it:", "#   " + interface_line]
    if variables.keys:
        lines += ["# Set below each peer's public key that is \"\" (on a RouterOS peer: /interface wireguard print; "
                  "on a Linux one:", "# wg show IFACE public-key), or render with sitelink_render_read_keys=true while "
                  "the peers answer.", "# An unset key stops the import before anything is written."]
    if variables.psks:
        lines += ["# Preshared keys are never in this file: import %s first (render with "
                  "sitelink_render_preshared_keys=true;" % psk_file_name(host),
                  "# it is a secret: mode 0600, delete it after the import)."]
    for variable, peer, key in variables.keys:
        lines.append("# the public key of %s (%s)" % (peer, "read from its router" if key else "SET IT"))
        lines.append(":global %s %s" % (variable, rsc_quote(key)))
    return lines


def guards(host, variables):
    """One line per variable: the import stops, naming what to set, while it is empty."""
    lines = []
    for variable, peer, _key in variables.keys:
        lines.append(guard(variable, "set %s (the public key of %s) at the top of %s.rsc" % (variable, peer, host)))
    for variable, peer in variables.psks:
        lines.append(guard(variable, "%s is not set (the preshared key of link %s): import %s first"
                                     % (variable, peer["link"], psk_file_name(host))))
    return lines


def guard(variable, message):
    return ":global %s; :if ([:len $%s] = 0) do={ :error %s }" % (variable, variable, rsc_quote("sitelink: " + message))


def body(plan, host, owner, variables, lan_list=None, release=None):
    """(the lines of every resource, each declaring the variables it uses; the interface's add, which is skipped
    when the router has that interface)."""
    lines, interface = [], None
    for name, config in platform.desired(plan, variables.placeholders, None, owner, lan_list).items():
        config = platform.for_release(catalogue.RESOURCES[name], config, release)
        if not config:
            continue
        _path_in_release(catalogue.RESOURCES[name], host, release)
        engine = Engine(catalogue.RESOURCES[name], host, owner=owner, release=release)
        for op in engine.render(config):
            line = engine.script(op, variables.by_value)
            used = [variables.by_value[v] for v in op.args.values() if isinstance(v, str) and v in variables.by_value]
            if name == ADD_IF_ABSENT and op.verb == "add":
                line = interface = ":if ([:len [/%s find where name=%s]] = 0) do={ %s }" % (
                    op.path.strip("/").replace("/", " "), rsc_quote(op.args["name"]), line)
            lines.append("".join(":global %s; " % v for v in used) + line)
    return lines, interface


def _path_in_release(resource, host, release):
    """ValueError when the plan has entries for a path RouterOS `release` lacks (BFD before 7.11): a script for it
    would stop at that line."""
    if release is not None and not resource.exists_in(release):
        raise ValueError("%s: RouterOS %s has no %s (RouterOS %s or later), which the plan needs (%s): render for a "
                         "later release (sitelink_render_release) or leave it out" % (
                             host, catalogue.shown(release), list(resource.paths.values())[0],
                             catalogue.shown(resource.since), resource.name))


def script(plan, host, owner, public_keys=None, lan_list=None, release=None):
    """The site's .rsc: header and key variables, the guards, every resource, then its variables removed; `lan_list`:
    the operator's interface list the tunnels also join (None: none); `release`: the RouterOS release it is cut for
    (text, RENDER_RELEASE when None)."""
    release = release or RENDER_RELEASE
    variables = SiteVariables(plan, public_keys)
    resources, interface = body(plan, host, owner, variables, lan_list, catalogue.release(release))
    lines = header(host, variables, interface, release) + guards(host, variables) + resources
    lines += ["/system script environment remove [ find where name=%s ]" % v for v in variables.names()]
    return "\n".join(lines) + "\n"


def psk_script(plan, host, secret):
    """The site's preshared keys as script variables (a secret: the caller writes it with mode 0600); None when
    the site has none. ValueError without the fleet's secret."""
    variables = SiteVariables(plan, None)
    if not variables.psks:
        return None
    if not secret:
        raise ValueError("sitelink_render_preshared_keys needs sitelink_psk_secret")
    lines = ["# sitelink.tunnels: the preshared keys of site %s - SECRET: keep it mode 0600, import it right before "
             "%s.rsc, then delete it" % (host, host),
             "# %s.rsc removes these variables from /system script environment at its end" % host]
    for variable, peer in variables.psks:
        lines.append(":global %s %s" % (variable, rsc_quote(planner.peer_preshared_key(plan, peer, secret))))
    return "\n".join(lines) + "\n"
