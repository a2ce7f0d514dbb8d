# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import plan as planner
from ansible_collections.sitelink.tunnels.plugins.plugin_utils import drivers
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.site_action import FleetAction


class ActionModule(FleetAction):
    """Public keys of the play's sites and of all their peers: the play's from their own interface step, the peers'
    outside the play read by their platform's driver (from the router, or the role's read-only look on the host).

    Read-only: a site outside the play (--limit) is only read, never written.
    """

    def work(self, plans, fleet):
        play = fleet.batch_sites(plans)
        needed = set(play)
        for host in play:
            needed.update(link["peer"] for link in plans[host]["links"])
        keys, warnings = {}, []
        running = set(fleet.play_hosts(current=True))
        for name in sorted(needed):
            if name not in plans or plans[name].get("state") == "absent":
                continue                  # an external site (its key is in its peers' plans), or one taken out
            interface = plans[name]["wireguard"]["name"]
            if name in play:              # the key came back from the site's own interface step
                keys[name] = fleet.registered("interface", name).get("public_key")
                # a site that left the play (unreachable, failed) said why itself; its peers report its links
                if not keys[name] and name in running:
                    warnings.append("%s: its WireGuard interface %s has no public key yet (check mode?); its links "
                                    "wait until it has one" % (name, interface))
            else:                         # outside the play: only read
                keys[name] = drivers.of(plans[name]).public_key(fleet, name, interface, warnings)
        complete = dict((host, planner.keys_complete(plans[host], keys)) for host in play)
        result = {"changed": False, "public_keys": keys, "complete": complete}
        if warnings:
            result["warnings"] = warnings
        return result
