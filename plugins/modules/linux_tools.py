#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: linux_tools
short_description: The packages a Linux host lacks for its site tunnels
version_added: 1.0.0
description:
  - Looks for the programs the Linux modules of this collection run - C(wg), C(nft), C(ip), C(ping) - on the
    host's C(PATH) and in the system directories, and for a WireGuard implementation - the kernel's module (loaded,
    or loadable as C(modprobe -n) finds it) or C(wireguard-go) - as O(implementation) asks; with O(frr), FRR's
    C(vtysh) and C(frr-reload.py) (M(sitelink.tunnels.linux_frr), C(sitelink_routing=ospf)).
  - Returns the Debian package names of what is missing; installing them is the caller's choice
    (M(sitelink.tunnels.site_apply) installs them with the host's package manager when
    O(sitelink.tunnels.site_apply#module:linux.install_packages) is on).
  - Reads only; runs no shell.
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
options:
  implementation:
    description:
      - C(auto) needs the kernel module or, without it, C(wireguard-go); C(kernel) needs the module;
        C(userspace) needs C(wireguard-go).
    type: str
    choices: [auto, kernel, userspace]
    default: auto
  frr:
    description: Also look for FRR (Debian packages C(frr) and C(frr-pythontools)), which OSPF mode runs.
    type: bool
    default: false
attributes:
  check_mode:
    description: Runs as usual; it changes nothing anyway.
    support: full
  diff_mode:
    description: Nothing to show; it changes nothing.
    support: none
  platform:
    description: Linux.
    support: full
    platforms: posix
seealso:
  - module: sitelink.tunnels.linux_wireguard
  - module: sitelink.tunnels.site_apply
"""

EXAMPLES = r"""
- name: What this host lacks
  sitelink.tunnels.linux_tools:
  register: tools

- name: Install it
  ansible.builtin.package:
    name: "{{ tools.missing }}"
  when: tools.missing | length > 0
"""

RETURN = r"""
missing:
  description: Packages to install (C(wireguard-tools), C(nftables), C(iproute2), C(iputils-ping), C(wireguard-go),
    C(frr), C(frr-pythontools)), in that order; empty when nothing is missing.
  returned: always
  type: list
  elements: str
kernel_wireguard:
  description: Whether the kernel has WireGuard (loaded, or a module C(modprobe -n) finds).
  returned: always
  type: bool
"""

import os

from ansible.module_utils.basic import AnsibleModule

# (program, package providing it), in the order they are reported
PROGRAMS = (("wg", "wireguard-tools"), ("nft", "nftables"), ("ip", "iproute2"), ("ping", "iputils-ping"))
USERSPACE = ("wireguard-go", "wireguard-go")
# OSPF mode's (linux_frr): vtysh is frr's; frr-reload.py, which FRR's reload runs, is frr-pythontools' and off PATH
FRR_PROGRAMS = (("vtysh", "frr"), ("/usr/lib/frr/frr-reload.py", "frr-pythontools"))
# where the programs are when the remote user's PATH lacks the sbin directories
SYSTEM_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]


def kernel_wireguard(module):
    if os.path.isdir("/sys/module/wireguard"):
        return True
    modprobe = module.get_bin_path("modprobe", opt_dirs=SYSTEM_DIRS)
    if modprobe is None:
        return False
    rc, _out, _err = module.run_command([modprobe, "-n", "wireguard"])
    return rc == 0


def found(module, program):
    if program.startswith("/"):
        return os.path.exists(program)
    return module.get_bin_path(program, opt_dirs=SYSTEM_DIRS) is not None


def missing_packages(module, implementation, in_kernel, frr=False):
    programs = list(PROGRAMS)
    if implementation == "userspace" or (implementation == "auto" and not in_kernel):
        programs.append(USERSPACE)
    if frr:
        programs += FRR_PROGRAMS
    return [package for program, package in programs if not found(module, program)]


def main():
    module = AnsibleModule(argument_spec=dict(implementation=dict(type="str", choices=["auto", "kernel", "userspace"],
                                                                  default="auto"),
                                              frr=dict(type="bool", default=False)),
                           supports_check_mode=True)
    implementation = module.params["implementation"]
    in_kernel = kernel_wireguard(module) if implementation != "userspace" else False
    missing = missing_packages(module, implementation, in_kernel, module.params["frr"])
    if implementation == "kernel" and not in_kernel:
        module.fail_json(msg="implementation kernel: this kernel has no WireGuard module (use auto or userspace)",
                         missing=missing, kernel_wireguard=False)
    module.exit_json(changed=False, missing=missing, kernel_wireguard=in_kernel)


if __name__ == "__main__":
    main()
