# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired vs current: the operations (add, set with unset, remove) that make a resource's rows match `config`
under a state (merged, replaced, overridden, deleted), and every reason not to write at all."""

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.comments import MARKER, parse_comment
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.errors import problem_report
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.operations import Op, api_text
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.reading import canon
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.resources import CLEAR, KEEP


class Comparer(object):
    def __init__(self, resource, router, keys, conflicts, adopt=False):
        self.resource = resource
        self.router = router
        self.keys = keys
        self.conflicts = conflicts
        self.adopt = adopt

    def desired_values(self, entry, state, row=None):
        """{api: text or CLEAR} this entry asks for; merged leaves unspecified fields alone."""
        out = {}
        for field in self.resource.fields:
            value = entry.get(field.option)
            if value is None:
                if state == "merged" or field.default is KEEP:
                    continue
                value = field.default
            out[field.api] = value
        text = entry.get(self.resource.key_in_comment) if self.resource.key_in_comment else entry.get("comment")
        if text is None and row is not None and state == "merged":
            parsed = parse_comment(row.get("comment"))
            text = parsed[1] if parsed else ""
        out["comment"] = self.keys.comment(text)
        return out

    def differences(self, want, row):
        """(args to set, fields to unset) that turn `row` into `want`."""
        args, unset = {}, []
        for api_name, value in want.items():
            field = self.resource.by_api.get(api_name)
            kind = field.kind if field else None
            have = row.get(api_name)
            # "" asks for the router's default: unset it, unless that default is itself ""
            if value is CLEAR or (value == "" and field is not None and field.default != ""):
                if have not in (None, ""):
                    unset.append(api_name)
                continue
            if kind is None:
                if str(value) != str(have if have is not None else ""):
                    args[api_name] = str(value)
            elif canon(kind, value) != canon(kind, have):
                args[api_name] = kind.to_api(value)
        return args, unset

    def plan(self, config, state, rows_by_path):
        """The operations that make the rows match `config` under `state`, in config order (no moves: ordering
        is apart); RouterosError listing every problem, before anything is written."""
        ops, problems, matched = [], [], set()
        foreign = self.conflicts.foreign_by_clash(rows_by_path)
        index = {}
        for path, rows in rows_by_path.items():
            for row in rows:
                index.setdefault((path, self.keys.of_row(row)), []).append(row)
        for entry in config:
            path = self.resource.path_for(entry)
            rows = index.get((path, self.keys.of_entry(entry)), [])
            row = rows[0] if rows else None
            if row is not None:
                matched.add((path, row[".id"]))
            if state == "deleted":
                if row is not None and self.keys.ours(row):
                    ops.append(Op("remove", path, self.keys.label(entry), row[".id"], before=row))
                continue
            problems += self.conflicts.taken(entry, row, rows_by_path.get(path, []))
            problems += self.conflicts.clash(entry, path, foreign)
            more, why = self.add(entry, path) if row is None else self.change(entry, path, row, state)
            ops += more
            problems += why
        if state == "overridden" or (state == "deleted" and not config):
            removals = self.removals(rows_by_path, matched)
            ops = removals + ops if self.resource.removes_first else ops + removals
        if self.resource.hands_over:
            ops = self.in_handover_order(ops)
        if problems:
            raise problem_report(self.router, self.resource.name, problems)
        return ops

    def add(self, entry, path):
        """([Op], problems) that create `entry`: it gets only what was asked for; the router fills in its defaults."""
        missing = [f.option for f in self.resource.fields if f.required and entry.get(f.option) is None]
        if missing:
            return [], ["%s: new entry needs %s" % (self.keys.label(entry), ", ".join(missing))]
        want = self.desired_values(entry, "merged")
        args = dict((a, api_text(self.resource, a, v)) for a, v in want.items() if v is not CLEAR and v != "")
        add = Op("add", path, self.keys.label(entry), args=args, entry=entry)
        # "" on a field whose default is not empty (keepalive) needs an unset once the entry exists
        clears = [f.api for f in self.resource.fields if want.get(f.api) == "" and f.default not in ("", CLEAR, KEEP)]
        if not clears:
            return [add], []
        unset = Op("set", path, self.keys.label(entry), unset=clears, entry=entry)
        unset.follows = add
        return [add, unset], []

    def change(self, entry, path, row, state):
        """([Op], problems) that turn `row` into `entry`; a row not ours is only taken over with adopt."""
        label = self.keys.label(entry)
        if not self.keys.ours(row) and not self.adopt and self.resource.foreign_suffices:
            args, unset = self.differences(self.desired_values(entry, state, row), row)
            if not (set(args) - {"comment"} or set(unset) - {"comment"}):
                return [], []         # the operator's entry already says it; it stays theirs
        if not self.keys.ours(row) and not self.adopt:
            parsed = parse_comment(row.get("comment"))
            whose = "it belongs to owner %r" % parsed[0] if parsed else "its comment has no '%s:OWNER' marker" % MARKER
            return [], ["%s on %s exists but is not managed by sitelink.tunnels as owner %r (%s); set adopt: true to "
                        "take it over" % (label, path, self.keys.owner, whose)]
        args, unset = self.differences(self.desired_values(entry, state, row), row)
        if not (args or unset):
            return [], []
        return [Op("set", path, label, row[".id"], args=args, unset=unset, entry=entry, before=row)], []

    def in_handover_order(self, ops):
        """`ops` with every add or set that takes a prefix of `hands_over` that a set of the same path gives up after
        that set, otherwise in their order; a cycle (two entries swapping prefixes) stays as it is."""
        field = self.resource.by_option[self.resource.hands_over]

        def prefixes(values):
            return set(canon(field.kind, (values or {}).get(field.api)) or ())

        takes, gives, held = {}, {}, {}
        for op in ops:
            new = prefixes(op.args) if field.api in op.args else None
            old = prefixes(op.before) if op.verb == "set" else set()
            takes[id(op)] = set((op.path, p) for p in (new or set()) - old)
            gives[id(op)] = set((op.path, p) for p in old - new) if new is not None else set()
            for given in gives[id(op)]:
                held[given] = held.get(given, 0) + 1
        pending, out = list(ops), []
        while pending:
            ready = next((op for op in pending if not any(held.get(p) for p in takes[id(op)])
                          and (op.follows is None or op.follows not in pending)), None)
            if ready is None:
                return out + pending
            for given in gives[id(ready)]:
                held[given] -= 1
            out.append(ready)
            pending.remove(ready)
        return out

    def removals(self, rows_by_path, matched):
        """Removes of our rows that no entry of `config` matched (overridden, or deleted without config)."""
        return [Op("remove", path, self.keys.row_label(row), row[".id"], before=row)
                for path, rows in rows_by_path.items() for row in rows
                if (path, row[".id"]) not in matched and self.keys.ours(row)]
