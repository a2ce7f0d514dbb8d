# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import posixpath

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import resources as catalogue
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.errors import RouterosError
from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import linux as linux_adapter
from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import routeros as routeros_adapter
from ansible_collections.sitelink.tunnels.plugins.plugin_utils import fleet
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.routeros_action import (
    SessionFacts, SiteAction, needed_policies, run_resource)


def _key_path(plan, settings):
    return posixpath.join(settings["key_dir"], plan["wireguard"]["name"] + ".key")


def _linux_key_pair(plan, keys, psk_secret, settings, host):
    return {"path": _key_path(plan, settings)}


def _linux_wireguard(plan, keys, psk_secret, settings, host):
    args = linux_adapter.wireguard(plan, keys.get("public_keys"), psk_secret)
    args.update(private_key_path=_key_path(plan, settings), implementation=settings["implementation"],
                purge_peers=bool(keys.get("complete", {}).get(host)), adopt=bool(settings.get("adopt")))
    if settings["persist"]:
        args["config_path"] = posixpath.join(settings["key_dir"], plan["wireguard"]["name"] + ".conf")
    return args


def _linux_gre(plan, keys, psk_secret, settings, host):
    return {"state": "overridden", "owner": settings["owner"], "config": linux_adapter.gre_tunnels(plan)}


def _linux_routes(plan, keys, psk_secret, settings, host):
    args = {"state": "overridden", "protocol": settings["route_protocol"], "config": linux_adapter.routes(plan),
            "forwarding": linux_adapter.forwarding(plan), "adopt": bool(settings.get("adopt"))}
    if settings["persist"]:
        args["sysctl_file"] = settings["sysctl_file"]
    return args


def _linux_firewall(plan, keys, psk_secret, settings, host):
    return {"table": settings["firewall_table"], "owner": settings["owner"],
            "rules": linux_adapter.firewall(plan)}


# (platform, resource) -> how it is applied.  RouterOS: a catalogue resource through the engine, over the one
# API session.  Linux: a module on the host, with its arguments from the Linux adapter; a resource without an
# entry has nothing of its own there (transit addresses come with the interface and GRE steps, and validation
# refuses EoIP on a link with a Linux end).
STEPS = {
    "routeros": dict((name, catalogue.RESOURCES[name]) for name in routeros_adapter.ORDER),
    "linux": {
        "wireguard_interfaces": ("sitelink.tunnels.wg_keypair", _linux_key_pair),
        "wireguard_peers": ("sitelink.tunnels.linux_wireguard", _linux_wireguard),
        "gre_tunnels": ("sitelink.tunnels.linux_gre_tunnels", _linux_gre),
        "firewall_rules": ("sitelink.tunnels.linux_firewall", _linux_firewall),
        "routes": ("sitelink.tunnels.linux_routes", _linux_routes),
    },
}


def site_policies(plan):
    """The group policies applying a whole RouterOS site takes: read and write, and sensitive when it has peers or
    overlays (their preshared keys and IPsec secrets are compared with what the router holds)."""
    return ("read", "write") + (("sensitive",) if plan["peers"] or plan["overlays"] else ())


def in_order(resources):
    """The requested resources in the table's order, whatever order the task lists them in."""
    return sorted(resources, key=routeros_adapter.ORDER.index)


