# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.sitelink.tunnels.plugins.plugin_utils.routeros_action import RouterosAction


class ActionModule(RouterosAction):
    MODULE = "sitelink.tunnels.routeros_ping"

    def work(self, params, router):
        addresses = params["addresses"]
        # librouteros is one request at a time per session: spread the addresses over a few sessions
        sessions = max(1, min(params["parallel"], len(addresses)))
        shares = [addresses[i::sessions] for i in range(sessions)]
        with ThreadPoolExecutor(max_workers=sessions) as pool:
            answers = dict(pair for share in pool.map(lambda s: self.ping_all(params, router, s), shares)
                           for pair in share)
        results = [answers[a] for a in addresses]
        return {"changed": False, "results": results, "all_answered": all(r["received"] for r in results)}

    def ping_all(self, params, router, addresses):
        if not addresses:
            return []
        api = self.open(params, router)
        out = []
        try:
            for address in addresses:
                args = {"address": address, "count": params["count"], "interval": params["interval"]}
                if params.get("src_address"):
                    args["src-address"] = params["src_address"]
                rows = list(api("/ping", **args))
                last = rows[-1] if rows else {}
                out.append((address, {"address": address, "sent": last.get("sent", 0),
                                      "received": last.get("received", 0),
                                      "packet_loss": last.get("packet-loss", 100), "avg_rtt": last.get("avg-rtt")}))
        finally:
            api.close()
        return out
