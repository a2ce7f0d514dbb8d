# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):

    # The fleet-wide steps that run on the controller and change nothing on a device.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Changes nothing on a device; runs the same in check mode.
    support: full
  diff_mode:
    description: No diff; nothing on a device changes.
    support: none
  platform:
    description: Runs on the controller.
    support: full
    platforms: posix
"""
