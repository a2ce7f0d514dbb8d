# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory as typed objects: sites, links, pools.  No I/O, no Ansible.

`load()` reads plain dictionaries (host variables) and never raises on the
first problem: it records every problem (host, variable, why) and builds as
much of the model as it can, so that validation can report everything at once.
"""

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.module_utils import platforms
from ansible_collections.sitelink.tunnels.plugins.module_utils.common import names
from ansible_collections.sitelink.tunnels.plugins.module_utils.common import ipaddrs
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import addressing
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import ospf

TOPOLOGIES = ("p2p", "hub_spoke", "mesh", "links")
OVERLAYS = ("none", "gre", "eoip")
SITE_KEYS = ("id", "platform", "lans", "endpoint", "listen_port", "underlay_gateway", "default_route",
             "public_key", "interface", "state", "ospf_cost")
# sitelink_site.state: absent takes the site out (its tunnels go at both ends, then the host can leave the inventory)
SITE_STATES = ("present", "absent")
LINK_KEYS = ("sites", "overlay", "preshared_key", "keepalive", "tunnel_id", "distance", "slot", "overlay_keepalive",
             "cost")
LINK_SETTING_KEYS = tuple(k for k in LINK_KEYS if k != "sites")
LINK_DEFAULT_KEYS = tuple(k for k in LINK_SETTING_KEYS if k != "slot")     # a slot is one link's own
TOPOLOGY_KEYS = ("type", "hubs", "links", "aggregates")
POOL_KEYS = ("wireguard", "overlay", "overlay_prefix_length", "tunnel_id_base", "scheme", "hub_slots",
             "wireguard_second", "overlay_second", "router_id")
# dual stack: the optional pools of the other address family, {primary pool: its second-family pool}.  Each link then
# carries transit addresses of both families, and each LAN is routed to the peer's address of the LAN's family
# (RouterOS's /ip/route takes only IPv4 gateways, /ipv6/route only IPv6); the primary pools keep their role (the
# overlays ride on the primary WireGuard transit, verification pings the primary next hop)
SECOND_POOLS = {"wireguard": "wireguard_second", "overlay": "overlay_second"}
# cost: the link's OSPF cost (sitelink_routing: ospf; topology/ospf.py)
LINK_DEFAULTS = {"overlay": "none", "preshared_key": True, "keepalive": 25, "distance": 1, "overlay_keepalive": None,
                 "cost": 10}
# a GRE/EoIP keepalive per link, {interval: seconds, retries: count}: the tunnel stops running after `retries` missed
# answers, so interval x retries is how long a dead link keeps its routes (RouterOS default 10s,10: ~100 s)
OVERLAY_KEEPALIVE_KEYS = ("interval", "retries")
OVERLAY_KEEPALIVE_RANGES = {"interval": (1, 300), "retries": (1, 100)}
# hub_slots: None = one per hub (addressing.hub_slots)
POOL_DEFAULTS = {"wireguard": "10.255.0.0/24", "overlay": "10.254.0.0/24", "overlay_prefix_length": 31,
                 "tunnel_id_base": 100, "scheme": addressing.DEFAULT_SCHEME, "hub_slots": None}
SLOT_MAX = 2 ** 32 - 1          # beyond any pool validation lets through; the pool's size is checked there
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
                 public_key, interface, state="present"):
        self.name = name
        self.state = state              # "absent": the site is taken out; no link joins it
        self.id = site_id
        self.platform = platform
        self.capabilities = platforms.capabilities(platform)     # what the planner and validation ask of it
        self.lans = lans
        self.endpoint = endpoint
        self.listen_port = listen_port
        self.underlay_gateway = underlay_gateway
        self.default_route = default_route
        self.public_key = public_key
        self.interface = interface
        # each address of the site parsed once, here: None where the text is not one (validation says why); a
        # prefix as an IPv4Interface or IPv6Interface (the address as written, and its .network)
        self.lan_nets = [_parsed(ipaddrs.prefix, lan) for lan in lans]
        self.endpoint_ip = _parsed(ipaddrs.address, endpoint)        # None for a host name as well
        # the address before %INTERFACE (a link-local next hop as RouterOS writes it)
        self.underlay_gateway_ip = None if underlay_gateway is None else \
            _parsed(ipaddrs.address, underlay_gateway.partition("%")[0])


class Link(object):
    def __init__(self, a, b, overlay, preshared_key, keepalive, tunnel_id, origin):
        self.a, self.b = sorted((a, b))
        self.overlay = overlay
        self.preshared_key = preshared_key
        self.keepalive = keepalive
        self.tunnel_id = tunnel_id
        self.origin = origin            # where it was declared, for messages
        self.overlay_origin = origin    # where its overlay was chosen (a link setting or the link defaults)
        self.distance = 1               # of the routes through the link (a backup link takes a higher one)
        self.slot = None                # its place in the pools, when the inventory pins it (addressing.py)
        self.overlay_keepalive = None   # (interval seconds, retries) of its GRE/EoIP keepalive; None: the default
        self.cost = 10                  # its OSPF cost at both ends, before the ends' own ospf_cost (topology/ospf.py)

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
        self.pool_nets = {}             # {pool name: IPv4/IPv6Interface, or None where the pool is not a prefix}; a
        #                                 second-family pool (SECOND_POOLS) only where it is set
        self.psk_secret = None
        self.aggregates = []            # hub_spoke: prefixes spokes route to their hub instead of each remote LAN
        self.aggregate_nets = []        # the aggregates as IPv4/IPv6Interfaces (None where one is not a prefix)
        self.declared = []              # [((a, b), origin)] as written, for validation
        self.problems = []
        self._refused = set()           # (host, variable) with a problem: later checks say nothing more about them
        self.refused_sites = set()      # host names that cannot be sites
        self._links_by_site = None
        self.memo = {}                  # values derived from the loaded model, computed once (plan.py)
        self.drained = []               # sitelink_drain: hubs whose traffic moves to the other hubs (plan.py)
        self.routing = "static"         # sitelink_routing: static routes, or OSPF over the overlays (topology/ospf.py)
        self.ospf = {}                  # the fleet's OSPF settings (sitelink_ospf, with defaults), in OSPF mode
        self.ospf_costs = {}            # {site: its sitelink_site.ospf_cost}: added to every link of the site

    def problem(self, host, variable, why):
        self.problems.append(Problem(host, variable, why))
        self._refused.add((host, variable))

    def refuse(self, host, variable):
        """Mark `variable` as reported without a message of its own (the setting a typo was meant to be)."""
        self._refused.add((host, variable))

    def refused(self, host, variable):
        """Whether `variable` (or a setting it is part of) already has a problem: a check that depends on it would
        only repeat that problem in other words."""
        return any(h == host and (variable == v or variable.startswith(v + ".") or variable.startswith(v + "["))
                   for h, v in self._refused)

    def links_of(self, site):
        """The links of `site`, in declaration order; indexed once, since planning a fleet asks for every site."""
        if self._links_by_site is None or self._links_by_site[0] != len(self.links):
            index = {}
            for link in self.links:
                index.setdefault(link.a, []).append(link)
                index.setdefault(link.b, []).append(link)
            self._links_by_site = (len(self.links), index)
        return self._links_by_site[1].get(site, [])


def _parsed(parse, value):
    """`value` as a prefix or an address (`parse`: ipaddrs.prefix or ipaddrs.address), or None when it is not one."""
    if value is None:
        return None
    try:
        return parse(str(value))
    except (ValueError, TypeError):
        return None


def _int(model, host, variable, value, lo, hi):
    if isinstance(value, bool) or value is None:
        model.problem(host, variable, "must be a whole number from %d to %d" % (lo, hi))
        return None
    try:
        if isinstance(value, float) or (isinstance(value, str) and not (value.isascii() and value.isdigit())):
            raise ValueError(value)            # " 4", "1_000", "٣" and 1.5 pass int(); a setting must not
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


def _unknown_keys(model, host, where, data, known):
    """One problem per key that is not a setting, with the nearest known one (which is then taken as reported:
    its default is not the user's intent)."""
    for key in sorted(set(data) - set(known), key=str):
        nearest = names.nearest(key, known)
        shown_key = key if isinstance(key, str) and key.replace("_", "").isalnum() and key.isascii() \
            else "[%s]" % names.shown(key)
        model.problem(host, "%s.%s" % (where, shown_key), "unknown setting%s (known: %s)"
                      % ("; did you mean %s?" % nearest if nearest else "", ", ".join(known)))
        if nearest and nearest not in data:
            model.refuse(host, "%s.%s" % (where, nearest))


def _bool(model, host, variable, value, default):
    """A YAML boolean; a quoted "false" or "no" is refused, since Python would take any non-empty string as true."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    model.problem(host, variable, "must be true or false, not %s%s" % (
        names.shown(value), " (a quoted string: write it without quotes)" if isinstance(value, str) else ""))
    return default


def _text(model, host, variable, value, what):
    """A single-line string without surrounding spaces, or None (after a problem)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        model.problem(host, variable, "must be %s, not %s" % (what, kind(value)))
        return None
    text = str(value)
    if text != text.strip():
        model.problem(host, variable, "%s has surrounding spaces or line breaks" % names.shown(text))
        return None
    if not text or any(ord(c) < 32 or ord(c) == 127 for c in text):
        model.problem(host, variable, "%s is not %s" % (names.shown(text), what))
        return None
    return text


def kind(value):
    """A value's type in the words of a YAML author."""
    return {dict: "a mapping", list: "a list", tuple: "a list", bool: "a boolean", type(None): "an empty value (null)",
            str: "a string", int: "a number", float: "a number"}.get(type(value), "a %s" % type(value).__name__)


def _texts(model, host, variable, value, what):
    """A list of strings (a single string is a list of one)."""
    if isinstance(value, dict):
        model.problem(host, variable, "must be a list of %s, not a mapping" % what)
        return []
    items = [_text(model, host, "%s[%d]" % (variable, i), v, what) for i, v in enumerate(_list(value))]
    for index, item in enumerate(_list(value)):
        if item is None:                # `- ` with nothing after it: was dropped without a word
            model.problem(host, "%s[%d]" % (variable, index), "is an empty value (null), not %s: remove the item "
                          "or complete it" % what)
    return [item for item in items if item is not None]


def load_site(model, host, data):
    where = "sitelink_site"
    why = names.problem("site", host)
    if why:
        model.refused_sites.add(host)
        model.problem(names.shown(host), "inventory host name",
                      why + " (the site's name is written into router comments, file names and interface names)")
        return None
    if not isinstance(data, dict):
        model.problem(host, where, "must be a mapping (platform, id, lans, ...), not %s" % kind(data))
        return None
    _unknown_keys(model, host, where, data, SITE_KEYS)
    platform = data.get("platform", platforms.DEFAULT)
    if platforms.capabilities(platform) is platforms.UNKNOWN:
        known = tuple(platforms.CAPABILITIES)
        model.problem(host, where + ".platform", "must be one of %s, not %s%s" % (
            ", ".join(known), names.shown(platform), names.suggest(platform, known)))
    site_id = _int(model, host, where + ".id", data.get("id"), 1, 65535) if "id" in data else None
    if "id" not in data:
        model.problem(host, where + ".id", "is required: a small number unique to the site; it fixes the "
                                           "site's transit addresses so adding sites never renumbers links")
    port = data.get("listen_port", DEFAULT_PORT)
    port = _int(model, host, where + ".listen_port", port, 1, 65535)
    interface = data.get("interface", DEFAULT_INTERFACE)
    why = names.problem("interface", interface)
    if why:
        model.problem(host, where + ".interface", why)
    lans = _texts(model, host, where + ".lans", data.get("lans"), "a prefix (like 192.168.10.0/24)")
    endpoint = _text(model, host, where + ".endpoint", data.get("endpoint"), "an address or a host name")
    gateway = _text(model, host, where + ".underlay_gateway", data.get("underlay_gateway"), "an address")
    public_key = _text(model, host, where + ".public_key", data.get("public_key"), "a WireGuard public key")
    default_route = _bool(model, host, where + ".default_route", data.get("default_route"), True)
    state = data.get("state", "present")
    if state not in SITE_STATES:
        model.problem(host, where + ".state", "must be one of %s, not %s%s" % (
            ", ".join(SITE_STATES), names.shown(state), names.suggest(state, SITE_STATES)))
        state = "present"
    return Site(host, site_id, platform, lans, endpoint, port, gateway, default_route, public_key, str(interface),
                state)


def load(sites_vars, settings):
    """Build the model from {host: sitelink_site} and the fleet-wide settings.

    settings: sitelink_topology, sitelink_link_defaults, sitelink_pools, sitelink_psk_secret, sitelink_drain
    """
    model = Model()
    for host in sorted(sites_vars, key=str):
        site = load_site(model, host, sites_vars[host])
        if site is not None:
            model.sites[host] = site
    fleet = "fleet"
    topology = _mapping(model, "sitelink_topology", settings.get("sitelink_topology"), TOPOLOGY_KEYS,
                        "a mapping with a type")
    model.topology = topology.get("type", "mesh") if not model.refused(fleet, "sitelink_topology") else "links"
    if model.topology not in TOPOLOGIES:
        model.problem(fleet, "sitelink_topology.type", "must be one of %s, not %s%s" % (
            ", ".join(TOPOLOGIES), names.shown(model.topology), names.suggest(model.topology, TOPOLOGIES)))
    model.hubs = _texts(model, fleet, "sitelink_topology.hubs", topology.get("hubs"), "a site's name")
    model.aggregates = _texts(model, fleet, "sitelink_topology.aggregates", topology.get("aggregates"),
                              "a prefix (like 10.20.0.0/16)")
    model.aggregate_nets = [_parsed(ipaddrs.prefix, text) for text in model.aggregates]
    given_defaults = _mapping(model, "sitelink_link_defaults", settings.get("sitelink_link_defaults"),
                              LINK_DEFAULT_KEYS, "a mapping of link settings")
    # only the settings a default may carry (a slot is one link's own: reported above, never inherited)
    defaults = _link_settings(model, "sitelink_link_defaults", dict(
        (k, v) for k, v in given_defaults.items() if k in LINK_DEFAULT_KEYS), LINK_DEFAULTS)
    _load_pools(model, settings.get("sitelink_pools"))
    model.psk_secret = settings.get("sitelink_psk_secret")
    if model.psk_secret is not None and not isinstance(model.psk_secret, str):
        model.problem(fleet, "sitelink_psk_secret", "must be a string (a vault value), not %s"
                      % kind(model.psk_secret))      # the value itself is never shown
        model.psk_secret = None
    overrides = {}
    declared = []
    for index, entry in enumerate(_list(topology.get("links"))):
        origin = "sitelink_topology.links[%d]" % index
        if not isinstance(entry, dict) or not isinstance(entry.get("sites"), (list, tuple)) \
                or len(entry["sites"]) != 2:
            model.problem(fleet, origin, "must be a mapping with sites: [SITE_A, SITE_B]")
            continue
        _unknown_keys(model, fleet, origin, entry, LINK_KEYS)
        a, b = (str(s) for s in entry["sites"])
        key = tuple(sorted((a, b)))
        if key in overrides:
            model.problem(fleet, origin, "the link %s--%s is declared twice" % key)
            continue
        given = dict((k, v) for k, v in entry.items() if k in LINK_SETTING_KEYS)
        overrides[key] = (_link_settings(model, origin, given, defaults), origin)
        declared.append(key)
        model.declared.append(((a, b), origin))
    model.links = [_link(a, b, *overrides.get((a, b), (defaults, "sitelink_topology")))
                   for a, b in _pairs(model, declared)]
    model.drained = _drained(model, settings.get("sitelink_drain"))
    ospf.load(model, sites_vars, settings)
    return model


def _link(a, b, settings_for, origin):
    """The link between sites a and b with its settings (a declared link's, else the defaults)."""
    link = Link(a, b, settings_for["overlay"], settings_for["preshared_key"], settings_for["keepalive"],
                settings_for.get("tunnel_id"), origin)
    link.overlay_origin, link.distance = settings_for["overlay_origin"], settings_for["distance"]
    link.slot, link.overlay_keepalive = settings_for.get("slot"), settings_for["overlay_keepalive"]
    link.cost = settings_for["cost"]
    return link


def _drained(model, given):
    """sitelink_drain: the hubs (a name or a list) whose routes the other sites take only after every other way
    (plan.py); each must be a hub of a hub_spoke fleet, since only there is there another way to take."""
    if given is None or given == "" or given == []:
        return []
    if isinstance(given, str):          # -e sitelink_drain=hub-1,hub-2 on the command line
        given = [part.strip() for part in given.split(",") if part.strip()]
    names_given = _texts(model, "fleet", "sitelink_drain", given, "a hub's name")
    hubs = model.hubs if model.topology == "hub_spoke" else []
    drained = []
    for index, name in enumerate(names_given):
        if name in hubs:
            drained.append(name)
            continue
        why = "is a site but not a hub" if name in model.sites else "is no site of this fleet"
        model.problem("fleet", "sitelink_drain[%d]" % index, "%s %s; only a hub can be drained (%s)%s" % (
            names.shown(name), why, "hubs: %s" % ", ".join(hubs) if hubs else "this fleet has no hubs",
            names.suggest(name, hubs)))
    return drained


def _load_pools(model, given):
    """sitelink_pools over POOL_DEFAULTS (every pool setting is then in model.pools: the planner reads no default
    of its own), and the two pools parsed."""
    model.pools = dict(POOL_DEFAULTS, **_mapping(model, "sitelink_pools", given, POOL_KEYS, "a mapping of pools"))
    base = _int(model, "fleet", "sitelink_pools.tunnel_id_base", model.pools.get("tunnel_id_base"), 0, 65535)
    model.pools["tunnel_id_base"] = POOL_DEFAULTS["tunnel_id_base"] if base is None else base
    scheme = model.pools["scheme"]
    if scheme not in addressing.SCHEMES:
        model.problem("fleet", "sitelink_pools.scheme", "must be one of %s, not %s%s (pairs keeps the addresses of a "
                      "fleet set up before linear)" % (", ".join(addressing.SCHEMES), names.shown(scheme),
                                                       names.suggest(scheme, addressing.SCHEMES)))
        model.pools["scheme"] = POOL_DEFAULTS["scheme"]
    if model.pools["hub_slots"] is not None:
        model.pools["hub_slots"] = _int(model, "fleet", "sitelink_pools.hub_slots", model.pools["hub_slots"], 1, 64)
    model.pool_nets = dict((name, _parsed(ipaddrs.prefix, model.pools.get(name)))
                           for name in ("wireguard", "overlay"))
    model.pool_nets.update((name, _parsed(ipaddrs.prefix, model.pools[name]))
                           for name in SECOND_POOLS.values() if model.pools.get(name) is not None)


def _mapping(model, variable, value, known, what):
    """A fleet setting that is a mapping: {} when unset or not a mapping (after a problem); unknown keys reported."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        model.problem("fleet", variable, "must be %s, not %s" % (what, kind(value)))
        return {}
    _unknown_keys(model, "fleet", variable, value, known)
    return value


def _link_settings(model, where, given, base):
    """Link settings: `base` overridden by the values in `given`, each checked once where it was written (a
    problem in sitelink_link_defaults is reported once, not on every link that inherits it)."""
    out = dict(base)
    if "overlay" in given or "overlay_origin" not in out:
        out["overlay_origin"] = where + ".overlay"     # where the link's overlay was chosen, for messages
    if "overlay" in given:
        overlay = given["overlay"]
        if overlay in OVERLAYS:
            out["overlay"] = overlay
        else:
            model.problem("fleet", where + ".overlay", "must be one of %s, not %s%s" % (
                ", ".join(OVERLAYS), names.shown(overlay), names.suggest(overlay, OVERLAYS)))
    if "preshared_key" in given:
        out["preshared_key"] = _bool(model, "fleet", where + ".preshared_key", given["preshared_key"],
                                     base["preshared_key"])
    if "keepalive" in given:
        out["keepalive"] = _int(model, "fleet", where + ".keepalive", given["keepalive"], 0, 65535)
    if "distance" in given:
        distance = _int(model, "fleet", where + ".distance", given["distance"], 1, 255)
        out["distance"] = base["distance"] if distance is None else distance
    if given.get("tunnel_id") is not None:
        out["tunnel_id"] = _int(model, "fleet", where + ".tunnel_id", given["tunnel_id"], 0, 65535)
    if given.get("slot") is not None:
        out["slot"] = _int(model, "fleet", where + ".slot", given["slot"], 0, SLOT_MAX)
    if given.get("overlay_keepalive") is not None:
        out["overlay_keepalive"] = _overlay_keepalive(model, where + ".overlay_keepalive", given["overlay_keepalive"])
    if "cost" in given:
        # RouterOS's interface-template cost is 1-65535 (community.routeros _api_data.py; MikroTik manual, OSPF)
        cost = _int(model, "fleet", where + ".cost", given["cost"], 1, 65535)
        out["cost"] = base["cost"] if cost is None else cost
    return out


def _overlay_keepalive(model, variable, value):
    """(interval seconds, retries) from {interval: N, retries: N}, or None after a problem."""
    if not isinstance(value, dict):
        model.problem("fleet", variable, "must be a mapping {interval: SECONDS, retries: COUNT}, not %s" % kind(value))
        return None
    _unknown_keys(model, "fleet", variable, value, OVERLAY_KEEPALIVE_KEYS)
    out = []
    for key in OVERLAY_KEEPALIVE_KEYS:
        low, high = OVERLAY_KEEPALIVE_RANGES[key]
        if key not in value:
            model.problem("fleet", "%s.%s" % (variable, key), "is required (%d to %d)" % (low, high))
            return None
        out.append(_int(model, "fleet", "%s.%s" % (variable, key), value[key], low, high))
    return None if None in out else tuple(out)


def _pairs(model, declared):
    """The site pairs the topology joins, sorted, each once; a site being taken out (state: absent) is in none."""
    present = dict((name, site) for name, site in model.sites.items() if site.state != "absent")
    names = sorted(present)
    known = [p for p in declared if p[0] in present and p[1] in present and p[0] != p[1]]
    if model.topology == "p2p" and not declared and len(names) == 2:
        return [tuple(names)]
    if model.topology in ("links", "p2p"):
        return known
    if model.topology == "mesh":
        return [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]  # declared entries only tune these
    if model.topology == "hub_spoke":
        hubs = [h for h in model.hubs if h in present]
        pairs = set()
        for hub in hubs:
            for site in names:
                if site != hub and (site not in hubs or hub < site):
                    pairs.add(tuple(sorted((hub, site))))
        return sorted(pairs | set(known))
    return []
