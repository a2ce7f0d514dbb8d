# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files on a Linux site, written so that no reader ever sees a half-written or too-open one."""

from __future__ import annotations

import os
import tempfile


def write_atomically(path, text, mode, owner=None):
    """Write `text` to a temporary file in the same directory with `mode` (and `owner`, a (uid, gid) pair, when
    given) set before the first byte, flush it to disk, then rename it over `path`."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".sitelink-", dir=directory)
    try:
        if owner is not None:
            os.fchown(fd, *owner)
        os.fchmod(fd, mode)
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.rename(tmp, path)


# A key file holds nothing but the key (wg's key reader refuses anything after it), so the proof that wg_keypair
# wrote it (or was told to adopt it) sits next to it: KEYFILE.sitelink, one line naming the key it vouches for by
# its fingerprint (a key pair's public key; for a preshared key, a SHA-256 prefix). A key copied to the path by
# someone else has no such file, or one naming another key: it is not the collection's.
KEY_MARKER_SUFFIX = ".sitelink"
KEY_MARKER_TEXT = "sitelink.tunnels wg_keypair: %s\n"


def key_marker_path(path):
    return path + KEY_MARKER_SUFFIX


def key_is_marked(path, fingerprint):
    """Whether the marker next to key file `path` names the key of `fingerprint`."""
    try:
        with open(key_marker_path(path)) as fh:
            return fh.read() == KEY_MARKER_TEXT % fingerprint
    except (IOError, OSError, UnicodeDecodeError):
        return False


def mark_key(path, fingerprint):
    # 0600 as the key beside it: nothing under the key directory is for group or others (it names no secret)
    write_atomically(key_marker_path(path), KEY_MARKER_TEXT % fingerprint, 0o600)
