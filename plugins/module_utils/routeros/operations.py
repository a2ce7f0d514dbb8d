# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One API sentence we intend to send: what comparing and ordering produce, writing sends and rendering shows."""

from __future__ import annotations


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
        self.anchor_group = None      # add, rendered for a router not read: goes before that group's first stop
        self.follows = None           # set/move of an entry this run adds: its add Op (id known once sent)
        self.destination = None
        self.new_id = None

    @property
    def target(self):
        return self.item_id or (self.follows.new_id if self.follows is not None else None)


def api_text(resource, api_name, value):
    """`value` as the API text of `resource`'s field `api_name` (a comment or an unknown name: as it is)."""
    field = resource.by_api.get(api_name)
    return field.kind.to_api(value) if field else str(value)
