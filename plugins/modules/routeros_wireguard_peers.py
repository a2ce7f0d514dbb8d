#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This module runs as an action plugin on the controller (plugins/action/routeros_wireguard_peers.py);
# this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: routeros_wireguard_peers
short_description: Manage WireGuard peers on RouterOS
version_added: 1.0.0
description:
  - "Creates, updates and removes WireGuard peers on MikroTik RouterOS v7 through its API."
  - "A peer is identified by its interface and public key. Its allowed addresses are its route on send
    and its access list on receive (cryptokey routing); they are compared as a set of prefixes."
  - "Preshared keys are compared as decoded bytes and never appear in any output, diff or error."
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
extends_documentation_fragment:
  - sitelink.tunnels.routeros
  - sitelink.tunnels.routeros_resources.wireguard_peers
"""

EXAMPLES = r"""
- name: Peer a branch with the hub
  sitelink.tunnels.routeros_wireguard_peers:
    config:
      - interface: wg-sites
        public_key: "{{ hub_public_key }}"
        endpoint_address: 198.51.100.1
        endpoint_port: 13231
        allowed_address: [10.255.0.0/31, 192.168.10.0/24]
        persistent_keepalive: 25s
        preshared_key: "{{ link_psk }}"
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
  sample: ["/interface/wireguard/peers/add =allowed-address=10.255.0.0/31 =comment=sitelink:fleet =interface=wg-sites"]
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
