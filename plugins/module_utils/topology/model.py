# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory as typed objects: sites, links, pools.  No I/O, no Ansible.

`load()` reads plain dictionaries (host variables) and never raises on the
first problem: it records every problem (host, variable, why) and builds as
much of the model as it can, so that validation can report everything at once.
"""

from __future__ import annotations

import re

PLATFORMS = ("routeros", "linux", "external")
TOPOLOGIES = ("p2p", "hub_spoke", "mesh", "links")
OVERLAYS = ("none", "gre", "eoip")
SITE_KEYS = ("id", "platform", "lans", "endpoint", "listen_port", "underlay_gateway", "default_route",
             "public_key", "interface")
LINK_KEYS = ("sites", "overlay", "preshared_key", "keepalive", "tunnel_id")
DEFAULT_INTERFACE = "wg-sitelink"
DEFAULT_PORT = 13231


class Problem(object):
    __slots__ = ("host", "variable", "why")

    def __init__(self, host, variable, why):
        self.host, self.variable, self.why = host, variable, why

    def __str__(self):
        return "%s: %s: %s" % (self.host, self.variable, self.why)

    def __repr__(self):
        return "Problem(%r)" % str(self)


class Site(object):
    def __init__(self, name, site_id, platform, lans, endpoint, listen_port, underlay_gateway, default_route,
                 public_key, interface):
        self.name = name
        self.id = site_id
        self.platform = platform
        self.lans = lans
        self.endpoint = endpoint
        self.listen_port = listen_port
        self.underlay_gateway = underlay_gateway
        self.default_route = default_route
        self.public_key = public_key
        self.interface = interface


class Link(object):
    def __init__(self, a, b, overlay, preshared_key, keepalive, tunnel_id, origin):
        self.a, self.b = sorted((a, b))
        self.overlay = overlay
        self.preshared_key = preshared_key
        self.keepalive = keepalive
        self.tunnel_id = tunnel_id
        self.origin = origin            # where it was declared, for messages

    @property
    def id(self):
        return "%s--%s" % (self.a, self.b)

    def other(self, site):
        return self.b if site == self.a else self.a


class Model(object):
    def __init__(self):
        self.sites = {}
        self.links = []
        self.topology = None
        self.hubs = []
        self.pools = {}
        self.psk_secret = None
        self.aggregates = []            # hub_spoke: prefixes spokes route to their hub instead of each remote LAN
        self.declared = []              # [((a, b), origin)] as written, for validation
        self.problems = []
        self._links_by_site = None
        self.memo = {}                  # values derived from the loaded model, computed once (plan.py)

    def problem(self, host, variable, why):
        self.problems.append(Problem(host, variable, why))

    def links_of(self, site):
        """The links of `site`, in declaration order; indexed once, since planning a fleet asks for every site."""
        if self._links_by_site is None or self._links_by_site[0] != len(self.links):
            index = {}
            for link in self.links:
                index.setdefault(link.a, []).append(link)
                index.setdefault(link.b, []).append(link)
            self._links_by_site = (len(self.links), index)
        return self._links_by_site[1].get(site, [])


def _int(model, host, variable, value, lo, hi):
    if isinstance(value, bool) or value is None:
        model.problem(host, variable, "must be a whole number from %d to %d" % (lo, hi))
        return None
    try:
        number = int(str(value), 10)
    except ValueError:
        model.problem(host, variable, "must be a whole number from %d to %d, not %r" % (lo, hi, value))
        return None
    if not lo <= number <= hi:
        model.problem(host, variable, "%d is out of range (%d to %d)" % (number, lo, hi))
        return None
    return number


def _list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def load_site(model, host, data):
    where = "sitelink_site"
    if not isinstance(data, dict):
        model.problem(host, where, "must be a mapping (platform, id, lans, ...)")
        return None
    for key in sorted(set(data) - set(SITE_KEYS)):
        model.problem(host, "%s.%s" % (where, key), "unknown setting (known: %s)" % ", ".join(SITE_KEYS))
    platform = data.get("platform", "routeros")
    if platform not in PLATFORMS:
        model.problem(host, where + ".platform", "must be one of %s, not %r" % (", ".join(PLATFORMS), platform))
    site_id = _int(model, host, where + ".id", data.get("id"), 1, 65535) if "id" in data else None
    if "id" not in data:
        model.problem(host, where + ".id", "is required: a small number unique to the site; it fixes the "
                                           "site's transit addresses so adding sites never renumbers links")
    port = data.get("listen_port", DEFAULT_PORT)
    port = _int(model, host, where + ".listen_port", port, 1, 65535)
    interface = str(data.get("interface", DEFAULT_INTERFACE))
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,14}$", interface):
        model.problem(host, where + ".interface", "%r is not a usable interface name (1-15 letters, digits, . _ -)"
                      % interface)
    return Site(host, site_id, platform, [str(x) for x in _list(data.get("lans"))], data.get("endpoint"),
                port, data.get("underlay_gateway"), data.get("default_route", True), data.get("public_key"),
                interface)


def load(sites_vars, settings):
    """Build the model from {host: sitelink_site} and the fleet-wide settings.

    settings: sitelink_topology, sitelink_link_defaults, sitelink_pools, sitelink_psk_secret
    """
    model = Model()
    for host in sorted(sites_vars):
        site = load_site(model, host, sites_vars[host])
        if site is not None:
            model.sites[host] = site
    topology = settings.get("sitelink_topology") or {}
    fleet = "fleet"
    if not isinstance(topology, dict):
        model.problem(fleet, "sitelink_topology", "must be a mapping with a type")
        topology = {}
    model.topology = topology.get("type", "mesh")
    if model.topology not in TOPOLOGIES:
        model.problem(fleet, "sitelink_topology.type", "must be one of %s, not %r"
                      % (", ".join(TOPOLOGIES), model.topology))
    model.hubs = [str(h) for h in _list(topology.get("hubs"))]
    model.aggregates = [str(a) for a in _list(topology.get("aggregates"))]
    defaults = dict({"overlay": "none", "preshared_key": True, "keepalive": 25},
                    **(settings.get("sitelink_link_defaults") or {}))
    model.pools = dict({"wireguard": "10.255.0.0/24", "overlay": "10.254.0.0/24", "overlay_prefix_length": 31,
                        "tunnel_id_base": 100}, **(settings.get("sitelink_pools") or {}))
    model.psk_secret = settings.get("sitelink_psk_secret")
    overrides = {}
    declared = []
    for index, entry in enumerate(_list(topology.get("links"))):
        origin = "sitelink_topology.links[%d]" % index
        if not isinstance(entry, dict) or not isinstance(entry.get("sites"), (list, tuple)) \
                or len(entry["sites"]) != 2:
            model.problem(fleet, origin, "must be a mapping with sites: [SITE_A, SITE_B]")
            continue
        for key in sorted(set(entry) - set(LINK_KEYS)):
            model.problem(fleet, "%s.%s" % (origin, key), "unknown setting (known: %s)" % ", ".join(LINK_KEYS))
        a, b = (str(s) for s in entry["sites"])
        key = tuple(sorted((a, b)))
        if key in overrides:
            model.problem(fleet, origin, "the link %s--%s is declared twice" % key)
            continue
        overrides[key] = (entry, origin)
        declared.append(key)
        model.declared.append(((a, b), origin))
    pairs = _pairs(model, declared)
    for a, b in pairs:
        entry, origin = overrides.get((a, b), ({}, "sitelink_topology"))
        settings_for = dict(defaults, **dict((k, v) for k, v in entry.items() if k != "sites"))
        overlay = settings_for.get("overlay")
        if overlay not in OVERLAYS:
            model.problem(fleet, origin + ".overlay", "must be one of %s, not %r" % (", ".join(OVERLAYS), overlay))
        keepalive = _int(model, fleet, origin + ".keepalive", settings_for.get("keepalive"), 0, 65535)
        tunnel_id = settings_for.get("tunnel_id")
        if tunnel_id is not None:
            tunnel_id = _int(model, fleet, origin + ".tunnel_id", tunnel_id, 0, 65535)
        model.links.append(Link(a, b, overlay, bool(settings_for.get("preshared_key")), keepalive, tunnel_id,
                                origin))
    return model


def _pairs(model, declared):
    """The site pairs the topology joins, sorted, each once."""
    names = sorted(model.sites)
    known = [p for p in declared if p[0] in model.sites and p[1] in model.sites and p[0] != p[1]]
    if model.topology == "p2p" and not declared and len(names) == 2:
        return [tuple(names)]
    if model.topology in ("links", "p2p"):
        return known
    if model.topology == "mesh":
        return [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]  # declared entries only tune these
    if model.topology == "hub_spoke":
        hubs = [h for h in model.hubs if h in model.sites]
        pairs = set()
        for hub in hubs:
            for site in names:
                if site != hub and (site not in hubs or hub < site):
                    pairs.add(tuple(sorted((hub, site))))
        return sorted(pairs | set(known))
    return []
