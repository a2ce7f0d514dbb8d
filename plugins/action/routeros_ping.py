# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.plugin_utils.routeros_action import RouterosAction, ping_addresses


class ActionModule(RouterosAction):
    MODULE = "sitelink.tunnels.routeros_ping"

    def work(self, params, router):
        results = ping_addresses(lambda: self.open(params, router), params["addresses"], params["count"],
                                 params["interval"], params["parallel"], params.get("src_address"),
                                 router)
        return {"changed": False, "results": results, "all_answered": all(r["received"] for r in results)}
