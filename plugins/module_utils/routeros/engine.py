# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired vs actual for one resource on one router: the units, put together for the modules.

Each job is its own unit: reading rows and naming them (reading.py), validating config (validation.py),
comparing desired with current (comparing.py, with the collisions in conflicts.py), ordering (ordering.py),
writing with rollback (writing.py), results (results.py) and rendering (rendering.py); ownership markers
(comments.py) and redaction (redaction.py) serve them all.  Modules only declare a Resource (resources.py)
and hand over `config`.
"""

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.comments import (
    DEFAULT_OWNER, check_owner, make_comment, parse_comment)
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.comparing import Comparer
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.conflicts import Conflicts
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.operations import Op
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.ordering import Orderer
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.reading import Keys, Reader
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.redaction import REDACTED, Redaction
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.rendering import Renderer
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.resources import NEWEST
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.results import Entries, predict
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.validation import Validator
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.writing import Writer

# what callers used from the engine before it was split (info.py reads comments through it)
__all__ = ("Engine", "Op", "REDACTED", "make_comment", "parse_comment")


class Engine(object):
    """One resource on one router, for one task: validate, read, plan, apply (or predict), report, render."""

    def __init__(self, resource, router_label, owner=DEFAULT_OWNER, adopt=False, placement="before_drop",
                 release=None):
        self.release = release or NEWEST
        self.resource = resource.for_release(self.release)  # a field the router lacks is never read or written
        self.router = router_label
        self.owner = owner or DEFAULT_OWNER
        check_owner(router_label, self.owner)
        self.warnings = []
        self._read_order = {}           # path -> ids in the order read (rollback puts entries back there)
        self.redaction = Redaction(resource)
        self.keys = Keys(self.resource, self.owner)
        self.reader = Reader(self.resource, router_label)
        self.validator = Validator(resource, self.resource, self.release, router_label, self.keys)
        self.comparer = Comparer(self.resource, router_label, self.keys, Conflicts(self.resource, self.keys), adopt)
        self.orderer = Orderer(self.resource, self.keys, placement) if self.resource.ordered_by else None
        self.writer = Writer(self.resource, router_label, self.reader, self.keys, self.redaction)
        self.results = Entries(self.resource, self.owner)
        self.renderer = Renderer(self.resource, self.keys, self.redaction, self.orderer)

    def remember_secrets(self, config):
        """Values that must never appear in a message, even inside a router's error text."""
        self.redaction.remember(config)

    def read(self, api, path):
        return self.reader.read(api, path)

    def validate(self, config, state, interfaces, check_mode=False):
        """Every problem with `config` at once, before anything is written; in check mode a missing interface
        (one an earlier task would have created) is in self.warnings instead."""
        problems, self.warnings = self.validator.validate(config, state, interfaces, check_mode)
        return problems

    def plan(self, config, state, rows_by_path, rendering=False):
        """The operations that make the router match `config` under `state`."""
        self._read_order = dict((path, [r[".id"] for r in rows]) for path, rows in rows_by_path.items())
        ops = self.comparer.plan(config, state, rows_by_path)
        if self.orderer is not None and state != "deleted":
            ops.extend(self.orderer.order(config, ops, rows_by_path, rendering))
        return ops

    def render(self, config):
        """The operations that create `config` on a router that is not read: every entry an add; ordered rules carry
        their group, so that the script places them before the router's first drop when it is imported."""
        return self.plan(config, "merged", dict((self.resource.path_for(e), []) for e in config), rendering=True)

    def apply(self, api, ops, reopen=None):
        """Send the operations; on a failure the session raised, undo what was done (over `reopen()`), then raise."""
        self.writer.apply(api, ops, self._read_order, reopen)

    def predict(self, rows_by_path, ops):
        return predict(rows_by_path, ops)

    def entries(self, rows_by_path, managed_only=True):
        return self.results.entries(rows_by_path, managed_only)

    def sentence(self, op):
        return self.renderer.sentence(op)

    def script(self, op, variables=None):
        return self.renderer.script(op, variables)
