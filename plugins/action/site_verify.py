# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import time

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.info import add_handshake_seconds, gather
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import plan as planner
from ansible_collections.sitelink.tunnels.plugins.plugin_utils import fleet
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.routeros_action import SiteAction, ping_addresses


class ActionModule(SiteAction):
    """Pings through every link of a site (retrying the silent ones), then its peers' handshakes."""

    MODULE = "sitelink.tunnels.site_verify"

    def work_on(self, params, router, plan):
        addresses = [link["verify_address"] for link in plan["links"]]
        started = time.monotonic()
        keys = fleet.keys_of(self._vars, plan, router).get("public_keys")
        if plan["platform"] == "linux":
            status = self.linux(params, plan, addresses, started)
        else:
            status = self.routeros(params, router, plan, keys, addresses, started)
        if params["strict"] and not status.get("failed"):
            message = fleet.not_up_message(router, fleet.link_rows(router, plan, keys, status))
            if message:
                status.update(failed=True, msg=message)
        return status

    def routeros(self, params, router, plan, keys, addresses, started):
        # A WireGuard peer makes its first handshake only when something is to be sent to it: the pings are that
        # traffic. An overlay may only run once the handshake carried its keepalive, so from the second attempt on
        # the peer's transit address of a silent overlay link is pinged too (not reported: the overlay decides).
        traffic = dict((link["verify_address"], link.get("transit_address")) for link in plan["links"]
                       if link.get("transit_address") not in (None, link["verify_address"]))
        answers, attempts, waiting = {}, 0, list(addresses)
        while waiting:
            attempts += 1
            targets = waiting + [traffic[a] for a in waiting if attempts > 1 and a in traffic]
            for result in ping_addresses(lambda: self.open(params, router), targets, params["count"],
                                         params["interval"], params["parallel"], router=router):
                answers[result["address"]] = result
            waiting = [a for a in waiting if not answers[a]["received"]]
            if not waiting or attempts > params["retries"]:
                break
            time.sleep(params["delay"])
        results = [answers[a] for a in addresses]
        waited = int(round(time.monotonic() - started))
        peers, read_by = self.peers_as_applied(plan, keys, results), "site_apply"
        if peers is None:
            api = self.open(params, router)
            try:
                peers, read_by = gather(api, ["peers"], router)["peers"], "site_verify"
            finally:
                api.close()
        return {"changed": False, "results": results, "all_answered": all(r["received"] for r in results),
                "attempts": attempts, "waited": waited, "peers": peers, "peers_read_by": read_by}

    def peers_as_applied(self, plan, keys, results):
        """The peers as this run's apply step read them, when that reading already shows all that reading them
        again would: every link answered and every link's peer had a handshake. None otherwise (a link to explain,
        or a first handshake the pings made), and without the role's apply step."""
        if not all(r["received"] for r in results):
            return None
        applied = self._vars.get(fleet.ROLE_VARS["apply"])
        try:
            peers = fleet.plain(applied["resources"]["wireguard_peers"]["after"])
        except (KeyError, TypeError):
            return None
        handshakes = dict((p.get("public_key"), p.get("last_handshake")) for p in peers)
        if not all(handshakes.get(planner.peer_public_key(plan, link["peer"], keys)) for link in plan["links"]):
            return None
        return [add_handshake_seconds(p) for p in peers]

    def linux(self, params, plan, addresses, started):
        """linux_tunnel_status on the host (peers and pings in one module run), again while some link is silent."""
        args = {"interface": plan["wireguard"]["name"], "addresses": addresses, "count": params["count"]}
        attempts = 0
        while True:
            attempts += 1
            status = self.run_module("sitelink.tunnels.linux_tunnel_status", args)
            if status.get("failed") or status.get("all_answered") or attempts > params["retries"]:
                break
            time.sleep(params["delay"])
        status.update(changed=False, attempts=attempts, waited=int(round(time.monotonic() - started)))
        if status.get("failed"):
            status["msg"] = "%s: %s" % (self._vars.get("inventory_hostname"), status.get("msg", "status failed"))
        return status
