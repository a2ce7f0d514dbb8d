#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This module runs as an action plugin on the controller (plugins/action/routeros_firewall_rules.py);
# this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: routeros_firewall_rules
short_description: Manage firewall filter rules on RouterOS
version_added: 1.0.0
description:
  - "Creates, updates, orders and removes firewall filter rules on MikroTik RouterOS v7 through its API."
  - "Rules have no natural key on RouterOS, so each managed rule carries its O(config[].name) in its
    comment after the ownership marker (C(sitelink:OWNER NAME))."
  - "New rules are placed, in the order given, before the first drop or reject rule of their chain that
    the collection does not own (the router's default \"drop all not coming from LAN\", for example),
    unless O(placement) says otherwise. Rules already in the right order are not moved."
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
extends_documentation_fragment:
  - sitelink.tunnels.routeros
  - sitelink.tunnels.routeros_resources.firewall_rules
"""

EXAMPLES = r"""
- name: Let WireGuard in, before the default drop
  sitelink.tunnels.routeros_firewall_rules:
    config:
      - name: wireguard-in
        chain: input
        protocol: udp
        dst_port: "13231"
      - name: gre-from-peer
        chain: input
        protocol: gre
        src_address: 10.255.0.0/31
        in_interface: wg-sites
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
  sample: ["/ip/firewall/filter/add =chain=input =comment=sitelink:fleet wireguard-in =dst-port=13231
     =place-before=*5 =protocol=udp"]
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
