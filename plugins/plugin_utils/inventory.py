# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory as the fleet step sees it: every host with `sitelink_site`, whether or not it is in the play (a
--limit run still plans complete peer lists), loaded, checked and planned once; the role settings of the play's
sites checked against the role's argument spec in the same pass."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import socket

import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.sitelink.tunnels.plugins.module_utils import platforms
from ansible_collections.sitelink.tunnels.plugins.module_utils.common import names
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import connection
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model as topology
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import validate as validation
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.context import ABSENT, SETTINGS, plain

ROLE_SPEC = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                         "roles", "site_tunnel", "meta", "argument_specs.yml")
# What the topology validation checks itself, naming host, variable and reason.
VALIDATED_BY_TOPOLOGY = ("sitelink_site",) + SETTINGS
# Role settings that become names on a device, and the names.RULES entry they must satisfy.
NAMED_SETTINGS = {"sitelink_owner": "owner", "sitelink_linux_firewall_table": "nft_table",
                  "sitelink_linux_key_dir": "path", "sitelink_linux_sysctl_file": "path"}
# The lockout guard's opt-in, per site: the controller does reach this site through a tunnel.
MANAGED_THROUGH_TUNNEL = "sitelink_management_through_tunnel"
# Variables of the collection outside the role's spec: the playbook's host pattern, site_plan's fact.
PLAYBOOK_VARS = ("sitelink_hosts", "sitelink_plan")
# Hosts a scope message names before it only counts the rest.
NAMED_IN_MESSAGE = 5


def compute(fleet, play_hosts=()):
    """(model, {site: plan}) of the whole fleet (`fleet`: a FleetContext): loaded, validated and planned once. Plans
    are None on problems. The fleet settings are each configured site's own, and must agree."""
    sites_vars = fleet.sites_vars()
    configured = [site for site, host_vars in sites_vars.items() if is_configured(host_vars["sitelink_site"])]
    values = dict((name, fleet.values(name, configured)) for name in SETTINGS)
    settings, disagreements = agreement(values)
    return check(sites_vars, settings, play_hosts, disagreements=disagreements)


def is_configured(site):
    """Whether Ansible configures this site (its platform's capabilities say so); an unknown platform counts as
    configured: validation names it."""
    site = plain(site)
    return platforms.capabilities(site.get("platform", platforms.DEFAULT) if isinstance(site, dict)
                                  else platforms.DEFAULT).configured


