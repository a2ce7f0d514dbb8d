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
        # batch) waits: it is neither pinged nor failed, and the fleet table shows it pending. A link whose far end
        # left the play (unreachable, or failed) is not pinged either: this site's side is reported with its own
        # last handshake toward that peer, and a warning, and does not fail this site
        out = ctx.peers_out(plan)
        ready = [link for link in plan["links"]
                 if link["peer"] not in out and planner.peer_public_key(plan, link["peer"], keys)]
        status = driver.verify(self, ctx, dict(plan, links=ready), params, keys)
        if out and not status.get("failed") and not status.get("unreachable"):
            status["peers_out"] = out
            status["warnings"] = list(status.get("warnings") or []) + [
                "%s: link %s not verified: %s %s in this run (%s); %s's side is reported, not failed"
                % (ctx.host, link["link"], link["peer"], report.OUT_WORDS[out[link["peer"]]["state"]],
                   out[link["peer"]]["msg"], ctx.host) for link in plan["links"] if link["peer"] in out]
        if params["strict"] and not status.get("failed") and not status.get("unreachable"):
            rows = report.link_rows(ctx.host, plan, keys, status)
            message = report.not_up_message(ctx.host, [row for row in rows if row["status"] in report.FAILING])
            if message:
                status.update(failed=True, msg=message)
        return status
