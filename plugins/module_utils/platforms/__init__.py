# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platforms a site can be on: {name: Capabilities} for the planner and validation, and {name: desired} for
what a site's desired state is made of.

A site's `platform` is one of CAPABILITIES' names; the first is the default.  A new platform is a module with its
CAPABILITIES and its `desired(plan, public_keys, psk_secret, owner)`, and one register() call here (or in a test):
no edit in the planner or validation.
"""

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import external, linux, routeros
from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms.base import ALL_OVERLAYS, Capabilities

CAPABILITIES = {}
# the desired state of each configured platform's site: desired(plan, public_keys=None, psk_secret=None, owner=None)
DESIRED = {}

# what validation assumes of a site whose platform is refused (a typo): whatever adds no message of its own, so that
# the one problem is the platform's
UNKNOWN = Capabilities(label="unknown", configured=True, overlays=ALL_OVERLAYS, answers_gre_keepalive=True,
                       backup_routes=False, link_local_gateway=True, interface_name=None, next_hop_family_rule=None)


def register(name, capabilities, desired=None):
    """Adds platform `name`; refuses a name that is taken (ValueError) and capabilities that are not Capabilities
    (TypeError).  `desired` is None for a platform Ansible does not configure."""
    if not isinstance(name, str) or not name:
        raise ValueError("a platform's name is a non-empty string, not %r" % (name,))
    if name in CAPABILITIES:
        raise ValueError("platform %r is already registered" % name)
    if not isinstance(capabilities, Capabilities):
        raise TypeError("platform %r: capabilities must be a Capabilities, not %s"
                        % (name, type(capabilities).__name__))
    if capabilities.configured and desired is None:
        raise ValueError("platform %r is configured by Ansible: it needs its desired state" % name)
    CAPABILITIES[name] = capabilities
    if desired is not None:
        DESIRED[name] = desired


def unregister(name):
    """Removes platform `name` (a test's toy platform); the built-in ones stay."""
    if name in BUILT_IN:
        raise ValueError("platform %r is built in" % name)
    CAPABILITIES.pop(name, None)
    DESIRED.pop(name, None)


def capabilities(platform):
    """The capabilities of a site's `platform` (any value from the inventory): UNKNOWN for a name that is not one."""
    return CAPABILITIES.get(platform, UNKNOWN) if isinstance(platform, str) else UNKNOWN


register("routeros", routeros.CAPABILITIES, routeros.desired)
register("linux", linux.CAPABILITIES, linux.desired)
register("external", external.CAPABILITIES)
BUILT_IN = tuple(CAPABILITIES)
DEFAULT = BUILT_IN[0]