def fingerprint(value):
    """A digest that tells two values apart; compared in this process only, never shown (a secret's included)."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def agreement(values):
    """({setting: the value every configured site holds}, [(setting, why)]) from {setting: {site: value or ABSENT}}:
    a fleet setting that differs between sites (a secret in one group and not in another, a topology on the sites'
    group and another one above) is refused, naming the sites on each side and never a value."""
    settings, problems = {}, []
    for name in SETTINGS:
        groups = {}
        for site in sorted(values.get(name, {}), key=str):
            value = values[name][site]
            groups.setdefault(None if value is ABSENT else fingerprint(value), []).append(site)
        if len(groups) > 1:
            sides = sorted(groups.items(), key=lambda item: (item[0] is None, -len(item[1]), item[1]))
            words = ["%s: %s" % (named(sites), "not set" if key is None else "value %d" % (i + 1))
                     for i, (key, sites) in enumerate(sides)]
            problems.append((name, "differs between the sites (%s); both ends of a link must use one value: set it "
                                   "once for every site (for example in group_vars/all)" % "; ".join(words)))
            continue
        site = next((s for sites in groups.values() for s in sites), None)
        if site is not None and values[name][site] is not ABSENT:
            settings[name] = values[name][site]
    return settings, problems


def named(hosts, most=NAMED_IN_MESSAGE):
    """Hosts for a message: the first few by name, then how many more."""
    shown = ", ".join(str(h) for h in hosts[:most])
    return shown + (" and %d more" % (len(hosts) - most) if len(hosts) > most else "")


def controller_address(target):
    """The controller's own address toward `target` (an address): a UDP socket is connected, nothing is sent.
    None for a host name (no name lookups here) or when the controller has no route to it."""
    try:
        family = socket.AF_INET6 if ":" in target else socket.AF_INET
        ipaddress.ip_address(target)
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect((target, 9))
            return probe.getsockname()[0]
    except (OSError, ValueError):
        return None


def opted_out(host_vars):
    """Whether the site says the controller reaches it through a tunnel (sitelink_management_through_tunnel), read as
    Ansible reads a boolean: an INI inventory line gives the text "false", which must not switch the guard off."""
    return MANAGED_THROUGH_TUNNEL in host_vars and boolean(plain(host_vars[MANAGED_THROUGH_TUNNEL]), strict=False)


def management_target(host, host_vars):
    """What the controller connects to: ansible_host, else the inventory name."""
    return str(plain(host_vars["ansible_host"])) if "ansible_host" in host_vars else str(host)


def unchecked_by_lockout(sites_vars, play_hosts):
    """The play's sites the lockout guard cannot check: they are reached at a host name, and the guard compares
    addresses without looking names up (a look-up could hang the whole fleet step)."""
    out = []
    for host in play_hosts:
        host_vars = sites_vars.get(host)
        if host_vars is not None and not opted_out(host_vars) and \
                _address_or_none(management_target(host, host_vars)) is None:
            out.append(host)
    return out


def _address_or_none(text):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def management_addresses(sites_vars, play_hosts, find_controller=controller_address):
    """{play site: [(address, what)]} the lockout guard checks; a site with sitelink_management_through_tunnel
    (the controller does reach it through a tunnel) is left out."""
    out = {}
    for host in play_hosts:
        host_vars = sites_vars.get(host)
        if host_vars is None or opted_out(host_vars):
            continue
        target = management_target(host, host_vars)
        found = [(target, "its management address, ansible_host")]
        controller = find_controller(target)
        if controller:
            found.append((controller, "the controller's address toward it"))
        out[host] = found
    return out


def check(sites_vars, settings, play_hosts=(), find_controller=controller_address, disagreements=()):
    """compute() on plain data: {site: its host variables (mapping)}, the fleet settings (agreed), the play's hosts
    and the fleet settings the sites disagree on ((setting, why), from agreement())."""
    sites = dict((host, plain(host_vars["sitelink_site"])) for host, host_vars in sites_vars.items())
    model = topology.load(sites, settings)
    validation.psk_secret_problems(model)
    for name, why in disagreements:
        model.problem("fleet", name, why)
    if not sites:
        model.problem("fleet", "sitelink_site", "no inventory host has sitelink_site: there is no site to build "
                      "(is it the right inventory?)")
        return model, None
    plans = validation.plan_fleet(model)
    if plans:
        validation.lockout(model, plans, management_addresses(sites_vars, play_hosts, find_controller))
    spec = role_settings_spec()
    named = dict((h, v) for h, v in sites_vars.items() if h not in model.refused_sites)   # the others: reported
    unknown_variables(model, spec, named)
    for host in play_hosts:
        if host in named and is_configured(sites[host]):
            for variable, message in role_settings_problems(spec, sites_vars[host]):
                model.problem(host, variable, message)
    return model, (None if model.problems else plans)


def unknown_variables(model, spec, sites_vars):
    """A misspelled `sitelink_*` variable would silently fall back to its default: one problem per name, with the
    hosts that have it and the nearest variable the role knows."""
    known = set(spec) | set(VALIDATED_BY_TOPOLOGY) | set(PLAYBOOK_VARS)
    found = {}
    for host, host_vars in sites_vars.items():
        for name in host_vars:
            if name.startswith("sitelink_") and not name.startswith("sitelink__") and name not in known:
                found.setdefault(name, []).append(host)
    for name in sorted(found):
        hosts = sorted(found[name])
        where = hosts[0] if len(hosts) == 1 else "fleet"
        on = "" if len(hosts) == 1 else " (set for %s%s)" % (", ".join(hosts[:3]), ", ..." if len(hosts) > 3 else "")
        model.problem(where, name, "unknown variable%s%s; the role would ignore it"
                      % (names.suggest(name, sorted(known)), on))


def role_settings_spec():
    """The role's argument spec without the variables the topology validation owns."""
    with open(ROLE_SPEC, encoding="utf-8") as fh:
        options = yaml.safe_load(fh)["argument_specs"]["main"]["options"]
    return dict((k, v) for k, v in options.items() if k not in VALIDATED_BY_TOPOLOGY)


def role_settings_problems(spec, host_vars):
    """[(variable, why)] for the role settings a host defines (defaults are valid by construction): each variable
    checked on its own against the role's argument spec, so every message names its variable."""
    out = []
    for name in sorted(n for n in spec if n in host_vars):
        value = plain(host_vars[name])
        wanted = TYPE_WORDS.get(spec[name].get("type", "str"))
        if wanted is not None and not wanted[0](value):
            out.append((name, "must be %s, not %s" % (wanted[1], topology.kind(value))))
            continue
        result = ArgumentSpecValidator({name: spec[name]}).validate({name: value}, validate_role_argument_spec=True)
        for message in result.error_messages:
            out.append((name, _plain_words(message)))
        if result.error_messages:
            continue
        kind = NAMED_SETTINGS.get(name)
        why = names.problem(kind, value) if kind else _out_of_range(value, SETTING_RANGES.get(name))
        if why:
            out.append((name, why))
        if name == "sitelink_routeros" and isinstance(value, dict):
            out.extend(("%s.%s" % (name, key), why) for key, why in connection_problems(value))
    return out


