# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RouterOS: what the planner and validation need to know of it, and a site's desired state as the `config` of
each resource module.

The plan is platform-neutral and holds no secret; here public keys are filled
in from the peers' routers and each link's preshared key is derived from the
fleet secret (plan.peer_preshared_key), so both ends agree and no per-link
secret is stored anywhere.
"""

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.module_utils.common.names import DEFAULT_OWNER
from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms.base import ALL_OVERLAYS, Capabilities
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import ospf
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import plan as planner

CAPABILITIES = Capabilities(
    label="RouterOS",
    configured=True,
    overlays=ALL_OVERLAYS,                  # GRE and EoIP; over an IPv6 transit as gre6 and eoipv6
    answers_gre_keepalive=True,
    backup_routes=True,
    link_local_gateway=True,                # as fe80::1%ether1
    interface_name=None,                    # longer names than Linux's 15 characters
    next_hop_family_rule="/ip/route takes only IPv4 gateways and /ipv6/route only IPv6",
    runs_ospf=True,                         # /routing/ospf, /routing/bfd (topology/ospf.py)
)

# Firewall holes before routes: traffic is moved into a tunnel only once the router admits it (a route first
# would drop a management session that comes back through the new tunnel until the rules follow).
# The interface list and its members once every tunnel interface exists, before the rules that name the list.
# OSPF (sitelink_routing: ospf) once the overlays have their addresses and the input chain admits its hellos, before
# the static routes (which it replaces or backs); its instance before the area before the templates and BFD that name
# them (driver: removed in the reverse order)
ORDER = ("wireguard_interfaces", "wireguard_peers", "gre_tunnels", "eoip_tunnels", "gre6_tunnels", "eoipv6_tunnels",
         "interface_lists", "interface_list_members", "addresses", "address_lists", "firewall_rules", "mangle_rules",
         "ospf_instances", "ospf_areas", "ospf_interface_templates", "bfd_configurations", "routes")
# Options the site's desired state sets only where the router's release has them (the driver leaves them out
# elsewhere): a hub's peers that call in are responders from 7.15 on, which stops it from dialling their last
# endpoints (routeros-review-3.md N15; community.routeros _api_data.py: is-responder 7.15-7.16, responder 7.17+)
WHERE_THE_RELEASE_HAS = {"wireguard_peers": ("responder",)}
# The operator's interface list that defconf's input chain admits ("drop all not coming from LAN")
DEFAULT_LAN_INTERFACE_LIST = "LAN"


def _wireguard_interfaces(plan, public_keys, psk_secret):
    if plan.get("state") == "absent":
        return []          # the interface goes, and with it the private key RouterOS keeps only there
    wg = plan["wireguard"]
    return [{"name": wg["name"], "listen_port": wg["listen_port"], "mtu": wg["mtu"]}]


def _wireguard_peers(plan, public_keys, psk_secret):
    out = []
    for peer in plan["peers"]:
        key = planner.peer_public_key(plan, peer["peer"], public_keys)
        if not key:
            continue                       # the peer has no interface yet; the link waits for it
        entry = {"interface": peer["interface"], "public_key": key, "allowed_address": peer["allowed_address"],
                 "endpoint_address": peer["endpoint_address"], "endpoint_port": peer["endpoint_port"],
                 "persistent_keepalive": peer["persistent_keepalive"], "comment": peer["link"]}
        if peer["preshared_key"]:
            entry["preshared_key"] = planner.peer_preshared_key(plan, peer, psk_secret)
        if not peer["endpoint_address"]:
            entry["responder"] = True         # it calls in: only answer it
        out.append(entry)
    return out


def _overlays(kind, family):
    """The overlays of one kind over a transit of one family: GRE over IPv6 is /interface/gre6, EoIP eoipv6."""
    def config(plan, public_keys, psk_secret):
        out = []
        for ov in plan["overlays"]:
            if ov["type"] == kind and ov["family"] == family:
                entry = {"name": ov["name"], "local_address": ov["local_address"],
                         "remote_address": ov["remote_address"], "mtu": ov["mtu"], "comment": ov["link"]}
                if kind == "eoip":
                    entry["tunnel_id"] = ov["tunnel_id"]
                if not ov["keepalive"]:
                    entry["keepalive"] = ""           # unset: RouterOS sends no keepalive
                elif ov.get("keepalive_interval"):
                    entry["keepalive"] = "%ds,%d" % (ov["keepalive_interval"], ov["keepalive_retries"])
                out.append(entry)
        return out
    return config


def _addresses(plan, public_keys, psk_secret):
    return [dict(a) for a in plan["addresses"]]


# a route or address-list entry that is there for another site says which in its comment (the purge guard,
# plugin_utils/purge.py, reads it back): (plan key, text before the site's name)
ABOUT_SITE = (("site", "lan of "), ("endpoint_of", "endpoint of "))
ABOUT_KEYS = frozenset(key for key, _text in ABOUT_SITE)


def about_site(entry):
    """The comment text that names the site a plan's route or address-list entry is for, or None."""
    return next((text + entry[key] for key, text in ABOUT_SITE if entry.get(key)), None)


