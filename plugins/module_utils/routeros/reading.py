# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading a resource's rows from the router, and naming them: the natural key of a row or an entry, its owner,
its label in messages."""

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.comments import make_comment, parse_comment
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.connection import select
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.resources import CLEAR, KEEP


def canon(kind, value):
    """The canonical form of a value, for comparison; None for "absent" (nothing, "" or CLEAR)."""
    if value is None or value == "" or value is CLEAR:
        return None
    return kind.canon(value)


class Reader(object):
    """Every entry of a path, with only the fields we manage (`.proplist`), filtered by the router (`read_where`)."""

    def __init__(self, resource, router):
        self.resource = resource
        self.router = router

    def proplist(self):
        names = [".id", "comment", "dynamic"] + [f.api for f in self.resource.fields]
        return names + [n for n in self.resource.read_back if n not in names]

    def read(self, api, path):
        """Every entry of `path`, with only the fields we manage; dynamic entries are not ours to touch.
        A failed read names the router and the path, like a failed write."""
        rows = select(api, self.router, path, self.proplist(), self.resource.read_where)
        return [r for r in rows if not r.get("dynamic")]


class Keys(object):
    """How an entry of `config` and a row of the router are matched (their natural key) and named; whose a row is."""

    def __init__(self, resource, owner):
        self.resource = resource
        self.owner = owner

    def in_comment(self, option):
        """Whether `option` is kept in the comment after the marker (a firewall rule's name), not in a field."""
        return option == self.resource.key_in_comment

    def of_entry(self, entry):
        out = []
        for option in self.resource.key:
            value = entry.get(option)
            if self.in_comment(option):
                out.append(value)
                continue
            field = self.resource.by_option[option]
            if value is None and field.default not in (KEEP, CLEAR):
                value = field.default
            out.append(canon(field.kind, value))
        return tuple(out)

    def of_row(self, row):
        out = []
        for option in self.resource.key:
            if self.in_comment(option):
                parsed = parse_comment(row.get("comment"))
                out.append(parsed[1] if parsed else None)
            else:
                field = self.resource.by_option[option]
                out.append(canon(field.kind, row.get(field.api)))
        return tuple(out)

    def ours(self, row):
        parsed = parse_comment(row.get("comment"))
        return parsed is not None and parsed[0] == self.owner

    def comment(self, text):
        """The comment of an entry of ours whose text (after the marker) is `text`."""
        return make_comment(self.owner, text or "")

    def label(self, entry):
        parts = []
        for option in self.resource.key:
            value = entry.get(option)
            if option == "public_key" and value:
                value = str(value)[:8] + "..."
            parts.append("%s=%s" % (option, value))
        return " ".join(parts)

    def row_label(self, row):
        return self.label(self.entry_of_row(row))

    def entry_of_row(self, row):
        """A row as an entry of option names (the key in the comment included): what selects it again."""
        entry = dict((f.option, row.get(f.api)) for f in self.resource.fields)
        if self.resource.key_in_comment:
            parsed = parse_comment(row.get("comment"))
            entry[self.resource.key_in_comment] = parsed[1] if parsed else None
        return entry
