# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.connection import connect
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.errors import RouterosError
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import plan as planner
from ansible_collections.sitelink.tunnels.plugins.plugin_utils import fleet


class ActionModule(fleet.FleetAction):
    """Public keys of the play's sites and of all their peers: read from the routers themselves, and for
    Linux sites taken from the role's key task on the host (or its read-only look at a peer outside the play).

    Read-only: a site outside the play (--limit) is only read, never written.
    """

    def work(self, model, task_vars):
        play = [h for h in fleet.plain(task_vars.get("ansible_play_hosts_all", [])) if h in model.sites]
        needed = set(play)
        for host in play:
            needed.update(link.other(host) for link in model.links_of(host))
        keys, warnings = {}, []
        for name in sorted(needed):
            site = model.sites[name]
            if site.platform == "external":
                keys[name] = site.public_key
                continue
            if site.platform == "linux":
                keys[name] = self.linux_key(task_vars, play, site, warnings)
                continue
            keys[name] = self.read_key(task_vars, site, warnings)
        complete = {}
        for host in play:
            plan = planner.plan_site(model, host)
            complete[host] = planner.keys_complete(plan, keys)
        result = {"changed": False, "public_keys": keys, "complete": complete}
        if warnings:
            result["warnings"] = warnings
        return result

    @staticmethod
    def linux_key(task_vars, play, site, warnings):
        """The key the role's wg_keypair task returned on the site, or on a peer's look at it."""
        def registered(host, name):
            host_vars = task_vars["hostvars"][host]
            return fleet.plain(host_vars[name]) if name in host_vars else {}

        own = registered(site.name, "sitelink_linux_key")
        if own.get("public_key"):
            return own["public_key"]
        for host in play:
            looked = registered(host, "sitelink_linux_peer_keys")
            for result in looked.get("results", []):
                if result.get("item") == site.name and result.get("public_key"):
                    return result["public_key"]
        warnings.append("%s: no key in its key directory (%s.key) yet, or the host could not be reached; its links "
                        "wait until the play runs on it" % (site.name, site.interface))
        return None

    def read_key(self, task_vars, site, warnings):
        try:
            api = connect(fleet.connection(task_vars, site.name), site.name)
        except RouterosError as exc:
            warnings.append("%s; its links wait until it can be read" % exc.message)
            return None
        try:
            for row in api.path("interface", "wireguard").select("name", "public-key"):
                if row.get("name") == site.interface:
                    return row.get("public-key")
        finally:
            api.close()
        warnings.append("%s has no WireGuard interface %s yet; its links wait until the play runs on it"
                        % (site.name, site.interface))
        return None
