# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The only code that reads task variables.

`FleetContext` is what a fleet-wide step (the role's run-once `site_fleet`, `site_public_keys`, `site_report`) sees:
every site's own inventory variables, and the fleet settings each site holds in its own scope. `SiteContext` is what
one site's task (`site_apply`, `site_verify`) sees: its plan out of the fleet step, the keys it needs, its settings,
its connection and the preshared-key secret."""

from __future__ import annotations

import json
import os

import yaml

from ansible.inventory.host import Host
from ansible.module_utils.parsing.convert_bool import boolean

# Fleet-wide settings: every configured site must see the same value (inventory.agreement refuses a difference).
SETTINGS = ("sitelink_topology", "sitelink_link_defaults", "sitelink_pools", "sitelink_psk_secret",
            "sitelink_drain", "sitelink_routing", "sitelink_ospf", "sitelink_ospf_static_backup")
CONNECTION = ("port", "username", "password", "tls", "validate_certs", "ca_path", "timeout")
# Where a connection option comes from when no sitelink_routeros key gives it: Ansible's own connection variable of
# the host, else an environment variable of the controller: those AWX's Network credential sets (Red Hat AAP docs,
# "Network credential type": ANSIBLE_NET_USERNAME, ANSIBLE_NET_PASSWORD), and the CA file the collection's own AWX
# credential type (extensions/awx/credential_type.yml) writes.
CONNECTION_FALLBACKS = {"username": ("ansible_user", "ANSIBLE_NET_USERNAME"),
                        "password": ("ansible_password", "ANSIBLE_NET_PASSWORD"),
                        "port": ("ansible_port", None),
                        "ca_path": (None, "SITELINK_ROUTEROS_CA_PATH")}
# The name of the inventory-less host that stands in a host's groups to read their value of a variable: no
# host_vars file or inventory host has it, so it sees what the groups give and nothing of any host's own.
GROUP_SCOPE_HOST = "sitelink--group-scope--"

# The role's internal variables that its actions read back, by purpose; the role registers them under exactly
# these names (tests/unit/plugins/test_role_variables.py checks the role against this table).
ROLE_VARS = {
    "fleet": "sitelink__fleet",                     # site_fleet: every site's plan, computed once per play
    "interface": "sitelink__interface",             # site_apply of the interface step: the site's public key
    "keys": "sitelink__keys",                       # site_public_keys: public keys, and whose are complete
    "apply": "sitelink__apply",                     # site_apply of the other resources: the peers' handshakes
    "peer_keys_on_host": "sitelink__peer_keys_on_host",  # wg_keypair, read only, on peers outside the play
    "verify": "sitelink__verify",                   # site_verify: pings and peers of a site
    "report": "sitelink__report",                   # site_report
}

# A play site's steps before verification, latest first: the one that stopped a site that left the play says why.
STEPS_BEFORE_VERIFY = ("apply", "interface")

# What a site action (site_apply, site_verify) takes from the role's variables when its task does not give it. The
# role's tasks give none of these: a templated task argument is compiled by Jinja again in every host's worker
# process (there is no template cache across the fork), about 1 ms to 5 ms a template.
ROLE_OPTIONS = {
    "owner": "sitelink_owner",                   # site_apply
    "count": "sitelink_verify_count",            # site_verify
    "retries": "sitelink_verify_retries",
    "delay": "sitelink_verify_delay",
    "strict": "sitelink_verify_strict",
    "purge": "sitelink_purge",                   # site_apply: the purge guard's permissions
    "purge_sites": "sitelink_purge_sites",
    "renumber": "sitelink_renumber",             # site_apply: the renumbering guard's permission
    "tunnels_in_lan_list": "sitelink_tunnels_in_lan_list",   # site_apply: the tunnels in the operator's LAN list
    "lan_interface_list": "sitelink_lan_interface_list",
    "break_lock": "sitelink_break_lock",         # site_apply: take over another run's fleet lock
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
ROLE_DEFAULTS_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                  "roles", "site_tunnel", "defaults", "main.yml")
# A variable a scope does not define (None is a value).
ABSENT = object()
# A value whose text holds a template: made in each site's own scope.
TEMPLATED = object()


def plain(value):
    """Plain dicts, lists and strings from ansible-core's tagged or lazy values (a JSON round trip)."""
    return json.loads(json.dumps(value, default=str))


def role_defaults():
    """The role's defaults (roles/site_tunnel/defaults/main.yml), as written (a templated default stays a text)."""
    with open(ROLE_DEFAULTS_FILE, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def role_flag(settings, name):
    """`tls` or `validate_certs` of a site's sitelink_routeros: true unless it says otherwise (the role's
    defaults; YAML's and Ansible's spellings of false, "no" or "false" included)."""
    value = settings.get(name) if isinstance(settings, dict) else None
    return True if value is None else boolean(value, strict=False)


def connection_options(settings, hostname, fallbacks=None):
    """Connection options from a site's sitelink_routeros mapping and its address, with the role's defaults; an
    option the mapping leaves out (or null) takes its value from `fallbacks` (connection_fallbacks)."""
    settings = settings if isinstance(settings, dict) else {}
    params = dict((k, settings.get(k)) for k in CONNECTION)
    params.update((k, v) for k, v in (fallbacks or {}).items() if params.get(k) is None)
    params["hostname"] = hostname
    params["tls"] = role_flag(settings, "tls")
    params["validate_certs"] = role_flag(settings, "validate_certs")
    return params


def connection_fallbacks(lookup, environ=None):
    """{option: value} of CONNECTION_FALLBACKS for a host: `lookup(variable)` gives its value of an Ansible
    variable, or ABSENT; a port given as text becomes a number."""
    environ = os.environ if environ is None else environ
    out = {}
    for option, (variable, env_name) in CONNECTION_FALLBACKS.items():
        value = lookup(variable) if variable else ABSENT
        if value is ABSENT or value is None:
            value = environ.get(env_name) if env_name else None
        if value is not None and value != "":
            out[option] = int(value) if option == "port" and str(value).isdigit() else value
    return out


def merged_over_groups(own, group):
    """A host's sitelink_routeros over its groups' one, key by key (Ansible replaces a whole mapping; a host that
    gives only its port or its password keeps the group's other keys)."""
    own = own if isinstance(own, dict) else {}
    if not isinstance(group, dict):
        return own
    out = dict(group)
    out.update(own)
    return out


def group_value(hostvars, host, name, cache):
    """The raw value of `name` that `host`'s groups give it (group_vars, the inventory's group variables, `all`
    included) before its own host variables; ABSENT when they give none, or outside Ansible (no inventory behind
    `hostvars`). `cache` keeps one value per set of groups: a fleet's hosts share a few."""
    inventory, manager = getattr(hostvars, "_inventory", None), getattr(hostvars, "_variable_manager", None)
    real = inventory.get_host(host) if inventory is not None and manager is not None else None
    if real is None:
        return ABSENT
    groups = real.get_groups()
    key = tuple(sorted(g.name for g in groups))
    if key not in cache:
        stand_in = Host(GROUP_SCOPE_HOST)
        stand_in.groups.extend(groups)      # not group.add_host: the groups do not learn of it
        values = manager.get_vars(host=stand_in, include_hostvars=False)
        cache[key] = values[name] if name in values else ABSENT
    return cache[key]


def group_keys_missing(own, group):
    """The raw keys of the groups' sitelink_routeros that a host's own mapping leaves out ({} if none)."""
    own = own if isinstance(own, dict) else {}
    return dict((k, v) for k, v in group.items() if k not in own) if isinstance(group, dict) else {}


def registered(task_vars, purpose, host=None):
    """What the role registered for `purpose` (a ROLE_VARS key), on `host` or the task's own host; {} if none."""
    name = ROLE_VARS[purpose]
    host_vars = task_vars["hostvars"][host] if host is not None else task_vars
    return plain(host_vars[name]) if name in host_vars else {}


class FleetContext(object):
    """A fleet-wide step's view: the sites' own variables and the scope each fleet setting comes from.

    A site's value of a variable is its own (inventory host and group variables, which hostvars shows), unless the
    value the step's own host sees was set above the inventory (play variables, role parameters: they hold for
    every host of the play) - so the host that runs a run-once step, a site or not, changes nothing."""

    def __init__(self, task_vars, templar):
        self.task_vars = task_vars
        self.templar = templar
        self.hostvars = task_vars["hostvars"]
        self.me = task_vars.get("inventory_hostname")
        self._defaults = None
        self._sites_vars = None
        self._raw = {}
        self._groups = {}      # group_value's cache of the groups' sitelink_routeros

    def sites_vars(self):
        """{site: its host variables (a mapping)} of every inventory host with sitelink_site, in the play or not."""
        if self._sites_vars is None:
            self._sites_vars = dict((plain(host), self.hostvars[host]) for host in self.hostvars
                                    if "sitelink_site" in self.hostvars[host])
        return self._sites_vars

    def play_hosts(self, current=False):
        """The play's hosts; `current`: only those still running (not failed or unreachable)."""
        return plain(self.task_vars.get("ansible_play_hosts" if current else "ansible_play_hosts_all", []))

    def batch_hosts(self):
        """The play's hosts this run-once step works for. With `serial` (some running host of the play is not in
        ansible_play_batch) the current batch: the play's other batches are outside it, as --limit leaves hosts out
        (their keys read from their routers, never written). Otherwise the play's hosts, as play_hosts()."""
        batch = plain(self.task_vars.get("ansible_play_batch", self.play_hosts(current=True)))
        if set(self.play_hosts(current=True)) <= set(batch):
            return self.play_hosts()
        return batch

    def batch_sites(self, plans):
        """The sites of `plans` this batch's fleet step configures (its play_sites), else those of batch_hosts()."""
        fleet = self.registered("fleet")
        if "play_sites" in fleet:
            return fleet["play_sites"]
        return [h for h in self.batch_hosts() if h in plans]

    def defaults(self):
        if self._defaults is None:
            self._defaults = role_defaults()
        return self._defaults

    def above_inventory(self, name):
        """The value of `name` set above the inventory for the whole play, or ABSENT: the step's own host sees a value
        that its inventory variables do not hold, and that is not the role's default."""
        if name not in self.task_vars:
            return ABSENT
        own = plain(self.templar.template(self.task_vars[name]))
        mine = self.hostvars[self.me] if self.me in self.hostvars else {}
        if name in mine:
            return own if own != plain(mine[name]) else ABSENT
        return ABSENT if own == self.defaults().get(name, ABSENT) else own

    def values(self, name, sites):
        """{site: its value of `name`, or ABSENT} in each site's own scope (see the class).

        Sites of one group share the group's value (one object): a value without a template is taken once for them
        all, so that a fleet-wide mapping (a topology listing every link) costs once, not once per site; a value
        with a template ("{{ vault_secret }}") is made in each site's own scope."""
        above = self.above_inventory(name)
        if above is not ABSENT:
            return dict((site, above) for site in sites)
        every, shared, out = self.sites_vars(), {}, {}
        for site in sites:
            raw = self.raw(site)
            if name not in raw:
                out[site] = ABSENT
                continue
            value = raw[name]
            if id(value) not in shared:
                shared[id(value)] = TEMPLATED if self.templar.is_template(value) else plain(value)
            out[site] = plain(every[site][name]) if shared[id(value)] is TEMPLATED else shared[id(value)]
        return out

    def raw(self, site):
        """A site's variables as the inventory gives them, not templated."""
        if site not in self._raw:
            self._raw[site] = self.hostvars.raw_get(site)
        return self._raw[site]

    def role_setting(self, name, sites):
        """{site: its value of the role setting `name` in its own scope, else the role's default (None if none)}."""
        default = self.defaults().get(name)
        return dict((site, default if value is ABSENT else value) for site, value in self.values(name, sites).items())

    def registered(self, purpose, host=None):
        return registered(self.task_vars, purpose, host)

    def connection(self, host, settings=ABSENT):
        """Connection options of an inventory host: its sitelink_routeros (`settings`: its value in the site's own
        scope when the caller has it, else its own variable) merged key by key over its groups' mapping, then
        CONNECTION_FALLBACKS, then the role's defaults: TLS (port 8729 unless given) and certificate verification."""
        host_vars = self.hostvars[host]
        if settings is ABSENT:
            settings = plain(host_vars["sitelink_routeros"]) if "sitelink_routeros" in host_vars else {}
        missing = group_keys_missing(settings, group_value(self.hostvars, host, "sitelink_routeros", self._groups))
        if missing:
            copy = self.templar.copy_with_new_env(available_variables=self.raw(host))
            settings = merged_over_groups(settings, plain(copy.template(missing)))
        fallbacks = connection_fallbacks(lambda name: plain(host_vars[name]) if name in host_vars else ABSENT)
        return connection_options(settings, host_vars["ansible_host"] if "ansible_host" in host_vars else host,
                                  fallbacks)

    def become(self, host):
        """Whether a task on `host` becomes root: its sitelink_linux_become, else the role's default rule (a user
        other than root becomes)."""
        host_vars = self.hostvars[host]
        if "sitelink_linux_become" in host_vars:
            return boolean(plain(host_vars["sitelink_linux_become"]), strict=False)
        user = plain(host_vars["ansible_user"]) if "ansible_user" in host_vars else "root"
        return user != "root"


class SiteContext(object):
    """One site task's view, read once: its host, plan (from the role's fleet step), the public keys it needs, its
    settings (connection, owner, Linux, verification) and the preshared-key secret, all in the host's own scope -
    the scope the fleet step validated (inventory.agreement: every site sees the same fleet settings)."""

    def __init__(self, task_vars, templar):
        self.task_vars = task_vars
        self.templar = templar
        self.host = task_vars.get("inventory_hostname", "router")
        self._keys = None

    def var(self, name, default=None):
        return plain(self.templar.template(self.task_vars[name])) if name in self.task_vars else default

    @property
    def secret(self):
        return self.templar.template(self.task_vars.get("sitelink_psk_secret"))

    def fleet_plan(self):
        """(this host's plan or None, True) from the role's fleet step without copying every plan (each host asks:
        that copy made a host task grow with the fleet); (None, False) without a fleet step."""
        name = ROLE_VARS["fleet"]
        if name in self.task_vars and "plans" in self.task_vars[name]:
            plans = self.task_vars[name]["plans"]
            return (plain(plans[self.host]) if self.host in plans else None), True
        return None, False

    def in_inventory(self, site):
        """Whether `site` is a site of the inventory (in the play or not, external included, whatever --limit says):
        from the fleet step's result, else the hosts with sitelink_site. Asked only of the sites an entry to remove
        names (none on most runs), so no host copies the fleet's list."""
        name = ROLE_VARS["fleet"]
        if name in self.task_vars and "inventory_sites" in self.task_vars[name]:
            return site in self.task_vars[name]["inventory_sites"]
        hostvars = self.task_vars["hostvars"]
        return site in hostvars and "sitelink_site" in hostvars[site]

    def keys(self, plan):
        """The key step's result cut to what this site needs (its own and its peers' keys, its `complete`), or {}
        without a key step; cut once per task (the action and its driver both ask)."""
        if self._keys is None:
            self._keys = self._cut_keys(plan)
        return self._keys

    def _cut_keys(self, plan):
        name = ROLE_VARS["keys"]
        if name not in self.task_vars or "public_keys" not in self.task_vars[name]:
            return {}
        every, complete = self.task_vars[name]["public_keys"], self.task_vars[name].get("complete", {})
        wanted = [self.host] + [peer["peer"] for peer in plan["peers"]]
        return {"public_keys": plain(dict((site, every[site]) for site in wanted if site in every)),
                "complete": {self.host: bool(complete[self.host]) if self.host in complete else False}}

    def registered(self, purpose, host=None):
        return registered(self.task_vars, purpose, host)

    def peers_out(self, plan):
        """{peer: {"state": "unreachable" or "failed", "msg": why}} of this site's peers that were sites of the play
        (this batch's) and left it before verification: their router or host could not be reached, or one of their
        steps failed. A peer's registered results are read only when it left the play, so a run where none did reads
        no other host's variables."""
        fleet = self.task_vars.get(ROLE_VARS["fleet"]) or {}
        running = set(plain(self.task_vars.get("ansible_play_hosts", [])))
        gone = set(plain(fleet.get("play_sites", []))) - running
        out = {}
        for peer in sorted(set(link["peer"] for link in plan["links"]) & gone):
            stopped = next((step for step in (self.registered(p, peer) for p in STEPS_BEFORE_VERIFY)
                            if step.get("unreachable") or step.get("failed")), {})
            out[peer] = {"state": "unreachable" if stopped.get("unreachable") else "failed",
                         "msg": stopped.get("msg") or "%s stopped before its WireGuard steps" % peer}
        return out

    def connection(self):
        """The host's connection options, as FleetContext.connection makes them, in the task's own scope."""
        own = self.var("sitelink_routeros")
        missing = group_keys_missing(own, group_value(self.task_vars.get("hostvars"), self.host, "sitelink_routeros",
                                                      {}))
        settings = merged_over_groups(own, plain(self.templar.template(missing))) if missing else own
        fallbacks = connection_fallbacks(lambda name: self.var(name) if name in self.task_vars else ABSENT)
        return connection_options(settings, self.var("ansible_host", self.host), fallbacks)

    def settings(self, given):
        """The options a site action fills from its host's role variables, for the ones its task (`given`: the task's
        arguments with their module_defaults) leaves out: the connection from `sitelink_routeros` (its keys, TLS and
        certificate checks on unless it says otherwise, at the host's ansible_host) unless the task names a
        hostname, the options of ROLE_OPTIONS, the `linux` settings from `sitelink_linux_*`; the action keeps those
        its module has. A variable the host does not have (the action used outside the role) leaves the module's
        default."""
        out = {}
        if "sitelink_routeros" in self.task_vars and not given.get("hostname"):
            out.update((k, v) for k, v in self.connection().items() if k not in given and v is not None)
        out.update((option, self.var(variable)) for option, variable in ROLE_OPTIONS.items()
                   if option not in given and variable in self.task_vars)
        if "linux" not in given:
            linux = dict((option, self.var(variable)) for option, variable in ROLE_LINUX_SETTINGS.items()
                         if variable in self.task_vars)
            if linux:
                out["linux"] = linux
        return out
