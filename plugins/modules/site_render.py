#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This module runs as an action plugin on the controller (plugins/action/site_render.py);
# this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: site_render
short_description: Write a site's plan and its RouterOS or shell script without contacting any device
version_added: 1.0.0
description:
  - Writes C(SITE.plan.yml), C(SITE.plan.json) and, for a RouterOS site, C(SITE.rsc) (a RouterOS script) or, for
    a Linux site, C(SITE.sh) (the wg-quick file, routes, forwarding and nftables table, as shell commands) into
    O(dest) on the controller.
  - C(SITE.rsc) is for C(/import) as it is (RouterOS v7, 7.12 or later). Each peer's public key is a script
    variable set at the top of the file (read from the peer's router with O(render_read_keys), else empty under a
    comment saying to set it); preshared keys are variables that C(SITE.psk.rsc) sets (mode 0600, only with
    O(render_preshared_keys)), imported first. The router's private key is never rendered.
  - The Linux script uses placeholders for what only the sites know (C(<public key of SITE>)) and for preshared
    keys. No site is contacted unless O(render_read_keys) asks for the peers' keys.
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
extends_documentation_fragment:
  - sitelink.tunnels.controller.RENDER
options:
  dest:
    description: Directory for the files; created when missing.
    type: path
    required: true
attributes:
  check_mode:
    description: Reports which files would change; writes nothing.
    support: full
  diff_mode:
    description: No diff of the files is shown.
    support: none
  platform:
    description: Runs on the controller.
    support: full
    platforms: posix
"""

EXAMPLES = r"""
- name: Plan and script of every site into ./rendered
  sitelink.tunnels.site_render:
    dest: rendered
"""

RETURN = r"""
files:
  description: The three files of the site (plan as YAML and JSON, and its script).
  returned: always
  type: list
  elements: str
written:
  description: The files whose content changed.
  returned: always
  type: list
  elements: str
"""
