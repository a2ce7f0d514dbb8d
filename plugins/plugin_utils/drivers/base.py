# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every platform driver offers; the defaults are those of a platform Ansible does not configure."""

from __future__ import annotations


class SecretText(str):
    """A rendered file's text that is a secret (preshared keys): written with mode 0600."""


class Driver(object):
    """A platform's behaviour on the controller side. `task` is the site action running (SiteAction: its module
    runs, check and diff modes), `ctx` the site task's SiteContext, `fleet` a fleet step's FleetContext."""

    name = None
    runs_on_host = False        # its steps run modules on the site's own host, so the role's become applies
    reads_key_on_host = False   # outside the play, its public key is read by a task on its own host

    def apply(self, task, ctx, plan, params):
        """The site's requested resources (params["resources"]), in order: the step's result."""
        raise NotImplementedError

    def verify(self, task, ctx, plan, params, keys):
        """The site's verification status: pings through each link, its peers' handshakes."""
        raise NotImplementedError

    def files(self, plan, host, settings):
        """{file name: text} of what the site would be given (render only); a text that holds a secret, asked for
        in `settings`, is a SecretText."""
        return {}

    def public_key(self, fleet, site, interface, warnings):
        """The public key of a site outside the play, read without changing it; None (and a warning) if unknown."""
        return None

    def key_read(self, fleet, site, plan):
        """With reads_key_on_host: what the role's read-only key task on the site's host needs (host, path, become)."""
        return None

    def fleet_warnings(self, fleet, play_sites, outside_sites):
        """Warnings for the run about the platform's sites of the play and the peers outside it whose keys are read
        (the fleet step runs once)."""
        return []


def record(out, name, done):
    """Adds one resource's result to a site step's result."""
    diff = done.pop("diff", None)
    if diff:
        out["diff"] += diff if isinstance(diff, list) else [diff]
    out["warnings"] += done.pop("warnings", None) or []
    out["resources"][name] = done
    out["changed"] = out["changed"] or bool(done.get("changed"))
    out["commands"] += done.get("commands") or []


def new_result():
    return {"changed": False, "commands": [], "resources": {}, "warnings": [], "diff": []}


def finished(out):
    for empty in ("warnings", "diff"):
        if not out[empty]:
            del out[empty]
    return out