# argument-spec types: (accepts, in words). Role settings come from the command line too (-e sitelink_verify=false
# is a string there), so Ansible's boolean words are booleans here, unlike in the inventory's own structures.
BOOLEAN_WORDS = ("true", "false", "yes", "no", "on", "off", "1", "0")
TYPE_WORDS = {
    "str": (lambda v: isinstance(v, str), "a string"),
    "path": (lambda v: isinstance(v, str), "a path"),
    "bool": (lambda v: isinstance(v, bool) or (isinstance(v, str) and v.lower() in BOOLEAN_WORDS), "true or false"),
    "int": (lambda v: (isinstance(v, int) and not isinstance(v, bool))
            or (isinstance(v, str) and v.isascii() and v.isdigit()), "a whole number"),
    "dict": (lambda v: isinstance(v, dict), "a mapping"),
    "list": (lambda v: isinstance(v, list), "a list"),
}


def _plain_words(message):
    """An argument-spec error without Python's type names ("of type NoneType and we were unable to convert")."""
    for python, words in (("NoneType", "an empty value (null)"), ("'str'", "a string"), ("'int'", "a number"),
                          ("'list'", "a list"), ("'dict'", "a mapping"), ("'bool'", "a boolean")):
        message = message.replace(python, words)
    return message


CONNECTION_TYPES = {"port": int, "username": str, "password": str, "tls": bool, "validate_certs": bool,
                    "ca_path": str, "timeout": int}
# (lowest, highest) of the whole-number settings: outside them a socket, time.sleep or a ping fails mid-run with
# an exception that names neither host nor variable (security review 3, N7), or a run means nothing (N8: no ping,
# a billion retries)
CONNECTION_RANGES = {"port": connection.PORT_RANGE, "timeout": connection.TIMEOUT_RANGE}
SETTING_RANGES = {
    "sitelink_verify_count": (1, 10),        # pings per link end and attempt; 0 would report every link down
    "sitelink_verify_retries": (0, 100),     # the default 15 covers a new link's first handshake and keepalive
    "sitelink_verify_delay": (0, 60),        # seconds between retries
    # 1-4 are the kernel's and the administrator's (redirect, kernel, boot, static): the role purges the routes of
    # its own protocol, so it must never be one of theirs (/etc/iproute2/rt_protos)
    "sitelink_linux_route_protocol": (5, 255),
}


def connection_problems(settings):
    """[(key, why)] of sitelink_routeros: unknown keys (with the nearest one) and values of the wrong type (a
    password given as a mapping or list is refused, never shown)."""
    out = []
    for key in sorted(settings, key=str):
        if key not in CONNECTION_TYPES:
            out.append((key, "unknown setting%s (known: %s)" % (names.suggest(key, CONNECTION_TYPES),
                                                                ", ".join(CONNECTION_TYPES))))
            continue
        wanted, value = CONNECTION_TYPES[key], settings[key]
        if value is None:
            continue
        digits = wanted is int and isinstance(value, str) and value.isascii() and value.isdigit()
        if not digits and (not isinstance(value, wanted) or (wanted is int and isinstance(value, bool))):
            out.append((key, "must be %s, not %s" % ({int: "a number", str: "a string", bool: "true or false"}[wanted],
                                                     topology.kind(value))))
            continue
        why = _out_of_range(value, CONNECTION_RANGES.get(key))
        if key == "ca_path":        # read on the controller: a missing file fails here, before any router is touched
            why = connection.ca_problem(value)
        if why:
            out.append((key, why))
    return out


def _out_of_range(value, bounds):
    """Why a whole number (or its digits) is outside `bounds` (lowest, highest), or None."""
    if bounds is None or value is None or not (int(value) < bounds[0] or int(value) > bounds[1]):
        return None
    return "%s is out of range (%d to %d)" % (value, bounds[0], bounds[1])


def link_ids(plans):
    """Every link of the planned sites, once."""
    return sorted(set(link["link"] for plan in plans.values() for link in plan["links"]))


def problems_message(model):
    lines = ["%d problem(s) in the inventory; no router was touched:" % len(model.problems)]
    lines += ["- %s" % p for p in model.problems]
    return "\n".join(lines)


def plans_or_failure(fleet, checked_hosts=(), reuse=True):
    """({site: plan}, None) from the role's fleet step, or computed here when there is none (or `reuse` is off);
    (None, failed result) when the inventory has problems."""
    plans = fleet.registered("fleet").get("plans") if reuse else None
    if plans is None:
        model, plans = compute(fleet, checked_hosts)
        if model.problems:
            return None, {"failed": True, "msg": problems_message(model),
                          "problems": [str(p) for p in model.problems]}
    return plans, None
