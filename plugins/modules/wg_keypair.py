#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: wg_keypair
short_description: Generate WireGuard key pairs and preshared keys, derive and check public keys
version_added: 1.0.0
description:
  - Generates a WireGuard private key (X25519) or preshared key into a file readable by its owner only (mode
    C(0600)), and returns the public key. The private key stays on the host that runs the module (a Linux site,
    or the controller with C(delegate_to)) and is never returned, shown or logged.
  - An existing key file is kept, so running the module again changes nothing; its mode is tightened to
    C(0600) when it is wider.
  - It uses an existing key file only when it wrote it - a marker file C(PATH.sitelink) next to it names the key
    (by its public key; a preshared key by a SHA-256 prefix) - or when O(interface) is a WireGuard interface that
    M(sitelink.tunnels.linux_wireguard) made (its alias) running that key (key files from before the marker); the
    marker is then written. Any other key file at O(path) (an administrator's, copied there) is refused unless
    O(adopt) is set, before anything changes; so is removing or replacing one.
  - Without O(path), derives the public key of O(private_key) or checks that O(public_key) is a valid key,
    writing nothing.
  - Uses the Python library C(cryptography); without it, the C(wg) command of wireguard-tools.
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
options:
  path:
    description:
      - File that holds the private key (or the preshared key with O(type=preshared)). Created with mode C(0600).
    type: path
  type:
    description:
      - C(keypair) makes a private key and returns its public key; C(preshared) makes a 32-byte preshared key.
    type: str
    choices: [keypair, preshared]
    default: keypair
  state:
    description:
      - C(present) makes sure the key file exists; C(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  regenerate:
    description:
      - C(never) keeps an existing valid key; C(always) replaces it (key rotation).
    type: str
    choices: [never, always]
    default: never
  public_key_path:
    description:
      - Also write the public key to this file (mode C(0644)).
    type: path
  private_key:
    description:
      - Without O(path), the private key whose public key to return. Never shown.
    type: str
  public_key:
    description:
      - Without O(path), a public key to check; the module fails when it is not base64 of 32 bytes.
    type: str
  interface:
    description:
      - The WireGuard interface the key is for. A key file without the marker is the module's when this interface
        carries the alias C(sitelink.tunnels) and runs the key in the file.
    type: str
  adopt:
    description:
      - Use (or replace, or remove) a key file at O(path) that the module did not write, and mark it as its own.
    type: bool
    default: false
attributes:
  check_mode:
    description: Reports whether a key would be created, replaced, removed or have its mode fixed; writes nothing.
    support: full
  diff_mode:
    description: Shows the file's state and mode before and after, never its content.
    support: full
  platform:
    description: Linux and other POSIX hosts.
    support: full
    platforms: posix
requirements:
  - cryptography, or wireguard-tools (C(wg)) on the host
notes:
  - On RouterOS the router generates its own private key; use M(sitelink.tunnels.routeros_wireguard_interfaces)
    and read the public key from its result.
seealso:
  - module: sitelink.tunnels.routeros_wireguard_interfaces
"""

EXAMPLES = r"""
- name: Key pair of a Linux site, kept on the site
  sitelink.tunnels.wg_keypair:
    path: /etc/wireguard/wg-sites.key
  become: true
  register: site_key

- name: Hand the public key to the peers
  ansible.builtin.set_fact:
    wg_public_key: "{{ site_key.public_key }}"

- name: Check a public key typed into the inventory
  sitelink.tunnels.wg_keypair:
    public_key: "{{ hub_public_key }}"
  delegate_to: localhost
"""

RETURN = r"""
public_key:
  description: The public key of the private key (type keypair).
  returned: when O(type=keypair) and a private key exists or was given
  type: str
  sample: UJtOAfT7RAtmawzVvV+mwj+aoVwZYDGloC/jwMVVVjE=
path:
  description: The key file.
  returned: when O(path) is given
  type: str
mode_fixed:
  description: Whether the key file's mode was tightened to 0600.
  returned: when O(path) is given
  type: bool
marked:
  description: How an existing key file was found to be the module's - C(marker), C(interface) (marked now),
    C(adopted) (marked now) - or C(new) for a key written now.
  returned: when O(path) is given and O(state=present)
  type: str
"""

import hashlib
import json
import os
import stat

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sitelink.tunnels.plugins.module_utils.linux import files
from ansible_collections.sitelink.tunnels.plugins.module_utils.wireguard import keys


def read_key(module, path, quiet=False):
    """The key in `path`; fails when it holds none (`quiet`: None instead)."""
    try:
        with open(path, "r") as fh:
            text = fh.read().strip()
    except (IOError, OSError) as exc:
        module.fail_json(msg="cannot read %s: %s" % (path, exc))
    if not keys.is_key(text):
        if quiet:
            return None
        module.fail_json(msg="%s does not hold a WireGuard key (base64 of 32 bytes); use regenerate=always "
                             "to replace it" % path)
    return text


ALIAS = "sitelink.tunnels"      # linux_wireguard's alias on every interface it makes


def fingerprint(text, kind):
    """What the marker names a key by: its public key, or a preshared key's SHA-256 prefix (never the key)."""
    if kind == "keypair":
        return keys.public_key(text)
    return "sha256:" + hashlib.sha256(text.encode("ascii")).hexdigest()[:16]


def runs_on_our_interface(module, interface, text):
    """Whether `interface` carries linux_wireguard's alias and runs the private key `text` (a key file written
    before the marker existed, by the role that made the interface)."""
    ip, wg = module.get_bin_path("ip"), module.get_bin_path("wg")
    if not interface or not ip or not wg:
        return False
    rc, out, _err = module.run_command([ip, "-j", "link", "show", "dev", interface])
    try:
        alias = json.loads(out)[0].get("ifalias") if rc == 0 else None
    except (ValueError, IndexError, AttributeError):
        alias = None
    if alias != ALIAS:
        return False
    rc, out, _err = module.run_command([wg, "show", interface, "private-key"])
    return rc == 0 and out.strip() == text


def ownership(module, path, text):
    """How the existing key file `path` (holding `text`) is the module's: marker, interface or adopted; fails
    naming the file when it is none of these (security review 3, N3: a key copied to the role's path took the
    administrator's interface over)."""
    params, mark = module.params, fingerprint(text, module.params["type"])
    if files.key_is_marked(path, mark):
        return "marker"
    how = "interface" if params["type"] == "keypair" and runs_on_our_interface(module, params["interface"], text) \
        else "adopted" if params["adopt"] else None
    if how is None:
        module.fail_json(msg="%s: this key file was not written by sitelink.tunnels (no marker %s naming its key%s); "
                             "refusing to use, replace or remove it - set adopt (the role: sitelink_linux_adopt) to "
                             "take it over" % (path, files.key_marker_path(path), ", and %s does not run it with "
                                               "the alias %s" % (params["interface"], ALIAS)
                                               if params["interface"] else ""))
    if not module.check_mode:
        files.mark_key(path, mark)
    return how


def key_file(module, path, exists, result):
    """The key of the file `path` (None in check mode when it would be made): kept when it is the module's, else
    refused; made (or replaced: regenerate=always) and marked."""
    params = module.params
    if exists and params["regenerate"] == "never":
        text = read_key(module, path)
        result["marked"] = ownership(module, path, text)
        result["changed"] = result["marked"] != "marker"
        if stat.S_IMODE(os.stat(path).st_mode) & 0o077:
            result.update(changed=True, mode_fixed=True)
            if not module.check_mode:
                os.chmod(path, 0o600)
        return text
    old = read_key(module, path, quiet=True) if exists else None
    if old:                             # replacing a key: only the module's own (a garbage file is no one's key)
        ownership(module, path, old)
    make = keys.generate_private_key if params["type"] == "keypair" else keys.generate_preshared_key
    result.update(changed=True, marked="new")
    text = None if module.check_mode else make()
    if text is not None:
        files.write_atomically(path, text + "\n", 0o600)
        files.mark_key(path, fingerprint(text, params["type"]))
    return text


def key_only(module):
    """No file: derive or check."""
    params = module.params
    result = {"changed": False}
    if params["public_key"] is not None and not keys.is_key(params["public_key"]):
        module.fail_json(msg="public_key is not a WireGuard key (base64 of 32 bytes, 44 characters)")
    if params["private_key"] is not None:
        if not keys.is_key(params["private_key"]):
            module.fail_json(msg="private_key is not a WireGuard key (base64 of 32 bytes, 44 characters)")
        result["public_key"] = keys.public_key(params["private_key"])
    if params["public_key"] is not None:
        result["public_key"] = result.get("public_key", params["public_key"])
    module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path"),
            type=dict(type="str", choices=["keypair", "preshared"], default="keypair"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            regenerate=dict(type="str", choices=["never", "always"], default="never"),
            public_key_path=dict(type="path"),
            private_key=dict(type="str", no_log=True),
            public_key=dict(type="str"),
            interface=dict(type="str"),
            adopt=dict(type="bool", default=False),
        ),
        required_one_of=[("path", "private_key", "public_key")],
        mutually_exclusive=[("path", "private_key")],
        supports_check_mode=True,
    )
    params = module.params
    if params["path"] is None:
        key_only(module)
    path = params["path"]
    exists = os.path.exists(path)
    before = {"path": path, "state": "present" if exists else "absent"}
    if exists:
        before["mode"] = "%04o" % stat.S_IMODE(os.stat(path).st_mode)
    result = {"changed": False, "path": path, "mode_fixed": False}

    if params["state"] == "absent":
        if exists:
            valid = read_key(module, path, quiet=True)
            if valid:                   # a file that holds no key is no one's working key
                ownership(module, path, valid)
            result["changed"] = True
            if not module.check_mode:
                os.remove(path)
                if os.path.exists(files.key_marker_path(path)):
                    os.remove(files.key_marker_path(path))
        result["diff"] = {"before": before, "after": {"path": path, "state": "absent"}}
        module.exit_json(**result)

    text = key_file(module, path, exists, result)
    if text is not None and params["type"] == "keypair":
        result["public_key"] = keys.public_key(text)
        if params["public_key_path"]:
            current = None
            if os.path.exists(params["public_key_path"]):
                with open(params["public_key_path"]) as fh:
                    current = fh.read().strip()
            if current != result["public_key"]:
                result["changed"] = True
                if not module.check_mode:
                    files.write_atomically(params["public_key_path"], result["public_key"] + "\n", 0o644)
    result["diff"] = {"before": before, "after": {"path": path, "state": "present", "mode": "0600"}}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
