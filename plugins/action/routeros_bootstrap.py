# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import bootstrap
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.routeros_action import RouterosAction


class ActionModule(RouterosAction):
    """Makes a router ready for the collection (group, user, certificates, api-ssl) over one API session, and
    writes the CA's certificate to a file on the controller."""

    MODULE = "sitelink.tunnels.routeros_bootstrap"

    def work(self, params, router):
        check_mode = bool(self._task.check_mode or self._play_context.check_mode)
        api = self.open(params, router)
        try:
            session = bootstrap.Session(api, router, check_mode)
            pem = bootstrap.bootstrap(session, params)
        finally:
            api.close()
        result = {"changed": bool(session.commands), "commands": session.commands, "ca_certificate": pem}
        if params.get("ca_file") and pem:
            result["ca_file"] = params["ca_file"]
            if self.differs(params["ca_file"], pem):
                result["changed"] = True
                if not check_mode:
                    os.makedirs(os.path.dirname(os.path.abspath(params["ca_file"])), exist_ok=True)
                    with open(params["ca_file"], "w", encoding="ascii") as fh:
                        fh.write(pem)
        return result

    @staticmethod
    def differs(path, text):
        if not os.path.exists(path):
            return True
        with open(path, encoding="ascii") as fh:
            return fh.read() != text
