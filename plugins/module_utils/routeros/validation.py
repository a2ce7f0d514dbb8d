# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every problem with a resource's `config` at once, before anything is read or written."""

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.redaction import REDACTED
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.resources import CLEAR, KEEP, shown


def printable_ascii(text):
    return all(32 <= ord(char) < 127 for char in text)


class Validator(object):
    """`full` is the resource with the fields of every release (to name the release an option needs), `resource`
    the same cut to `release`, the one the router runs."""

    def __init__(self, full, resource, release, router, keys):
        self.full = full
        self.resource = resource
        self.release = release
        self.router = router
        self.keys = keys
        self.lacking = full.missing_in(release)     # {option: its fields in other releases}

    def validate(self, config, state, interfaces, check_mode=False):
        """(problems, warnings) of `config`.  In check mode a missing interface may be one an earlier task would
        have created: it is a warning instead.  `interfaces` ({name: type}, None when not read) is checked
        unless the entries are only looked up (deleted, gathered)."""
        problems, warnings, seen = [], [], {}
        for index, entry in enumerate(config):
            where = "config[%d] (%s)" % (index, self.keys.label(entry))
            problems += self.release_problems(where, entry) + self.text_problems(where, entry)
            problems += self.value_problems(where, entry) + self.key_problems(where, entry)
            key = self.path_and_key(entry)
            if key is None:
                continue                    # a key value that is not valid: reported above
            if key in seen:
                problems.append("%s: same %s as config[%d]" % (where, "/".join(self.resource.key), seen[key]))
            seen[key] = index
            if state in ("deleted", "gathered") or interfaces is None:
                continue
            for text in self.reference_problems(where, entry, interfaces):
                if check_mode:
                    warnings.append(text + " (yet: check mode does not create it)")
                else:
                    problems.append(text)
            problems += self.name_problems(where, entry, interfaces)
        return problems, warnings

    def release_problems(self, where, entry):
        """Options the router's release lacks, naming the release that has them."""
        out = []
        lacking = self.lacking
        for option in sorted(o for o in lacking if entry.get(o) not in (None, "")):
            since = [f.since for f in lacking[option] if f.since and f.since > self.release]
            out.append("%s: %s is not in RouterOS %s, which %s runs%s" % (
                where, option, shown(self.release), self.router,
                " (it needs %s or later)" % shown(min(since)) if since else ""))
        family_ = self.full.family_of_entry(entry)
        for field in self.resource.fields:
            if not field.exists_on(self.release, family_) and entry.get(field.option) not in (None, ""):
                out.append("%s: %s is not on %s in RouterOS %s, which %s runs (it needs %s or later)" % (
                    where, field.option, self.full.paths[family_], shown(self.release), self.router,
                    shown(field.family_since[family_])))
        return out

    @staticmethod
    def text_problems(where, entry):
        out = []
        for option, value in sorted(entry.items()):
            text = [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)] \
                if isinstance(value, list) else []
            if any(not printable_ascii(t) for t in text):
                out.append("%s: %s has a line break, a control or a non-ASCII character: RouterOS keeps bytes, not "
                           "text, and the collection writes only printable ASCII" % (where, option))
        return out

    def value_problems(self, where, entry):
        out = []
        for field in self.resource.fields:
            value = entry.get(field.option)
            if value is None or value == "":
                continue
            try:
                field.kind.check(value)
            except (ValueError, TypeError) as exc:
                shown_value = REDACTED if field.secret else value
                out.append("%s: %s=%r is not valid: %s" % (where, field.option, shown_value, exc))
            family_ = self.full.family_of_entry(entry) if field.family_choices else None
            if value not in field.family_choices.get(family_, (value,)):
                out.append("%s: %s=%r is not one of %s on %s" % (where, field.option, value, ", ".join(
                    field.family_choices[family_]), self.full.paths[family_]))
        return out

    def key_problems(self, where, entry):
        """Key options without a value or a default: the entry could not be found again."""
        out = []
        for option in self.resource.key:
            if entry.get(option) in (None, "") and (self.keys.in_comment(option)
                                                    or self.resource.by_option[option].default in (KEEP, CLEAR)):
                out.append("%s: %s is required to identify the entry" % (where, option))
        return out

    def path_and_key(self, entry):
        """(path, natural key) of an entry, which no two entries may share; None when a value is not valid."""
        try:
            return self.resource.path_for(entry), self.keys.of_entry(entry)
        except (ValueError, TypeError):
            return None

    def reference_problems(self, where, entry, interfaces):
        """Interfaces the entry refers to that the router does not have."""
        out = []
        for field in self.resource.fields:
            value = entry.get(field.option)
            if field.ref and value is not None:
                known = interfaces if field.ref == "interface" else \
                    dict((n, t) for n, t in interfaces.items() if t == "wg")
                if value not in known:
                    what = "WireGuard interface" if field.ref == "wireguard" else "interface"
                    out.append("%s: %s %r does not exist on the router" % (where, what, value))
        return out

    def name_problems(self, where, entry, interfaces):
        """An interface of ours named like an interface of another type."""
        name = entry.get("name")
        if self.resource.interface_type and name in interfaces and interfaces[name] != self.resource.interface_type:
            return ["%s: the name %r is already used by a %s interface" % (where, name, interfaces[name])]
        return []
