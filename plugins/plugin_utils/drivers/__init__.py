# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One driver per platform: how a site of that platform is applied, verified and rendered, and how a peer's public
key is read when the site is outside the play; its capabilities (what the planner and validation ask) are
module_utils/platforms'. Everything above the drivers asks them, never a platform's name."""

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.plugin_utils.drivers.base import Driver
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.drivers.external import ExternalDriver
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.drivers.linux import LinuxDriver
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.drivers.routeros import RouterosDriver

DRIVERS = dict((driver.name, driver) for driver in (RouterosDriver(), LinuxDriver(), ExternalDriver()))


def register(driver):
    """Adds a platform's driver (a new platform: its driver here, its capabilities in module_utils/platforms)."""
    if driver.name in DRIVERS:
        raise ValueError("a driver for platform %r exists already" % driver.name)
    DRIVERS[driver.name] = driver


def of(plan):
    """The driver of a planned site."""
    return DRIVERS[plan["platform"]]


__all__ = ["DRIVERS", "Driver", "of", "register"]
