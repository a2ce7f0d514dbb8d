# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RouterOS sites: every resource over one API session (the engine, with its ownership, placement and rollback),
verification with the router's own /ping and peer status, and a .rsc script when rendering (routeros_script)."""

from __future__ import annotations

import time

from ansible_collections.sitelink.tunnels.plugins.module_utils.common import renumber
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import lock
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import resources as catalogue
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.connection import (
    CONNECTION_OPTIONS, connect, select)
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.errors import RouterosError, error_result
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.info import add_handshake_seconds, gather
from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import routeros as platform
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import plan as planner
from ansible_collections.sitelink.tunnels.plugins.plugin_utils import adjacency, purge, routeros_script
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.drivers.base import (
    Driver, SecretText, finished, new_result, record)
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.inventory import named
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.routeros_action import (
    SESSION_WEAKNESSES, SessionFacts, engine_for, needed_policies, paths_to_read, ping_addresses, planned_removals,
    run_resource)

# resource -> the catalogue resource the engine applies, over the site's one API session, in the adapter's order.
STEPS = dict((name, catalogue.RESOURCES[name]) for name in platform.ORDER)
# Sites the clear-text warning names before it only counts the rest.
NAMED_IN_WARNING = 10


def site_policies(plan):
    """The group policies applying a whole RouterOS site takes: read and write, and sensitive when it has peers or
    overlays (their preshared keys and IPsec secrets are compared with what the router holds)."""
    return ("read", "write") + (("sensitive",) if plan["peers"] or plan["overlays"] else ())


def in_order(resources):
    """The requested resources in the table's order, whatever order the task lists them in."""
    return sorted(resources, key=platform.ORDER.index)


def step_names(plan, resources):
    """The resources a task applies, in the table's order. A site being taken out (state: absent) loses them in the
    reverse order, and its WireGuard interface only once its peers are gone: with the task that asks for the peers
    (the role's second), not the one that asks for the interface alone (the role's first, which then keeps it)."""
    names = in_order(resources)
    if plan.get("state") != "absent" and not plan.get("ospf"):
        return _dependents_first(names)
    if plan.get("state") != "absent":
        return names
    if "wireguard_peers" not in names:
        names = [n for n in names if n != "wireguard_interfaces"]
    elif "wireguard_interfaces" not in names:
        names.insert(0, "wireguard_interfaces")
    return names[::-1]


def _dependents_first(names):
    """Without OSPF the OSPF steps only remove ours: the templates and BFD before the area before the instance they
    name."""
    ospf = [n for n in names if n in catalogue.OSPF_RESOURCES]
    if not ospf:
        return names
    first = names.index(ospf[0])
    return names[:first] + ospf[::-1] + [n for n in names[first:] if n not in ospf]


def on_release(steps, router, release):
    """The steps whose path RouterOS `release` has: one it lacks holds nothing of ours and is skipped, unless the
    plan has entries for it (RouterosError before any write, naming the router, its release and the one needed)."""
    out = []
    for resource, state, config in steps:
        if resource.exists_in(release):
            out.append((resource, state, config))
        elif config:
            raise RouterosError("%s: RouterOS %s has no %s (RouterOS %s or later): %s needs it; nothing was changed"
                                % (router, catalogue.shown(release), list(resource.paths.values())[0],
                                   catalogue.shown(resource.since), resource.name))
    return out


def lan_interface_list(params):
    """The operator's interface list the site's tunnels also join (site_apply's tunnels_in_lan_list), or None. A
    render's settings are the role variables as written: an INI "false" is false."""
    if not boolean(params.get("tunnels_in_lan_list") or False, strict=False):
        return None
    return params.get("lan_interface_list") or platform.DEFAULT_LAN_INTERFACE_LIST


def open_session(params, host):
    return connect(dict((k, params.get(k)) for k in CONNECTION_OPTIONS), host)


class RunLock(object):
    """This run's fleet lock on one router (module_utils/routeros/lock.py): taken before the run's first write there
    (a run that changes nothing writes no lock either); kept after the role's interface step, whose peers step
    follows; released after any other step, or a failure."""

    def __init__(self, api, router, params, out):
        self.api, self.router, self.owner, self.out = api, router, params["owner"], out
        self.break_lock, self.me, self.held = bool(params.get("break_lock")), lock.holder(), False

    def before_write(self):
        """run_resource's hook: True when the lock was taken just now (what was read before may be stale)."""
        if self.held:
            return False
        removed, taken = lock.take(self.api, self.router, self.owner, self.me, self.break_lock)
        self.held = True
        self.out["warnings"] += ["%s: removed the fleet lock of %s (%s)" % (
            self.router, who, "sitelink_break_lock" if self.break_lock else "stale") for who in removed]
        return taken

    def done(self, keep, failed=False):
        """Release unless `keep` (the result then says so: the next step releases it); after a failure quietly:
        its message matters more than the release's. The release reads the lock's entries even when this run took
        none (one read per router and run): an ended run of this controller may have left one."""
        if keep and not failed:
            if self.held:
                self.out["fleet_lock"] = "kept"
            return
        try:
            lock.release(self.api, self.router, self.owner, self.me)
        except RouterosError:
            if not failed:
                raise


