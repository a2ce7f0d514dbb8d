# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet as the site_tunnel actions see it: every inventory host with `sitelink_site`,
whether or not it is in the play (a --limit run still plans complete peer lists)."""

from __future__ import annotations

import ipaddress
import json
import os
import socket

import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.sitelink.tunnels.plugins.module_utils.common import names
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model as topology
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import plan as planner
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import validate as validation

SETTINGS = ("sitelink_topology", "sitelink_link_defaults", "sitelink_pools", "sitelink_psk_secret")
CONNECTION = ("port", "username", "password", "tls", "validate_certs", "ca_path", "timeout")

# The role's internal variables that its actions read back, by purpose; the role registers them under exactly
# these names (tests/unit/plugins/test_role_variables.py checks the role against this table).
ROLE_VARS = {
    "fleet": "sitelink__fleet",                     # site_fleet: every site's plan, computed once per play
    "interface": "sitelink__interface",             # site_apply of the interface step: the site's public key
    "keys": "sitelink__keys",                       # site_public_keys: public keys, and whose are complete
    "apply": "sitelink__apply",                     # site_apply of the other resources: the peers' handshakes
    "linux_peer_keys": "sitelink__linux_peer_keys",  # wg_keypair, read only, on Linux peers outside the play
    "verify": "sitelink__verify",                   # site_verify: pings and peers of a site
    "report": "sitelink__report",                   # site_report
}


def plain(value):
    """Plain dicts, lists and strings from ansible-core's tagged or lazy values (a JSON round trip)."""
    return json.loads(json.dumps(value, default=str))


ROLE_SPEC = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                         "roles", "site_tunnel", "meta", "argument_specs.yml")
# What the topology validation checks itself, naming host, variable and reason.
VALIDATED_BY_TOPOLOGY = ("sitelink_site",) + SETTINGS
# Role settings that become names on a device, and the names.RULES entry they must satisfy.
NAMED_SETTINGS = {"sitelink_owner": "owner", "sitelink_linux_firewall_table": "nft_table"}
# The lockout guard's opt-in, per site: the controller does reach this site through a tunnel.
MANAGED_THROUGH_TUNNEL = "sitelink_management_through_tunnel"
# Variables of the collection outside the role's spec: the playbook's host pattern, site_plan's fact.
PLAYBOOK_VARS = ("sitelink_hosts", "sitelink_plan")


def compute(task_vars, templar, play_hosts=()):
    """(model, {site: plan}) of the whole fleet: loaded, validated and planned once. Plans are None on problems.
    The role's other settings of the play's sites are checked against the role's argument spec in the same
    pass, so one bad host stops the play before any site is touched (and without one spec dump per host)."""
    hostvars = task_vars["hostvars"]
    sites_vars = {}
    for host in hostvars:
        if "sitelink_site" in hostvars[host]:
            sites_vars[plain(host)] = hostvars[host]
    settings = dict((k, plain(templar.template(task_vars.get(k)))) for k in SETTINGS if k in task_vars)
    return check(sites_vars, settings, play_hosts)


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


def management_addresses(sites_vars, play_hosts, find_controller=controller_address):
    """{play site: [(address, what)]} the lockout guard checks; a site with sitelink_management_through_tunnel
    (the controller does reach it through a tunnel) is left out."""
    out = {}
    for host in play_hosts:
        host_vars = sites_vars.get(host)
        if host_vars is None or (MANAGED_THROUGH_TUNNEL in host_vars and plain(host_vars[MANAGED_THROUGH_TUNNEL])):
            continue
        target = str(plain(host_vars["ansible_host"])) if "ansible_host" in host_vars else str(host)
        found = [(target, "its management address, ansible_host")]
        controller = find_controller(target)
        if controller:
            found.append((controller, "the controller's address toward it"))
        out[host] = found
    return out


