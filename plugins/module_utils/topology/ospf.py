# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OSPF mode (`sitelink_routing: ospf`): the fleet's OSPF settings, their validation, and what a site's plan gets.

In OSPF mode every link runs OSPFv2 over its GRE or EoIP overlay (WireGuard alone cannot carry it: its hellos go to
the multicast group 224.0.0.5, which is in no peer's allowed addresses, and one WireGuard interface has many peers and
no link-layer multicast).  Each site gets one instance with a router id from `sitelink_pools.router_id` (the pool's
first address plus the site id: deterministic, like the transit addresses), one area, one interface template per
overlay and one passive template for its IPv4 LANs (advertised, never a neighbour's way in), and, with `bfd`, one BFD
configuration on its overlays.  The static routes to the remote IPv4 LANs go (OSPF installs them), or stay as
floating backups above OSPF's distance with `sitelink_ospf_static_backup: true`.  IPv6 LANs keep their static routes
(OSPFv3 is not built).  RouterOS sites run it with /routing/ospf, Linux sites with FRR (platforms/linux.py's frr
part, linux_frr); validation refuses a platform whose capabilities say it runs none.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.sitelink.tunnels.plugins.module_utils.common import names
from ansible_collections.sitelink.tunnels.plugins.module_utils.common import ipaddrs
# the modules, not their names: model imports this module
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model as inventory
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import plan as planner

FLEET = "fleet"
ROUTING_MODES = ("static", "ospf")
OSPF_KEYS = ("area", "hello_interval", "dead_interval", "bfd")
# RouterOS's interface-template defaults (community.routeros _api_data.py: hello-interval 10s, dead-interval 40s)
OSPF_DEFAULTS = {"area": "0.0.0.0", "hello_interval": 10, "dead_interval": 40, "bfd": False}
TIMER_RANGE = (1, 65535)            # seconds: RFC 2328 HelloInterval is 16 bits, RouterDeadInterval 32
# where router ids come from without sitelink_pools.router_id: an id only, never routed (a /16 holds ids 1-65535)
ROUTER_ID_POOL = "10.253.0.0/16"
OSPF_DISTANCE = 110                 # RouterOS's distance of OSPF routes (MikroTik manual, IP Routing)
DISTANCE_MAX = 255
DRAINED_COST = 65535                # the highest interface cost (RouterOS: 1-65535): a drained hub's links come last
INSTANCE = "sitelink"
AREA = "sitelink-area"              # one name whatever its id: a changed area id is set in place
LAN_TEMPLATE = "ospf-lans"
BFD_CONFIGURATION = "bfd-tunnels"
# the network type per overlay: both have exactly two ends on a /31 or /30, so point-to-point - broadcast would elect
# a designated router between two routers and wait a dead interval before the first adjacency (RFC 2328 9.4, the
# Wait timer) for nothing; EoIP is Ethernet-like but carries only the two tunnel ends
NETWORK_TYPES = {"gre": "ptp", "eoip": "ptp"}
# what the input chain admits on the tunnels: OSPF is IP protocol 89; BFD control 3784 and echo 3785 over UDP
# (RFC 5881, single hop)
OSPF_RULE = {"name": "ospf-in-tunnels", "chain": "input", "protocol": "ospf", "family": "ipv4"}
BFD_RULE = {"name": "bfd-in-tunnels", "chain": "input", "protocol": "udp", "dst_port": "3784,3785",
            "family": "ipv4"}
NO_OVERLAY = ("OSPF (sitelink_routing: ospf) needs an overlay on this link: WireGuard alone cannot carry OSPF between "
              "several peers of one interface (its hellos go to the multicast group 224.0.0.5, which is in no peer's "
              "allowed addresses, and a WireGuard interface has no link-layer multicast); set overlay: gre or eoip")


def load(model, sites_vars, settings):
    """sitelink_routing, sitelink_ospf, sitelink_ospf_static_backup and each site's ospf_cost into the model (every
    problem recorded, defaults where a value is refused)."""
    routing = settings.get("sitelink_routing")
    model.routing = "static" if routing is None else routing
    if model.routing not in ROUTING_MODES:
        model.problem(FLEET, "sitelink_routing", "must be one of %s, not %s" % (
            ", ".join(ROUTING_MODES), names.shown(routing)))
        model.routing = "static"
    given = inventory._mapping(model, "sitelink_ospf", settings.get("sitelink_ospf"), OSPF_KEYS,
                               "a mapping of OSPF settings")
    ospf = dict(OSPF_DEFAULTS)
    if given.get("area") is not None:
        ospf["area"] = _area(model, given["area"])
    for timer in ("hello_interval", "dead_interval"):
        if given.get(timer) is not None:
            value = inventory._int(model, FLEET, "sitelink_ospf." + timer, given[timer], *TIMER_RANGE)
            ospf[timer] = OSPF_DEFAULTS[timer] if value is None else value
    timers_given = not any(model.refused(FLEET, "sitelink_ospf." + t) for t in ("hello_interval", "dead_interval"))
    if timers_given and ospf["dead_interval"] <= ospf["hello_interval"]:
        model.problem(FLEET, "sitelink_ospf.dead_interval", "%ds must be longer than hello_interval (%ds): a neighbour "
                      "is declared down after dead_interval without a hello (4 x hello_interval is usual)"
                      % (ospf["dead_interval"], ospf["hello_interval"]))
    ospf["bfd"] = inventory._bool(model, FLEET, "sitelink_ospf.bfd", given.get("bfd"), False)
    ospf["static_backup"] = _switch(model, "sitelink_ospf_static_backup", settings.get("sitelink_ospf_static_backup"))
    model.ospf = ospf
    for host in sorted(model.sites):
        data = sites_vars.get(host)
        if isinstance(data, dict) and data.get("ospf_cost") is not None:
            cost = inventory._int(model, host, "sitelink_site.ospf_cost", data["ospf_cost"], 0, 65535)
            model.ospf_costs[host] = cost or 0


# a top-level switch comes from the command line too (-e sitelink_ospf_static_backup=true is a string there): Ansible's
# boolean words are booleans, as for the role's other switches (plugin_utils/inventory.py)
SWITCH_WORDS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}


