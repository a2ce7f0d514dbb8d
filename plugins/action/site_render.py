# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
import os

import yaml

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.engine import Engine
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.resources import RESOURCES
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import plan as planner
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import routeros as adapter
from ansible_collections.sitelink.tunnels.plugins.plugin_utils import fleet


def script(plan, host, owner):
    """The whole site as a RouterOS script, with placeholders for what only routers know."""
    placeholders = dict((p["peer"], "<public key of %s>" % p["peer"]) for p in plan["peers"])
    lines = ["# sitelink.tunnels: site %s (render only; nothing was sent to the router)" % host,
             "# <public key of SITE>: read it on SITE with /interface wireguard print; preshared keys are redacted"]
    for name in adapter.ORDER:
        resource = RESOURCES[name]
        config = adapter.config(plan, name, placeholders, None)
        if not config:
            continue
        engine = Engine(resource, host, owner=owner)
        ops = engine.plan(config, "merged", dict((resource.path_for(e), []) for e in config))
        lines.extend(engine.script(op) for op in ops)
    return "\n".join(lines) + "\n"


class ActionModule(fleet.FleetAction):
    """Writes the site's plan (YAML and JSON) and RouterOS script; contacts no router."""

    def work(self, model, task_vars):
        dest = self._task.args.get("dest")
        owner = self._task.args.get("owner", "")
        if not dest:
            return {"failed": True, "msg": "dest is required"}
        host = fleet.plain(task_vars["inventory_hostname"])
        plan = planner.plan_site(model, host)
        contents = {
            "%s.plan.yml" % host: yaml.safe_dump(plan, sort_keys=False, default_flow_style=False),
            "%s.plan.json" % host: json.dumps(plan, indent=2) + "\n",
            "%s.rsc" % host: script(plan, host, owner),
        }
        changed = []
        for name, text in contents.items():
            path = os.path.join(dest, name)
            current = None
            if os.path.exists(path):
                with open(path, encoding="utf-8") as fh:
                    current = fh.read()
            if current != text:
                changed.append(path)
                if not self._task.check_mode:
                    os.makedirs(dest, exist_ok=True)
                    with open(path, "w", encoding="utf-8") as fh:
                        fh.write(text)
        return {"changed": bool(changed), "files": [os.path.join(dest, n) for n in contents], "written": changed}
