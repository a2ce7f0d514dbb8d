#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This module runs as an action plugin on the controller (plugins/action/routeros_info.py);
# this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: routeros_info
short_description: Read identity, version, interfaces, WireGuard keys and peer status from RouterOS
version_added: 1.0.0
description:
  - Reads what a site-to-site tunnel needs to know about a MikroTik RouterOS v7 router, in one API session.
  - Returns WireGuard public keys (for the peers of other sites) and each peer's status (last handshake,
    current endpoint, traffic). Private and preshared keys are never read.
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
extends_documentation_fragment:
  - sitelink.tunnels.routeros
  - sitelink.tunnels.routeros.READ_ONLY
options:
  gather:
    description:
      - Which subsets to read; C(all) reads every one.
    type: list
    elements: str
    choices: [all, identity, resource, interfaces, wireguard, peers, addresses, routes]
    default: [all]
seealso:
  - module: sitelink.tunnels.routeros_wireguard_interfaces
  - module: sitelink.tunnels.routeros_wireguard_peers
"""

EXAMPLES = r"""
- name: Public keys and peer status
  sitelink.tunnels.routeros_info:
    gather: [identity, wireguard, peers]
  register: router

- name: Links without a handshake in the last three minutes
  ansible.builtin.debug:
    msg: "{{ router.peers | rejectattr('last_handshake_seconds', 'le', 180) | map(attribute='public_key') }}"
"""

RETURN = r"""
identity:
  description: The router's identity (C(/system/identity)).
  returned: when gathered
  type: str
  sample: hub
version:
  description: RouterOS version without the channel.
  returned: when gathered
  type: str
  sample: 7.18.2
resource:
  description: Board, architecture, uptime and full version string.
  returned: when gathered
  type: dict
interfaces:
  description: Every interface with name, type, MTU, running and disabled flags.
  returned: when gathered
  type: list
  elements: dict
wireguard:
  description: WireGuard interfaces with listen port, MTU and public key.
  returned: when gathered
  type: list
  elements: dict
public_keys:
  description: WireGuard public key by interface name.
  returned: when wireguard is gathered
  type: dict
  sample: {"wg-sites": "UJtOAfT7RAtmawzVvV+mwj+aoVwZYDGloC/jwMVVVjE="}
peers:
  description:
    - WireGuard peers with allowed addresses, configured and current endpoint, C(last_handshake) as RouterOS
      shows it and C(last_handshake_seconds) (null before the first handshake), C(rx) and C(tx).
  returned: when gathered
  type: list
  elements: dict
addresses:
  description: IPv4 addresses.
  returned: when gathered
  type: list
  elements: dict
routes:
  description: IPv4 routes with their active flag.
  returned: when gathered
  type: list
  elements: dict
"""
