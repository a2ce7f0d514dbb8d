# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files on a Linux site, written so that no reader ever sees a half-written or too-open one."""

from __future__ import annotations

import os
import tempfile


def write_atomically(path, text, mode):
    """Write `text` to a temporary file in the same directory with `mode` set before the first byte,
    flush it to disk, then rename it over `path`."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".sitelink-", dir=directory)
    try:
        os.fchmod(fd, mode)
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.rename(tmp, path)