def _switch(model, variable, value):
    if isinstance(value, str) and value.strip().lower() in SWITCH_WORDS:
        return SWITCH_WORDS[value.strip().lower()]
    return inventory._bool(model, FLEET, variable, value, False)


def _area(model, value):
    """An area id as RouterOS writes it (dotted quad); an integer is taken as OSPF's 32-bit number."""
    variable = "sitelink_ospf.area"
    try:
        if isinstance(value, bool):
            raise ValueError(value)
        return str(ipaddress.IPv4Address(value if isinstance(value, int) else str(value)))
    except (ValueError, TypeError):
        model.problem(FLEET, variable, "must be an area id: a dotted quad (0.0.0.0, the backbone) or a number "
                                       "from 0 to 4294967295, not %s" % names.shown(value))
        return OSPF_DEFAULTS["area"]


def router_id_pool(model):
    """The router id pool (an IPv4Interface: the prefix as written and its .network), or None where it is not an
    IPv4 prefix (validation says why)."""
    text = model.pools.get("router_id") or ROUTER_ID_POOL
    try:
        net = ipaddrs.prefix(str(text))
    except (ValueError, TypeError):
        return None
    return net if net.version == 4 else None


def router_id(model, name):
    """The site's router id: the pool's first address plus the site id (a site's id never changes); None where the
    pool is no IPv4 prefix (validation says so)."""
    pool = router_id_pool(model)
    if pool is None:
        return None
    return str(ipaddress.IPv4Address((int(pool.network.network_address) + model.sites[name].id) % 2 ** 32))


def link_cost(model, link):
    """The link's OSPF cost, the same at both ends: its own cost plus each end's ospf_cost (a backup hub with a
    higher ospf_cost carries traffic only while the other way is down); a drained hub's links (sitelink_drain) take
    DRAINED_COST, so that OSPF moves its traffic to the other hubs as a drain moves static routes' distances."""
    if link.a in model.drained or link.b in model.drained:
        return DRAINED_COST
    return min(DRAINED_COST, link.cost + model.ospf_costs.get(link.a, 0) + model.ospf_costs.get(link.b, 0))


# ---------------------------------------------------------------- validation (validate.plan_fleet asks)
def check(model, plans):
    """Every problem OSPF mode has with the model and its plans (nothing in static mode)."""
    if model.routing != "ospf":
        return
    for name in sorted(model.sites):
        site = model.sites[name]
        if site.state != "absent" and not site.capabilities.runs_ospf:
            model.problem(name, "sitelink_site.platform", site.capabilities.ospf_refusal
                          % {"label": site.capabilities.label})
    for link in model.links:
        if link.overlay == "none":
            model.problem(FLEET, link.overlay_origin, "link %s: %s" % (link.id, NO_OVERLAY))
    overlay_pool = model.pool_nets.get("overlay")
    if overlay_pool is not None and overlay_pool.version != 4:
        model.problem(FLEET, "sitelink_pools.overlay", "OSPFv2 runs on the overlays' addresses, which must be IPv4 "
                      "(OSPFv3 is not built): give an IPv4 overlay pool")
    _router_ids(model)
    _distances(model, plans)
    _mtus(model, plans)


