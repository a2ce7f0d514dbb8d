#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This module runs as an action plugin on the controller (plugins/action/routeros_addresses.py);
# this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: routeros_addresses
short_description: Manage IPv4 and IPv6 addresses on RouterOS
version_added: 1.0.0
description:
  - "Creates, updates and removes interface addresses on MikroTik RouterOS v7 through its API."
  - "Each entry goes to C(/ip/address) or C(/ipv6/address) by the family of its address."
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
extends_documentation_fragment:
  - sitelink.tunnels.routeros
  - sitelink.tunnels.routeros_resources.addresses
"""

EXAMPLES = r"""
- name: Transit addresses
  sitelink.tunnels.routeros_addresses:
    config:
      - address: 10.255.0.1/31
        interface: wg-sites
      - address: fd00:255::1/127
        interface: wg-sites
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
  sample: ["/ip/address/add =address=10.255.0.1/31 =comment=sitelink:fleet =interface=wg-sites"]
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
