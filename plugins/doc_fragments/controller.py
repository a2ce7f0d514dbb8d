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

    # What rendering takes from each site's role variables unless the task gives it (site_fleet, site_render).
    RENDER = r"""
options:
  owner:
    description: Ownership tag used in rendered comments; by default each site's own C(sitelink_owner) (the
      role's default C(fleet)).
    type: str
  linux_key_dir:
    description: Key directory of Linux sites in rendered scripts; by default each site's own
      C(sitelink_linux_key_dir) (the role's default C(/etc/wireguard)).
    type: path
  linux_route_protocol:
    description: Route protocol number of Linux sites' routes in rendered scripts; by default each site's own
      C(sitelink_linux_route_protocol) (the role's default C(157)).
    type: int
  linux_firewall_table:
    description: nftables table of Linux sites in rendered scripts; by default each site's own
      C(sitelink_linux_firewall_table) (the role's default C(sitelink)).
    type: str
  render_read_keys:
    description: Read the public keys of RouterOS sites' RouterOS peers from their routers (read only) into
      C(SITE.rsc); a peer that does not answer is a warning and its key variable stays empty. By default each
      site's own C(sitelink_render_read_keys) (the role's default is C(false), so no site is contacted).
    type: bool
  render_release:
    description: The RouterOS release a C(SITE.rsc) is cut for (C(7.12) or later); fields of later releases are left
      out (a hub peer's C(responder), 7.15) and the role adds them on its first run. By default each site's own
      C(sitelink_render_release) (the role's default is C(7.12)).
    type: str
  render_preshared_keys:
    description: Also write a RouterOS site's preshared keys to C(SITE.psk.rsc), mode 0600, to import before
      C(SITE.rsc) (needs C(sitelink_psk_secret)). By default each site's own C(sitelink_render_preshared_keys)
      (the role's default is C(false), so no rendered file holds a secret).
    type: bool
"""
