# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.plugin_utils.routeros_action import RouterosAction


class ActionModule(RouterosAction):
    MODULE = "sitelink.tunnels.routeros_ping"

    def work(self, params, router):
        api = self.open(params, router)
        results = []
        try:
            for address in params["addresses"]:
                args = {"address": address, "count": params["count"], "interval": params["interval"]}
                if params.get("src_address"):
                    args["src-address"] = params["src_address"]
                rows = list(api("/ping", **args))
                last = rows[-1] if rows else {}
                results.append({"address": address, "sent": last.get("sent", 0), "received": last.get("received", 0),
                                "packet_loss": last.get("packet-loss", 100), "avg_rtt": last.get("avg-rtt")})
        finally:
            api.close()
        return {"changed": False, "results": results, "all_answered": all(r["received"] for r in results)}
