# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.sitelink.tunnels.plugins.plugin_utils import report
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.context import FleetContext


class ActionModule(ActionBase):
    """One table for the fleet from each site's plan, peer status and pings (run once)."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        fleet = FleetContext(task_vars, self._templar)
        plans = fleet.registered("fleet").get("plans", {})
        keys = fleet.registered("keys").get("public_keys", {})
        rows = []
        active = set(fleet.play_hosts(current=True))
        for host in sorted(fleet.batch_sites(plans)):     # with serial, this batch's: the others have not run yet
            status = fleet.registered("verify", host)     # {} when the step did not run there
            # a site failed by its own verification (links not up) is in the table; one failed before, or whose
            # verification could not run (the router unreachable), is not: its own message says why
            if host not in active and not (status.get("failed") and "results" in status):
                continue
            if status.get("failed") and "results" not in status:
                continue
            rows += report.link_rows(host, plans[host], keys, status)
        lines, counts = report.table(rows)
        result.update(changed=False, table=lines, links=rows, counts=counts,
                      down=[r for r in rows if r["status"] != "up"])
        return result