def _router_ids(model):
    pool = router_id_pool(model)
    variable = "sitelink_pools.router_id"
    if pool is None:
        model.problem(FLEET, variable, "must be an IPv4 prefix (like %s), not %s" % (
            ROUTER_ID_POOL, names.shown(model.pools.get("router_id"))))
        return
    highest = max([s.id for s in model.sites.values() if s.id is not None] or [0])
    size = pool.network.num_addresses
    if size <= highest:
        model.problem(FLEET, variable, "%s holds router ids for site ids up to %d; the highest site id is %d (a /%d "
                      "or larger)" % (ipaddrs.text(pool), size - 1, highest, 32 - highest.bit_length()))


def _distances(model, plans):
    """A floating static backup sits OSPF_DISTANCE above its own distance, which must stay a distance."""
    if not model.ospf.get("static_backup"):
        return
    for name, plan in sorted((plans or {}).items()):
        for route in plan["routes"]:
            if route["distance"] > DISTANCE_MAX:
                model.problem(name, "sitelink_ospf_static_backup", "the backup route to %s would take distance %d "
                              "(%d above OSPF's %d); lower the link's distance so that it stays at most %d" % (
                                  route["dst_address"], route["distance"], route["distance"] - OSPF_DISTANCE,
                                  OSPF_DISTANCE, DISTANCE_MAX))


def _mtus(model, plans):
    """Both ends of an adjacency must have one MTU: OSPF refuses a neighbour whose Database Description packets carry
    another (RFC 2328 10.6), and the adjacency sticks in ExStart."""
    mtus = {}
    for name, plan in (plans or {}).items():
        for overlay in plan["overlays"]:
            mtus.setdefault(overlay["link"], {})[name] = overlay["mtu"]
    for link_id, ends in sorted(mtus.items()):
        if len(set(ends.values())) > 1:
            model.problem(FLEET, "sitelink_topology", "link %s: the overlay MTUs differ (%s): OSPF forms no adjacency "
                          "between ends of different MTUs" % (link_id, ", ".join(
                              "%s %d" % (site, mtu) for site, mtu in sorted(ends.items()))))


# ---------------------------------------------------------------- the plan (plan.plan_site asks)
def plan(model, name, out):
    """In OSPF mode, the site's OSPF configuration (out["ospf"]), the input rules for OSPF and BFD, and its static
    routes to remote IPv4 LANs removed or floated above OSPF's distance."""
    if model.routing != "ospf" or out.get("state") == "absent":
        return
    settings = model.ospf
    links = dict((link.id, link) for link in model.links_of(name))
    timers = {"hello_interval": settings["hello_interval"], "dead_interval": settings["dead_interval"]}
    templates = []
    for overlay in out["overlays"]:
        template = dict({"name": "ospf-" + overlay["name"], "interfaces": [overlay["name"]],
                         "type": NETWORK_TYPES[overlay["type"]], "cost": link_cost(model, links[overlay["link"]])},
                        **timers)
        if settings["bfd"]:
            template["use_bfd"] = True
        templates.append(template)
    site = model.sites[name]
    lans = [lan for lan, net in zip(site.lans, site.lan_nets) if net is not None and net.version == 4]
    if lans:
        templates.append({"name": LAN_TEMPLATE, "networks": lans, "passive": True})
    out["ospf"] = {"instance": {"name": INSTANCE, "router_id": router_id(model, name)},
                   "area": {"name": AREA, "instance": INSTANCE, "area_id": settings["area"]},
                   "templates": [dict(t, area=AREA) for t in templates],
                   "bfd": [{"name": BFD_CONFIGURATION, "interfaces": [o["name"] for o in out["overlays"]]}]
                   if settings["bfd"] and out["overlays"] else []}
    out["firewall"].append(dict(OSPF_RULE, in_interface_list=planner.TUNNEL_LIST))
    if settings["bfd"]:
        out["firewall"].append(dict(BFD_RULE, in_interface_list=planner.TUNNEL_LIST))
    out["routes"] = _routes(out["routes"], settings["static_backup"])


def _routes(routes, static_backup):
    """Routes to remote IPv4 LANs and aggregates go to OSPF: dropped, or kept OSPF_DISTANCE higher as floating
    backups. Endpoint host routes (underlay) and IPv6 routes stay as they are."""
    out = []
    for route in routes:
        handed = "endpoint_of" not in route and ":" not in route["dst_address"]
        if not handed:
            out.append(route)
        elif static_backup:
            out.append(dict(route, distance=route["distance"] + OSPF_DISTANCE))
    return out
