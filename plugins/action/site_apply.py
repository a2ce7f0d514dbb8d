# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import resources as catalogue
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.errors import RouterosError
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import routeros as adapter
from ansible_collections.sitelink.tunnels.plugins.plugin_utils import fleet
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.routeros_action import (
    Interfaces, RouterosAction, run_resource)

RESOURCES = catalogue.RESOURCES


class ActionModule(RouterosAction):
    """A RouterOS site's planned resources, in order, over one API session."""

    MODULE = "sitelink.tunnels.site_apply"

    def run(self, tmp=None, task_vars=None):
        self._vars = task_vars or {}
        return super(ActionModule, self).run(tmp, task_vars)

    def work(self, params, router):
        plans, failure = fleet.plans_or_failure(self._vars, self._templar)
        if failure:
            return failure
        plan = plans.get(router)
        if plan is None or plan["platform"] != "routeros":
            return {"failed": True, "msg": "%s: not a RouterOS site of the inventory (sitelink_site with platform "
                                           "routeros)" % router}
        keys = fleet.registered(self._vars, "keys")
        if "wireguard_peers" in params["resources"] and not keys:
            return {"failed": True, "msg": "%s: wireguard_peers needs the peers' public keys: run "
                                           "sitelink.tunnels.site_public_keys first (the role does)" % router}
        psk_secret = self._templar.template(self._vars.get("sitelink_psk_secret"))
        options = {"owner": params["owner"], "adopt": False, "placement": "before_drop"}
        check_mode, want_diff = bool(self._task.check_mode), bool(self._task.diff)
        out = {"changed": False, "commands": [], "resources": {}, "warnings": []}
        diffs = []
        api = self.open(params, router)
        try:
            interfaces = Interfaces(api)
            for name in params["resources"]:
                state = "overridden"
                if name == "wireguard_peers" and not keys.get("complete", {}).get(router):
                    state = "merged"          # a peer whose key is unknown yet is kept, not purged
                config = adapter.config(plan, name, keys.get("public_keys"), psk_secret)
                try:
                    done = run_resource(api, RESOURCES[name], router, config, state, options, check_mode,
                                        want_diff, interfaces)
                except RouterosError as exc:
                    exc.message = "%s (applied before it: %s)" % (
                        exc.message, ", ".join(out["resources"]) or "nothing")
                    raise
                if "diff" in done:
                    diffs.append(done.pop("diff"))
                out["warnings"] += done.pop("warnings", [])
                out["resources"][name] = done
                out["changed"] = out["changed"] or done["changed"]
                out["commands"] += done["commands"]
        finally:
            api.close()
        if diffs:
            out["diff"] = diffs
        if not out["warnings"]:
            del out["warnings"]
        return out