class RouterosDriver(Driver):
    name = "routeros"

    def apply(self, task, ctx, plan, params):
        try:
            return finished(self._apply(task, ctx, plan, params))
        except RouterosError as exc:
            return error_result(exc)

    @staticmethod
    def _apply(task, ctx, plan, params):
        keys, router, out = ctx.keys(plan), ctx.host, new_result()
        options = {"owner": params["owner"], "adopt": False, "placement": "before_drop"}
        steps = []
        for name in step_names(plan, params["resources"]):
            state = "overridden"
            if name == "wireguard_peers" and not keys.get("complete", {}).get(router):
                state = "merged"          # a peer whose key is unknown yet is kept, not purged
            # only the requested resources: the interface step needs none of the rest (a hub's rules and routes)
            steps.append((STEPS[name], state,
                          platform.config(plan, name, keys.get("public_keys"), ctx.secret, params["owner"],
                                          lan_interface_list(params))))
        api = open_session(params, router)
        run_lock, failed = None if task.check_mode else RunLock(api, router, params, out), True
        try:
            facts = SessionFacts(api, router, params.get("username"))
            # every policy the site's apply needs, before the first step writes anything (and before anything else
            # is read): the role's first task (the interface) already checks what its second (peers, overlays, ...)
            # will need
            facts.require(sorted(set(site_policies(plan)).union(
                p for resource, state, config in steps for p in needed_policies(resource, config, state))))
            steps = [(resource, state, platform.for_release(resource, config, facts.release()))
                     for resource, state, config in on_release(steps, router, facts.release())]
            # the guard's reads stand for the steps' own until the first write (a no-change run reads each path
            # once); a site taken out loses every entry of ours, whichever sites they name
            guarded = plan.get("state") != "absent"
            read = guard_purge(api, steps, router, options, facts, ctx, params) if guarded else {}
            if guarded and not params.get("renumber"):
                guard_renumber(api, steps, router, options, facts, plan, read)
            for resource, state, config in steps:
                try:
                    done = run_resource(api, resource, router, config, state, options, task.check_mode,
                                        task.diff_mode, facts, lambda: open_session(params, router),
                                        read.pop(resource.name, None), run_lock and run_lock.before_write)
                except RouterosError as exc:
                    exc.message = "%s (applied before it: %s)" % (exc.message, ", ".join(out["resources"]) or "nothing")
                    raise
                record(out, resource.name, done)
                if done["changed"] and not task.check_mode:
                    read.clear()
                if resource.name == "wireguard_interfaces":
                    out["public_key"] = next((e.get("public_key") for e in done["after"]
                                              if e.get("name") == plan["wireguard"]["name"]), None)
            failed = False
        finally:
            if run_lock:
                run_lock.done(list(params["resources"]) == [platform.ORDER[0]], failed)
            api.close()
        return out

    def verify(self, task, ctx, plan, params, keys):
        try:
            return self._verify(ctx, plan, params, keys)
        except RouterosError as exc:
            return error_result(exc)

    @staticmethod
    def _verify(ctx, plan, params, keys):
        # A WireGuard peer makes its first handshake only when something is to be sent to it: the pings are that
        # traffic. An overlay may only run once the handshake carried its keepalive, so from the second attempt on
        # the peer's transit address of a silent overlay link is pinged too (not reported: the overlay decides).
        router, started = ctx.host, time.monotonic()
        addresses = [link["verify_address"] for link in plan["links"]]
        traffic = dict((link["verify_address"], link.get("transit_address")) for link in plan["links"]
                       if link.get("transit_address") not in (None, link["verify_address"]))
        answers, attempts, waiting = {}, 0, list(addresses)
        while waiting:
            attempts += 1
            targets = waiting + [traffic[a] for a in waiting if attempts > 1 and a in traffic]
            for result in ping_addresses(lambda: open_session(params, router), targets, params["count"],
                                         params["interval"], params["parallel"], router=router):
                answers[result["address"]] = result
            waiting = [a for a in waiting if not answers[a]["received"]]
            if not waiting or attempts > params["retries"]:
                break
            time.sleep(params["delay"])
        results = [answers[a] for a in addresses]
        waited = int(round(time.monotonic() - started))
        peers, read_by = peers_as_applied(ctx, plan, keys, results), "site_apply"
        if peers is None:
            api = open_session(params, router)
            try:
                peers, read_by = gather(api, ["peers"], router)["peers"], "site_verify"
            finally:
                api.close()
        out = {"changed": False, "results": results, "all_answered": all(r["received"] for r in results),
               "attempts": attempts, "waited": waited, "peers": peers, "peers_read_by": read_by}
        if adjacency.overlay_links(plan):
            # the retries the pings left: an adjacency forms within a hello interval of its overlay running
            out["ospf"] = ospf_states(params, router, plan, max(0, params["retries"] + 1 - attempts))
        return out

    def files(self, plan, host, settings):
        """The site's .rsc; with render_preshared_keys, its preshared keys in a secret file imported first."""
        script = routeros_script.script(plan, host, settings["owner"], settings.get("public_keys"),
                                        lan_interface_list(settings), settings.get("release"))
        files = {"%s.rsc" % host: script}
        if settings.get("preshared_keys"):
            text = routeros_script.psk_script(plan, host, settings.get("psk_secret"))
            if text:
                files[routeros_script.psk_file_name(host)] = SecretText(text)
        return files

    def public_key(self, fleet, site, interface, warnings):
        try:
            api = connect(fleet.connection(site), site)
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

    def fleet_warnings(self, fleet, play_sites, outside_sites):
        """One warning per weakness, naming every RouterOS site whose API sessions this play opens so: the play's
        sites (each with sitelink_routeros in its own scope) and the peers outside it whose keys are read."""
        settings = fleet.role_setting("sitelink_routeros", play_sites)
        options = [fleet.connection(s, settings[s]) for s in play_sites]
        options += [fleet.connection(s) for s in outside_sites]
        sites = list(play_sites) + list(outside_sites)
        found = []
        for weak, _task_words, words in SESSION_WEAKNESSES:
            weak_sites = sorted(site for site, option in zip(sites, options) if weak(option))
            if weak_sites:
                found.append(words % (len(weak_sites), named(weak_sites, NAMED_IN_WARNING)))
        return found


