# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.connection import connect, select
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.errors import RouterosError
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import plan as planner
from ansible_collections.sitelink.tunnels.plugins.plugin_utils import fleet


class ActionModule(fleet.FleetAction):
    """Public keys of the play's sites and of all their peers: read from the routers themselves, and for
    Linux sites taken from the role's key task on the host (or its read-only look at a peer outside the play).

    Read-only: a site outside the play (--limit) is only read, never written.
    """

    def work(self, plans, task_vars):
        play = [h for h in fleet.plain(task_vars.get("ansible_play_hosts_all", [])) if h in plans]
        needed = set(play)
        for host in play:
            needed.update(link["peer"] for link in plans[host]["links"])
        keys, warnings = {}, []
        for name in sorted(needed):
            if name not in plans:
                continue                  # an external site: its key is in the inventory, in its peers' plans
            interface = plans[name]["wireguard"]["name"]
            if name in play:              # the key came back from the site's own interface step
                keys[name] = fleet.registered(task_vars, "interface", name).get("public_key")
                if not keys[name]:
                    warnings.append("%s: its WireGuard interface %s has no public key yet (check mode?); its links "
                                    "wait until it has one" % (name, interface))
            elif plans[name]["platform"] == "linux":   # outside the play: only read
                keys[name] = self.linux_peer_key(task_vars, name, interface, warnings)
            else:
                keys[name] = self.read_key(task_vars, name, interface, warnings)
        complete = dict((host, planner.keys_complete(plans[host], keys)) for host in play)
        result = {"changed": False, "public_keys": keys, "complete": complete}
        if warnings:
            result["warnings"] = warnings
        return result

    @staticmethod
    def linux_peer_key(task_vars, site, interface, warnings):
        """The key the role's read-only look at a Linux peer outside the play found (wg_keypair in check mode)."""
        looked = fleet.registered(task_vars, "linux_peer_keys")
        for result in looked.get("results", []):
            if result.get("item") == site and result.get("public_key"):
                return result["public_key"]
        warnings.append("%s: no key in its key directory (%s.key) yet, or the host could not be reached; its links "
                        "wait until the play runs on it" % (site, interface))
        return None

    @staticmethod
    def read_key(task_vars, site, interface, warnings):
        try:
            api = connect(fleet.connection(task_vars, site), site)
        except RouterosError as exc:
            warnings.append("%s; its links wait until it can be read" % exc.message)
            return None
        try:
            for row in select(api, site, "/interface/wireguard", ("name", "public-key")):
                if row.get("name") == interface:
                    return row.get("public-key")
        except RouterosError as exc:      # one failing router does not stop the others' keys
            warnings.append("%s; its links wait until it can be read" % exc.message)
            return None
        finally:
            api.close()
        warnings.append("%s has no WireGuard interface %s yet; its links wait until the play runs on it"
                        % (site, interface))
        return None
