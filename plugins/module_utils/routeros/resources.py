# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The field catalogue: what each resource module manages on which API path.

A resource is data, not code: its natural key, its fields (option name, API
name, kind, the router's default, whether it is secret, what it refers to),
the read-only values worth returning, and its ordering rule.  The engine
reads this table; adding a path means adding an entry here.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import kinds as k

KEEP = object()    # replaced/overridden leave the router's value alone (generated MACs)
CLEAR = object()   # the router's default is "absent": reset with `=!field=`


MINIMUM = (7, 1)   # WireGuard came with RouterOS 7
NEWEST = (7, 18)   # the release a render-only script is written for (no router to ask)


def release(version):
    """(major, minor) of a RouterOS version ("7.16.2 (stable)", "7.16", (7, 16))."""
    if isinstance(version, tuple):
        return version[:2]
    return tuple(int(x) for x in str(version).split(" ", maxsplit=1)[0].split(".")[:2])


def shown(release_):
    return ".".join(str(x) for x in release_)


class Field(object):
    def __init__(self, option, kind=k.TEXT, default=KEEP, api=None, secret=False, required=False, ref=None,
                 since=None, until=None):
        self.option = option
        self.api = api or option.replace("_", "-")
        self.kind = kind
        self.default = default
        self.secret = secret
        self.required = required
        self.ref = ref            # "interface" | "wireguard": must exist before we write
        self.since = release(since) if since else None     # first RouterOS release with the field
        self.until = release(until) if until else None     # last one (a later release renamed or dropped it)

    def exists_in(self, release_):
        return (self.since is None or release_ >= self.since) and (self.until is None or release_ <= self.until)


class Ordering(object):
    """List order matters (firewall rules): ours keep config order within each value of option `group`, before the
    first entry not ours whose `verdict` is one of `stops`, or that jumps (`jump`: (verdict, option naming the target
    group)) into a group that has one."""

    def __init__(self, group, verdict, stops, jump=None):
        self.group = group
        self.verdict = verdict
        self.stops = tuple(stops)
        self.jump = jump


class Resource(object):
    def __init__(self, name, paths, key, fields, read_only=(), interface_type=None, ordered_by=None,
                 family_of=None, key_in_comment=None, exclusive=(), read_where=None, foreign_clash=(), status=()):
        self.name = name
        self.paths = paths                  # {family: "/api/path"}; one entry when there is no family
        self.key = key                      # option names
        self.fields = fields
        self.by_option = dict((f.option, f) for f in fields)
        self.by_api = dict((f.api, f) for f in fields)
        self.read_only = read_only          # API fields returned as results, never written
        self.status = status                # live read-only fields (a handshake's age): returned, never in a diff
        self.read_back = read_only + status  # every API field read and returned that is never written
        self.interface_type = interface_type
        self.ordered_by = ordered_by        # an Ordering: list order matters within each group (chain)
        self.family_of = family_of          # option whose address family picks the path
        self.key_in_comment = key_in_comment  # option stored in the comment after the marker
        self.release = None                 # set on a resource cut to one RouterOS release
        self.exclusive = exclusive          # options no two entries of the path may share (a UDP port)
        self.read_where = read_where        # {API name: value} the router filters reads by (never dynamic rows)
        self.foreign_clash = foreign_clash  # options an entry of the operator's may not share with ours (ECMP)

    def path_for(self, entry):
        if len(self.paths) == 1:
            return list(self.paths.values())[0]
        return self.paths[family(entry.get(self.family_of))]

    def secrets(self):
        return [f for f in self.fields if f.secret]

    def for_release(self, release_):
        """This resource as RouterOS `release_` has it: the fields it lacks are gone, a renamed one has the API name
        of that release.  None for the full table (no release known: render only)."""
        if release_ is None:
            return self
        cache = self.__dict__.setdefault("_releases", {})
        if release_ not in cache:
            fields = tuple(f for f in self.fields if f.exists_in(release_))
            cache[release_] = Resource(self.name, self.paths, self.key, fields, self.read_only, self.interface_type,
                                       self.ordered_by, self.family_of, self.key_in_comment, self.exclusive,
                                       self.read_where, self.foreign_clash, self.status)
            cache[release_].release = release_
        return cache[release_]

    def missing_in(self, release_):
        """{option: the releases that have it} for options of this resource that `release_` lacks."""
        present = set(f.option for f in self.fields if f.exists_in(release_))
        out = {}
        for field in self.fields:
            if field.option not in present:
                out.setdefault(field.option, []).append(field)
        return out


def family(address):
    """"ipv4" or "ipv6" for an address, a prefix, or the words themselves."""
    if address in ("ipv4", "ipv6"):
        return address
    text = str(address).split("/", 1)[0].split("%", 1)[0]
    try:
        return "ipv%d" % ipaddress.ip_address(text).version
    except ValueError:
        return "ipv4"


DISABLED = Field("disabled", k.BOOL, default=False)

WIREGUARD_INTERFACES = Resource(
    "wireguard_interfaces", {"": "/interface/wireguard"}, ("name",),
    (
        Field("name", required=True),
        Field("listen_port", k.INT, default=13231),
        Field("mtu", k.INT, default=1420),
        DISABLED,
    ),
    read_only=("public-key", "running"),
    interface_type="wg",
    # one UDP port, one interface: a second interface on a taken port does not run (FIDELITY.md)
    exclusive=("listen_port",),
)

WIREGUARD_PEERS = Resource(
    "wireguard_peers", {"": "/interface/wireguard/peers"}, ("interface", "public_key"),
    (
        Field("interface", required=True, ref="wireguard"),
        Field("public_key", k.WireguardKey(), required=True),
        Field("allowed_address", k.PrefixList(), required=True),
        Field("endpoint_address", k.Address(), default=""),
        Field("endpoint_port", k.INT, default=0),
        Field("persistent_keepalive", k.Duration(), default=0),
        Field("preshared_key", k.WireguardKey(), default=CLEAR, secret=True),
        # 7.15 names every peer itself (peerN): a name is only written when asked for, never cleared
        Field("name", default=KEEP, since="7.15"),
        # 7.15-7.16 call it is-responder; 7.17 renamed it; earlier releases have neither (routeros-api.md)
        Field("responder", k.BOOL, default=False, api="is-responder", since="7.15", until="7.16"),
        Field("responder", k.BOOL, default=False, since="7.17"),
        DISABLED,
    ),
    # read with the configuration, so that verification need not read the peers again (site_verify)
    status=("last-handshake",),
)


def tunnel_fields(version):
    """GRE/EoIP over IPv4 (/interface/gre, eoip) or IPv6 (gre6, eoipv6): the same options, addresses of the family;
    the IPv6 menus have no allow-fast-path (lab/FIDELITY.md)."""
    return (
        Field("remote_address", k.Address(), required=True),
        Field("local_address", k.Address(), default="0.0.0.0" if version == 4 else "::"),
        Field("mtu", k.Int("auto"), default="auto"),
        Field("keepalive", k.Keepalive(), default="10s,10"),
        Field("dscp", k.Int("inherit"), default="inherit"),
        Field("clamp_tcp_mss", k.BOOL, default=True),
        Field("dont_fragment", default="no"),
    ) + ((Field("allow_fast_path", k.BOOL, default=True),) if version == 4 else ()) + (
        Field("ipsec_secret", default=CLEAR, secret=True),
        DISABLED,
    )


def eoip_fields(version):
    return (
        Field("name", required=True),
        Field("tunnel_id", k.INT, required=True),
        Field("mac_address", k.Kind(), default=KEEP),
        Field("arp", default="enabled"),
        Field("loop_protect", default="default"),
    ) + tunnel_fields(version)


TUNNEL_FIELDS = tunnel_fields(4)

GRE_TUNNELS = Resource(
    "gre_tunnels", {"": "/interface/gre"}, ("name",),
    (Field("name", required=True),) + TUNNEL_FIELDS,
    read_only=("actual-mtu", "running"),
    interface_type="gre-tunnel",
)

EOIP_TUNNELS = Resource(
    "eoip_tunnels", {"": "/interface/eoip"}, ("name",), eoip_fields(4),
    read_only=("actual-mtu", "running", "mac-address"),
    interface_type="eoip-tunnel",
)

# over an IPv6 transit: /interface/gre takes IPv4 addresses only, gre6 and eoipv6 IPv6 only
GRE6_TUNNELS = Resource(
    "gre6_tunnels", {"": "/interface/gre6"}, ("name",),
    (Field("name", required=True),) + tunnel_fields(6),
    read_only=("actual-mtu", "running"),
    interface_type="gre6-tunnel",
)

EOIPV6_TUNNELS = Resource(
    "eoipv6_tunnels", {"": "/interface/eoipv6"}, ("name",), eoip_fields(6),
    read_only=("actual-mtu", "running", "mac-address"),
    interface_type="eoipv6-tunnel",
)

ADDRESSES = Resource(
    "addresses", {"ipv4": "/ip/address", "ipv6": "/ipv6/address"}, ("address", "interface"),
    (
        Field("address", k.InterfaceAddress(), required=True),
        Field("interface", required=True, ref="interface"),
        DISABLED,
    ),
    read_only=("network",),
    family_of="address",
)

ADDRESS_LISTS = Resource(
    "address_lists", {"ipv4": "/ip/firewall/address-list", "ipv6": "/ipv6/firewall/address-list"},
    ("list", "address"),
    (
        Field("list", required=True),
        Field("address", k.FirewallAddress(), required=True),
        DISABLED,
    ),
    read_only=("dynamic",),
    family_of="address",
    # dynamic entries (add-src-to-address-list, DNS names) are not ours and can be many: the router keeps them
    read_where={"dynamic": False},
)

ROUTES = Resource(
    "routes", {"ipv4": "/ip/route", "ipv6": "/ipv6/route"}, ("dst_address", "gateway", "routing_table"),
    (
        Field("dst_address", k.Prefix(), required=True),
        Field("gateway", k.Address(), required=True),
        Field("routing_table", default="main"),
        Field("distance", k.INT, default=1),
        Field("check_gateway", default=CLEAR),
        Field("pref_src", k.Address(), default=CLEAR),
        DISABLED,
    ),
    read_only=("active", "immediate-gw"),
    family_of="dst_address",
    # a full BGP table is a million dynamic rows: the router leaves them out (API query ?=dynamic=no)
    read_where={"dynamic": False},
    # an operator's static route to the same prefix at the same distance: RouterOS 7 balances over both (ECMP)
    foreign_clash=("dst_address", "routing_table", "distance"),
)

# a rule after a drop, reject or tarpit of its chain never sees the packet
STOPS = ("drop", "reject", "tarpit")

FIREWALL_MATCHERS = (
    Field("chain", required=True),
    Field("protocol", default=CLEAR),
    Field("src_address", k.FirewallAddress(), default=CLEAR),
    Field("dst_address", k.FirewallAddress(), default=CLEAR),
    Field("src_port", default=CLEAR),
    Field("dst_port", default=CLEAR),
    Field("in_interface", default=CLEAR),
    Field("out_interface", default=CLEAR),
    Field("in_interface_list", default=CLEAR),
    Field("out_interface_list", default=CLEAR),
    Field("src_address_list", default=CLEAR),
    Field("dst_address_list", default=CLEAR),
    Field("connection_state", k.Words(), default=CLEAR),
    Field("log", k.BOOL, default=False),
    Field("log_prefix", default=""),
    DISABLED,
)

FIREWALL_RULES = Resource(
    "firewall_rules", {"ipv4": "/ip/firewall/filter", "ipv6": "/ipv6/firewall/filter"}, ("name",),
    FIREWALL_MATCHERS + (
        Field("action", default="accept"),
        Field("jump_target", default=CLEAR),
    ),
    ordered_by=Ordering(group="chain", verdict="action", stops=STOPS, jump=("jump", "jump_target")),
    family_of="family",
    key_in_comment="name",
)

# TCP MSS clamping on the WireGuard interface: GRE and EoIP clamp by themselves (clamp-tcp-mss=yes), WireGuard
# does not, and where ICMP is filtered path-MTU discovery fails (MikroTik manual, Mangle: change-mss)
MANGLE_RULES = Resource(
    "mangle_rules", {"ipv4": "/ip/firewall/mangle", "ipv6": "/ipv6/firewall/mangle"}, ("name",),
    FIREWALL_MATCHERS + (
        Field("action", default="accept"),
        Field("new_mss", default=CLEAR),
        Field("tcp_flags", default=CLEAR),
        Field("passthrough", k.BOOL, default=True),
    ),
    ordered_by=Ordering(group="chain", verdict="action", stops=STOPS),    # the jump target is not read
    family_of="family",
    key_in_comment="name",
)

RESOURCES = dict((r.name, r) for r in (WIREGUARD_INTERFACES, WIREGUARD_PEERS, GRE_TUNNELS, EOIP_TUNNELS,
                                       GRE6_TUNNELS, EOIPV6_TUNNELS,
                                       ADDRESSES, ADDRESS_LISTS, ROUTES, FIREWALL_RULES, MANGLE_RULES))
