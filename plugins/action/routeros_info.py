# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.info import gather
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.routeros_action import RouterosAction


class ActionModule(RouterosAction):
    MODULE = "sitelink.tunnels.routeros_info"

    def work(self, params, router):
        api = self.open(params, router)
        try:
            return dict(gather(api, params["gather"], router), changed=False)
        finally:
            api.close()
