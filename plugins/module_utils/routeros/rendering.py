# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Operations as text: the API sentence (what was or would be sent) and the RouterOS script line (.rsc) that does
the same, secrets redacted in both."""

from __future__ import annotations

import re

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.comments import MARKER

_RSC_ESCAPES = {"\\": "\\\\", '"': '\\"', "$": "\\$", "?": "\\?", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def rsc_quote(value):
    """A value as a RouterOS script string: RouterOS's own escapes (Manual:Scripting, "Constant Escape
    Sequences": \\" \\\\ \\$ \\? \\n \\r \\t, and \\XX with capital hex for any other byte), so a comment with a quote,
    a $ or a line break, or a non-ASCII letter (as its UTF-8 bytes), reads back exactly as it was written."""
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


class Renderer(object):
    """`orderer` (None for a resource whose order does not matter) says where a rendered add goes."""

    def __init__(self, resource, keys, redaction, orderer=None):
        self.resource = resource
        self.keys = keys
        self.redaction = redaction
        self.orderer = orderer

    def sentence(self, op):
        """The API sentence of `op`, secrets redacted."""
        words = ["%s/%s" % (op.path, op.verb)]
        ident = op.target or ("(new)" if op.follows is not None else None)
        if ident:
            words.append("=%s=%s" % ("numbers" if op.verb == "move" else ".id", ident))
        for name in sorted(op.args):
            words.append("=%s=%s" % (name, self.redaction.value(name, op.args[name])))
        words.extend("=!%s=" % name for name in op.unset)
        if op.verb == "add" and op.place_before is not None:
            words.append("=place-before=%s" % op.place_before)
        if op.verb == "move" and op.destination:
            words.append("=destination=%s" % op.destination)
        return " ".join(words)

    def script(self, op, variables=None):
        """An equivalent RouterOS script line (.rsc), secrets redacted. `variables`: {value: script variable name}
        for values the file must not hold as text (a key only a peer knows, a secret): each is written as $name."""
        menu = op.path.strip("/").replace("/", " ")
        find = "[ find %s ]" % self.find(op)
        pairs = ["%s=%s" % (name, self.script_value(name, op.args[name], variables or {})) for name in sorted(op.args)]
        if op.verb == "add":
            if op.place_before is not None:
                pairs.append("place-before=%s" % op.place_before)
            add = "/%s add %s" % (menu, " ".join(pairs))
            return add if op.anchor_group is None else self.placed_add(menu, op.anchor_group, add)
        if op.verb == "set":
            pairs.extend("!%s" % n for n in op.unset)
            return "/%s set %s %s" % (menu, find, " ".join(pairs))
        if op.verb == "remove":
            return "/%s remove %s" % (menu, find)
        dest = " destination=%s" % op.destination if op.destination else ""
        return "/%s move %s%s" % (menu, find, dest)

    def script_value(self, api_name, value, variables):
        if isinstance(value, str) and value in variables:
            return "$" + variables[value]
        return rsc_quote(self.redaction.value(api_name, value))

    def placed_add(self, menu, group, add):
        """`add` placed on import before the first entry of `group` that is not ours and stops or jumps (the jump's
        target may stop; the script cannot tell), at the end of the group when there is none."""
        orderer = self.orderer
        if orderer.placement != "top" and not orderer.anchor_verdicts():
            return add                  # nothing of the group stops (mangle): ours go at its end
        anchors = "" if orderer.placement == "top" else " and (%s)" % " or ".join(
            "%s=%s" % (orderer.verdict_api, verdict) for verdict in orderer.anchor_verdicts())
        # a dynamic rule (a HotSpot's jump) is the router's own: never an anchor (routeros-review-3 N9)
        find = "[/%s find where %s=%s%s and !dynamic and !(comment~%s)]" % (
            menu, orderer.group_api, rsc_quote(group), anchors,
            rsc_quote("^%s:%s " % (MARKER, re.escape(self.keys.owner))))
        return ":do { :local anchor %s; :if ([:len $anchor] > 0) do={ %s place-before=[:pick $anchor 0] } " \
               "else={ %s } }" % (find, add, add)

    def find(self, op):
        """The `where` of a script's find that selects `op`'s entry by its natural key."""
        source = op.entry or {}
        if not source and op.before is not None:
            source = self.keys.entry_of_row(op.before)
        terms = []
        for option in self.resource.key:
            if self.keys.in_comment(option):
                # the key is in the comment: select the whole comment exactly (no regex, so nothing to escape
                # but the string itself, and no other rule whose name merely contains this one)
                comment = op.before.get("comment") if op.before is not None else None
                if comment is None:
                    comment = self.keys.comment(source.get(option))
                terms.append("comment=%s" % rsc_quote(comment))
            elif source.get(option) is not None:
                field = self.resource.by_option[option]
                terms.append('%s=%s' % (field.api, rsc_quote(field.kind.to_api(source[option]))))
        return "where " + " and ".join(terms) if terms else ""
