# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.plugin_utils import site_files
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.site_action import FleetAction


class ActionModule(FleetAction):
    """Writes the site's plan (YAML and JSON) and what its driver renders (RouterOS script, Linux shell script);
    contacts no site."""

    def work(self, plans, fleet):
        args = self._task.args
        dest = args.get("dest")
        if not dest:
            return {"failed": True, "msg": "dest is required"}
        host = fleet.me
        if host not in plans:
            return {"failed": True, "msg": "%s: sitelink_site: this host is not a configured site" % host}
        settings = site_files.render_settings(fleet, [host], args)
        warnings = site_files.add_keys_and_secrets(fleet, plans, [host], settings)
        try:
            paths, written = site_files.render_site(dest, plans[host], host, settings[host], self._task.check_mode)
        except (ValueError, OSError) as exc:
            return {"failed": True, "msg": "%s: %s" % (host, exc)}
        return dict({"changed": bool(written), "files": paths, "written": written},
                    **({"warnings": warnings} if warnings else {}))
