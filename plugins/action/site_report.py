# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.sitelink.tunnels.plugins.plugin_utils import fleet

COLUMNS = ("site", "peer", "overlay", "address", "handshake", "ping", "status")


class ActionModule(ActionBase):
    """One table for the fleet from each site's plan, peer status and pings (run once)."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        plans = fleet.registered(task_vars, "fleet").get("plans", {})
        keys = fleet.registered(task_vars, "keys").get("public_keys", {})
        rows = []
        active = set(fleet.plain(task_vars.get("ansible_play_hosts", [])))
        for host in sorted(fleet.plain(task_vars.get("ansible_play_hosts_all", []))):
            if host not in plans:
                continue
            status = fleet.registered(task_vars, "verify", host)     # {} when the step did not run there
            # a site failed by its own verification (links not up) is in the table; one failed before, or whose
            # verification could not run (the router unreachable), is not: its own message says why
            if host not in active and not (status.get("failed") and "results" in status):
                continue
            if status.get("failed") and "results" not in status:
                continue
            rows += fleet.link_rows(host, plans[host], keys, status)
        widths = dict((c, max([len(c)] + [len(str(r[c])) for r in rows])) for c in COLUMNS)
        line = "  ".join("%-" + str(widths[c]) + "s" for c in COLUMNS)
        table = [line % COLUMNS, line % tuple("-" * widths[c] for c in COLUMNS)]
        table += [line % tuple(r[c] for c in COLUMNS) for r in rows]
        counts = dict((s, len([r for r in rows if r["status"] == s])) for s in ("up", "down", "pending"))
        table.append("%d link ends up, %d down, %d pending" % (counts["up"], counts["down"], counts["pending"]))
        result.update(changed=False, table=table, links=rows, counts=counts,
                      down=[r for r in rows if r["status"] != "up"])
        return result
