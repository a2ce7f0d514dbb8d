#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This module runs as an action plugin on the controller (plugins/action/routeros_eoip_tunnels.py);
# this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: routeros_eoip_tunnels
short_description: Manage EoIP tunnels on RouterOS
version_added: 1.0.0
description:
  - "Creates, updates and removes EoIP (Ethernet over IP) tunnels on MikroTik RouterOS v7 through its
    API."
  - "The tunnel id must match on both ends. The router generates the MAC address unless one is given;
    C(replaced) leaves a generated MAC alone."
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
extends_documentation_fragment:
  - sitelink.tunnels.routeros
  - sitelink.tunnels.routeros_resources.eoip_tunnels
"""

EXAMPLES = r"""
- name: EoIP inside WireGuard, bridged to the LAN elsewhere
  sitelink.tunnels.routeros_eoip_tunnels:
    config:
      - name: eoip-hub
        tunnel_id: 101
        local_address: 10.255.0.3
        remote_address: 10.255.0.2
        mtu: 1500
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
  sample: ["/interface/eoip/add =comment=sitelink:fleet =name=eoip-hub =remote-address=10.255.0.2 =tunnel-id=101"]
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
