# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A peer Ansible does not manage: its public key is in the inventory, its own configuration is its operator's."""

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.plugin_utils.drivers.base import Driver


class ExternalDriver(Driver):
    name = "external"
