#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This module runs as an action plugin on the controller (plugins/action/site_plan.py);
# this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: site_plan
short_description: Validate the whole sitelink inventory and plan one site
version_added: 1.0.0
description:
  - Reads C(sitelink_site) of every inventory host (in the play or not), the fleet settings C(sitelink_topology),
    C(sitelink_link_defaults), C(sitelink_pools), C(sitelink_psk_secret) and C(sitelink_drain), and checks all of it
    at once.
  - On any problem it fails with one line per problem (host, variable, why), before any device is touched.
  - Otherwise it returns the site's plan as the fact C(sitelink_plan) - WireGuard interface, peers, overlays,
    addresses, routes, firewall rules and the links to verify - platform-neutral and without secrets.
  - For use outside the role (for example in a verify play); the role plans every site at once with
    M(sitelink.tunnels.site_fleet). See the role's documentation for the inventory model.
extends_documentation_fragment:
  - sitelink.tunnels.controller
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
options:
  validate_only:
    description:
      - Only validate (use with C(run_once)); return the counts of sites and links.
    type: bool
    default: false
attributes:
  check_mode:
    description: Plans only; runs the same in check mode.
    support: full
"""

EXAMPLES = r"""
- name: Check the whole inventory once
  sitelink.tunnels.site_plan:
    validate_only: true
  run_once: true

- name: This site's plan
  sitelink.tunnels.site_plan:
"""

RETURN = r"""
plan:
  description: The site's plan (also set as the fact C(sitelink_plan)).
  returned: unless O(validate_only)
  type: dict
sites:
  description: Number of sites in the inventory.
  returned: always
  type: int
links:
  description: Number of links the topology makes.
  returned: always
  type: int
problems:
  description: Every problem found, each as one line naming the host, the variable and why.
  returned: on failure
  type: list
  elements: str
"""
