# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Entries of ours that would collide with other entries of the router: a value only one entry may have (a
listen port, `exclusive`), or an operator's entry that would share traffic with ours (an equal-cost route,
`foreign_clash`).  Reported before anything is written, never changed."""

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.comments import parse_comment
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.reading import canon
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.resources import CLEAR, KEEP


class Conflicts(object):
    def __init__(self, resource, keys):
        self.resource = resource
        self.keys = keys

    def foreign_by_clash(self, rows_by_path):
        """{(path, foreign_clash values): [rows not ours]}, indexed once per plan: routes are many."""
        index = {}
        if self.resource.foreign_clash:
            for path, rows in rows_by_path.items():
                for row in rows:
                    if not self.keys.ours(row):          # another owner's route shares traffic as well
                        values = self.clash_values(lambda field, r=row: r.get(field.api))
                        index.setdefault((path, values), []).append(row)
        return index

    def clash(self, entry, path, foreign):
        """Problems for an operator's entry that would share `foreign_clash` values with ours (an equal-cost route
        to the same prefix)."""
        options = self.resource.foreign_clash
        values = self.clash_values(lambda field: entry.get(field.option)) if options else None
        return ["%s: the router already has %s (not managed by sitelink.tunnels) with the same %s: RouterOS 7 would "
                "balance traffic over both (ECMP); remove it or give it another %s"
                % (self.keys.label(entry), self.keys.row_label(other), ", ".join(options), options[-1])
                for other in foreign.get((path, values), []) if self.keys.of_row(other) != self.keys.of_entry(entry)]

    def clash_values(self, value_of):
        """The canonical foreign_clash values of an entry or a row (`value_of(field)`), defaults filled in."""
        values = []
        for option in self.resource.foreign_clash:
            field = self.resource.by_option[option]
            value = value_of(field)
            values.append(canon(field.kind, field.default if value in (None, "") else value))
        return tuple(values)

    def taken(self, entry, row, rows):
        """Problems for an exclusive value (a listen port) that another entry of the path already has."""
        out = []
        for option in self.resource.exclusive:
            field = self.resource.by_option[option]
            value = entry.get(option)
            if value is None and row is None and field.default not in (KEEP, CLEAR):
                value = field.default                 # a new entry gets the router's default
            if value is None:
                continue
            for other in rows:
                if other is not row and canon(field.kind, other.get(field.api)) == canon(field.kind, value):
                    parsed = parse_comment(other.get("comment"))
                    whose = "not managed by sitelink.tunnels" if parsed is None else "owner %s" % parsed[0]
                    out.append("%s: %s %s is already used by %s (%s); choose another %s" % (
                        self.keys.label(entry), option, value, self.keys.row_label(other), whose, option))
        return out