def check(sites_vars, settings, play_hosts=(), find_controller=controller_address):
    """compute() on plain data: {site: its host variables (mapping)}, the fleet settings and the play's hosts."""
    sites = dict((host, plain(host_vars["sitelink_site"])) for host, host_vars in sites_vars.items())
    model = topology.load(sites, settings)
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
        if host in named and isinstance(sites[host], dict) and sites[host].get("platform") != "external":
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
        why = names.problem(kind, value) if kind else None
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
        if value is None or (wanted is int and isinstance(value, str) and value.isdigit()):
            continue
        if not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
            out.append((key, "must be %s, not %s" % ({int: "a number", str: "a string", bool: "true or false"}[wanted],
                                                     topology.kind(value))))
    return out


def link_rows(host, plan, public_keys, status):
    """The fleet table's rows of one site: each link's status from the site's own verification result (`status`:
    its peers' handshakes and its pings; {} when it did not run) and whether the peer's key is known."""
    peers, pings = status.get("peers", []), status.get("results", [])
    waited = " in %ss of pings and retries" % status["waited"] if "waited" in status else ""
    by_key = dict((p.get("public_key"), p) for p in peers)
    by_address = dict((p["address"], p) for p in pings)
    rows = []
    for link in plan["links"]:
        key = planner.peer_public_key(plan, link["peer"], public_keys)
        peer = by_key.get(key) if key else None
        ping = by_address.get(link["verify_address"], {})
        handshake = peer.get("last_handshake") if peer else None
        state, reason = "down", None
        if not key:
            state, reason = "pending", "%s's public key is not known yet" % link["peer"]
        elif handshake and ping.get("received"):
            state = "up"
        elif not peer:
            reason = "%s has no peer entry for %s" % (host, link["peer"])
        elif not handshake:
            reason = "no handshake between %s and %s%s (its WireGuard port blocked, or its endpoint unreachable?)" \
                % (host, link["peer"], waited)
        else:
            reason = "handshake %s ago but no answer from %s through the tunnel" % (handshake, link["verify_address"])
        rows.append({"site": host, "peer": link["peer"], "overlay": link["overlay"],
                     "address": link["verify_address"], "handshake": handshake or "never",
                     "ping": "%s/%s" % (ping.get("received", 0), ping.get("sent", 0)) if ping else "-",
                     "status": state, "link": link["link"], "reason": reason})
    return rows


def not_up_message(host, rows):
    """Why a site fails with sitelink_verify_strict: its links that are not up, and the reasons; None if all are."""
    down = [r for r in rows if r["status"] != "up"]
    if not down:
        return None
    links, reasons = ", ".join(r["link"] for r in down), "; ".join(str(r["reason"]) for r in down)
    return "%s: link(s) not up: %s (%s)" % (host, links, reasons)


def link_ids(plans):
    """Every link of the planned sites, once."""
    return sorted(set(link["link"] for plan in plans.values() for link in plan["links"]))


def problems_message(model):
    lines = ["%d problem(s) in the inventory; no router was touched:" % len(model.problems)]
    lines += ["- %s" % p for p in model.problems]
    return "\n".join(lines)


def registered(task_vars, purpose, host=None):
    """What the role registered for `purpose` (a ROLE_VARS key), on `host` or the task's own host; {} if none."""
    name = ROLE_VARS[purpose]
    host_vars = task_vars["hostvars"][host] if host is not None else task_vars
    return plain(host_vars[name]) if name in host_vars else {}


def connection(task_vars, host):
    """Connection options of another inventory host, from its own variables, with the role's defaults: TLS
    (port 8729 unless it gives one) and certificate verification."""
    host_vars = task_vars["hostvars"][host]
    settings = plain(host_vars["sitelink_routeros"]) if "sitelink_routeros" in host_vars else {}
    return connection_options(settings, host_vars["ansible_host"] if "ansible_host" in host_vars else host)


def connection_options(settings, hostname):
    """Connection options from a site's sitelink_routeros mapping and its address, with the role's defaults."""
    settings = settings if isinstance(settings, dict) else {}
    params = dict((k, settings.get(k)) for k in CONNECTION)
    params["hostname"] = hostname
    params["tls"] = role_flag(settings, "tls")
    params["validate_certs"] = role_flag(settings, "validate_certs")
    return params


