#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This module runs as an action plugin on the controller (plugins/action/site_public_keys.py);
# this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: site_public_keys
short_description: Read the WireGuard public keys of the play's sites and of all their peers
version_added: 1.0.0
description:
  - For every site in the play and every site it peers with, finds the public key of the site's WireGuard
    interface - for a site of the play, from what the role's interface step (M(sitelink.tunnels.site_apply))
    read back; for a RouterOS site outside the play, from the router itself (RouterOS keeps its private key);
    for a Linux site outside the play, from the role's read-only look at its key file; for an external site,
    from the inventory.
  - Sites outside the play (a C(--limit) run) are only read, never written, so a limited run still gives the
    limited sites their complete peer lists.
  - A site that cannot be read, or has no interface yet, gets no key; its links wait (with a warning).
  - Connection settings of each router come from its own C(ansible_host) and C(sitelink_routeros).
extends_documentation_fragment:
  - sitelink.tunnels.controller
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
options: {}
attributes:
  check_mode:
    description: Reads only; runs the same in check mode.
    support: full
"""

EXAMPLES = r"""
- name: Public keys for the peers
  sitelink.tunnels.site_public_keys:
  run_once: true
  register: sitelink_keys
"""

RETURN = r"""
public_keys:
  description: Public key by site name; null where none could be read.
  returned: always
  type: dict
complete:
  description: For each site of the play, whether every one of its peers has a known key.
  returned: always
  type: dict
"""
