#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: linux_wireguard
short_description: One WireGuard interface on a Linux host, with its addresses and peers
version_added: 1.0.0
description:
  - Makes a WireGuard interface on a Linux host exactly as described - listen port, MTU, addresses and the
    full list of peers - and changes a running tunnel in place (C(wg set) of the differences only), so
    existing sessions survive.
  - Uses the kernel's WireGuard when it has it, otherwise starts C(wireguard-go) in a session of its own.
  - The private key stays in O(private_key_path) on the host (see M(sitelink.tunnels.wg_keypair)); preshared
    keys go to C(wg) through a file only root can read, removed right after. Neither appears in any result or diff.
  - The interface is the module's own - peers and addresses not listed are removed.
  - It takes over nothing it did not make. An interface of that name is this module's when its alias is
    C(sitelink.tunnels) (set on every interface it makes or manages) or when it runs with the private key in
    O(private_key_path) and M(sitelink.tunnels.wg_keypair)'s marker file next to the key file (C(PATH.sitelink))
    names that key (wg-quick brings the interface back at boot without the alias); a O(config_path) file is its
    own when its first line is the C(# sitelink.tunnels:)
    line it writes. Otherwise the task fails, naming the interface or file, and changes nothing - unless
    O(adopt=true).
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
options:
  name:
    description: Interface name.
    type: str
    default: wg-sitelink
  state:
    description: C(present) makes the interface as described; C(absent) removes it, and its O(config_path) file
      when this module wrote it.
    type: str
    choices: [present, absent]
    default: present
  private_key_path:
    description: File on the host holding the interface's private key. Required with O(state=present).
    type: path
  listen_port:
    description: UDP port to listen on.
    type: int
  mtu:
    description: Interface MTU.
    type: int
    default: 1420
  addresses:
    description: Addresses with prefix length on the interface (C(10.255.0.1/31)).
    type: list
    elements: str
    default: []
  peers:
    description: Every peer of the interface.
    type: list
    elements: dict
    default: []
    suboptions:
      public_key:
        description: The peer's public key.
        type: str
        required: true
      allowed_ips:
        description: Prefixes routed to the peer and accepted from it.
        type: list
        elements: str
        required: true
      endpoint:
        description:
          - C(address:port) of the peer (C([v6]:port) for IPv6), or C(name:port) (resolved on the host); omit for
            a peer that calls in.
        type: str
      persistent_keepalive:
        description: Seconds between keepalives; C(0) turns them off.
        type: int
        default: 0
      preshared_key:
        description: Preshared key of the link. Never shown.
        type: str
      comment:
        description: Note written above the peer in the O(config_path) file (WireGuard itself keeps none).
        type: str
  implementation:
    description:
      - C(auto) uses the kernel's WireGuard and falls back to C(wireguard-go); the others force one.
    type: str
    choices: [auto, kernel, userspace]
    default: auto
  purge_peers:
    description:
      - Remove peers of the interface that are not in O(peers). The site_tunnel role turns this off while a
        peer's public key cannot be read, so that its working entry is kept.
    type: bool
    default: true
  removable:
    description:
      - The purge guard's list. With O(purge_peers), the notes (O(peers[].comment), as the O(config_path) file keeps
        them) of the peers this run may remove. A peer that would go and whose note in the file is not listed stops
        the task before any change, failed, with RV(held) listing the notes. Omit it to remove every peer not in
        O(peers); a peer the file has no note for is removed either way.
    type: list
    elements: str
  guard_renumbering:
    description:
      - Fail, before anything is changed (check mode too), when a peer the interface already has (the same public
        key) would get another transit address - the interface's address whose network holds the peer's host
        prefix in its allowed addresses - naming each link (the peer's O(peers[].comment)) with its old and new
        address. The site_tunnel role turns it on unless C(sitelink_renumber) is set; a fleet deployed with the old
        addressing scheme C(pairs) keeps its addresses with C(sitelink_pools.scheme=pairs).
    type: bool
    default: false
  config_path:
    description:
      - Also keep a C(wg-quick) file here (mode C(0600), C(Table = off) so routes stay with
        M(sitelink.tunnels.linux_routes)), so that C(systemctl enable wg-quick@NAME) brings the interface back
        at boot. It names the private key file instead of holding the key; it holds the preshared keys.
    type: path
  adopt:
    description:
      - Take over an interface of that name, or a O(config_path) file, that this module did not make (its
        private key, listen port, addresses and peers are then replaced, the file rewritten), and, with
        O(state=absent), remove such an interface. Without it the task fails and leaves both as they are.
    type: bool
    default: false
attributes:
  check_mode:
    description: Reports what would change; touches nothing.
    support: full
  diff_mode:
    description: Shows interface, addresses and peers before and after; keys other than public ones are never shown.
    support: full
  platform:
    description: Linux with iproute2 and wireguard-tools.
    support: full
    platforms: posix
requirements:
  - iproute2 and wireguard-tools (C(wg)) on the host; C(wireguard-go) where the kernel lacks WireGuard
seealso:
  - module: sitelink.tunnels.wg_keypair
"""

EXAMPLES = r"""
- name: Key of this site
  sitelink.tunnels.wg_keypair:
    path: /etc/wireguard/wg-sitelink.key
  register: key

- name: The site's tunnel interface
  sitelink.tunnels.linux_wireguard:
    private_key_path: /etc/wireguard/wg-sitelink.key
    listen_port: 13231
    addresses: [10.255.0.1/31]
    peers:
      - public_key: "{{ hub_public_key }}"
        allowed_ips: [10.255.0.0/32, 192.168.10.0/24]
        endpoint: 198.51.100.1:13231
        persistent_keepalive: 25
        preshared_key: "{{ link_psk }}"
"""

RETURN = r"""
public_key:
  description: The interface's public key.
  returned: when the interface exists
  type: str
implementation:
  description: C(kernel) or C(userspace) (wireguard-go).
  returned: when the interface exists
  type: str
held:
  description: The notes of the peers that would have been removed and that O(removable) does not list; nothing was
    changed.
  returned: when the purge guard stopped the task
  type: list
  elements: str
commands:
  description: The commands run (or that would run in check mode), secrets shown as files, never as values.
  returned: always
  type: list
  elements: str
"""

import ipaddress
import json
import os
import re
import socket
import time
# Popen only to start wireguard-go in a session of its own with no inherited output (run_command cannot),
# always with an argument list, never a shell; tests/unit/test_no_shell.py keeps it that way.
from subprocess import DEVNULL, Popen

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sitelink.tunnels.plugins.module_utils.common import names, renumber
from ansible_collections.sitelink.tunnels.plugins.module_utils.linux import engine, files, render
from ansible_collections.sitelink.tunnels.plugins.module_utils.linux.engine import LinuxError, SecretFile, Step
from ansible_collections.sitelink.tunnels.plugins.module_utils.wireguard import keys


ALIAS = "sitelink.tunnels"                  # the alias of every interface this module makes or manages
FILE_MARKER = "# sitelink.tunnels: "        # first line of the wg-quick file it writes (render.wg_quick)
ADOPT_HINT = "set adopt: true to take it over"
NOTHING = {"private": None, "public_key": None, "listen_port": None, "peers": {}}   # a WireGuard interface made now
# the peers of the interface, by public key; an endpoint the task leaves unset is the peer's to tell
PEER = engine.Resource(
    key="public_key", fields=("allowed_ips", "endpoint", "persistent_keepalive", "psk"), loose=("endpoint",),
    line=lambda peer: "peer %s allowed-ips=%s endpoint=%s keepalive=%s preshared-key=%s" % (
        peer["public_key"], ",".join(peer["allowed_ips"]), peer["endpoint"] or "-", peer["persistent_keepalive"],
        "<set>" if peer["psk"] else "-"))


def read_alias(runner, name):
    """The interface's alias ("" without one), or None when there is no such interface."""
    rc, out, _err = runner.query(["ip", "-j", "link", "show", "dev", name])
    if rc != 0:
        return None
    return json.loads(out)[0].get("ifalias", "")


def file_is_ours(path, name):
    """Whether `path` is missing or a wg-quick file this module wrote (so that it may be rewritten): its first line
    is the one render.wg_quick writes, or the marker every version so far has written."""
    first = render.wg_quick(name, None, 0, [], "", []).splitlines()[0]
    try:
        with open(path) as fh:
            line = fh.readline().rstrip("\n")
            return line == first or line.startswith(FILE_MARKER)
    except FileNotFoundError:
        return True
    except (IOError, OSError, UnicodeDecodeError):
        return False


def runs_our_marked_key(p, current, private):
    """Whether the interface runs the key of private_key_path and wg_keypair's marker next to that file names the key:
    the role's interface brought back by wg-quick at boot, which sets no alias. A key match alone proves nothing (an
    administrator's key copied to the role's path matched: security review 3, N3)."""
    return private is not None and current["private"] == private and \
        files.key_is_marked(p["private_key_path"], keys.public_key(keys.encode(private)))


def refuse_what_is_not_ours(p, name, alias, current, private):
    """Fail, before anything is changed, when the interface is not ours and adopt is not set."""
    if p["adopt"] or alias == ALIAS or runs_our_marked_key(p, current, private):
        return
    why = "its alias is not %r" % ALIAS
    if p["private_key_path"]:
        why += " and it does not run with the private key in %s (marked by wg_keypair as its own)" \
            % p["private_key_path"]
    raise LinuxError("%s: a WireGuard interface of that name exists and was not made by sitelink.tunnels (%s, "
                     "%d peer(s)); refusing to %s it - %s" % (
                         name, why, len(current["peers"]), "remove" if p["state"] == "absent" else "take over",
                         ADOPT_HINT))


def read_dump(runner, name):
    """The running configuration from `wg show NAME dump` (its private key is kept only as bytes)."""
    rc, out, err = runner.query(["wg", "show", name, "dump"])
    if rc != 0:
        raise LinuxError("%s: an interface of that name exists and is not a WireGuard interface (%s); "
                         "refusing to touch it" % (name, (err or out).strip() or "wg show failed"))
    lines = [l.split("\t") for l in out.strip().splitlines()]
    head, peers = lines[0], lines[1:]
    current = {"private": keys.decode(head[0]) if head[0] != "(none)" else None,
               "public_key": head[1] if head[1] != "(none)" else None,
               "listen_port": int(head[2]) if head[2] not in ("0", "off") else None, "peers": {}}
    for p in peers:
        current["peers"][p[0]] = {"public_key": p[0], "psk": None if p[1] == "(none)" else keys.decode(p[1]),
                                  "endpoint": None if p[2] == "(none)" else p[2],
                                  "allowed_ips": sorted(a for a in p[3].split(",") if a and a != "(none)"),
                                  "persistent_keepalive": 0 if p[7] == "off" else int(p[7])}
    return current


def read_addresses_and_mtu(runner, name):
    info = json.loads(runner.read(["ip", "-j", "addr", "show", "dev", name], label=name))[0]
    # the kernel's own IPv6 link-local address (given to a wireguard-go TUN device) is not ours to manage
    addresses = sorted("%s/%s" % (a["local"], a["prefixlen"]) for a in info.get("addr_info", [])
                       if a.get("scope") != "link")
    return addresses, info.get("mtu"), "UP" in info.get("flags", [])


def read_private_key(path):
    with open(path) as fh:
        return keys.decode(fh.read().strip())


def normal_endpoint(text):
    """`wg show`'s form of an endpoint; a host name is resolved as `wg` would (first address)."""
    if not text:
        return None
    host, _sep, port = text.rpartition(":")
    host = host.strip("[]")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:
            address = ipaddress.ip_address(socket.getaddrinfo(host, int(port), 0, socket.SOCK_DGRAM)[0][4][0])
        except (socket.gaierror, IndexError) as exc:
            raise ValueError("cannot resolve %s: %s" % (host, exc))
    return ("[%s]:%s" if address.version == 6 else "%s:%s") % (address, int(port))


def wanted_peers(name, peers):
    wanted = {}
    for index, peer in enumerate(peers):
        if not keys.is_key(peer["public_key"]):
            raise LinuxError("%s: peers[%d].public_key is not a WireGuard key" % (name, index))
        if peer.get("preshared_key") and not keys.is_key(peer["preshared_key"]):
            raise LinuxError("%s: peers[%d].preshared_key is not a WireGuard key" % (name, index))
        try:
            allowed = sorted(str(ipaddress.ip_network(a, strict=False)) for a in peer["allowed_ips"])
            endpoint = normal_endpoint(peer.get("endpoint"))
        except ValueError as exc:
            raise LinuxError("%s: peers[%d]: %s" % (name, index, exc))
        wanted[peer["public_key"]] = {"public_key": peer["public_key"], "allowed_ips": allowed, "endpoint": endpoint,
                                      "persistent_keepalive": peer["persistent_keepalive"],
                                      "psk": keys.decode(peer["preshared_key"]) if peer.get("preshared_key") else None,
                                      "psk_text": peer.get("preshared_key"), "comment": peer.get("comment")}
    return wanted


def peer_arguments(have, want):
    """`wg set` arguments that make one peer as wanted; a preshared key goes to wg through a file."""
    args = []
    if have is None or have["allowed_ips"] != want["allowed_ips"]:
        args += ["allowed-ips", ",".join(want["allowed_ips"])]
    if want["endpoint"] and (have is None or have["endpoint"] != want["endpoint"]):
        args += ["endpoint", want["endpoint"]]
    if have is None or have["persistent_keepalive"] != want["persistent_keepalive"]:
        args += ["persistent-keepalive", str(want["persistent_keepalive"]) if want["persistent_keepalive"] else "off"]
    if (have["psk"] if have else None) != want["psk"]:
        args += ["preshared-key", SecretFile(want["psk_text"], "<psk file>") if want["psk"] else "/dev/null"]
    return args


def wg_settings(p, current, private, wanted):
    """`wg set` arguments for the key, the port and every peer that differs (and, with purge_peers, the removals)."""
    args = []
    if current["private"] != private:
        args += ["private-key", p["private_key_path"]]
    if p["listen_port"] is not None and current["listen_port"] != p["listen_port"]:
        args += ["listen-port", str(p["listen_port"])]
    plan = engine.compare(PEER, current["peers"], wanted, "overridden" if p["purge_peers"] else "merged")
    for public, (have, want) in plan.put.items():
        args += ["peer", public] + peer_arguments(have, want)
    for gone in plan.remove:
        args += ["peer", gone["public_key"], "remove"]
    return args


def held_removals(p, current, wanted):
    """The notes, from the config_path file, of the peers a purge would remove that `removable` does not list."""
    if p.get("removable") is None or not p["purge_peers"] or not p["config_path"]:
        return []
    notes = file_notes(p["config_path"])
    gone = [notes.get(public) for public in current["peers"] if public not in wanted]
    return sorted(set(note for note in gone if note and note not in p.get("removable")))


def file_notes(path):
    """{public key: the note on the line above its [Peer]} of a wg-quick file this module wrote; {} without one."""
    notes, note, peer = {}, None, False
    try:
        with open(path) as fh:
            lines = fh.read().splitlines()
    except (IOError, OSError, UnicodeDecodeError):
        return {}
    for line in lines:
        if line.startswith("# ") and not line.startswith(FILE_MARKER):
            note, peer = line[2:], False
        elif line == "[Peer]":
            peer = True
        elif peer and line.startswith("PublicKey = "):
            if note:
                notes[line[len("PublicKey = "):]] = note
            note, peer = None, False
        elif not line:
            note = None
    return notes


def create(runner, name, implementation, start_userspace):
    """Make the interface: the kernel's WireGuard, else wireguard-go. Returns which one."""
    if implementation != "userspace":
        command = ["ip", "link", "add", "dev", name, "type", "wireguard"]
        if runner.check_mode:
            runner.ran(" ".join(command) + ("" if implementation == "kernel" else " (or wireguard-go)"))
            return implementation if implementation == "kernel" else "kernel or userspace"
        rc, _out, _err = runner.query(command)
        if rc == 0:
            runner.ran(" ".join(command))
            return "kernel"
        if implementation == "kernel":
            raise LinuxError("%s: the kernel has no WireGuard (set implementation: auto or userspace)" % name)
    runner.apply([Step(shown="setsid wireguard-go %s" % name, action=lambda r: start_userspace(r, name))])
    return "userspace"


def userspace_starter(module, wait=5.0):
    def start(runner, name):
        """wireguard-go NAME in a session of its own with stdin, stdout and stderr on /dev/null (so that it outlives
        this task and holds none of its pipes), started from an argument list; then wait for its socket."""
        binary = module.get_bin_path("wireguard-go", required=True)
        try:
            proc = Popen([binary, name], stdin=DEVNULL, stdout=DEVNULL, stderr=DEVNULL, close_fds=True,
                         start_new_session=True)
        except OSError as exc:
            raise LinuxError("%s: cannot start wireguard-go: %s" % (name, exc))
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            rc = proc.poll()                # it forks its daemon and exits; reaped here
            if rc:
                raise LinuxError("%s: wireguard-go %s exited with status %d" % (name, name, rc))
            if read_alias(runner, name) is not None and os.path.exists("/var/run/wireguard/%s.sock" % name):
                return
            time.sleep(0.05)
        raise LinuxError("%s: wireguard-go did not come up within %ss" % (name, wait))
    return start


def config_file_step(p, name, wanted, addresses):
    """Writing the wg-quick file (0600), or None when it already holds this text with that mode."""
    text = render.wg_quick(name, p["listen_port"], p["mtu"], addresses, p["private_key_path"], wanted.values())
    try:
        with open(p["config_path"]) as fh:
            if fh.read() == text and (os.stat(p["config_path"]).st_mode & 0o777) == 0o600:
                return None
    except (IOError, OSError):
        pass
    return Step(shown="write %s (mode 0600)" % p["config_path"],
                action=lambda _runner: files.write_atomically(p["config_path"], text, 0o600))


def shown(name, port, mtu, addresses, peers):
    head = ["interface %s listen-port=%s mtu=%s" % (name, port, mtu)] + ["address %s" % a for a in addresses]
    return "".join(line + "\n" for line in head) + PEER.text(peers)


def remove(p, runner, name, alias):
    private = None
    if p["private_key_path"]:
        try:
            private = read_private_key(p["private_key_path"])
        except (IOError, OSError, keys.InvalidKey):
            pass
    refuse_what_is_not_ours(p, name, alias, read_dump(runner, name), private)
    runner.apply([Step(["ip", "link", "del", "dev", name], label=name)])
    return remove_own_file(p, runner, name)


def remove_own_file(p, runner, name):
    """The config_path file goes with the interface when this module wrote it (wg-quick@NAME would bring the interface
    back at boot); a file of someone else's stays, unless adopt."""
    path = p["config_path"]
    if path and os.path.exists(path) and (p["adopt"] or file_is_ours(path, name)):
        runner.apply([Step(shown="remove %s" % path, action=lambda _runner: os.remove(path))])
    return {}


# a peer's note, written on a '# ...' line of its own in the wg-quick file: one line of printable ASCII
COMMENT = re.compile(r"^[\x20-\x7e]{0,255}$")


def refuse_unsafe_text(p):
    """What reaches the wg-quick file (whose PostUp line wg-quick hands to bash as root) and the commands: names and
    paths that need no quoting, comments of one line. LinuxError naming the option, before anything is done."""
    checks = [("name", "interface", p["name"]), ("private_key_path", "path", p["private_key_path"]),
              ("config_path", "path", p["config_path"])]
    for option, kind, value in checks:
        why = names.problem(kind, value) if value is not None else None
        if why:
            raise LinuxError("%s: %s" % (option, why))
    for index, peer in enumerate(p["peers"] or []):
        if peer.get("comment") is not None and not COMMENT.match(peer["comment"]):
            raise LinuxError("peers[%d].comment: %s is not one line of at most 255 printable ASCII characters (it is "
                             "written on a line of the wg-quick file)" % (index, names.shown(peer["comment"])))


def refuse_renumbering(name, peers, addresses, wanted, want_addresses):
    """Fail, before anything is changed, when a peer of the interface would get another transit address."""
    moved = renumber.moved_peers(name, peers, addresses, wanted, want_addresses)
    if moved:
        raise LinuxError(renumber.refusal(name, moved))


def private_key(p, runner, name):
    """The interface's private key from private_key_path; None in check mode before the key task made it."""
    try:
        return read_private_key(p["private_key_path"])
    except (IOError, OSError) as exc:
        # in check mode the key task before this one only said it would make the key
        if not (runner.check_mode and not os.path.exists(p["private_key_path"])):
            raise LinuxError("%s: cannot read private_key_path: %s" % (name, exc))
    except keys.InvalidKey as exc:
        raise LinuxError("%s: %s does not hold a WireGuard key (%s)" % (name, p["private_key_path"], exc))
    return None


def converge(p, runner, start_userspace):
    refuse_unsafe_text(p)
    name = p["name"]
    alias = read_alias(runner, name)
    exists = alias is not None
    if p["state"] == "absent":
        return remove(p, runner, name, alias) if exists else remove_own_file(p, runner, name)
    private = private_key(p, runner, name)
    wanted = wanted_peers(name, p["peers"])
    # nothing that is not ours is touched: a file of someone else's, then an interface of someone else's
    if p["config_path"] and not p["adopt"] and not file_is_ours(p["config_path"], name):
        raise LinuxError("%s: %s exists and was not written by sitelink.tunnels (its first line is not %r); "
                         "refusing to overwrite it - %s" % (name, p["config_path"], FILE_MARKER.strip(), ADOPT_HINT))
    implementation = None
    current = read_dump(runner, name) if exists else None
    if exists:
        refuse_what_is_not_ours(p, name, alias, current, private)
    else:
        implementation = create(runner, name, p["implementation"], start_userspace)
    if not exists and runner.check_mode:
        current, addresses, mtu, up = NOTHING, [], None, False
    else:
        current = current or read_dump(runner, name)
        addresses, mtu, up = read_addresses_and_mtu(runner, name)
        if implementation is None:
            implementation = "userspace" if os.path.exists("/var/run/wireguard/%s.sock" % name) else "kernel"

    held = held_removals(p, current, wanted)
    if held:
        return {"failed": True, "held": held, "changed": False, "commands": [],
                "msg": "%s: the purge guard holds the removal of the peers noted %s" % (name, ", ".join(held))}
    steps = []
    if alias != ALIAS:              # made now, adopted, or made before interfaces carried the alias
        steps.append(Step(["ip", "link", "set", "dev", name, "alias", ALIAS], label=name))
    settings = wg_settings(p, current, private, wanted)
    if settings:
        steps.append(Step(["wg", "set", name] + settings, label=name))
    want_addresses = sorted("%s/%d" % (i.ip, i.network.prefixlen)
                            for i in (ipaddress.ip_interface(a) for a in p["addresses"]))
    if p.get("guard_renumbering") and exists:
        refuse_renumbering(name, current["peers"], addresses, wanted, want_addresses)
    gone, new = engine.set_changes(addresses, want_addresses)
    steps += [Step(["ip", "addr", "del", a, "dev", name], label=name) for a in gone]
    steps += [Step(["ip", "addr", "add", a, "dev", name], label=name) for a in new]
    if mtu != p["mtu"] or not up:
        steps.append(Step(["ip", "link", "set", "dev", name, "mtu", str(p["mtu"]), "up"], label=name))
    if p["config_path"]:
        steps += [step for step in [config_file_step(p, name, wanted, want_addresses)] if step]
    runner.apply(steps)
    return {"implementation": implementation,
            "public_key": keys.public_key(keys.encode(private)) if private else None,
            "diff": engine.diff("" if not exists else shown(name, current["listen_port"], mtu, addresses,
                                                            current["peers"]),
                                shown(name, p["listen_port"], p["mtu"], want_addresses, wanted))}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", default="wg-sitelink"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            private_key_path=dict(type="path", no_log=False),
            listen_port=dict(type="int"),
            mtu=dict(type="int", default=1420),
            addresses=dict(type="list", elements="str", default=[]),
            peers=dict(type="list", elements="dict", default=[], options=dict(
                public_key=dict(type="str", required=True, no_log=False),
                allowed_ips=dict(type="list", elements="str", required=True),
                endpoint=dict(type="str"),
                persistent_keepalive=dict(type="int", default=0),
                preshared_key=dict(type="str", no_log=True),
                comment=dict(type="str"),
            )),
            implementation=dict(type="str", choices=["auto", "kernel", "userspace"], default="auto"),
            purge_peers=dict(type="bool", default=True),
            removable=dict(type="list", elements="str"),
            guard_renumbering=dict(type="bool", default=False),
            config_path=dict(type="path"),
            adopt=dict(type="bool", default=False),
        ),
        required_if=[("state", "present", ("private_key_path",))],
        supports_check_mode=True,
    )
    engine.run(module, lambda runner: converge(module.params, runner, userspace_starter(module)))


if __name__ == "__main__":
    main()
