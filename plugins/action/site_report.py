# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import plan as planner
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
        for host in sorted(fleet.plain(task_vars.get("ansible_play_hosts", []))):
            if host not in plans:
                continue
            plan = plans[host]
            status = fleet.registered(task_vars, "verify", host)     # {} when the step did not run there
            peers, pings = status.get("peers", []), status.get("results", [])
            waited = " in %ss of pings and retries" % status["waited"] if "waited" in status else ""
            by_key = dict((p.get("public_key"), p) for p in peers)
            by_address = dict((p["address"], p) for p in pings)
            for link in plan["links"]:
                key = planner.peer_public_key(plan, link["peer"], keys)
                peer = by_key.get(key) if key else None
                ping = by_address.get(link["verify_address"], {})
                handshake = peer.get("last_handshake") if peer else None
                status, reason = "down", None
                if not key:
                    status, reason = "pending", "%s's public key is not known yet" % link["peer"]
                elif handshake and ping.get("received"):
                    status = "up"
                elif not peer:
                    reason = "%s has no peer entry for %s" % (host, link["peer"])
                elif not handshake:
                    reason = "no handshake between %s and %s%s (its WireGuard port blocked, or its endpoint " \
                        "unreachable?)" % (host, link["peer"], waited)
                else:
                    reason = "handshake %s ago but no answer from %s through the tunnel" \
                        % (handshake, link["verify_address"])
                rows.append({"site": host, "peer": link["peer"], "overlay": link["overlay"],
                             "address": link["verify_address"], "handshake": handshake or "never",
                             "ping": "%s/%s" % (ping.get("received", 0), ping.get("sent", 0)) if ping else "-",
                             "status": status, "link": link["link"], "reason": reason})
        widths = dict((c, max([len(c)] + [len(str(r[c])) for r in rows])) for c in COLUMNS)
        line = "  ".join("%-" + str(widths[c]) + "s" for c in COLUMNS)
        table = [line % COLUMNS, line % tuple("-" * widths[c] for c in COLUMNS)]
        table += [line % tuple(r[c] for c in COLUMNS) for r in rows]
        counts = dict((s, len([r for r in rows if r["status"] == s])) for s in ("up", "down", "pending"))
        table.append("%d link ends up, %d down, %d pending" % (counts["up"], counts["down"], counts["pending"]))
        result.update(changed=False, table=table, links=rows, counts=counts,
                      down=[r for r in rows if r["status"] != "up"])
        return result
