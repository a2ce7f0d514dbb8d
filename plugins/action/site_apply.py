# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.plugin_utils.site_action import SiteAction


class ActionModule(SiteAction):
    """A site's planned resources, in order, as its platform's driver applies them."""

    MODULE = "sitelink.tunnels.site_apply"

    def work(self, ctx, params, plan, driver):
        if any(r != "wireguard_interfaces" for r in params["resources"]) and not ctx.keys(plan):
            return {"failed": True, "msg": "%s: applying %s needs the peers' public keys: run "
                                           "sitelink.tunnels.site_public_keys first (the role does)"
                                           % (ctx.host, ", ".join(params["resources"]))}
        return driver.apply(self, ctx, plan, params)
