# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import plan as planner
from ansible_collections.sitelink.tunnels.plugins.plugin_utils import report
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.site_action import SiteAction


class ActionModule(SiteAction):
    """Pings through every link of a site (retrying the silent ones), then its peers' handshakes."""

    MODULE = "sitelink.tunnels.site_verify"

    def work(self, ctx, params, plan, driver):
        if plan.get("state") == "absent":      # taken out: no link, and no interface to ask
            return {"changed": False, "results": [], "all_answered": True, "attempts": 0, "waited": 0, "peers": []}
        keys = ctx.keys(plan).get("public_keys")
        # a link whose far end has no key yet (a site not configured yet: outside --limit, or in a later serial
        # batch) waits: it is neither pinged nor failed, and the fleet table shows it pending
        ready = [link for link in plan["links"] if planner.peer_public_key(plan, link["peer"], keys)]
        status = driver.verify(self, ctx, dict(plan, links=ready), params, keys)
        if params["strict"] and not status.get("failed"):
            rows = report.link_rows(ctx.host, plan, keys, status)
            message = report.not_up_message(ctx.host, [row for row in rows if row["status"] != "pending"])
            if message:
                status.update(failed=True, msg=message)
        return status