class ActionModule(SiteAction):
    """A site's planned resources, in order: over one API session on RouterOS, as modules on a Linux host."""

    MODULE = "sitelink.tunnels.site_apply"

    def work_on(self, params, router, plan):
        keys = fleet.keys_of(self._vars, plan, router)
        if any(r != "wireguard_interfaces" for r in params["resources"]) and not keys:
            return {"failed": True, "msg": "%s: applying %s needs the peers' public keys: run "
                                           "sitelink.tunnels.site_public_keys first (the role does)"
                                           % (router, ", ".join(params["resources"]))}
        psk_secret = self._templar.template(self._vars.get("sitelink_psk_secret"))
        out = {"changed": False, "commands": [], "resources": {}, "warnings": [], "diff": []}
        if plan["platform"] == "linux":
            self.linux(params, router, plan, keys, psk_secret, out)
        else:
            self.routeros(params, router, plan, keys, psk_secret, out)
        for empty in ("warnings", "diff"):
            if not out[empty]:
                del out[empty]
        return out

    @staticmethod
    def _record(out, name, done):
        diff = done.pop("diff", None)
        if diff:
            out["diff"] += diff if isinstance(diff, list) else [diff]
        out["warnings"] += done.pop("warnings", None) or []
        out["resources"][name] = done
        out["changed"] = out["changed"] or bool(done.get("changed"))
        out["commands"] += done.get("commands") or []

    def routeros(self, params, router, plan, keys, psk_secret, out):
        options = {"owner": params["owner"], "adopt": False, "placement": "before_drop"}
        check_mode, want_diff = bool(self._task.check_mode), bool(self._task.diff)
        steps = []
        for name in in_order(params["resources"]):
            state = "overridden"
            if name == "wireguard_peers" and not keys.get("complete", {}).get(router):
                state = "merged"          # a peer whose key is unknown yet is kept, not purged
            config = routeros_adapter.config(plan, name, keys.get("public_keys"), psk_secret, params["owner"])
            steps.append((name, state, config))
        api = self.open(params, router)
        try:
            facts = SessionFacts(api, router, params.get("username"))
            # every policy the site's apply needs, before the first step writes anything: the role's first task
            # (the interface) already checks what its second (peers, overlays, ...) will need
            facts.require(sorted(set(site_policies(plan)).union(
                p for name, state, config in steps for p in needed_policies(STEPS["routeros"][name], config, state))))
            for name, state, config in steps:
                try:
                    done = run_resource(api, STEPS["routeros"][name], router, config, state, options, check_mode,
                                        want_diff, facts, lambda: self.open(params, router))
                except RouterosError as exc:
                    exc.message = "%s (applied before it: %s)" % (exc.message, ", ".join(out["resources"]) or "nothing")
                    raise
                self._record(out, name, done)
                if name == "wireguard_interfaces":
                    out["public_key"] = next((e.get("public_key") for e in done["after"]
                                              if e.get("name") == plan["wireguard"]["name"]), None)
        finally:
            api.close()

    def linux(self, params, router, plan, keys, psk_secret, out):
        settings = dict(params["linux"] or {}, owner=params["owner"])
        if "wireguard_interfaces" in params["resources"] and not self.linux_tools(router, settings, out):
            return
        for name in in_order(params["resources"]):
            step = STEPS["linux"].get(name)
            if step is None:
                continue
            module, arguments = step
            done = self.run_module(module, arguments(plan, keys, psk_secret, settings, router))
            if done.get("failed"):
                out.update(failed=True, msg="%s: %s: %s (applied before it: %s)" % (
                    router, module.rsplit(".", 1)[1], done.get("msg", "failed"), ", ".join(out["resources"]) or
                    "nothing"))
                out["resources"][name] = done
                return
            self._record(out, name, done)
            if name == "wireguard_interfaces":
                out["public_key"] = done.get("public_key")

    def linux_tools(self, router, settings, out):
        """The host's tools first (linux_tools); the missing ones are installed with its package manager when
        `install_packages` is on. False, with the site failed and why, when something is still missing."""
        check = {"implementation": settings.get("implementation", "auto")}
        found = self.run_module("sitelink.tunnels.linux_tools", check)
        missing = found.get("missing") or []
        why = found.get("msg", "linux_tools failed") if found.get("failed") else None
        if not why and missing and not settings.get("install_packages"):
            why = "missing %s; install them or set sitelink_linux_install_packages: true" % ", ".join(missing)
        elif not why and missing:
            # as ansible.builtin.package does it: the host's package manager, then that manager's module
            facts = self.run_module("ansible.legacy.setup", {"gather_subset": ["!all"], "filter": ["ansible_pkg_mgr"]})
            manager = facts.get("ansible_facts", {}).get("ansible_pkg_mgr")
            if manager in (None, "unknown"):
                why = "missing %s, and no package manager found to install them" % ", ".join(missing)
            else:
                installed = self.run_module("ansible.legacy." + manager, {"name": missing, "state": "present"})
                self._record(out, "packages", installed)
                if installed.get("failed"):
                    why = "installing %s failed: %s" % (", ".join(missing), installed.get("msg", ""))
                elif not self._task.check_mode:
                    still = self.run_module("sitelink.tunnels.linux_tools", check).get("missing") or []
                    if still:
                        why = "still missing %s after installing it" % ", ".join(still)
        if why:
            out.update(failed=True, msg="%s: %s" % (router, why))
        return why is None
