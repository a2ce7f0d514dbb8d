#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: linux_tunnel_status
short_description: State of a Linux host's WireGuard peers, and pings through the tunnels
version_added: 0.1.0
description:
  - Pings the given addresses, all at once, then reads every peer of a WireGuard interface (C(wg show NAME dump) -
    the private and preshared keys in that output are dropped on reading and never returned), so that a handshake
    the pings brought about is seen.
  - Its results have the shapes of M(sitelink.tunnels.routeros_info)'s peers and
    M(sitelink.tunnels.routeros_ping)'s results, so the site_tunnel role reports Linux and RouterOS sites in
    one table.
  - Reads only; never changes the host.
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
options:
  interface:
    description: WireGuard interface.
    type: str
    default: wg-sitelink
  addresses:
    description: Addresses to ping.
    type: list
    elements: str
    default: []
  count:
    description: Echo requests per address.
    type: int
    default: 3
  timeout:
    description: Seconds to wait for each answer.
    type: int
    default: 1
  source:
    description: Source address for the pings (default - the kernel's choice for each route).
    type: str
attributes:
  check_mode:
    description: Runs as usual; it changes nothing anyway.
    support: full
  diff_mode:
    description: Nothing to show; it changes nothing.
    support: none
  platform:
    description: Linux with wireguard-tools and iputils ping.
    support: full
    platforms: posix
requirements:
  - wireguard-tools (C(wg)) and C(ping) on the host
seealso:
  - module: sitelink.tunnels.linux_wireguard
  - module: sitelink.tunnels.routeros_info
"""

EXAMPLES = r"""
- name: Handshakes, and the far end of every link
  sitelink.tunnels.linux_tunnel_status:
    addresses: [10.255.0.1, 10.255.0.3]
  register: status
  until: status.all_answered
  retries: 5
  delay: 2
"""

RETURN = r"""
public_key:
  description: The interface's public key.
  returned: when the interface exists
  type: str
listen_port:
  description: The interface's UDP port.
  returned: when the interface exists
  type: int
mtu:
  description: The interface's MTU.
  returned: when the interface exists
  type: int
peers:
  description: Every peer, with C(public_key), C(endpoint), C(allowed_address), C(last_handshake) (like C(12s),
    or null before the first) and C(last_handshake_seconds), C(rx) and C(tx) bytes.
  returned: always
  type: list
  elements: dict
results:
  description: One entry per address - C(address), C(sent), C(received).
  returned: always
  type: list
  elements: dict
all_answered:
  description: Whether every address answered at least once.
  returned: always
  type: bool
"""

import json
import shlex
import time

from ansible.module_utils.basic import AnsibleModule


def read_interface(module, interface):
    """(public key, listen port, MTU, peers); None and [] when there is no such interface."""
    rc, out, _err = module.run_command(["wg", "show", interface, "dump"])
    if rc != 0:
        return None, None, None, []
    lines = [line.split("\t") for line in out.strip().splitlines()]
    public = lines[0][1]                 # lines[0][0] is the private key: dropped here, never returned
    port = int(lines[0][2]) if lines[0][2].isdigit() else None
    rc, out, _err = module.run_command(["ip", "-j", "link", "show", "dev", interface])
    mtu = json.loads(out)[0].get("mtu") if rc == 0 else None
    now = int(time.time())
    peers = []
    for fields in lines[1:]:
        handshake = int(fields[4])
        seconds = now - handshake if handshake else None
        peers.append({"public_key": fields[0], "endpoint": None if fields[2] == "(none)" else fields[2],
                      "allowed_address": [a for a in fields[3].split(",") if a and a != "(none)"],
                      "last_handshake": None if seconds is None else "%ss" % seconds,
                      "last_handshake_seconds": seconds, "rx": int(fields[5]), "tx": int(fields[6]),
                      "persistent_keepalive": 0 if fields[7] == "off" else int(fields[7])})
    return public, port, mtu, peers


def ping_all(module, addresses, count, timeout, source):
    """Every address at once (one shell, one ping each in the background): a site's verification costs one
    ping's time, not one per link.  Each summary line comes back prefixed with its address."""
    ping = module.get_bin_path("ping", required=True)
    jobs = []
    for address in addresses:
        args = [ping, "-n", "-q", "-c", str(count), "-W", str(timeout), "-i", "0.2"]
        if source:
            args += ["-I", source]
        line = " ".join(shlex.quote(a) for a in args + [address])
        jobs.append("( %s 2>&1 | sed -n 's/^/%s /p' ) &" % (line, address))
    received = dict((address, 0) for address in addresses)
    if jobs:
        _rc, out, _err = module.run_command("\n".join(jobs + ["wait"]), use_unsafe_shell=True)
        for text in out.splitlines():
            address, _sep, rest = text.partition(" ")
            if address in received and " received" in rest:
                received[address] = int(rest.split(",")[1].strip().split()[0])
    return [{"address": a, "sent": count, "received": received[a]} for a in addresses]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            interface=dict(type="str", default="wg-sitelink"),
            addresses=dict(type="list", elements="str", default=[]),
            count=dict(type="int", default=3),
            timeout=dict(type="int", default=1),
            source=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    # pings first: a peer that only calls in when there is traffic has its handshake by the time we read
    results = ping_all(module, p["addresses"], p["count"], p["timeout"], p["source"])
    public, port, mtu, peers = read_interface(module, p["interface"])
    module.exit_json(changed=False, public_key=public, listen_port=port, mtu=mtu, peers=peers, results=results,
                     all_answered=all(r["received"] for r in results))


if __name__ == "__main__":
    main()
