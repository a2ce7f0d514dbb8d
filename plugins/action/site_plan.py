# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import plan as planner
from ansible_collections.sitelink.tunnels.plugins.plugin_utils import fleet


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        model = fleet.load(task_vars, self._templar)
        if model.problems:
            result.update(failed=True, msg=fleet.problems_message(model), problems=[str(p) for p in model.problems])
            return result
        result.update(changed=False, sites=len(model.sites), links=len(model.links))
        if self._task.args.get("validate_only"):
            return result
        host = fleet.plain(task_vars["inventory_hostname"])
        if host not in model.sites:
            result.update(failed=True, msg="%s: sitelink_site: this host is not a site (no sitelink_site)" % host)
            return result
        plan = planner.plan_site(model, host)
        result.update(plan=plan, ansible_facts={"sitelink_plan": plan})
        return result
