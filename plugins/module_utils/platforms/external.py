# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An external site: a peer Ansible does not configure (a cloud gateway, a partner's router).  Its public key is
in the inventory, its side of each link is the user's; it has no plan and no desired state of its own."""

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms.base import Capabilities

CAPABILITIES = Capabilities(
    label="external",
    configured=False,
    overlays=frozenset(),                   # only plain WireGuard: its side of an overlay is nobody's to build
    answers_gre_keepalive=False,
    backup_routes=False,
    link_local_gateway=False,
    interface_name=None,
    next_hop_family_rule=None,              # its routes are not ours to check
)
