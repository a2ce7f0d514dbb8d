# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ownership marker in a RouterOS comment: "sitelink:OWNER TEXT" says an entry is ours and whose."""

from __future__ import annotations

import re

from ansible_collections.sitelink.tunnels.plugins.module_utils.common import names
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.errors import RouterosError

MARKER, DEFAULT_OWNER = names.MARKER, names.DEFAULT_OWNER
# the owner is never empty and has no space, so a comment a person writes ("sitelink backup to DC") is not ours
_COMMENT = re.compile(r"^%s:(?P<owner>[A-Za-z0-9][A-Za-z0-9._-]{0,31})(?: (?P<text>.*))?$" % re.escape(MARKER), re.S)


def parse_comment(comment):
    """(owner, text) of a managed entry's comment, or None when the entry is not ours."""
    match = _COMMENT.match(comment or "")
    if match:
        return match.group("owner"), match.group("text") or ""
    return None


def make_comment(owner, text):
    comment = "%s:%s" % (MARKER, owner or DEFAULT_OWNER)
    return comment + (" " + text if text else "")


def check_owner(router, owner):
    """RouterosError unless `owner` can be written into a comment and read back unambiguously."""
    why = names.problem("owner", owner)
    if why:
        raise RouterosError("%s: owner: %s" % (router, why))
