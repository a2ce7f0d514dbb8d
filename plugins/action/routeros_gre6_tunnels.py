# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.resources import GRE6_TUNNELS
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.routeros_action import ResourceAction


class ActionModule(ResourceAction):
    MODULE = "sitelink.tunnels.routeros_gre6_tunnels"
    RESOURCE = GRE6_TUNNELS
