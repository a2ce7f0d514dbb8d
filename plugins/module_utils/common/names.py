# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a name may look like wherever the collection writes one: a router comment, a Linux interface, an
nftables comment, a file name, a wg-quick file.  One table, so every writer refuses the same things; none of
these characters needs quoting anywhere (no space, quote, slash, backslash, control or non-ASCII character)."""

from __future__ import annotations

import difflib
import re

# Every managed entry's comment (RouterOS) or nftables comment (Linux) starts with MARKER:OWNER; the same default
# owner on both platforms, so the role and the modules agree without being told.
MARKER = "sitelink"
DEFAULT_OWNER = "fleet"

# kind: (pattern, what it may contain, for messages)
RULES = {
    # an inventory host that is a site: its name is in comments, file names and Linux overlay interface names
    "site": (re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62})$"),
             "1-63 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit"),
    # the ownership tag in every managed entry's comment
    "owner": (re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,31})$"),
              "1-32 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit"),
    # a Linux interface (IFNAMSIZ 16 with the NUL); RouterOS takes these too
    "interface": (re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,14}$"),
                  "1-15 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit"),
    # a rule's name inside a managed comment
    "rule": (re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62})$"),
             "1-63 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit"),
    # an nftables table
    "nft_table": (re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$"),
                  "1-32 ASCII letters, digits or '_', starting with a letter"),
    # a file or directory on a Linux site: it reaches wg-quick's PostUp line (evaluated by bash as root) and the
    # rendered shell script, so it must need no quoting anywhere
    "path": (re.compile(r"^(?:/[A-Za-z0-9._@+-]+)+/?$|^/$"),
             "an absolute path of ASCII letters, digits, '.', '_', '@', '+' or '-' between the '/'"),
}


def problem(kind, value):
    """Why `value` cannot be a `kind` name, or None when it can."""
    pattern, allowed = RULES[kind]
    if not isinstance(value, str):
        what = {dict: "a mapping", list: "a list", type(None): "an empty value (null)"}.get(type(value), "a %s" % (
            "number" if isinstance(value, (int, float)) else type(value).__name__))
        return "must be a string of %s, not %s" % (allowed, what)
    if pattern.match(value):
        return None
    return "%s is not a usable %s name: %s" % (shown(value), kind.replace("_", " "), allowed)


def shown(value):
    """A value quoted for a message, control characters escaped (a newline in a name shows as \\n)."""
    return repr(value)


def nearest(word, known):
    """The known name closest to `word` (a typo of it), or None."""
    close = difflib.get_close_matches(str(word), list(known), n=1, cutoff=0.6)
    return close[0] if close else None


def suggest(word, known):
    """'; did you mean X?' for the closest known name, or ''."""
    close = nearest(word, known)
    return "; did you mean %s?" % close if close else ""
