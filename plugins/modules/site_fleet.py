#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This module runs as an action plugin on the controller (plugins/action/site_fleet.py);
# this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: site_fleet
short_description: Validate and plan every site of the sitelink inventory at once
version_added: 1.0.0
description:
  - Reads C(sitelink_site) of every inventory host (in the play or not), the fleet settings C(sitelink_topology),
    C(sitelink_link_defaults), C(sitelink_pools), C(sitelink_psk_secret) and C(sitelink_drain), checks all of
    it, and plans every site once. Run it with C(run_once) and C(register); the role
    C(sitelink.tunnels.site_tunnel) does so and every later task takes its site's plan from the result.
  - The fleet settings are each configured site's own (its inventory host and group variables, or a play variable
    that holds for every host), never those of the host that runs the task; they must be the same for every site
    that Ansible configures, and a difference is refused naming the sites on each side (a secret is compared, never
    shown).
  - On any problem it fails with one line per problem (host, variable, why), before any device is touched.
  - It also checks the role settings (C(sitelink_routeros), C(sitelink_verify_count), ...) that the play's sites
    define against the role's argument spec, in the same pass, so the per-host argument-spec task can be left
    out (C(rolespec_validate=false), as C(playbooks/site_tunnel.yml) does).
  - Plans are platform-neutral and hold no secret (public keys by reference, preshared keys as "this link has
    one").
  - With O(render_dir) it also writes, for every site of the play, C(SITE.plan.yml), C(SITE.plan.json) and
    C(SITE.rsc) (RouterOS script for C(/import), and C(SITE.psk.rsc) with O(render_preshared_keys)) or C(SITE.sh)
    (Linux shell script), like M(sitelink.tunnels.site_render), and contacts no site (unless O(render_read_keys)).
  - Cost grows about linearly with the sites; overlap checks sweep sorted prefixes.
  - Unless it renders, it warns once (it runs once) when the API password of any RouterOS site would cross the
    network in clear text, naming every such site - the play's sites and the peers outside it whose keys are
    read - with C(sitelink_routeros.tls=false). C(sitelink_routeros.tls) is C(true) unless set.
extends_documentation_fragment:
  - sitelink.tunnels.controller
  - sitelink.tunnels.controller.RENDER
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
options:
  render_dir:
    description: Directory for every play site's rendered files; created when missing. Without it nothing is
      written.
    type: path
attributes:
  check_mode:
    description: Plans the same; with O(render_dir) it reports which files would change and writes nothing.
    support: full
"""

EXAMPLES = r"""
- name: Validate and plan the fleet once
  sitelink.tunnels.site_fleet:
  run_once: true
  register: fleet

- name: This site's WireGuard interface, from its plan
  ansible.builtin.debug:
    msg: "{{ fleet.plans[inventory_hostname].wireguard }}"

- name: Every site's plan and script into ./rendered, contacting no site
  sitelink.tunnels.site_fleet:
    render_dir: rendered
  run_once: true
"""

RETURN = r"""
plans:
  description: Every configured site's plan (external sites have none), by site name.
  returned: success
  type: dict
play_sites:
  description: The sites among the play's hosts (the ones rendered with O(render_dir)).
  returned: success
  type: list
  elements: str
peer_keys_on_host:
  description: Peers of the play's sites that are not in the play (C(--limit)) and whose public key is read on their
    own host (Linux sites), each as C(host), the key file's C(path) and whether to C(become) there (the host's own
    C(sitelink_linux_become)); the role reads them with M(sitelink.tunnels.wg_keypair) in check mode.
  returned: success
  type: list
  elements: dict
become_sites:
  description: The play's sites whose steps run modules on the host itself (Linux sites); the role's C(become)
    (C(sitelink_linux_become)) applies to them only.
  returned: success
  type: list
  elements: str
sites:
  description: Number of planned sites (external sites, which are only peered with, are not counted).
  returned: success
  type: int
links:
  description: Number of links the topology makes.
  returned: success
  type: int
files:
  description: Paths of the rendered files.
  returned: with O(render_dir)
  type: list
  elements: str
written:
  description: Paths of the rendered files that were new or changed.
  returned: with O(render_dir)
  type: list
  elements: str
problems:
  description: Every problem found, each as one line naming the host, the variable and why.
  returned: on failure
  type: list
  elements: str
"""