def _routes(plan, public_keys, psk_secret):
    out = []
    for route in plan["routes"]:
        entry = dict((k, v) for k, v in route.items() if k not in ABOUT_KEYS)
        comment = about_site(route)
        if comment:
            entry["comment"] = comment
        out.append(entry)
    return out


def _address_lists(plan, public_keys, psk_secret):
    """The LANs the forward rules admit, as RouterOS address lists of their family (one entry per prefix)."""
    return [{"list": entry["list"], "address": entry["address"], "comment": about_site(entry) or entry["list"]}
            for entry in plan["address_lists"]]


def _interface_lists(plan, public_keys, psk_secret):
    """The interface list of the site's tunnels (one per owner, see config); none on a site taken out."""
    if plan.get("state") == "absent":
        return []
    return [{"name": planner.TUNNEL_LIST, "comment": planner.TUNNEL_LIST}]


def _interface_list_members(plan, public_keys, psk_secret):
    """Every tunnel interface of the site in that list."""
    return [{"list": m["list"], "interface": m["interface"]} for m in plan.get("interface_lists", [])]


def _firewall_rules(plan, public_keys, psk_secret):
    """Each rule goes to the table of its family (/ip or /ipv6 firewall filter)."""
    return [dict(rule) for rule in plan["firewall"]]


def _mangle_rules(plan, public_keys, psk_secret):
    return [dict(rule) for rule in plan.get("mangle", [])]


def _ospf(part):
    """The site's OSPF entries of one kind (topology/ospf.py): none in static mode, so that ours go."""
    def config(plan, public_keys, psk_secret):
        ospf = plan.get("ospf")
        if not ospf:
            return []
        entries = ospf[part] if isinstance(ospf[part], list) else [ospf[part]]
        return [dict(entry) for entry in entries]
    return config


ADAPTERS = {
    "wireguard_interfaces": _wireguard_interfaces,
    "wireguard_peers": _wireguard_peers,
    "gre_tunnels": _overlays("gre", "ipv4"),
    "eoip_tunnels": _overlays("eoip", "ipv4"),
    "gre6_tunnels": _overlays("gre", "ipv6"),
    "eoipv6_tunnels": _overlays("eoip", "ipv6"),
    "interface_lists": _interface_lists,
    "interface_list_members": _interface_list_members,
    "addresses": _addresses,
    "address_lists": _address_lists,
    "routes": _routes,
    "firewall_rules": _firewall_rules,
    "mangle_rules": _mangle_rules,
    "ospf_instances": _ospf("instance"),
    "ospf_areas": _ospf("area"),
    "ospf_interface_templates": _ospf("templates"),
    "bfd_configurations": _ospf("bfd"),
}


