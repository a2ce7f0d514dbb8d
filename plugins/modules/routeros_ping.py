#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This module runs as an action plugin on the controller (plugins/action/routeros_ping.py);
# this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: routeros_ping
short_description: Ping addresses from a RouterOS router
version_added: 1.0.0
description:
  - Runs the router's own C(/ping) to each address, as a packet from the router would travel (through the
    tunnels), and returns what came back.
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
extends_documentation_fragment:
  - sitelink.tunnels.routeros
  - sitelink.tunnels.routeros.READ_ONLY
options:
  addresses:
    description: Addresses to ping, one after the other.
    type: list
    elements: str
    required: true
  count:
    description: Probes per address.
    type: int
    default: 3
  interval:
    description:
      - Time between probes (RouterOS duration). RouterOS counts a reply that comes after the interval as a
        timeout, so it is also the longest round trip that passes.
    type: str
    default: 1s
  src_address:
    description: Source address of the probes.
    type: str
  parallel:
    description:
      - API sessions used at once, each pinging its share of O(addresses) (RouterOS's API service allows 20
        sessions by default).
    type: int
    default: 4
"""

EXAMPLES = r"""
- name: Can the hub reach both branches' overlay addresses?
  sitelink.tunnels.routeros_ping:
    addresses: [10.254.0.1, 10.254.0.3]
  register: pings
"""

RETURN = r"""
results:
  description: Per address - C(address), C(sent), C(received), C(packet_loss) (percent), C(avg_rtt).
  returned: always
  type: list
  elements: dict
all_answered:
  description: Whether every address answered at least once.
  returned: always
  type: bool
"""
