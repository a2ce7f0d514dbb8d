#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: linux_tunnel_status
short_description: State of a Linux host's WireGuard peers, and pings through the tunnels
version_added: 1.0.0
description:
  - Pings the given addresses, all at once (one C(ping) per address, started with an argument list, never
    through a shell; one still running well after it should have finished is stopped and counts as unanswered),
    then reads every peer of a WireGuard interface (C(wg show NAME dump) -
    the private and preshared keys in that output are dropped on reading and never returned), so that a handshake
    the pings brought about is seen.
  - Its results have the shapes of M(sitelink.tunnels.routeros_info)'s peers and
    M(sitelink.tunnels.routeros_ping)'s results, so the site_tunnel role reports Linux and RouterOS sites in
    one table.
  - With O(ospf), also reads FRR's OSPF neighbours (C(vtysh -c "show ip ospf neighbor json")) and, with O(bfd),
    its BFD peers (C(show bfd peers json)), in the shapes of RouterOS's C(/routing/ospf/neighbor) and
    C(/routing/bfd/session) rows (OSPF mode on a Linux site, M(sitelink.tunnels.linux_frr)).
  - Reads only; never changes the host.
  - Every address, O(source) and O(interface) is checked first; a value that is not an IP address (or an
    interface name) fails the task, naming it, before anything runs.
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
    description: Source address (or interface) for the pings (default - the kernel's choice for each route).
    type: str
  ospf:
    description: Also read FRR's OSPF neighbours (RV(ospf_neighbors)).
    type: bool
    default: false
  bfd:
    description: Also read FRR's BFD peers (RV(bfd_sessions)).
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
ospf_neighbors:
  description: FRR's OSPF neighbours - C(interface), C(address), C(router-id), C(state) (C(Full), C(Init), ...);
    empty when FRR does not answer (RV(routing_error) says why).
  returned: with O(ospf)
  type: list
  elements: dict
bfd_sessions:
  description: FRR's BFD peers - C(remote-address) (C(ADDRESS%INTERFACE)) and C(state) (C(up), C(down), ...).
  returned: with O(bfd)
  type: list
  elements: dict
routing_error:
  description: Why FRR could not be read (vtysh's message), or null.
  returned: with O(ospf) or O(bfd)
  type: str
"""

import ipaddress
import json
import re
import time
# Popen rather than module.run_command: run_command runs one command at a time, and the pings must run at once.
# Only ever with an argument list (no shell); tests/unit/test_no_shell.py keeps it that way.
from subprocess import DEVNULL, PIPE, STDOUT, Popen, TimeoutExpired

from ansible.module_utils.basic import AnsibleModule

INTERVAL = 0.2          # seconds between echo requests
DEADLINE_SLACK = 5      # seconds a ping may run past the longest it could take before it is killed
INTERFACE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@+=-]{0,14}")
RECEIVED = re.compile(r"\b(\d+) (?:packets )?received\b")


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


def bad_interface(text):
    """Why `text` is not a Linux interface name (1-15 characters, no space, slash or colon, not an option), or None."""
    return None if INTERFACE.fullmatch(text or "") else "%r is not an interface name" % (text,)


def bad_address(text):
    """Why `text` is not a plain IP address (an IPv6 scope must be an interface name), or None."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return "%r is not an IP address" % (text,)
    scope = getattr(address, "scope_id", None)
    if scope is not None and bad_interface(scope):
        return "%r is not an IP address (its scope is not an interface name)" % (text,)
    return None


def ping_all(module, addresses, count, timeout, source, slack=DEADLINE_SLACK):
    """Every address at once, each its own `ping` (an argument list, never a shell), all started and then all
    waited for: a site's verification costs one ping's time, not one per link.  Every value is checked before
    the first ping starts; a ping still running `slack` seconds after the slowest could have finished is
    killed and counts as unanswered, so that a stuck ping cannot hang the module."""
    problems = []
    for index, address in enumerate(addresses):
        why = bad_address(address)
        if why:
            problems.append("addresses[%d]: %s" % (index, why))
    if source is not None and bad_address(source) and bad_interface(source):
        problems.append("source: %r is neither an IP address nor an interface name" % (source,))
    if count < 1 or timeout < 1:
        problems.append("count and timeout must be at least 1 (got %d and %d)" % (count, timeout))
    if problems:
        module.fail_json(msg="refusing to ping: " + "; ".join(problems))
    if not addresses:
        return []
    ping = module.get_bin_path("ping", required=True)
    args = [ping, "-n", "-q", "-c", str(count), "-W", str(timeout), "-i", str(INTERVAL)]
    if source:
        args += ["-I", source]
    deadline = time.monotonic() + count * INTERVAL + timeout + slack
    running = []
    try:
        for address in addresses:
            running.append(Popen(args + ["--", address], stdin=DEVNULL, stdout=PIPE, stderr=STDOUT,
                                 close_fds=True))
    except OSError as exc:
        stop(running)
        module.fail_json(msg="cannot start %s: %s" % (ping, exc))
    received = []
    try:
        for proc in running:
            try:
                out = proc.communicate(timeout=max(0.0, deadline - time.monotonic()))[0]
            except TimeoutExpired:
                stop(running)           # past the deadline: every ping still running is stopped (unanswered)
                out = proc.communicate()[0]
            match = RECEIVED.search(out.decode("utf-8", "replace"))
            received.append(int(match.group(1)) if match else 0)
    finally:
        stop(running)
    return [{"address": a, "sent": count, "received": r} for a, r in zip(addresses, received)]


def stop(processes):
    """Kill and reap whichever of `processes` still run."""
    for proc in processes:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def frr_json(module, command):
    """(FRR's JSON answer to `command`, None) or (None, why)."""
    vtysh = module.get_bin_path("vtysh", opt_dirs=["/usr/bin", "/usr/sbin", "/bin", "/sbin"])
    if vtysh is None:
        return None, "vtysh not found (FRR is not installed)"
    rc, out, err = module.run_command([vtysh, "-c", command])
    if rc != 0:
        return None, "vtysh -c %r failed: %s" % (command, (err or out).strip())
    try:
        return json.loads(out or "null"), None
    except ValueError:
        return None, "vtysh -c %r answered no JSON" % command


def routing_state(module, ospf, bfd):
    """FRR's OSPF neighbours and BFD peers as RouterOS's rows (lab/rosemu/dataplane/routing.py reads them the same
    way): nbrState "Full/-" is Full, ifaceName "gre-hub:10.254.0.2" is gre-hub."""
    out, errors = {}, []
    if ospf:
        found, why = frr_json(module, "show ip ospf neighbor json")
        out["ospf_neighbors"] = [{"interface": e.get("ifaceName", "").split(":")[0], "address": e.get("ifaceAddress"),
                                  "router-id": router_id, "state": e.get("nbrState", "").split("/")[0]}
                                 for router_id, entries in sorted(((found or {}).get("neighbors") or {}).items())
                                 for e in entries]
        errors += [why] if why else []
    if bfd:
        found, why = frr_json(module, "show bfd peers json")
        out["bfd_sessions"] = [{"remote-address": "%s%%%s" % (p.get("peer"), p["interface"]) if p.get("interface")
                                else p.get("peer"), "state": p.get("status")} for p in found or []]
        errors += [why] if why else []
    out["routing_error"] = "; ".join(errors) or None
    return out


def main():
    module = AnsibleModule(
        argument_spec=dict(
            interface=dict(type="str", default="wg-sitelink"),
            addresses=dict(type="list", elements="str", default=[]),
            count=dict(type="int", default=3),
            timeout=dict(type="int", default=1),
            source=dict(type="str"),
            ospf=dict(type="bool", default=False),
            bfd=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if bad_interface(p["interface"]):
        module.fail_json(msg="interface: %s" % bad_interface(p["interface"]))
    # pings first: a peer that only calls in when there is traffic has its handshake by the time we read
    results = ping_all(module, p["addresses"], p["count"], p["timeout"], p["source"])
    public, port, mtu, peers = read_interface(module, p["interface"])
    routing = routing_state(module, p["ospf"], p["bfd"]) if p["ospf"] or p["bfd"] else {}
    module.exit_json(changed=False, public_key=public, listen_port=port, mtu=mtu, peers=peers, results=results,
                     all_answered=all(r["received"] for r in results), **routing)


if __name__ == "__main__":
    main()
