# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import plan as planner
from ansible_collections.sitelink.tunnels.plugins.plugin_utils import fleet


class ActionModule(fleet.FleetAction):
    """Validates the whole inventory; plans this site (fact sitelink_plan)."""

    def work(self, model, task_vars):
        result = {"changed": False, "sites": len(model.sites), "links": len(model.links)}
        if self._task.args.get("validate_only"):
            return result
        host = fleet.plain(task_vars["inventory_hostname"])
        if host not in model.sites:
            return dict(result, failed=True, msg="%s: sitelink_site: this host is not a site (no sitelink_site)"
                        % host)
        plan = planner.plan_site(model, host)
        return dict(result, plan=plan, ansible_facts={"sitelink_plan": plan})
