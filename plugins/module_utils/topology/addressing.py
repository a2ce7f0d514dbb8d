# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A link's slot: the small number that places it in every transit pool and, above tunnel_id_base, in the EoIP
tunnel id space.  It follows from the inventory alone (no state, the same on every controller), and adding or
removing a site never moves another link.

Two schemes, `sitelink_pools.scheme`:

- `linear` (the default): slots grow with the number of links.
  - hub_spoke: every site owns a block of `hub_slots` slots keyed by its id, slot = (id - 1) * hub_slots + p.  A
    spoke's link to the hub at position p of `sitelink_topology.hubs` takes slot p of the spoke's block (whatever
    the hub's own id); the link between two hubs takes the later hub's block, at the earlier hub's position.
    `sitelink_pools.hub_slots` defaults to the number of hubs: a 1,000-site fleet with one hub fills slots 0-999
    (a /21 of /31s), with two hubs 0-1999.  Adding a hub later moves every spoke's slot unless hub_slots already
    counted it; a hub keeps its position as long as the hubs before it in the list stay.
  - mesh: the triangular index of the two ids.  A mesh of ids 1..n has n(n-1)/2 links and fills exactly slots
    0..n(n-1)/2 - 1: as compact as its links allow.
  - p2p: slot 0.
  - links, and any extra link between two spokes: the link's `slot` (sitelink_topology.links[*].slot).  Without
    one, a `links` topology takes the triangular index (compact while the ids are small and dense); a hub_spoke
    link between two spokes must have one (the blocks leave no automatic room for it).
- `pairs`: the triangular index of the two ids for every link, the only scheme before `linear`: a fleet that
  runs it keeps every address and tunnel id by setting `scheme: pairs`.  Space grows with the square of the
  largest id.

In both schemes a link's own `slot` wins.
"""

from __future__ import annotations

SCHEMES = ("linear", "pairs")
DEFAULT_SCHEME = "linear"


def pair_index(id_a, id_b):
    """0 for ids (1, 2), 1 for (1, 3), 2 for (2, 3), 3 for (1, 4) ... independent of other sites."""
    low, high = sorted((id_a, id_b))
    return (high - 1) * (high - 2) // 2 + (low - 1)


def hub_slots(model):
    """Slots in each site's block (hub_spoke, linear): the setting, else one per listed hub."""
    return model.pools.get("hub_slots") or max(1, len(model.hubs))


def _pairs_slot(model, link):
    return pair_index(model.sites[link.a].id, model.sites[link.b].id)


def _hub_block_slot(model, link):
    """The slot in the block of the link's lower-placed end (a spoke, or the later of two hubs), at the position of
    the hub it reaches."""
    rank = dict((hub, position) for position, hub in enumerate(model.hubs))
    ends = sorted((link.a, link.b), key=lambda end: rank.get(end, len(rank)))
    hub, owner = ends
    if hub not in rank:
        raise ValueError("link %s joins two spokes: it needs a slot of its own" % link.id)
    return (model.sites[owner].id - 1) * hub_slots(model) + rank[hub]


# linear: {topology: the automatic slot of one of its links}
LINEAR = {
    "hub_spoke": _hub_block_slot,
    "mesh": _pairs_slot,
    "p2p": lambda model, link: 0,           # one link
    "links": _pairs_slot,
}
# {scheme: the automatic slot of a link}
AUTOMATIC = {
    "pairs": _pairs_slot,
    "linear": lambda model, link: LINEAR.get(model.topology, _pairs_slot)(model, link),
}


def automatic_slot(model, link):
    """The slot `link` takes without a `slot` of its own; ValueError where the scheme gives it none (a hub_spoke
    link between two spokes)."""
    return AUTOMATIC[model.pools.get("scheme", DEFAULT_SCHEME)](model, link)


def link_slot(model, link):
    """The link's slot: its own `slot`, else the scheme's."""
    if getattr(link, "slot", None) is not None:
        return link.slot
    return automatic_slot(model, link)


def needs_own_slot(model, link):
    """Whether the scheme gives `link` no slot, so that the inventory must (a hub_spoke link between two spokes)."""
    return getattr(link, "slot", None) is None and model.pools.get("scheme", DEFAULT_SCHEME) == "linear" \
        and model.topology == "hub_spoke" and link.a not in model.hubs and link.b not in model.hubs
