# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.sitelink.tunnels.plugins.plugin_utils import picture, report
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.context import FleetContext


class ActionModule(ActionBase):
    """One table for the fleet from each site's plan, peer status and pings (run once): one row per link; in check
    mode one row per site with what it would change. With `report_dir`, the report's files too."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        fleet = FleetContext(task_vars, self._templar)
        plans = fleet.registered("fleet").get("plans", {})
        keys = fleet.registered("keys").get("public_keys", {})
        hosts = sorted(fleet.batch_sites(plans))     # with serial, this batch's: the others have not run yet
        if self._play_context.check_mode:
            steps = ("interface", "apply")
            # a site that left the play (unreachable, failed) has nothing to count: its own result says why
            running = set(fleet.play_hosts(current=True))
            sites = [report.site_summary(h, plans[h], keys, [fleet.registered(s, h) for s in steps]) for h in hosts
                     if h in running]
            data = report.summary(True, sites=sites)
            result.update(changed=False, table=report.site_table(sites), sites=data["sites"])
        else:
            rows = self.link_rows(fleet, hosts, plans, keys)
            lines, counts, links = report.link_table(rows)
            data = report.summary(False, links=links, counts=counts)
            result.update(changed=False, table=lines, links=rows, counts=report.counted(rows),
                          down=[r for r in rows if r["status"] != "up"], fleet_links=links, link_counts=counts)
        result["report"] = data
        directory = self._task.args.get("report_dir")
        if directory:
            result["files"] = report.write_files(directory, data)
            if not data["check_mode"]:
                self.draw(fleet, directory, plans, data["links"], result)
        return result

    @staticmethod
    def draw(fleet, directory, plans, links, result):
        """The topology picture beside the report's files; a warning when Graphviz cannot draw it."""
        topology = next((value for value in fleet.values("sitelink_topology", sorted(plans)).values()
                         if isinstance(value, dict)), {})
        files, warnings = picture.write_picture(directory, picture.site_nodes(plans, topology, links), links)
        result["files"].update(files)
        if warnings:
            result["warnings"] = result.get("warnings", []) + warnings

    @staticmethod
    def link_rows(fleet, hosts, plans, keys):
        """Every reported site's link-end rows."""
        rows = []
        active = set(fleet.play_hosts(current=True))
        for host in hosts:
            status = fleet.registered("verify", host)     # {} when the step did not run there
            # a site failed by its own verification (links not up) is in the table; one failed before, or whose
            # verification could not run (the router unreachable), is not: its own message says why
            if host not in active and not (status.get("failed") and "results" in status):
                continue
            if status.get("failed") and "results" not in status:
                continue
            rows += report.link_rows(host, plans[host], keys, status)
        return rows
