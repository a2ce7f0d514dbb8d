# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.plugin_utils import inventory
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.site_action import FleetAction


class ActionModule(FleetAction):
    """Validates the whole inventory; plans this site (fact sitelink_plan). The role uses site_fleet instead."""

    def work(self, plans, fleet):
        result = {"changed": False, "sites": len(plans), "links": len(inventory.link_ids(plans))}
        if self._task.args.get("validate_only"):
            return result
        host = fleet.me
        if host not in plans:
            return dict(result, failed=True, msg="%s: sitelink_site: this host is not a configured site" % host)
        return dict(result, plan=plans[host], ansible_facts={"sitelink_plan": plans[host]})
