# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Linux sites: the collection's Linux modules run on the host (over its connection, with the role's become), their
arguments from the Linux adapter; tools installed first when missing; a shell script when rendering."""

from __future__ import annotations

import posixpath
import shlex
import time

from ansible_collections.sitelink.tunnels.plugins.module_utils.common import names
from ansible_collections.sitelink.tunnels.plugins.module_utils.linux import files, render
from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import linux as platform
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import plan as planner
from ansible_collections.sitelink.tunnels.plugins.plugin_utils import adjacency, purge
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.drivers.base import Driver, finished, new_result, record


def key_path(plan, settings):
    return posixpath.join(settings["key_dir"], plan["wireguard"]["name"] + ".key")


# Each step's module arguments from the site's desired state (platforms.linux.desired), its plan, the key step's
# result, the Linux settings and the host.
def _key_pair(desired, plan, keys, settings, host):
    # the interface: a key file of an earlier run, before wg_keypair's marker, is the role's when the interface the
    # role made (its alias) runs it; adopt: sitelink_linux_adopt takes an administrator's key file over as well
    return {"path": key_path(plan, settings), "interface": plan["wireguard"]["name"],
            "adopt": bool(settings.get("adopt"))}


def _wireguard(desired, plan, keys, settings, host):
    args = dict(desired["wireguard"])
    args.update(private_key_path=key_path(plan, settings), implementation=settings["implementation"],
                purge_peers=bool(keys.get("complete", {}).get(host)), adopt=bool(settings.get("adopt")),
                guard_renumbering=not settings.get("renumber"))
    if not settings.get("purge"):
        args["removable"] = []      # the purge guard: a peer noted with a link id goes only once it is allowed
    if settings["persist"]:
        args["config_path"] = posixpath.join(settings["key_dir"], plan["wireguard"]["name"] + ".conf")
    return args


def _gre(desired, plan, keys, settings, host):
    return {"state": "overridden", "owner": settings["owner"], "config": desired["gre_tunnels"]}


def _routes(desired, plan, keys, settings, host):
    args = {"state": "overridden", "protocol": settings["route_protocol"], "config": desired["routes"],
            "forwarding": desired["forwarding"], "adopt": bool(settings.get("adopt"))}
    if settings["persist"]:
        args["sysctl_file"] = settings["sysctl_file"]
    return args


def _firewall(desired, plan, keys, settings, host):
    return {"table": settings["firewall_table"], "owner": settings["owner"], "rules": desired["firewall"]}


def _frr(desired, plan, keys, settings, host):
    # static mode: the block goes (a site that leaves OSPF mode); a host without FRR has none, and nothing happens
    if desired["frr"] is None:
        return {"state": "absent", "owner": settings["owner"]}
    return dict(desired["frr"], state="present", owner=settings["owner"])


# resource -> (module, its arguments), in the order they are applied: a resource without an entry has nothing of its
# own on Linux (transit addresses come with the interface and GRE steps; Linux terminates no EoIP). FRR's block is
# OSPF mode's one step there, under the instance's resource: after the firewall admits OSPF and BFD, before the
# static routes to the remote LANs go (OSPF's take over).
STEPS = {
    "wireguard_interfaces": ("sitelink.tunnels.wg_keypair", _key_pair),
    "wireguard_peers": ("sitelink.tunnels.linux_wireguard", _wireguard),
    "gre_tunnels": ("sitelink.tunnels.linux_gre_tunnels", _gre),
    "firewall_rules": ("sitelink.tunnels.linux_firewall", _firewall),
    "ospf_instances": ("sitelink.tunnels.linux_frr", _frr),
    "routes": ("sitelink.tunnels.linux_routes", _routes),
}


# A site taken out (state: absent): each step's arguments that remove what the role made, in the order they go
# (routes and rules before the tunnels they use, the interface after its GRE tunnels, the key file last). The key
# goes with the interface, as on RouterOS; forwarding stays as it is (the host may route for others).
def _key_gone(desired, plan, keys, settings, host):
    return {"path": key_path(plan, settings), "state": "absent"}


def _wireguard_gone(desired, plan, keys, settings, host):
    args = {"name": plan["wireguard"]["name"], "state": "absent", "private_key_path": key_path(plan, settings),
            "adopt": bool(settings.get("adopt"))}
    if settings["persist"]:
        args["config_path"] = posixpath.join(settings["key_dir"], plan["wireguard"]["name"] + ".conf")
    return args


def _gre_gone(desired, plan, keys, settings, host):
    return {"state": "deleted", "owner": settings["owner"], "config": []}


def _routes_gone(desired, plan, keys, settings, host):
    return {"state": "deleted", "protocol": settings["route_protocol"], "config": []}


def _firewall_gone(desired, plan, keys, settings, host):
    return {"table": settings["firewall_table"], "owner": settings["owner"], "rules": [], "state": "absent"}


def _frr_gone(desired, plan, keys, settings, host):
    return {"state": "absent", "owner": settings["owner"]}


# The interface and key go with the task that asks for the peers (the role's second), as on RouterOS.
TEARDOWN = {
    "routes": ("sitelink.tunnels.linux_routes", _routes_gone),
    "firewall_rules": ("sitelink.tunnels.linux_firewall", _firewall_gone),
    "ospf_instances": ("sitelink.tunnels.linux_frr", _frr_gone),
    "gre_tunnels": ("sitelink.tunnels.linux_gre_tunnels", _gre_gone),
    "wireguard_peers": ("sitelink.tunnels.linux_wireguard", _wireguard_gone),
    "wireguard_interfaces": ("sitelink.tunnels.wg_keypair", _key_gone),
}


def site_steps(plan, resources):
    """[(resource, (module, arguments))] a task runs on the site, in order: the ones it asks for, or for a site
    taken out, TEARDOWN's (the key step with the peers')."""
    if plan.get("state") != "absent":
        return [(name, STEPS[name]) for name in STEPS if name in resources]
    wanted = set(resources) - {"wireguard_interfaces"}
    if "wireguard_peers" in wanted:
        wanted.add("wireguard_interfaces")
    return [(name, TEARDOWN[name]) for name in TEARDOWN if name in wanted]


def guard_peers(task, ctx, params, module, args, done):
    """The purge guard on a Linux site: linux_wireguard held the removal of peers noted with link ids (`done`); the
    sites they name that the inventory has (or the run allows: purge_sites) may go, and the task runs again with
    those notes removable. A site the inventory lacks refuses the run, as on RouterOS, with nothing changed."""
    unknown = {}
    for note in done["held"]:
        site = purge.peer_of_link(note, ctx.host)
        if site and not ctx.in_inventory(site):
            unknown[site] = ["wireguard_peers"]
    refused = purge.refused(unknown, params.get("purge_sites"))
    if refused:
        return {"refused": True, "msg": purge.refusal(ctx.host, refused)}
    return task.run_module(module, dict(args, removable=done["held"]))


class LinuxDriver(Driver):
    name = "linux"
    runs_on_host = True
    reads_key_on_host = True

    def apply(self, task, ctx, plan, params):
        keys, host, out = ctx.keys(plan), ctx.host, new_result()
        settings = dict(params["linux"] or {}, owner=params["owner"], purge=params.get("purge"),
                        renumber=params.get("renumber"), frr=bool(plan.get("ospf")))
        if "wireguard_interfaces" in params["resources"] and plan.get("state") != "absent" and \
                not self.tools(task, host, settings, out):
            return finished(out)
        desired = platform.desired(plan, keys.get("public_keys"), ctx.secret)
        for name, (module, arguments) in site_steps(plan, params["resources"]):
            args = arguments(desired, plan, keys, settings, host)
            done = task.run_module(module, args)
            if done.get("held"):
                done = guard_peers(task, ctx, params, module, args, done)
                if done.get("refused"):
                    return finished(dict(out, failed=True, msg=done["msg"]))
            if done.get("failed"):
                out.update(failed=True, msg="%s: %s: %s (applied before it: %s)" % (
                    host, module.rsplit(".", 1)[1], done.get("msg", "failed"), ", ".join(out["resources"]) or
                    "nothing"))
                out["resources"][name] = done
                return finished(out)
            record(out, name, done)
            if name == "wireguard_interfaces":
                out["public_key"] = done.get("public_key")
        return finished(out)

    @staticmethod
    def tools(task, host, settings, out):
        """The host's tools first (linux_tools); the missing ones are installed with its package manager when
        `install_packages` is on. False, with the site failed and why, when something is still missing."""
        check = {"implementation": settings.get("implementation", "auto")}
        if settings.get("frr"):         # OSPF mode: FRR too
            check["frr"] = True
        found = task.run_module("sitelink.tunnels.linux_tools", check)
        missing = found.get("missing") or []
        why = found.get("msg", "linux_tools failed") if found.get("failed") else None
        if not why and missing and not settings.get("install_packages"):
            why = "missing %s; install them or set sitelink_linux_install_packages: true" % ", ".join(missing)
        elif not why and missing:
            # as ansible.builtin.package does it: the host's package manager, then that manager's module
            facts = task.run_module("ansible.legacy.setup", {"gather_subset": ["!all"], "filter": ["ansible_pkg_mgr"]})
            manager = facts.get("ansible_facts", {}).get("ansible_pkg_mgr")
            if manager in (None, "unknown"):
                why = "missing %s, and no package manager found to install them" % ", ".join(missing)
            else:
                installed = task.run_module("ansible.legacy." + manager, {"name": missing, "state": "present"})
                record(out, "packages", installed)
                if installed.get("failed"):
                    why = "installing %s failed: %s" % (", ".join(missing), installed.get("msg", ""))
                elif not task.check_mode:
                    still = task.run_module("sitelink.tunnels.linux_tools", check).get("missing") or []
                    if still:
                        why = "still missing %s after installing it" % ", ".join(still)
        if why:
            out.update(failed=True, msg="%s: %s" % (host, why))
        return why is None

    def verify(self, task, ctx, plan, params, keys):
        """linux_tunnel_status on the host (peers and pings in one module run, in OSPF mode FRR's neighbours and BFD
        peers too), again while some link is silent or some overlay's OSPF is not Full."""
        args = {"interface": plan["wireguard"]["name"], "count": params["count"],
                "addresses": [link["verify_address"] for link in plan["links"]]}
        if adjacency.overlay_links(plan):
            args.update(ospf=True, bfd=adjacency.uses_bfd(plan))
        attempts, started = 0, time.monotonic()
        while True:
            attempts += 1
            status = task.run_module("sitelink.tunnels.linux_tunnel_status", args)
            if "ospf_neighbors" in status:
                status["ospf"] = adjacency.link_states(ctx.host, plan, status.pop("ospf_neighbors"),
                                                       status.pop("bfd_sessions", []))
                for state in status["ospf"].values():
                    if status.get("routing_error") and state["ospf"] != adjacency.FULL:
                        state["reason"] = "%s: FRR: %s" % (ctx.host, status["routing_error"])
            settled = status.get("all_answered") and adjacency.full(status.get("ospf", {}))
            if status.get("failed") or settled or attempts > params["retries"]:
                break
            time.sleep(params["delay"])
        status.update(changed=False, attempts=attempts, waited=int(round(time.monotonic() - started)))
        if status.get("failed"):
            status["msg"] = "%s: %s" % (ctx.host, status.get("msg", "status failed"))
        return status

    def files(self, plan, host, settings):
        why = names.problem("path", settings["key_dir"])
        if why:       # it reaches the script and its wg-quick file's PostUp line, which bash evaluates as root
            raise ValueError("linux_key_dir: %s" % why)
        return {"%s.sh" % host: shell_script(plan, host, settings["owner"], settings["key_dir"],
                                             int(settings["route_protocol"]), settings["firewall_table"])}

    def public_key(self, fleet, site, interface, warnings):
        """The key the role's read-only look at the peer found (wg_keypair in check mode, on the peer's host)."""
        for result in fleet.registered("peer_keys_on_host").get("results", []):
            item = result.get("item") or {}
            if item.get("host") == site and result.get("public_key"):
                return result["public_key"]
        warnings.append("%s: no key in its key directory (%s.key) yet, or the host could not be reached; its links "
                        "wait until the play runs on it" % (site, interface))
        return None

    @staticmethod
    def key_read(fleet, site, plan):
        """How the role reads the public key of this site when it is outside the play: on its host, read only."""
        key_dir = fleet.role_setting("sitelink_linux_key_dir", [site])[site]
        return {"host": site, "path": key_path(plan, {"key_dir": key_dir}), "interface": plan["wireguard"]["name"],
                "become": fleet.become(site)}


