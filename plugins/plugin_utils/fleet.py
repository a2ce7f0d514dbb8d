# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet as the site_tunnel actions see it: every inventory host with `sitelink_site`,
whether or not it is in the play (a --limit run still plans complete peer lists)."""

from __future__ import annotations

import json

from ansible.plugins.action import ActionBase

from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model as topology
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import plan as planner
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import validate as validation

SETTINGS = ("sitelink_topology", "sitelink_link_defaults", "sitelink_pools", "sitelink_psk_secret")
CONNECTION = ("port", "username", "password", "tls", "validate_certs", "ca_path", "timeout")


def plain(value):
    """Plain dicts, lists and strings from ansible-core's tagged or lazy values (a JSON round trip)."""
    return json.loads(json.dumps(value, default=str))


def load(task_vars, templar):
    hostvars = task_vars["hostvars"]
    sites = {}
    for host in hostvars:
        host_vars = hostvars[host]
        if "sitelink_site" in host_vars:
            sites[plain(host)] = plain(host_vars["sitelink_site"])
    settings = dict((k, plain(templar.template(task_vars.get(k)))) for k in SETTINGS if k in task_vars)
    model = topology.load(sites, settings)
    validation.validate(model)
    return model


def problems_message(model):
    lines = ["%d problem(s) in the inventory; no router was touched:" % len(model.problems)]
    lines += ["- %s" % p for p in model.problems]
    return "\n".join(lines)


def connection(task_vars, host):
    """Connection options of another inventory host, from its own variables."""
    host_vars = task_vars["hostvars"][host]
    settings = plain(host_vars["sitelink_routeros"]) if "sitelink_routeros" in host_vars else {}
    params = dict((k, settings.get(k)) for k in CONNECTION)
    params["hostname"] = host_vars["ansible_host"] if "ansible_host" in host_vars else host
    params.setdefault("validate_certs", True)
    if params["validate_certs"] is None:
        params["validate_certs"] = True
    return params


class FleetAction(ActionBase):
    """An action over the whole fleet: loads and validates the inventory, then calls `work`."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(FleetAction, self).run(tmp, task_vars)
        if not planner.HAS_NETADDR:
            result.update(failed=True, msg="the Python library netaddr is required on the controller "
                                           "(pip install netaddr)")
            return result
        model = load(task_vars, self._templar)
        if model.problems:
            result.update(failed=True, msg=problems_message(model), problems=[str(p) for p in model.problems])
            return result
        result.update(self.work(model, task_vars))
        return result

    def work(self, model, task_vars):
        raise NotImplementedError
