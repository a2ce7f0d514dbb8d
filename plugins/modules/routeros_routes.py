#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This module runs as an action plugin on the controller (plugins/action/routeros_routes.py);
# this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: routeros_routes
short_description: Manage static IPv4 and IPv6 routes on RouterOS
version_added: 1.0.0
description:
  - "Creates, updates and removes static routes on MikroTik RouterOS v7 through its API."
  - "A route is identified by destination, gateway and routing table; each goes to C(/ip/route) or
    C(/ipv6/route) by the family of its destination. Dynamic (connected, learned) routes are never
    touched."
  - "WireGuard's allowed addresses install no routes on RouterOS: remote LANs need a route through the
    tunnel, and the peer's endpoint needs a route through the underlay."
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
extends_documentation_fragment:
  - sitelink.tunnels.routeros
  - sitelink.tunnels.routeros_resources.routes
"""

EXAMPLES = r"""
- name: Remote LANs through the tunnel
  sitelink.tunnels.routeros_routes:
    config:
      - dst_address: 192.168.20.0/24
        gateway: 10.255.0.0
      - dst_address: 198.51.100.1/32
        gateway: 203.0.113.1
        comment: endpoint of the hub through the underlay
"""

RETURN = r"""
before:
  description: The managed entries of the path(s) before the task, secrets redacted.
  returned: when I(state) is merged, replaced, overridden or deleted
  type: list
  elements: dict
after:
  description: The managed entries after the task (predicted in check mode), secrets redacted.
  returned: when I(state) is merged, replaced, overridden or deleted
  type: list
  elements: dict
commands:
  description: The API sentences sent (or that would be sent in check mode), secrets redacted.
  returned: when I(state) is merged, replaced, overridden or deleted
  type: list
  elements: str
  sample: ["/ip/route/add =comment=sitelink:fleet =dst-address=192.168.20.0/24 =gateway=10.255.0.0"]
script:
  description: The same changes as RouterOS script lines (.rsc), secrets redacted.
  returned: when I(state) is merged, replaced, overridden or deleted
  type: list
  elements: str
gathered:
  description: Every entry of the path(s), managed or not (C(managed) tells), secrets redacted.
  returned: when I(state=gathered)
  type: list
  elements: dict
rendered:
  description: The API sentences that would create O(config) on an empty router, secrets redacted.
  returned: when I(state=rendered)
  type: list
  elements: str
rendered_script:
  description: O(config) as a RouterOS script (.rsc), secrets redacted.
  returned: when I(state=rendered)
  type: str
problems:
  description: Every problem found with O(config) before anything was written.
  returned: on failure
  type: list
  elements: str
"""
