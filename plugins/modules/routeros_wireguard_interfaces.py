#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This module runs as an action plugin on the controller (plugins/action/routeros_wireguard_interfaces.py);
# this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: routeros_wireguard_interfaces
short_description: Manage WireGuard interfaces on RouterOS
version_added: 1.0.0
description:
  - "Creates, updates and removes WireGuard interfaces on MikroTik RouterOS v7 through its API."
  - "The router generates each interface's private key and keeps it; the module never reads, returns or
    sets it. The public key is returned in RV(after) for the peers."
  - "Entries it creates carry the ownership marker C(sitelink:OWNER) in their comment; entries without it are
    never changed or removed."
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
extends_documentation_fragment:
  - sitelink.tunnels.routeros
  - sitelink.tunnels.routeros_resources.wireguard_interfaces
"""

EXAMPLES = r"""
- name: One WireGuard interface per site
  sitelink.tunnels.routeros_wireguard_interfaces:
    config:
      - name: wg-sites
        listen_port: 13231
  register: wg

- name: Its public key, for the peers
  ansible.builtin.debug:
    msg: "{{ wg.after[0].public_key }}"

- name: Only these interfaces may be managed; other managed ones go
  sitelink.tunnels.routeros_wireguard_interfaces:
    state: overridden
    config:
      - name: wg-sites
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
  sample: ["/interface/wireguard/add =comment=sitelink:fleet =listen-port=13231 =name=wg-sites"]
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
