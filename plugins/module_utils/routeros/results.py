# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a module returns about a resource: its rows as entries (option names, secrets redacted), and the rows as
they will be after the operations (check mode)."""

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.comments import parse_comment
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.redaction import REDACTED


def predict(rows_by_path, ops):
    """The rows as they will be after `ops` (for check mode and `after`)."""
    out = dict((p, [dict(r) for r in rows]) for p, rows in rows_by_path.items())
    for op in ops:
        rows = out.setdefault(op.path, [])
        if op.verb == "remove":
            rows[:] = [r for r in rows if r[".id"] != op.item_id]
        elif op.verb == "set":
            for row in rows:
                if row[".id"] in (op.item_id, op.follows and (op.follows.new_id or "(new)")):
                    row.update(op.args)
                    for name in op.unset:
                        row.pop(name, None)
        elif op.verb == "add":
            row = dict(op.args)
            row[".id"] = op.new_id or "(new)"
            rows.append(row)
    return out


class Entries(object):
    def __init__(self, resource, owner):
        self.resource = resource
        self.owner = owner
        # the option that picks the path without being a field (a firewall rule's family) is told by the path
        self.family_option = resource.family_of if resource.family_of not in resource.by_option else None
        self.family_of_path = dict((path, family) for family, path in resource.paths.items())

    def entries(self, rows_by_path, managed_only=True):
        """Rows as module results: option names, read-only extras, secrets redacted."""
        out = []
        for path, rows in rows_by_path.items():
            for row in rows:
                parsed = parse_comment(row.get("comment"))
                if managed_only and (parsed is None or parsed[0] != self.owner):
                    continue
                entry = self.values(row)
                if self.family_option:
                    entry[self.family_option] = self.family_of_path[path]
                if parsed is not None:
                    entry["owner"] = parsed[0]
                    entry[self.resource.key_in_comment or "comment"] = parsed[1]
                    entry["managed"] = True
                else:
                    entry["comment"] = row.get("comment", "")
                    entry["managed"] = False
                entry["id"] = row.get(".id")
                out.append(entry)
        return out

    def values(self, row):
        """The fields of a row by option name, and the read-only values by their API name with underscores."""
        entry = {}
        for field in self.resource.fields:
            value = row.get(field.api)
            if value is None:
                continue
            entry[field.option] = REDACTED if field.secret and value != "" else field.kind.from_api(value)
        for name in self.resource.read_back:
            if name in row:
                entry[name.replace("-", "_")] = row[name]
        return entry