# What a site action (site_apply, site_verify) takes from the role's variables when its task does not give it. The
# role's tasks give none of these: a templated task argument is compiled by Jinja again in every host's worker
# process (there is no template cache across the fork), about 1 ms to 5 ms a template, and the module_defaults
# and settings these replace were 15 templates a task.
ROLE_OPTIONS = {
    "owner": "sitelink_owner",                   # site_apply
    "count": "sitelink_verify_count",            # site_verify
    "retries": "sitelink_verify_retries",
    "delay": "sitelink_verify_delay",
    "strict": "sitelink_verify_strict",
}
ROLE_LINUX_SETTINGS = {
    "key_dir": "sitelink_linux_key_dir",
    "implementation": "sitelink_linux_implementation",
    "persist": "sitelink_linux_persist",
    "sysctl_file": "sitelink_linux_sysctl_file",
    "route_protocol": "sitelink_linux_route_protocol",
    "firewall_table": "sitelink_linux_firewall_table",
    "adopt": "sitelink_linux_adopt",
    "install_packages": "sitelink_linux_install_packages",
}


def own_settings(task_vars, templar, given):
    """The options a site action fills from its host's role variables, for the ones its task (`given`: the task's
    arguments with their module_defaults) leaves out: the connection from `sitelink_routeros` (its keys, TLS and
    certificate checks on unless it says otherwise, at the host's ansible_host) unless the task names a hostname,
    the options of ROLE_OPTIONS, the `linux` settings from `sitelink_linux_*`; the action keeps those its module
    has. A variable the host does not have (the action used outside the role) leaves the module's default."""
    out = {}
    if "sitelink_routeros" in task_vars and not given.get("hostname"):
        settings = plain(templar.template(task_vars["sitelink_routeros"]))
        address = plain(templar.template(task_vars["ansible_host"])) if "ansible_host" in task_vars \
            else task_vars.get("inventory_hostname")
        out.update((k, v) for k, v in connection_options(settings, address).items()
                   if k not in given and v is not None)
    out.update((option, plain(templar.template(task_vars[variable]))) for option, variable in ROLE_OPTIONS.items()
               if option not in given and variable in task_vars)
    if "linux" not in given:
        linux = dict((option, plain(templar.template(task_vars[variable])))
                     for option, variable in ROLE_LINUX_SETTINGS.items() if variable in task_vars)
        if linux:
            out["linux"] = linux
    return out


def role_flag(settings, name):
    """`tls` or `validate_certs` of a site's sitelink_routeros: true unless it says otherwise (the role's
    defaults; YAML's and Ansible's spellings of false, "no" or "false" included)."""
    value = settings.get(name) if isinstance(settings, dict) else None
    return True if value is None else boolean(value, strict=False)


# The role's default of sitelink_routeros (roles/site_tunnel/defaults/main.yml).
ROUTEROS_DEFAULT = {}
# Sites the clear-text warning names before it only counts the rest.
NAMED_IN_WARNING = 10