def ospf_states(params, router, plan, retries):
    """OSPF mode: each overlay link's OSPF and BFD state (adjacency.py), read again after `delay` while an overlay is
    not Full, up to `retries` times; what the router says about the templates and interfaces of those that stay not
    Full is read once, to say why."""
    api = open_session(params, router)
    try:
        for attempt in range(retries + 1):
            if attempt:
                time.sleep(params["delay"])
            neighbors = select(api, router, *adjacency.NEIGHBORS)
            sessions = select(api, router, *adjacency.BFD_SESSIONS) if adjacency.uses_bfd(plan) else []
            states = adjacency.link_states(router, plan, neighbors, sessions)
            if adjacency.full(states):
                return states
        return adjacency.link_states(router, plan, neighbors, sessions, select(api, router, *adjacency.TEMPLATES),
                                     select(api, router, *adjacency.INTERFACES))
    finally:
        api.close()


def guard_purge(api, steps, router, options, facts, ctx, params):
    """RouterosError before the site's first write when its steps would remove entries of sites the inventory does not
    have, unless the run allows it (purge, purge_sites): the engine's own planned removals, read and compared once
    more before anything is written (check mode too). {resource name: the rows it read}."""
    if params.get("purge"):
        return {}
    read, removals = {}, {}
    for resource, state, config in steps:
        if state == "overridden" and resource.name in purge.NAMERS:
            read[resource.name], removals[resource.name] = planned_removals(api, resource, router, config, state,
                                                                            options, facts)
    refused = purge.refused(purge.unknown_sites(removals, router, ctx.in_inventory), params.get("purge_sites"))
    if refused:
        raise RouterosError(purge.refusal(router, refused))
    return read


def peers_as_applied(ctx, plan, keys, results):
    """The peers as this run's apply step read them, when that reading already shows all that reading them again
    would: every link answered and every link's peer had a handshake. None otherwise (a link to explain, or a first
    handshake the pings made), and without the role's apply step."""
    if not all(r["received"] for r in results):
        return None
    try:
        peers = ctx.registered("apply")["resources"]["wireguard_peers"]["after"]
    except (KeyError, TypeError):
        return None
    handshakes = dict((p.get("public_key"), p.get("last_handshake")) for p in peers)
    if not all(handshakes.get(planner.peer_public_key(plan, link["peer"], keys)) for link in plan["links"]):
        return None
    return [add_handshake_seconds(p) for p in peers]


def guard_renumber(api, steps, router, options, facts, plan, read):
    """RouterosError before the site's first write when its steps would move the transit addresses or tunnel ids of
    links the router already has (renumber.py). Reads what the purge guard did not into `read`, which the steps take
    while nothing was written."""
    existing, planned = {}, {}
    for resource, state, config in steps:
        if resource.name in renumber.RESOURCES:
            engine = engine_for(resource, router, options, facts.release())
            if resource.name not in read:
                read[resource.name] = dict((path, engine.read(api, path))
                                           for path in paths_to_read(resource, config, state))
            existing[resource.name], planned[resource.name] = engine.entries(read[resource.name]), config
    wireguard = plan["wireguard"]["name"]
    moved = renumber.renumbered(renumber.numbers(existing, wireguard), renumber.numbers(planned, wireguard))
    if moved:
        raise RouterosError(renumber.refusal(router, moved))