def shell_script(plan, host, owner, key_dir, protocol, table):
    """What the role does on a Linux site, as a shell script to read (keys and preshared keys as placeholders)."""
    desired = platform.desired(plan, planner.public_key_placeholders(plan))
    wg = desired["wireguard"]
    peers = [dict(peer, psk_text=peer.get("preshared_key")) for peer in wg["peers"]]   # placeholders: no secret given
    key = posixpath.join(key_dir, wg["name"] + ".key")
    quoted = shlex.quote(key)     # a path the role checked needs no quoting; a quote costs nothing if it ever does
    lines = ["#!/bin/sh",
             "# sitelink.tunnels: Linux site %s (render only; nothing was run on the host)" % host,
             "# <public key of SITE>: wg pubkey < %s on a Linux SITE, /interface wireguard print on RouterOS" % quoted,
             "set -eu", "umask 077",
             # the marker wg_keypair writes next to a key file it made (module_utils/linux/files.py): a later role
             # run then knows the key as its own
             "[ -s %s ] || { wg genkey > %s && echo \"%s\" > %s; }" % (
                 quoted, quoted, (files.KEY_MARKER_TEXT % ("$(wg pubkey < %s)" % quoted)).rstrip("\n"),
                 shlex.quote(files.key_marker_path(key))),
             "cat > %s <<'EOF'" % shlex.quote(posixpath.join(key_dir, wg["name"] + ".conf")),
             render.wg_quick(wg["name"], wg["listen_port"], wg["mtu"], wg["addresses"], key, peers).rstrip("\n"),
             "EOF",
             "wg-quick up %s   # the role instead changes a running interface in place (wg set)" % wg["name"]]
    for overlay in desired["gre_tunnels"]:
        lines.append("ip link add %s type gre local %s remote %s ttl 64   # needs the ip_gre kernel module"
                     % (overlay["name"], overlay["local"], overlay["remote"]))
        lines += ["ip addr add %s dev %s" % (a, overlay["name"]) for a in overlay["addresses"]]
        lines.append("ip link set dev %s mtu %d up" % (overlay["name"], overlay["mtu"]))
    lines += [" ".join(render.route_command(r, protocol)) for r in desired["routes"]]
    lines += ["sysctl -w %s=1" % ("net.ipv4.ip_forward" if f == "ipv4" else "net.ipv6.conf.all.forwarding")
              for f in desired["forwarding"]]
    lines += ["nft -f - <<'EOF'", "table inet %s" % table, "delete table inet %s" % table,
              render.nft_table(table, owner, desired["firewall"], -10).rstrip("\n"), "EOF"]
    if desired["frr"]:
        lines += frr_lines(desired["frr"], owner)
    return "\n".join(lines) + "\n"


def frr_lines(part, owner):
    """OSPF mode's FRR block as shell lines: the owner's block of frr.conf replaced, its daemons enabled, FRR
    restarted (linux_frr reloads instead, unless it enabled a daemon)."""
    begin, end = render.frr_marker(owner, "begin"), render.frr_marker(owner, "end")
    return ["# OSPF (sitelink_routing: ospf): FRR's block in /etc/frr/frr.conf, between its marker lines; the rest "
            "of the file is yours",
            "sed -i %s /etc/frr/frr.conf" % shlex.quote("/^%s$/,/^%s$/d" % (begin, end)),
            "cat >> /etc/frr/frr.conf <<'EOF'", begin, part["config"].rstrip("\n"), end, "EOF"] + \
        ["sed -i 's/^%s=.*/%s=yes/' /etc/frr/daemons" % (d, d) for d in part["daemons"]] + \
        ["/usr/lib/frr/frrinit.sh restart   # the role reloads (frr-reload.py) unless it enables a daemon"]
