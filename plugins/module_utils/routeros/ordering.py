# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where entries of a resource whose list order matters go (firewall rules): ours in config order within each
group (a chain), before the first entry not ours that stops the traffic (a drop) or jumps into a group that may.
Which fields say the group, the verdict and the jump is the resource's `ordered_by` declaration (resources.py)."""

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.operations import Op


class Orderer(object):
    def __init__(self, resource, keys, placement="before_drop"):
        self.resource = resource
        self.keys = keys
        self.placement = placement          # before_drop | top | bottom
        declared = resource.ordered_by
        self.group = declared.group
        self.group_api = resource.by_option[declared.group].api
        self.verdict_api = resource.by_option[declared.verdict].api
        self.stops = tuple(declared.stops)
        self.jump_verdict, self.target_api = (declared.jump[0], resource.by_option[declared.jump[1]].api) \
            if declared.jump else (None, None)

    def anchor_verdicts(self):
        """The verdicts of an entry ours must precede: those that stop, and a jump (its target may stop)."""
        return self.stops + ((self.jump_verdict,) if self.jump_verdict else ())

    def order(self, config, ops, rows_by_path, rendering=False):
        """Moves that keep ours in config order before the anchor of their group; sets where each add goes.
        `rendering`: for a router not read, each add carries its group, to be placed when the script is imported."""
        moves = []
        removed = set(op.item_id for op in ops if op.verb == "remove")
        adds = dict((id(op.entry), op) for op in ops if op.verb == "add")
        for path, rows in rows_by_path.items():
            table = [r for r in rows if r[".id"] not in removed]
            entries = [e for e in config if self.resource.path_for(e) == path]
            for group in sorted(set(str(e.get(self.group)) for e in entries)):
                wanted = [e for e in entries if str(e.get(self.group)) == group]
                moves += self.order_group(path, group, wanted, table, entries, adds, rendering)
        return moves

    def order_group(self, path, group, wanted, table, entries, adds, rendering):
        mine = dict((self.keys.of_entry(e), e) for e in entries)
        ours = [r for r in table
                if self.keys.of_row(r) in mine and str(mine[self.keys.of_row(r)].get(self.group)) == group]
        foreign = [r for r in table if str(r.get(self.group_api)) == group and self.keys.of_row(r) not in mine]
        anchor = self.anchor(foreign, table)
        for e in wanted:
            if id(e) in adds:
                adds[id(e)].place_before = anchor[".id"] if anchor is not None else None
                if rendering and self.placement != "bottom":
                    adds[id(e)].anchor_group = group
        if self.in_place(wanted, ours, adds, table.index(anchor) if anchor is not None else len(table), table):
            return []
        by_key = dict((self.keys.of_row(r), r) for r in ours)
        moves = []
        for e in wanted:
            row = by_key.get(self.keys.of_entry(e))
            op = Op("move", path, self.keys.label(e), row[".id"] if row else None, entry=e)
            op.follows = adds.get(id(e))
            op.destination = anchor[".id"] if anchor is not None else None
            moves.append(op)
        return moves

    def in_place(self, wanted, ours, adds, anchor_position, table):
        """Whether ours stand before the anchor, and with the adds at the end in config order."""
        before_anchor = all(table.index(r) < anchor_position for r in ours)
        predicted = [self.keys.of_row(r) for r in ours] + [self.keys.of_entry(e) for e in wanted if id(e) in adds]
        return before_anchor and predicted == [self.keys.of_entry(e) for e in wanted]

    def anchor(self, foreign, table):
        """The entry not ours that ours go before: the first that stops, or that jumps into a group that may."""
        if self.placement == "bottom":
            return None
        for row in foreign:
            if self.placement == "top" or row.get(self.verdict_api) in self.stops or self.jumps_to_a_stop(row, table):
                return row
        return None

    def jumps_to_a_stop(self, row, table, seen=()):
        """Whether a jump's target group (or a group it jumps to in turn) has an enabled entry that stops: a drop
        reached through a jump stops our traffic as surely as one in the group itself."""
        jumps = self.jump_verdict is not None and row.get(self.verdict_api) == self.jump_verdict
        target = row.get(self.target_api) if jumps else None
        if not target or target in seen:
            return False
        for other in table:
            if other.get(self.group_api) == target and str(other.get("disabled")).lower() not in ("true", "yes"):
                if other.get(self.verdict_api) in self.stops or self.jumps_to_a_stop(other, table, seen + (target,)):
                    return True
        return False