def for_release(resource, config, release):
    """`config` of the catalogue resource `resource` without the WHERE_THE_RELEASE_HAS options that RouterOS
    `release` lacks."""
    lacking = set(WHERE_THE_RELEASE_HAS.get(resource.name, ())) & set(resource.missing_in(release))
    if not lacking:
        return config
    return [dict((option, value) for option, value in entry.items() if option not in lacking) for entry in config]


def owned_list(name, owner=None):
    """The name an owner gives one of the plan's lists (planner.LISTS) on the router: each owner has its own, so that
    the LANs or tunnels of another fleet on the same router never widen its rules (the default owner keeps the plain
    name); a negated name ("!sitelink-tunnels") stays negated."""
    negated = name.startswith("!")
    plain = name[1:] if negated else name
    if plain not in planner.LISTS or owner in (None, "", DEFAULT_OWNER):
        return name
    return "%s%s-%s" % ("!" if negated else "", plain, owner)


def lan_list(owner=None):
    """The address list of the LANs an owner's forward rules admit."""
    return owned_list(planner.LAN_LIST, owner)


# the OSPF instance and area are named, not marked by their comment alone: each owner has its own (the default
# owner keeps the plain names, ospf.INSTANCE and ospf.AREA, read when called: topology imports this module), as it has
# its own lists; the options that name them
OSPF_NAME_OPTIONS = ("name", "instance", "area")
# the options of an adapter's entries that name one of the plan's lists
LIST_OPTIONS = ("list", "name", "src_address_list", "dst_address_list", "in_interface_list", "out_interface_list",
                "comment")


def in_lan_list(plan, lan_interface_list):
    """Members of the operator's interface list `lan_interface_list` (LAN): the site's tunnel interfaces, so that the
    router's own rules for that list (defconf's input chain) admit management, DNS and routing protocols from the
    remote LANs. Ours (marked): they go when the setting goes; the operator's own members are never touched."""
    return [{"list": lan_interface_list, "interface": m["interface"]} for m in plan.get("interface_lists", [])]


def config(plan, resource, public_keys=None, psk_secret=None, owner=None, lan_interface_list=None):
    """The `config` of one resource module; `lan_interface_list`: the operator's list the tunnels also join (None:
    they join none)."""
    out = ADAPTERS[resource](plan, public_keys, psk_secret)
    if owner not in (None, "", DEFAULT_OWNER):
        for entry in out:
            for key in LIST_OPTIONS:
                if isinstance(entry.get(key), str):
                    entry[key] = owned_list(entry[key], owner)
            for key in OSPF_NAME_OPTIONS:
                if entry.get(key) in (ospf.INSTANCE, ospf.AREA):
                    entry[key] = "%s-%s" % (entry[key], owner)
    if lan_interface_list:
        _with_lan_list(resource, out, plan, lan_interface_list, owned_list("!" + planner.TUNNEL_LIST, owner))
    return out


def _with_lan_list(resource, out, plan, lan_interface_list, not_tunnels):
    """The tunnels in the operator's LAN list too; and, that list being there, the rules that let the site's own LANs
    into a tunnel admit them only from it (not from the WAN, where a forged source of the site's own LANs is not
    told apart otherwise)."""
    if resource == "interface_list_members":
        out += in_lan_list(plan, lan_interface_list)
    for entry in out if resource == "firewall_rules" else ():
        if entry.get("in_interface_list") == not_tunnels:
            entry["in_interface_list"] = lan_interface_list


def desired(plan, public_keys=None, psk_secret=None, owner=None, lan_interface_list=None):
    """The site's desired state: {resource: config}, for every resource module in ORDER (an empty list where the
    site has nothing of that kind)."""
    return dict((resource, config(plan, resource, public_keys, psk_secret, owner, lan_interface_list))
                for resource in ORDER)
