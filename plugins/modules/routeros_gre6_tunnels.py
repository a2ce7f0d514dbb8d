#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This module runs as an action plugin on the controller (plugins/action/routeros_gre6_tunnels.py);
# this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: routeros_gre6_tunnels
short_description: Manage GRE tunnels over IPv6 (gre6) on RouterOS
version_added: 1.0.0
description:
  - "Creates, updates and removes GRE tunnels over IPv6 (C(/interface/gre6)) on MikroTik RouterOS v7 through its API."
  - "C(/interface/gre) takes IPv4 addresses only: a tunnel between IPv6 addresses (an IPv6 WireGuard transit) is a
    gre6 tunnel. It adds 44 bytes (IPv6 40 + GRE 4) instead of 24."
  - "As over IPv4, bind a tunnel over WireGuard to the (here IPv6) transit addresses: GRE (IP protocol 47) then
    travels inside the encrypted tunnel, and multicast such as OSPF can cross."
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
extends_documentation_fragment:
  - sitelink.tunnels.routeros
  - sitelink.tunnels.routeros_resources.gre6_tunnels
"""

EXAMPLES = r"""
- name: GRE inside an IPv6 WireGuard transit, for OSPF
  sitelink.tunnels.routeros_gre6_tunnels:
    config:
      - name: gre-hub
        local_address: fd00:255::1
        remote_address: "fd00:255::"
        keepalive: 10s,10
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
  sample: ["/interface/gre6/add =comment=sitelink:fleet =local-address=fd00:255::1 =name=gre-hub
     =remote-address=fd00:255::"]
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
