# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.plugin_utils import report
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.site_action import SiteAction


class ActionModule(SiteAction):
    """Pings through every link of a site (retrying the silent ones), then its peers' handshakes."""

    MODULE = "sitelink.tunnels.site_verify"

    def work(self, ctx, params, plan, driver):
        if plan.get("state") == "absent":      # taken out: no link, and no interface to ask
            return {"changed": False, "results": [], "all_answered": True, "attempts": 0, "waited": 0, "peers": []}
        keys = ctx.keys(plan).get("public_keys")
        status = driver.verify(self, ctx, plan, params, keys)
        if params["strict"] and not status.get("failed"):
            message = report.not_up_message(ctx.host, report.link_rows(ctx.host, plan, keys, status))
            if message:
                status.update(failed=True, msg=message)
        return status
