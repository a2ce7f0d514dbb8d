# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The two kinds of the role's actions: one over the whole fleet (FleetAction, run once), one on one site
(SiteAction: its arguments checked against its module's documentation, then handed to the site's driver)."""

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.sitelink.tunnels.plugins.plugin_utils import drivers, inventory
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.context import ROLE_OPTIONS, FleetContext, SiteContext
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.argument_specs import CheckedAction, argument_spec


class FleetAction(ActionBase):
    """An action over the whole fleet: takes every site's plan from the role's fleet step (sitelink__fleet) or,
    used on its own, loads, validates and plans the inventory itself; then calls `work(plans, fleet)`, with the
    step's FleetContext."""

    TRANSFERS_FILES = False
    _requires_connection = False
    REUSES_FLEET = True     # the fleet step itself always computes

    def run(self, tmp=None, task_vars=None):
        result = super(FleetAction, self).run(tmp, task_vars)
        fleet = FleetContext(task_vars, self._templar)
        plans, failure = inventory.plans_or_failure(fleet, self.checked_hosts(fleet), self.REUSES_FLEET)
        if failure:
            result.update(failure)
            return result
        result.update(self.work(plans, fleet))
        return result

    def checked_hosts(self, fleet):
        """Hosts whose role settings are checked along with the fleet: none unless the action is the role's."""
        return ()

    def work(self, plans, fleet):
        raise NotImplementedError


def out_of_range(params, host):
    """A failed result naming the host and the option (with its role variable) of a whole number outside the range
    the role allows (inventory.SETTING_RANGES: a negative delay would end time.sleep with an exception after the
    apply step), or None."""
    for option, variable in sorted(ROLE_OPTIONS.items()):
        bounds = inventory.SETTING_RANGES.get(variable)
        if bounds and params.get(option) is not None and not bounds[0] <= params[option] <= bounds[1]:
            return {"failed": True, "msg": "%s: %s (%s): %s is out of range (%d to %d)"
                                           % (host, option, variable, params[option], bounds[0], bounds[1])}
    return None


class SiteAction(CheckedAction):
    """An action on one site of the role's fleet: `work(ctx, params, plan, driver)`, with the task's arguments
    (the ones it leaves out from the host's role variables: SiteContext.settings) checked against MODULE's spec."""

    MODULE = None          # e.g. "sitelink.tunnels.site_apply"

    def run(self, tmp=None, task_vars=None):
        result = super(SiteAction, self).run(tmp, task_vars)
        self._vars = task_vars or {}
        ctx = SiteContext(self._vars, self._templar)
        spec = argument_spec(self.MODULE)
        given = dict(self._task.args)
        given.update((k, v) for k, v in ctx.settings(given).items() if k in spec)
        params, failure = self.checked(given, ctx.host)
        if failure is None:
            failure = out_of_range(params, ctx.host)
        if failure is None:
            plan, failure = self.site_plan(ctx)
        if failure:
            result.update(failure)
            return result
        if "hostname" in spec and not params.get("hostname"):
            params["hostname"] = ctx.var("ansible_host", ctx.host)
        result.update(self.work(ctx, params, plan, drivers.of(plan)))
        return result

    def site_plan(self, ctx):
        """(the site's plan, None) from the role's fleet step, or planned here without one; (None, failed result)."""
        plan, from_fleet = ctx.fleet_plan()
        if not from_fleet:
            plans, failure = inventory.plans_or_failure(FleetContext(self._vars, self._templar), reuse=False)
            if failure:
                return None, failure
            plan = plans.get(ctx.host)
        if plan is None:
            return None, {"failed": True, "msg": "%s: not a configured site of the inventory (a host with "
                                                 "sitelink_site whose platform Ansible configures)" % ctx.host}
        return plan, None

    def work(self, ctx, params, plan, driver):
        raise NotImplementedError

    @property
    def check_mode(self):
        return bool(self._task.check_mode)

    @property
    def diff_mode(self):
        return bool(self._task.diff)

    def run_module(self, module, args):
        """A module's result on the site's host, without the echo of its arguments."""
        done = self._execute_module(module_name=module, module_args=args, task_vars=self._vars)
        done.pop("invocation", None)
        return done
