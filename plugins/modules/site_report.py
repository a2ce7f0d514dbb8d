#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This module runs as an action plugin on the controller (plugins/action/site_report.py);
# this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: site_report
short_description: One table of every link's state across the fleet
version_added: 1.0.0
description:
  - Run once after each site registered C(sitelink_info) (M(sitelink.tunnels.routeros_info) with peers),
    C(sitelink_ping) (M(sitelink.tunnels.routeros_ping) of the plan's verify addresses) and C(sitelink_keys).
  - Returns a table with one row per link end - site, peer, overlay, address pinged, last handshake, answers,
    status C(up), C(down) or C(pending) (the peer has no key yet).
extends_documentation_fragment:
  - sitelink.tunnels.controller
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
options: {}
attributes:
  check_mode:
    description: Reads registered results only.
    support: full
"""

EXAMPLES = r"""
- name: Fleet table
  sitelink.tunnels.site_report:
  run_once: true
  register: report
"""

RETURN = r"""
table:
  description: The table as lines of text, with a closing count.
  returned: always
  type: list
  elements: str
links:
  description: The rows as dictionaries.
  returned: always
  type: list
  elements: dict
down:
  description: The rows whose status is not C(up).
  returned: always
  type: list
  elements: dict
counts:
  description: Rows per status.
  returned: always
  type: dict
"""
