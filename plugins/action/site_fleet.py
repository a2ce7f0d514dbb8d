# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.plugin_utils import drivers, inventory, site_files
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.site_action import FleetAction


class ActionModule(FleetAction):
    """The whole fleet, loaded, validated and planned once (run_once), with the role settings of every play site;
    in render-only mode it also writes every play site's files."""

    REUSES_FLEET = False

    def checked_hosts(self, fleet):
        return fleet.play_hosts()

    def work(self, plans, fleet):
        play = [h for h in fleet.batch_hosts() if h in plans]     # with serial, this batch's sites
        peers = sorted(set(link["peer"] for host in play for link in plans[host]["links"]) - set(play))
        outside = [p for p in peers if p in plans]
        # every site of the inventory, in the play or not, external included: the purge guard keeps their entries
        result = dict(changed=False, plans=plans, play_sites=play, sites=len(plans),
                      inventory_sites=sorted(fleet.sites_vars()),
                      links=len(inventory.link_ids(plans)),
                      become_sites=[h for h in play if drivers.of(plans[h]).runs_on_host],
                      peer_keys_on_host=[drivers.of(plans[p]).key_read(fleet, p, plans[p]) for p in outside
                                         if drivers.of(plans[p]).reads_key_on_host])
        render_dir = self._task.args.get("render_dir")
        if render_dir:
            result.update(self.render(fleet, render_dir, plans, play))
            return result
        # run once: one warning per platform for the run (e.g. every site whose password would cross in clear text)
        warnings = self.lockout_warnings(fleet, play)
        for driver in drivers.DRIVERS.values():
            warnings += driver.fleet_warnings(fleet, [h for h in play if drivers.of(plans[h]) is driver],
                                              [p for p in outside if drivers.of(plans[p]) is driver])
        if warnings:
            result["warnings"] = warnings
        return result

    @staticmethod
    def lockout_warnings(fleet, play):
        """The lockout guard says which sites it could not check (a safety check that cannot run says so)."""
        unchecked = inventory.unchecked_by_lockout(fleet.sites_vars(), play)
        if not unchecked:
            return []
        return ["the lockout guard could not check %d site(s) (%s): each is reached at a host name, and the guard "
                "compares addresses and looks no name up. Give ansible_host as an address to have it checked, or set "
                "sitelink_management_through_tunnel: true where the controller does reach the site through a tunnel"
                % (len(unchecked), inventory.named(unchecked))]

    def render(self, fleet, dest, plans, play):
        settings = site_files.render_settings(fleet, play, self._task.args)
        warnings = site_files.add_keys_and_secrets(fleet, plans, play, settings)
        files, written = [], []
        for host in play:
            try:
                paths, changed = site_files.render_site(dest, plans[host], host, settings[host], self._task.check_mode)
            except (ValueError, OSError) as exc:
                return {"failed": True, "msg": "%s: %s" % (host, exc), "files": files, "written": written}
            files += paths
            written += changed
        return dict({"changed": bool(written), "files": files, "written": written},
                    **({"warnings": warnings} if warnings else {}))
