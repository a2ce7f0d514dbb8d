# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired vs actual for one resource on one router.

One owner for: reading each path once (only the fields we manage), matching
entries by their natural key, ownership markers, the operations that close
the gap (add/set/unset/remove/move), check mode, diffs, rendering, rollback
of a half-applied change, and redaction of secrets in everything returned.
Modules only declare a Resource (resources.py) and hand over `config`.
"""

from __future__ import annotations

import re

from ansible_collections.sitelink.tunnels.plugins.module_utils.common import names
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.connection import explain, select
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.errors import RouterosError, problem_report
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.resources import CLEAR, KEEP, NEWEST, shown

MARKER, DEFAULT_OWNER = names.MARKER, names.DEFAULT_OWNER
REDACTED = "<redacted>"
# "sitelink:OWNER TEXT": the owner is never empty and has no space, so a comment a person writes ("sitelink backup
# to DC") is not ours.  LEGACY ("sitelink TEXT", what the modules wrote without an owner before 1.1) is only ever
# matched to an entry the task asks for, by its key, and then rewritten; it is never removed.
_COMMENT = re.compile(r"^sitelink:(?P<owner>[A-Za-z0-9][A-Za-z0-9._-]{0,31})(?: (?P<text>.*))?$", re.S)
_LEGACY = re.compile(r"^sitelink(?: (?P<text>.*))?$", re.S)
DROP_ACTIONS = ("drop", "reject", "tarpit")


def parse_comment(comment):
    """(owner, text) of a managed entry's comment, (None, text) of an entry written without an owner by an earlier
    version, or None when the entry is not ours."""
    match = _COMMENT.match(comment or "")
    if match:
        return match.group("owner"), match.group("text") or ""
    match = _LEGACY.match(comment or "")
    if match:
        return None, match.group("text") or ""
    return None


def make_comment(owner, text):
    comment = "%s:%s" % (MARKER, owner or DEFAULT_OWNER)
    return comment + (" " + text if text else "")


def check_owner(router, owner):
    """RouterosError unless `owner` can be written into a comment and read back unambiguously."""
    why = names.problem("owner", owner)
    if why:
        raise RouterosError("%s: owner: %s" % (router, why))


def _canon(kind, value):
    if value is None or value == "" or value is CLEAR:
        return None
    return kind.canon(value)


class Op(object):
    """One API sentence we intend to send."""

    def __init__(self, verb, path, label, item_id=None, args=None, unset=(), entry=None, before=None):
        self.verb = verb
        self.path = path
        self.label = label            # e.g. "name=wg0", for messages and rendering
        self.item_id = item_id
        self.args = args or {}        # API name -> text
        self.unset = list(unset)      # API names to clear
        self.entry = entry            # desired entry (for moves of not yet added rules)
        self.before = before          # the row as read, for rollback
        self.place_before = None      # add: id of the entry to insert before
        self.anchor_chain = None      # add, rendered for a router not read: goes before that chain's first drop
        self.follows = None           # set/move of an entry this run adds: its add Op (id known once sent)
        self.destination = None
        self.new_id = None

    @property
    def target(self):
        return self.item_id or (self.follows.new_id if self.follows is not None else None)


class Engine(object):
    def __init__(self, resource, router_label, owner=DEFAULT_OWNER, adopt=False, placement="before_drop",
                 release=None):
        self.full = resource                                # every field of every release, for messages
        self.release = release or NEWEST
        self.resource = resource.for_release(self.release)  # a field the router lacks is never read or written
        self.router = router_label
        self.owner = owner or DEFAULT_OWNER
        check_owner(router_label, self.owner)
        self.adopt = adopt
        self.placement = placement
        self.secret_api = set(f.api for f in resource.secrets())
        self.secret_values = set()
        self.warnings = []
        self._read_order = {}           # path -> ids in the order read (rollback puts entries back there)
        self.rendering = False          # planning for a router that is not read (render only)

    def remember_secrets(self, config):
        """Values that must never appear in a message, even inside a router's error text."""
        for entry in config:
            for field in self.resource.secrets():
                if entry.get(field.option):
                    self.secret_values.add(str(entry[field.option]))

    # ------------------------------------------------------------ reading
    def proplist(self):
        names = [".id", "comment", "dynamic"] + [f.api for f in self.resource.fields]
        return names + [n for n in self.resource.read_back if n not in names]

    def read(self, api, path):
        """Every entry of `path`, with only the fields we manage; dynamic entries are not ours to touch.
        A failed read names the router and the path, like a failed write."""
        rows = select(api, self.router, path, self.proplist(), self.resource.read_where)
        return [r for r in rows if not r.get("dynamic")]

    # ------------------------------------------------------------ keys
    def key_of_entry(self, entry):
        out = []
        for option in self.resource.key:
            field = self.resource.by_option.get(option)
            value = entry.get(option)
            if field is None:                       # the key lives in the comment (firewall rule names)
                out.append(value)
                continue
            if value is None and field.default not in (KEEP, CLEAR):
                value = field.default
            out.append(_canon(field.kind, value))
        return tuple(out)

    def key_of_row(self, row):
        out = []
        for option in self.resource.key:
            field = self.resource.by_option.get(option)
            if field is None:
                parsed = parse_comment(row.get("comment"))
                out.append(parsed[1] if parsed else None)
            else:
                out.append(_canon(field.kind, row.get(field.api)))
        return tuple(out)

    def label(self, entry):
        parts = []
        for option in self.resource.key:
            value = entry.get(option)
            if option == "public_key" and value:
                value = str(value)[:8] + "..."
            parts.append("%s=%s" % (option, value))
        return " ".join(parts)

    # ------------------------------------------------------------ planning
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
        out["comment"] = make_comment(self.owner, text or "")
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
            elif _canon(kind, value) != _canon(kind, have):
                args[api_name] = kind.to_api(value)
        return args, unset

    def validate(self, config, state, interfaces, check_mode=False):
        """Every problem with `config` at once, before anything is written.

        In check mode a missing interface may be one an earlier task would have created: it is
        reported in self.warnings instead.
        """
        problems, seen = [], {}
        self.warnings = []
        lacking = self.full.missing_in(self.release)
        for index, entry in enumerate(config):
            where = "config[%d] (%s)" % (index, self.label(entry))
            for option in sorted(o for o in lacking if entry.get(o) not in (None, "")):
                since = [f.since for f in lacking[option] if f.since and f.since > self.release]
                problems.append("%s: %s is not in RouterOS %s, which %s runs%s" % (
                    where, option, shown(self.release), self.router,
                    " (it needs %s or later)" % shown(min(since)) if since else ""))
            for option, value in sorted(entry.items()):
                text = [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)] \
                    if isinstance(value, list) else []
                if any(not _printable_ascii(t) for t in text):
                    problems.append("%s: %s has a line break, a control or a non-ASCII character: RouterOS keeps "
                                    "bytes, not text, and the collection writes only printable ASCII"
                                    % (where, option))
            for field in self.resource.fields:
                value = entry.get(field.option)
                if value is None or value == "":
                    continue
                try:
                    field.kind.check(value)
                except (ValueError, TypeError) as exc:
                    problems.append("%s: %s=%r is not valid: %s" % (where, field.option, self._shown(field, value), exc))
            for option in self.resource.key:
                if entry.get(option) in (None, "") and (option not in self.resource.by_option
                                                        or self.resource.by_option[option].default in (KEEP, CLEAR)):
                    problems.append("%s: %s is required to identify the entry" % (where, option))
            try:
                key = (self.resource.path_for(entry), self.key_of_entry(entry))
            except (ValueError, TypeError):
                continue
            if key in seen:
                problems.append("%s: same %s as config[%d]" % (where, "/".join(self.resource.key), seen[key]))
            seen[key] = index
            if state in ("deleted", "gathered") or interfaces is None:
                continue
            for field in self.resource.fields:
                value = entry.get(field.option)
                if field.ref and value is not None:
                    known = interfaces if field.ref == "interface" else \
                        dict((n, t) for n, t in interfaces.items() if t == "wg")
                    if value not in known:
                        what = "WireGuard interface" if field.ref == "wireguard" else "interface"
                        text = "%s: %s %r does not exist on the router" % (where, what, value)
                        if check_mode:
                            self.warnings.append(text + " (yet: check mode does not create it)")
                        else:
                            problems.append(text)
            if self.resource.interface_type and entry.get("name") in interfaces \
                    and interfaces[entry["name"]] != self.resource.interface_type:
                problems.append("%s: the name %r is already used by a %s interface"
                                % (where, entry["name"], interfaces[entry["name"]]))
        return problems

    def _shown(self, field, value):
        return REDACTED if field.secret else value

    def render(self, config):
        """The operations that create `config` on a router that is not read: every entry an add; ordered rules carry
        their chain, so that the script places them before the router's first drop when it is imported."""
        self.rendering = True
        return self.plan(config, "merged", dict((self.resource.path_for(e), []) for e in config))

    def plan(self, config, state, rows_by_path):
        """The operations that make the router match `config` under `state`."""
        self._read_order = dict((path, [r[".id"] for r in rows]) for path, rows in rows_by_path.items())
        ops, problems, matched = [], [], set()
        foreign = self._foreign_by_clash(rows_by_path)
        index = {}
        for path, rows in rows_by_path.items():
            for row in rows:
                index.setdefault((path, self.key_of_row(row)), []).append(row)
        for entry in config:
            path = self.resource.path_for(entry)
            rows = index.get((path, self.key_of_entry(entry)), [])
            row = rows[0] if rows else None
            if state != "deleted":
                problems.extend(self._taken(entry, row, rows_by_path.get(path, [])))
                problems.extend(self._clash(entry, path, foreign))
            if row is not None:
                matched.add(row[".id"] + path)
            if state == "deleted":
                if row is not None and self._ours(row):
                    ops.append(Op("remove", path, self.label(entry), row[".id"], before=row))
                continue
            if row is None:
                missing = [f.option for f in self.resource.fields if f.required and entry.get(f.option) is None]
                if missing:
                    problems.append("%s: new entry needs %s" % (self.label(entry), ", ".join(missing)))
                    continue
                # a new entry gets only what was asked for; the router fills in its defaults
                want = self.desired_values(entry, "merged")
                args = dict((a, self._to_api(a, v)) for a, v in want.items() if v is not CLEAR and v != "")
                add = Op("add", path, self.label(entry), args=args, entry=entry)
                ops.append(add)
                # "" on a field whose default is not empty (keepalive) needs an unset once the entry exists
                clears = [f.api for f in self.resource.fields
                          if want.get(f.api) == "" and f.default not in ("", CLEAR, KEEP)]
                if clears:
                    unset = Op("set", path, self.label(entry), unset=clears, entry=entry)
                    unset.follows = add
                    ops.append(unset)
                continue
            if not self._ours(row) and not self.adopt and not self._legacy(row):
                parsed = parse_comment(row.get("comment"))
                whose = "it belongs to owner %r" % parsed[0] if parsed else "its comment has no '%s:OWNER' marker" % MARKER
                problems.append("%s on %s exists but is not managed by sitelink.tunnels as owner %r (%s); set adopt: "
                                "true to take it over" % (self.label(entry), path, self.owner, whose))
                continue
            args, unset = self.differences(self.desired_values(entry, state, row), row)
            if args or unset:
                op = Op("set", path, self.label(entry), row[".id"], args=args, unset=unset, before=row)
                op.entry = entry
                ops.append(op)
        if state == "overridden" or (state == "deleted" and not config):
            for path, rows in rows_by_path.items():
                for row in rows:
                    if row[".id"] + path not in matched and self._ours(row):
                        ops.append(Op("remove", path, self._row_label(row), row[".id"], before=row))
        if problems:
            raise problem_report(self.router, self.resource.name, problems)
        if self.resource.ordered_by and state not in ("deleted",):
            ops.extend(self.order(config, ops, rows_by_path))
        return ops

    def _foreign_by_clash(self, rows_by_path):
        """{(path, foreign_clash values): [the operator's rows]}, indexed once per plan: routes are many."""
        index = {}
        if self.resource.foreign_clash:
            for path, rows in rows_by_path.items():
                for row in rows:
                    if not self._ours(row) and not self._legacy(row):
                        values = self._clash_values(lambda field, r=row: r.get(field.api))
                        index.setdefault((path, values), []).append(row)
        return index

    def _clash(self, entry, path, foreign):
        """Problems for an operator's entry that would share `foreign_clash` values with ours (an equal-cost route
        to the same prefix): reported before anything is written, never changed."""
        options = self.resource.foreign_clash
        values = self._clash_values(lambda field: entry.get(field.option)) if options else None
        return ["%s: the router already has %s (not managed by sitelink.tunnels) with the same %s: RouterOS 7 would "
                "balance traffic over both (ECMP); remove it or give it another %s"
                % (self.label(entry), self._row_label(other), ", ".join(options), options[-1])
                for other in foreign.get((path, values), []) if self.key_of_row(other) != self.key_of_entry(entry)]

    def _clash_values(self, value_of):
        """The canonical foreign_clash values of an entry or a row (`value_of(field)`), defaults filled in."""
        values = []
        for option in self.resource.foreign_clash:
            field = self.resource.by_option[option]
            value = value_of(field)
            values.append(_canon(field.kind, field.default if value in (None, "") else value))
        return tuple(values)

    def _taken(self, entry, row, rows):
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
                if other is not row and _canon(field.kind, other.get(field.api)) == _canon(field.kind, value):
                    parsed = parse_comment(other.get("comment"))
                    whose = "not managed by sitelink.tunnels" if parsed is None or parsed[0] is None else \
                        "owner %s" % parsed[0]
                    out.append("%s: %s %s is already used by %s (%s); choose another %s" % (
                        self.label(entry), option, value, self._row_label(other), whose, option))
        return out

    def _to_api(self, api_name, value):
        field = self.resource.by_api.get(api_name)
        return field.kind.to_api(value) if field else str(value)

    def _ours(self, row):
        parsed = parse_comment(row.get("comment"))
        return parsed is not None and parsed[0] == self.owner

    @staticmethod
    def _legacy(row):
        """Written by an earlier version without an owner: taken over when the task asks for it by its key."""
        parsed = parse_comment(row.get("comment"))
        return parsed is not None and parsed[0] is None

    def _row_label(self, row):
        entry = dict((f.option, row.get(f.api)) for f in self.resource.fields)
        if self.resource.key_in_comment:
            parsed = parse_comment(row.get("comment"))
            entry[self.resource.key_in_comment] = parsed[1] if parsed else None
        return self.label(entry)

    # ------------------------------------------------------------ ordering (firewall)
    def order(self, config, ops, rows_by_path):
        """Keep managed rules in config order, before the first foreign drop/reject of their chain."""
        moves = []
        removed = set(op.item_id for op in ops if op.verb == "remove")
        adds = dict((id(op.entry), op) for op in ops if op.verb == "add")
        for path, rows in rows_by_path.items():
            table = [r for r in rows if r[".id"] not in removed]
            entries = [e for e in config if self.resource.path_for(e) == path]
            mine = dict((self.key_of_entry(e), e) for e in entries)
            for chain in sorted(set(str(e.get("chain")) for e in entries)):
                wanted = [e for e in entries if str(e.get("chain")) == chain]
                ours = [r for r in table if self.key_of_row(r) in mine
                        and str(mine[self.key_of_row(r)].get("chain")) == chain]
                foreign = [r for r in table if str(r.get("chain")) == chain and self.key_of_row(r) not in mine]
                anchor = self._anchor(foreign, table)
                anchor_pos = table.index(anchor) if anchor is not None else len(table)
                for e in wanted:
                    if id(e) in adds:
                        adds[id(e)].place_before = anchor[".id"] if anchor is not None else None
                        if self.rendering and self.placement != "bottom":
                            adds[id(e)].anchor_chain = chain
                positions = [table.index(r) for r in ours]
                existing_order = [self.key_of_row(r) for r in ours]
                new_keys = [self.key_of_entry(e) for e in wanted if id(e) in adds]
                predicted = existing_order + new_keys
                in_place = all(p < anchor_pos for p in positions) and \
                    predicted == [self.key_of_entry(e) for e in wanted]
                if in_place:
                    continue
                by_key = dict((self.key_of_row(r), r) for r in ours)
                for e in wanted:
                    row = by_key.get(self.key_of_entry(e))
                    op = Op("move", path, self.label(e), row[".id"] if row else None, entry=e)
                    op.follows = adds.get(id(e))
                    op.destination = anchor[".id"] if anchor is not None else None
                    moves.append(op)
        return moves

    def _anchor(self, foreign, table):
        """The foreign rule ours go before: the first that drops, or that jumps into a chain that may drop."""
        if self.placement == "bottom":
            return None
        for row in foreign:
            if self.placement == "top" or row.get("action") in DROP_ACTIONS or self._jumps_to_a_drop(row, table):
                return row
        return None

    @staticmethod
    def _jumps_to_a_drop(row, table, seen=()):
        """Whether a jump rule's target chain (or a chain it jumps to in turn) has a drop, reject or tarpit:
        a drop reached through a jump stops our traffic as surely as one in the chain itself."""
        target = row.get("jump-target") if row.get("action") == "jump" else None
        if not target or target in seen:
            return False
        for other in table:
            if other.get("chain") == target and str(other.get("disabled")).lower() not in ("true", "yes"):
                if other.get("action") in DROP_ACTIONS or Engine._jumps_to_a_drop(other, table, seen + (target,)):
                    return True
        return False

    # ------------------------------------------------------------ applying
    def apply(self, api, ops, reopen=None):
        """Send the operations; on a failure undo what was done, then raise.

        The undo runs over a fresh session from `reopen()` when given (the failed session may be dead, or mid-way
        through an answer), after reading the router again: an operation whose answer never came (a timeout) may
        have been applied, so what to undo is decided from the router's rows, not from the answers."""
        done = []
        for op in ops:
            try:
                self._send(api, op)
            except Exception as exc:  # librouteros raises several types; all end the same way
                note = self._undo(api, done, op, reopen)
                raise RouterosError("%s: %s %s %s failed: %s; %s"
                                    % (self.router, op.path, op.verb, op.label, self.redact(explain(exc)), note))
            done.append(op)

    def _menu(self, api, path):
        return api.path(*path.strip("/").split("/"))

    def _send(self, api, op):
        menu = self._menu(api, op.path)
        if op.verb == "add":
            args = dict(op.args)
            if op.place_before is not None:
                args["place-before"] = op.place_before
            op.new_id = menu.add(**args)
        elif op.verb == "set":
            args = dict(op.args)
            args.update(("!" + name, "") for name in op.unset)
            args[".id"] = op.target
            menu.update(**args)
        elif op.verb == "remove":
            menu.remove(op.item_id)
        elif op.verb == "move":
            kwargs = {"numbers": op.target}
            if op.destination:
                kwargs["destination"] = op.destination
            tuple(menu("move", **kwargs))

    def _undo(self, api, done, failed, reopen):
        """Puts back what `done` and maybe `failed` changed; a sentence for the error message, naming what is left."""
        touched = done + [failed]
        session = api
        try:
            if reopen is not None:
                session = reopen()
            rows = dict((path, self.read(session, path)) for path in sorted(set(op.path for op in touched)))
        except Exception as exc:  # no session, no undo: say exactly what stays
            changed = ["%s %s" % (op.verb, op.label) for op in done]
            return "could not undo (%s): %s" % (self.redact(explain(exc)), "; ".join(changed) if changed else
                                                "nothing had been changed, unless %s %s was applied before the "
                                                "session failed" % (failed.verb, failed.label))
        try:
            undone, failures = 0, []
            for op in reversed(touched):
                for verb, path, item, args in self._undo_steps(op, rows.get(op.path, [])):
                    try:
                        menu = self._menu(session, path)
                        if verb == "remove":
                            menu.remove(item)
                        elif verb == "set":
                            menu.update(**dict(args, **{".id": item}))
                        elif verb == "add":
                            menu.add(**args)
                        else:
                            tuple(menu("move", **args))
                        undone += 1
                    except Exception as exc:  # keep undoing the rest
                        failures.append("%s %s (%s)" % (op.verb, op.label, self.redact(explain(exc))))
            note = "rolled back %d change(s)" % undone if undone else "nothing had been changed"
            if failures:
                note += "; could not undo: %s" % "; ".join(failures)
            return note
        finally:
            if session is not api:
                session.close()

    def _undo_steps(self, op, rows):
        """[(verb, path, id, args)] that take `op`'s entry back to how it was read, judged by the router's rows now."""
        by_id = dict((r[".id"], r) for r in rows)
        original = self._read_order.get(op.path, [])
        if op.verb == "add":
            key = self.key_of_entry(op.entry)
            before = set(original)
            made = [r[".id"] for r in rows if r[".id"] == op.new_id or (
                r[".id"] not in before and self._ours(r) and self.key_of_row(r) == key)]
            return [("remove", op.path, item, None) for item in made]
        if op.verb == "set" and op.follows is None and op.item_id in by_id:
            row, args = by_id[op.item_id], {}
            for name in list(op.args) + op.unset:
                old, now = op.before.get(name), by_id[op.item_id].get(name)
                if str(old if old is not None else "") != str(now if now is not None else ""):
                    if old in (None, ""):
                        args["!" + name] = ""
                    else:
                        args[name] = self._to_api(name, old) if name != "comment" else old
            return [("set", op.path, row[".id"], args)] if args else []
        if op.verb == "remove" and op.item_id not in by_id:
            args = dict((k, self._to_api(k, v) if k != "comment" else v) for k, v in op.before.items()
                        if k not in (".id", "dynamic") and k not in self.resource.read_back
                        and v not in (None, ""))
            successor = self._successor(op.item_id, original, by_id)
            if successor is not None and self.resource.ordered_by:
                args["place-before"] = successor          # back where it was, not at the end of the chain
            return [("add", op.path, None, args)]
        if op.verb == "move" and op.item_id in by_id and self.resource.ordered_by:
            successor = self._successor(op.item_id, original, by_id)
            order = [r[".id"] for r in rows]
            position = order.index(op.item_id)
            if successor is None and position != len(order) - 1:
                return [("move", op.path, None, {"numbers": op.item_id})]
            if successor is not None and (position + 1 >= len(order) or order[position + 1] != successor):
                return [("move", op.path, None, {"numbers": op.item_id, "destination": successor})]
        return []

    @staticmethod
    def _successor(item, original, now):
        """The first entry that followed `item` when the path was read and still exists."""
        if item not in original:
            return None
        return next((i for i in original[original.index(item) + 1:] if i in now), None)

    # ------------------------------------------------------------ results
    def predict(self, rows_by_path, ops):
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

    def entries(self, rows_by_path, managed_only=True):
        """Rows as module results: option names, read-only extras, secrets redacted."""
        out = []
        for path, rows in rows_by_path.items():
            for row in rows:
                parsed = parse_comment(row.get("comment"))
                if managed_only and (parsed is None or parsed[0] != self.owner):
                    continue
                entry = {}
                for field in self.resource.fields:
                    value = row.get(field.api)
                    if value is None:
                        continue
                    entry[field.option] = REDACTED if field.secret and value != "" else field.kind.from_api(value)
                for name in self.resource.read_back:
                    if name in row:
                        entry[name.replace("-", "_")] = row[name]
                if self.resource.family_of == "family":
                    entry["family"] = "ipv6" if path.startswith("/ipv6") else "ipv4"
                if parsed is not None:
                    entry["owner"] = parsed[0] or ""
                    entry[self.resource.key_in_comment or "comment"] = parsed[1]
                    entry["managed"] = True
                else:
                    entry["comment"] = row.get("comment", "")
                    entry["managed"] = False
                entry["id"] = row.get(".id")
                out.append(entry)
        return out

    def redact(self, text):
        for secret in self.secret_values:
            text = text.replace(secret, REDACTED)
        return text

    # ------------------------------------------------------------ rendering
    def sentence(self, op):
        """The API sentence of `op`, secrets redacted."""
        words = ["%s/%s" % (op.path, op.verb)]
        ident = op.target or ("(new)" if op.follows is not None else None)
        if ident:
            words.append("=%s=%s" % ("numbers" if op.verb == "move" else ".id", ident))
        for name in sorted(op.args):
            words.append("=%s=%s" % (name, REDACTED if name in self.secret_api else op.args[name]))
        words.extend("=!%s=" % name for name in op.unset)
        if op.verb == "add" and op.place_before is not None:
            words.append("=place-before=%s" % op.place_before)
        if op.verb == "move" and op.destination:
            words.append("=destination=%s" % op.destination)
        return " ".join(words)

    def script(self, op):
        """An equivalent RouterOS script line (.rsc), secrets redacted."""
        menu = op.path.strip("/").replace("/", " ")
        find = "[ find %s ]" % self._find(op)
        pairs = []
        for name in sorted(op.args):
            value = REDACTED if name in self.secret_api else op.args[name]
            pairs.append("%s=%s" % (name, _rsc_quote(value)))
        if op.verb == "add":
            if op.place_before is not None:
                pairs.append("place-before=%s" % op.place_before)
            add = "/%s add %s" % (menu, " ".join(pairs))
            if op.anchor_chain is None:
                return add
            # on import: before the first rule of the chain that is not ours and drops, rejects or jumps (the jump's
            # target may drop; the script cannot tell), at the end of the chain when there is none
            anchors = "" if self.placement == "top" else " and (%s or action=jump)" % " or ".join(
                "action=%s" % a for a in DROP_ACTIONS)
            find = "[/%s find where chain=%s%s and !(comment~%s)]" % (
                menu, _rsc_quote(op.anchor_chain), anchors, _rsc_quote("^%s:%s " % (MARKER, re.escape(self.owner))))
            return ":do { :local anchor %s; :if ([:len $anchor] > 0) do={ %s place-before=[:pick $anchor 0] } " \
                   "else={ %s } }" % (find, add, add)
        if op.verb == "set":
            pairs.extend("!%s" % n for n in op.unset)
            return "/%s set %s %s" % (menu, find, " ".join(pairs))
        if op.verb == "remove":
            return "/%s remove %s" % (menu, find)
        dest = " destination=%s" % op.destination if op.destination else ""
        return "/%s move %s%s" % (menu, find, dest)

    def _find(self, op):
        source = op.entry or {}
        if not source and op.before is not None:
            source = dict((f.option, op.before.get(f.api)) for f in self.resource.fields)
            source["comment"] = op.before.get("comment")
        terms = []
        for option in self.resource.key:
            field = self.resource.by_option.get(option)
            if field is None:
                # the key is in the comment: select the whole comment exactly (no regex, so nothing to escape
                # but the string itself, and no other rule whose name merely contains this one)
                comment = op.before.get("comment") if op.before is not None else None
                if comment is None:
                    comment = make_comment(self.owner, source.get(option))
                terms.append("comment=%s" % _rsc_quote(comment))
            elif source.get(option) is not None:
                terms.append('%s=%s' % (field.api, _rsc_quote(field.kind.to_api(source[option]))))
        return "where " + " and ".join(terms) if terms else ""


def _printable_ascii(text):
    return all(32 <= ord(char) < 127 for char in text)


_RSC_ESCAPES = {"\\": "\\\\", '"': '\\"', "$": "\\$", "?": "\\?", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _rsc_quote(value):
    """A value as a RouterOS script string: RouterOS's own escapes (Manual:Scripting, "Constant Escape Sequences":
    \\" \\\\ \\$ \\? \\n \\r \\t, and \\XX with capital hex for any other byte), so a comment with a quote, a $ or a line
    break, or a non-ASCII letter (as its UTF-8 bytes), reads back exactly as it was written."""
    text = str(value)
    if text and re.match(r"^[A-Za-z0-9_.:/,*+@%-]+$", text):
        return text
    out = []
    for char in text:
        if char in _RSC_ESCAPES:
            out.append(_RSC_ESCAPES[char])
        elif 32 <= ord(char) < 127:
            out.append(char)
        else:
            out.extend("\\%02X" % byte for byte in char.encode("utf-8"))
    return '"%s"' % "".join(out)
