#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This module runs as an action plugin on the controller (plugins/action/site_report.py);
# this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: site_report
short_description: One table of every link's state across the fleet
version_added: 1.0.0
description:
  - Run once by the role C(sitelink.tunnels.site_tunnel) after its steps; it reads what they registered under the
    role's internal names - C(sitelink__fleet) (the fleet step's plans), C(sitelink__keys) (the public keys),
    C(sitelink__verify) (each site's verification), or in check mode C(sitelink__interface) and
    C(sitelink__apply) (each site's apply steps). It therefore works only in a play that ran those steps under
    those names (the role, or the collection's C(site_tunnel) and C(site_status) playbooks); on its own it reports
    no link.
  - Returns a table with one row per link (both ends folded) - the two sites, overlay, last handshakes, answers,
    status C(up), C(down), C(pending) (a peer has no key yet), C(peer-unreachable) or C(peer-failed) and, when a
    link is not up, why.
  - C(peer-unreachable) and C(peer-failed) - one end of the link left the play before verification (its router or
    host could not be reached, or one of its steps failed; M(sitelink.tunnels.site_verify)). The link has only the
    other end's row, that end's own last handshake toward the peer, no ping, and the peer's reason; that end's site
    is not failed for it. The summary lines and C(counts) add these statuses only when a link has one.
  - In check mode, one row per site instead - how many entries it would add, change and remove, and the peers
    whose key is not known yet.
extends_documentation_fragment:
  - sitelink.tunnels.controller
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
options:
  report_dir:
    description:
      - Directory on the controller for the report's files (made when missing) - C(fleet-report.json),
        C(fleet-report.md), and C(fleet-report.xml) (JUnit XML, one test case per link, failed when the link is not
        up, with the status as the failure's type, C(peer-unreachable) included, since a link nobody could verify
        has not passed); in check mode the JSON and Markdown files. Written in check mode too (they are the run's
        output).
      - Outside check mode also the fleet's topology picture - C(topology.dot) (Graphviz DOT text), and drawn from it by
        Graphviz's C(dot) C(topology.svg) and C(topology.png) - one node per site (its name, platform, and C(hub),
        C(spoke), or C(peer) outside a C(hub_spoke) topology) and one edge per link (its overlay, status and last
        handshake; green when up, red when down, orange dashed when pending, grey dotted when one end left the
        play).
      - When C(dot) is not installed on the controller (Debian package C(graphviz)) or fails, only C(topology.dot)
        is written and a warning says so.
    type: path
attributes:
  check_mode:
    description: Reads registered results only.
    support: full
"""

EXAMPLES = r"""
# After the role's steps in the same play (the role runs this task itself; see the description)
- name: Fleet table and its files
  sitelink.tunnels.site_report:
    report_dir: reports
  run_once: true
  register: report
"""

RETURN = r"""
table:
  description: The table as lines of text (one row per link, or per site in check mode), with closing counts.
  returned: always
  type: list
  elements: str
report:
  description:
    - The report as data, as in C(fleet-report.json) - C(check_mode), and C(links) (one per link, with its
      C(ends)) and C(counts), or in check mode C(sites) (C(adds), C(changes), C(removes), C(pending)).
  returned: always
  type: dict
files:
  description:
    - The files written, by kind (C(json), C(junit), C(markdown)), and outside check mode the topology picture's
      (C(dot), and C(svg) and C(png) when Graphviz drew them).
  returned: with O(report_dir)
  type: dict
fleet_links:
  description:
    - One row per link, both ends folded (C(ends)), with C(why) when it is not up.
    - In OSPF mode also C(ospf) (C(Full), the state seen, or C(no neighbour)) and C(bfd) (C(up), C(down), C(none),
      or C(-) without BFD), as are their ends; the table then has these columns, and a link whose OSPF is not Full
      is down (its JUnit case fails).
  returned: when not in check mode
  type: list
  elements: dict
link_counts:
  description: Links per status - C(up), C(down), C(pending) always, C(peer-unreachable) and C(peer-failed) when a
    link has one.
  returned: when not in check mode
  type: dict
sites:
  description: In check mode, what each site would change.
  returned: in check mode
  type: list
  elements: dict
links:
  description: The link ends' rows as dictionaries.
  returned: always
  type: list
  elements: dict
down:
  description: The link ends' rows whose status is not C(up).
  returned: when not in check mode
  type: list
  elements: dict
counts:
  description: Link ends per status.
  returned: when not in check mode
  type: dict
"""