def clear_text_warning(task_vars, templar, plans, play):
    """One warning for the run (the fleet step runs once) naming every RouterOS site whose API sessions this
    play opens without TLS - the play's sites and the peers outside it whose keys are read - or None.

    Each play site's sitelink_routeros comes from its own inventory variables, else from the fleet step's
    (the role's default, or a play variable); a value the fleet step's own host sees that differs from its
    inventory value (or a non-default one where its inventory has none) comes from above the inventory (play
    variables, role parameters) and holds for every host."""
    hostvars = task_vars["hostvars"]
    own = plain(templar.template(task_vars["sitelink_routeros"])) if "sitelink_routeros" in task_vars else {}
    me = task_vars.get("inventory_hostname")
    mine = plain(hostvars[me]["sitelink_routeros"]) if me in hostvars and "sitelink_routeros" in hostvars[me] \
        else None
    above_inventory = own != mine and (mine is not None or own != ROUTEROS_DEFAULT)
    clear = []
    for host in play:
        if plans[host]["platform"] != "routeros":
            continue
        if above_inventory or "sitelink_routeros" not in hostvars[host]:
            settings = own
        else:
            settings = plain(hostvars[host]["sitelink_routeros"])
        if not role_flag(settings, "tls"):
            clear.append(host)
    peers = set(link["peer"] for host in play for link in plans[host]["links"])
    for host in peers:
        if host not in play and plans.get(host, {}).get("platform") == "routeros" \
                and not connection(task_vars, host)["tls"]:
            clear.append(host)
    if not clear:
        return None
    clear.sort()
    named = ", ".join(clear[:NAMED_IN_WARNING])
    if len(clear) > NAMED_IN_WARNING:
        named += " and %d more" % (len(clear) - NAMED_IN_WARNING)
    return ("sitelink_routeros.tls is false for %d RouterOS site(s) (%s): the API password crosses the network "
            "in clear text, readable by anyone on the path. Enable api-ssl on those routers and drop tls: false "
            "(give their CA with sitelink_routeros.ca_path)." % (len(clear), named))


def plan_or_failure(task_vars, templar, host):
    """(this host's plan or None, None) without copying the whole fleet's plans (every host asks: that copy made
    a host task grow with the fleet); (None, failed result) as plans_or_failure."""
    name = ROLE_VARS["fleet"]
    if name in task_vars and "plans" in task_vars[name]:
        plans = task_vars[name]["plans"]
        return (plain(plans[host]) if host in plans else None), None
    plans, failure = plans_or_failure(task_vars, templar, reuse=False)
    return (plans.get(host) if plans else None), failure


def keys_of(task_vars, plan, host):
    """The key step's result cut to what one site needs (its own and its peers' keys, its `complete`), or {}
    without a key step; as plan_or_failure, without copying every site's keys on every host."""
    name = ROLE_VARS["keys"]
    if name not in task_vars or "public_keys" not in task_vars[name]:
        return {}
    every, complete = task_vars[name]["public_keys"], task_vars[name].get("complete", {})
    wanted = [host] + [peer["peer"] for peer in plan["peers"]]
    return {"public_keys": plain(dict((site, every[site]) for site in wanted if site in every)),
            "complete": {host: bool(complete[host]) if host in complete else False}}


def plans_or_failure(task_vars, templar, checked_hosts=(), reuse=True):
    """({site: plan}, None) from the role's fleet step, or computed here when there is none (or `reuse` is off);
    (None, failed result) when the inventory has problems or netaddr is missing."""
    if not planner.HAS_NETADDR:
        return None, {"failed": True, "msg": "the Python library netaddr is required on the controller "
                                             "(pip install netaddr)"}
    plans = registered(task_vars, "fleet").get("plans") if reuse else None
    if plans is None:
        model, plans = compute(task_vars, templar, checked_hosts)
        if model.problems:
            return None, {"failed": True, "msg": problems_message(model),
                          "problems": [str(p) for p in model.problems]}
    return plans, None


class FleetAction(ActionBase):
    """An action over the whole fleet: takes every site's plan from the role's fleet step (sitelink__fleet) or,
    used on its own, loads, validates and plans the inventory itself; then calls `work(plans, task_vars)`."""

    TRANSFERS_FILES = False
    _requires_connection = False
    REUSES_FLEET = True     # the fleet step itself always computes

    def run(self, tmp=None, task_vars=None):
        result = super(FleetAction, self).run(tmp, task_vars)
        plans, failure = plans_or_failure(task_vars, self._templar, self.checked_hosts(task_vars), self.REUSES_FLEET)
        if failure:
            result.update(failure)
            return result
        result.update(self.work(plans, task_vars))
        return result

    def checked_hosts(self, task_vars):
        """Hosts whose role settings are checked along with the fleet: none unless the action is the role's."""
        return ()

    def work(self, plans, task_vars):
        raise NotImplementedError
