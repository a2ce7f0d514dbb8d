#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: linux_frr
short_description: A block of FRR's configuration on a Linux host, applied by reload
version_added: 1.0.0
description:
  - Owns one block of FRR's integrated configuration (O(path), C(/etc/frr/frr.conf)) - the lines between
    C(! sitelink:OWNER begin) and C(! sitelink:OWNER end) - and writes O(config) there (the block is appended when
    the file has none). Every line outside the block (the administrator's own configuration, BGP for instance) is
    written back as it was. In the site_tunnel role the block holds OSPF mode's configuration of a Linux site
    (C(sitelink_routing=ospf) - C(router ospf), the overlays' C(interface) sections, a BFD profile).
  - The new file is checked with FRR's own parser (C(vtysh -C)) before it is written, in check mode too; a line FRR
    does not know fails the task and leaves the file as it was. Files are written atomically with their owner kept
    (a new one C(root:frr)) and mode C(0640) or the file's own when tighter.
  - Enables the daemons in O(daemons) in O(daemons_path) (C(ospfd=yes)); it never disables one (the
    administrator's configuration may need it).
  - Applies a change with FRR's reload - C(systemctl reload frr) where systemd runs the host, else
    C(/usr/lib/frr/frrinit.sh reload), which the unit runs - whose C(frr-reload.py) (Debian package
    C(frr-pythontools)) sends FRR only the difference between the file and the running configuration, so
    adjacencies whose interfaces did not change stay up. A daemon newly enabled in the daemons file needs one FRR
    restart instead (C(restart)), which restarts every FRR daemon, the administrator's too; RV(service) says
    which it was. FRR not running is started.
  - O(state=absent) removes the block and reloads FRR; a host without O(path) has nothing to remove.
  - Runs no shell; every command is an argument list.
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
options:
  config:
    description:
      - The block's FRR configuration lines (the role renders them from the site's plan). Required with
        O(state=present); no line may look like a marker (C(! sitelink:...)).
    type: str
  daemons:
    description: FRR daemons the block needs, enabled in O(daemons_path).
    type: list
    elements: str
    choices: [ospfd, bfdd]
    default: []
  owner:
    description:
      - Ownership tag in the block's marker lines; 1-32 ASCII letters, digits, C(.), C(_) or C(-). Blocks of other
        owners are left alone.
    type: str
    default: fleet
  state:
    description: C(present) keeps the block as O(config); C(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  path:
    description: FRR's integrated configuration file.
    type: path
    default: /etc/frr/frr.conf
  daemons_path:
    description: FRR's daemons file.
    type: path
    default: /etc/frr/daemons
  apply:
    description: Tell the running FRR (reload, restart or start); without it only the files change.
    type: bool
    default: true
  service_manager:
    description: How FRR is told - C(systemd) (C(systemctl)) or C(frrinit) (Debian's C(/usr/lib/frr/frrinit.sh));
      by default C(systemd) when the host runs it.
    type: str
    choices: [systemd, frrinit]
attributes:
  check_mode:
    description: Reads, checks the new file with C(vtysh -C), and lists what it would do; changes nothing.
    support: full
  diff_mode:
    description: The block before and after.
    support: full
  platform:
    description: Linux with FRR (Debian's C(frr) and C(frr-pythontools), 8.4 tested).
    support: full
    platforms: posix
requirements:
  - FRR (C(vtysh), C(/usr/lib/frr/frrinit.sh)) and frr-pythontools (C(frr-reload.py))
notes:
  - The block owns the default C(router ospf) instance and C(bfd) profile it names; an administrator's own
    C(router ospf) elsewhere in the file would be merged with it by FRR - keep OSPF in the block.
seealso:
  - module: sitelink.tunnels.linux_gre_tunnels
  - module: sitelink.tunnels.linux_tools
  - module: sitelink.tunnels.site_apply
"""

EXAMPLES = r"""
- name: OSPF over a GRE overlay, the LAN passive
  sitelink.tunnels.linux_frr:
    owner: fleet
    daemons: [ospfd]
    config: |
      interface gre-hub
       ip ospf network point-to-point
       ip ospf cost 10
       no ip ospf passive
      exit
      router ospf
       ospf router-id 10.253.0.2
       passive-interface default
       network 10.254.0.0/31 area 0.0.0.0
       network 192.168.11.0/24 area 0.0.0.0
      exit

- name: The site leaves OSPF mode
  sitelink.tunnels.linux_frr:
    state: absent
"""

RETURN = r"""
commands:
  description: What was (or in check mode would be) done - files written, the service command run.
  returned: always
  type: list
  elements: str
service:
  description: C(reload), C(restart), C(start), or null when FRR was not told anything.
  returned: always
  type: str
service_reason:
  description: Why RV(service) is what it is (a restart names the daemons it enabled).
  returned: when FRR's state was looked at
  type: str
daemons_enabled:
  description: Daemons this run enabled in O(daemons_path).
  returned: with O(state=present)
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sitelink.tunnels.plugins.module_utils.common import names
from ansible_collections.sitelink.tunnels.plugins.module_utils.linux import engine, frr, render
from ansible_collections.sitelink.tunnels.plugins.module_utils.linux.engine import LinuxError


def converge(p, runner):
    why = names.problem("owner", p["owner"])
    if why:
        raise LinuxError("owner: %s" % why)
    return frr.converge(p, runner)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config=dict(type="str"),
            daemons=dict(type="list", elements="str", choices=list(frr.DAEMONS), default=[]),
            owner=dict(type="str", default=render.DEFAULT_OWNER),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            path=dict(type="path", default="/etc/frr/frr.conf"),
            daemons_path=dict(type="path", default="/etc/frr/daemons"),
            apply=dict(type="bool", default=True),
            service_manager=dict(type="str", choices=list(frr.SERVICE)),
        ),
        required_if=[("state", "present", ["config"])],
        supports_check_mode=True,
    )
    engine.run(module, lambda runner: converge(module.params, runner))


if __name__ == "__main__":
    main()
