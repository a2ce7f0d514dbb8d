# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.plugin_utils import fleet, site_files


class ActionModule(fleet.FleetAction):
    """The whole fleet, loaded, validated and planned once (run_once), with the role settings of every play site;
    in render-only mode it also writes every play site's files."""

    REUSES_FLEET = False

    def checked_hosts(self, task_vars):
        return fleet.plain(task_vars.get("ansible_play_hosts_all", []))

    def work(self, plans, task_vars):
        play = [h for h in self.checked_hosts(task_vars) if h in plans]
        peers = set(link["peer"] for host in play for link in plans[host]["links"])
        outside = sorted(p for p in peers if p not in play and plans.get(p, {}).get("platform") == "linux")
        result = dict(changed=False, plans=plans, play_sites=play, sites=len(plans), links=len(fleet.link_ids(plans)),
                      linux_peers_outside_play=outside)
        render_dir = self._task.args.get("render_dir")
        if render_dir:
            result.update(self.render(render_dir, plans, play))
            return result
        # run once: one warning for the run, naming every site whose password would cross in clear text
        warning = fleet.clear_text_warning(task_vars, self._templar, plans, play)
        if warning:
            result["warnings"] = [warning]
        return result

    def render(self, dest, plans, play):
        args = self._task.args
        files, written = [], []
        for host in play:
            try:
                paths, changed = site_files.render_site(dest, plans[host], host, args, self._task.check_mode)
            except (ValueError, OSError) as exc:
                return {"failed": True, "msg": "%s: %s" % (host, exc), "files": files, "written": written}
            files += paths
            written += changed
        return {"changed": bool(written), "files": files, "written": written}
