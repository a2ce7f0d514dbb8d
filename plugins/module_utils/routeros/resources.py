# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The field catalogue: what each resource module manages on which API path.

A resource is data, not code: its natural key, its fields (option name, API
name, kind, the router's default, whether it is secret, what it refers to,
the text its module documents), the read-only values worth returning, and its
ordering rule.  The engine reads this table, the modules' argument specs and
the `config` part of their documentation are made from it (options.py), and
adding a path means adding an entry here.  An entry checks itself when it is
built, as community.routeros's VersionedAPIData and KeyInfo do: a declaration
that contradicts itself fails at import, naming the resource and the option.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field as attribute, replace

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import kinds as k

KEEP = object()    # replaced/overridden leave the router's value alone (generated MACs)
CLEAR = object()   # the router's default is "absent": reset with `=!field=`


MINIMUM = (7, 1)   # WireGuard came with RouterOS 7
NEWEST = (7, 18)   # the release a render-only script is written for (no router to ask)
LATEST = (7, 21)   # the newest release whose fields the catalogue describes: since/until lie in MINIMUM..LATEST

# What the engine reads of every row besides the fields (engine.proplist): a read filter may name them.
ROW_ATTRIBUTES = (".id", "comment", "dynamic")
REFERENCES = (None, "interface", "wireguard")


class CatalogueError(ValueError):
    """A resource of the catalogue contradicts itself."""


def release(version):
    """(major, minor) of a RouterOS version ("7.16.2 (stable)", "7.16", (7, 16))."""
    if isinstance(version, tuple):
        return version[:2]
    return tuple(int(x) for x in str(version).split(" ", maxsplit=1)[0].split(".")[:2])


def shown(release_):
    return ".".join(str(x) for x in release_)


@dataclass(frozen=True, eq=False)
class Field:
    """One API field of a resource, under the name of its module option."""
    option: str
    kind: k.Kind = k.TEXT
    default: object = KEEP
    api: str = None          # the API name; the option's with dashes when not given
    secret: bool = False     # never shown: redacted in results, no_log in the argument spec
    required: bool = False   # a new entry needs it (the engine says so); argument-spec required when it is a key
    ref: str = None          # "interface" | "wireguard": must exist before we write
    since: tuple = None      # first RouterOS release with the field
    until: tuple = None      # last one (a later release renamed or dropped it)
    family_since: dict = None  # {family: release}: the path of that family has the field only from then on
    doc: str = ""            # the module documentation's description; one declaration of a repeated option has it
    choices: tuple = ()      # the values the module accepts (documented and checked by the argument spec)
    family_choices: dict = None  # {family: choices}: the path of that family takes only these (checked by validation)

    def __post_init__(self):
        # normalised once, so that a copy made with dataclasses.replace is normalised alike
        object.__setattr__(self, "api", self.api or self.option.replace("_", "-"))
        object.__setattr__(self, "since", release(self.since) if self.since else None)
        object.__setattr__(self, "until", release(self.until) if self.until else None)
        object.__setattr__(self, "family_since", dict((f, release(r)) for f, r in (self.family_since or {}).items()))
        object.__setattr__(self, "family_choices", dict(self.family_choices or {}))

    def exists_in(self, release_):
        return (self.since is None or release_ >= self.since) and (self.until is None or release_ <= self.until)

    def exists_on(self, release_, family_):
        """exists_in, on the path of address family `family_` ("" for a resource of one path)."""
        since = self.family_since.get(family_)
        return self.exists_in(release_) and (since is None or release_ >= since)

    @property
    def versioned(self):
        return self.since is not None or self.until is not None or bool(self.family_since)


@dataclass(frozen=True)
class Ordering:
    """List order matters (firewall rules): ours keep config order within each value of option `group`, before the
    first entry not ours whose `verdict` is one of `stops`, or that jumps (`jump`: (verdict, option naming the target
    group)) into a group that has one."""
    group: str
    verdict: str
    stops: tuple
    jump: tuple = None

    def options(self):
        """The options it names."""
        return (self.group, self.verdict) + ((self.jump[1],) if self.jump else ())


@dataclass(frozen=True, eq=False)
class Option:
    """An option of a module that is no API field: in `config`, the comment's text, a key held in the comment, the
    family that picks the path; outside it, the connection and state options (options.py)."""
    name: str
    doc: object                 # the description: one text, or a tuple of paragraphs
    type: str = "str"
    required: bool = False
    default: object = None
    choices: tuple = ()
    elements: str = None
    secret: bool = False
    suboptions: tuple = ()


COMMENT = Option("comment", "Free text kept after the ownership marker in the entry's comment.")


@dataclass(frozen=True, eq=False)
class Resource:
    """One API path (or one per address family) as a resource module manages it."""
    name: str
    paths: dict                     # {family: "/api/path"}; one entry when there is no family
    key: tuple                      # option names
    fields: tuple
    read_only: tuple = ()           # API fields returned as results, never written
    interface_type: str = None
    ordered_by: Ordering = None     # list order matters within each group (chain)
    family_of: str = None           # option whose address family picks the path
    key_in_comment: str = None      # option stored in the comment after the marker
    exclusive: tuple = ()           # options no two entries of the path may share (a UDP port)
    read_where: dict = None         # {API name: value} the router filters reads by (never dynamic rows)
    foreign_clash: tuple = ()       # options an entry of the operator's may not share with ours (ECMP)
    status: tuple = ()              # live read-only fields (a handshake's age): returned, never in a diff
    config_only: tuple = (COMMENT,)  # options of `config` that are no API field
    removes_first: bool = False     # overridden removes our stale entries before it adds (see WIREGUARD_PEERS)
    hands_over: str = None          # a prefix-list option no two entries of a path share: a prefix changes hands in order
    foreign_suffices: bool = False  # an entry not ours whose key and fields equal a desired one stands for it
    release: tuple = None           # set on a resource cut to one RouterOS release
    since: tuple = None             # the first RouterOS release with the path (None: every supported one)
    by_option: dict = attribute(init=False, repr=False)
    by_api: dict = attribute(init=False, repr=False)
    read_back: tuple = attribute(init=False, repr=False)   # every API field read and returned, never written
    _releases: dict = attribute(init=False, repr=False, default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "since", release(self.since) if self.since else None)
        object.__setattr__(self, "by_option", dict((f.option, f) for f in self.fields))
        object.__setattr__(self, "by_api", dict((f.api, f) for f in self.fields))
        object.__setattr__(self, "read_back", tuple(self.read_only) + tuple(self.status))
        problems = [problem for check in CHECKS for problem in check(self)]
        if problems:
            raise CatalogueError("resource %s: %s" % (self.name, "; ".join(problems)))

    def path_for(self, entry):
        return self.paths[self.family_of_entry(entry)]

    def secrets(self):
        return [f for f in self.fields if f.secret]

    def exists_in(self, release_):
        """Whether RouterOS `release_` has the path at all."""
        return self.since is None or release_ >= self.since

    def family_of_entry(self, entry):
        """The key of `paths` an entry's path is under: its address family, or "" for a resource of one path."""
        return family(entry.get(self.family_of)) if self.family_of else list(self.paths)[0]

    def for_release(self, release_):
        """This resource as RouterOS `release_` has it: the fields it lacks are gone, a renamed one has the API name
        of that release.  None for the full table (no release known: render only)."""
        if release_ is None:
            return self
        if release_ not in self._releases:
            fields = tuple(f for f in self.fields if f.exists_in(release_))
            self._releases[release_] = replace(self, fields=fields, release=release_)
        return self._releases[release_]

    def missing_in(self, release_):
        """{option: the releases that have it} for options of this resource that `release_` lacks."""
        present = set(f.option for f in self.fields if f.exists_in(release_))
        out = {}
        for field in self.fields:
            if field.option not in present:
                out.setdefault(field.option, []).append(field)
        return out

    def declarations(self, option):
        """Every Field of `option`: more than one where a release renamed its API name."""
        return [f for f in self.fields if f.option == option]


# ---------------------------------------------------------------- the checks a Resource makes of itself
def _overlap(one, other):
    return (one.until is None or other.since is None or other.since <= one.until) and \
        (other.until is None or one.since is None or one.since <= other.until)


def _declared_twice(resource):
    """An option or an API name declared twice for one release; an option both a field and config-only."""
    for i, one in enumerate(resource.fields):
        for other in resource.fields[i + 1:]:
            for attr in ("option", "api"):
                if getattr(one, attr) == getattr(other, attr) and _overlap(one, other):
                    yield "%s %r is declared twice for the same releases" % (attr, getattr(one, attr))
    for option in resource.config_only:
        if option.name in resource.by_option:
            yield "option %r is both a field and a config-only option" % option.name


def _versions(resource):
    """Releases within the supported range (MINIMUM to LATEST), since not after until."""
    if resource.since is not None and not MINIMUM <= resource.since <= LATEST:
        yield "since=%s is outside the supported releases %s-%s" % (
            shown(resource.since), shown(MINIMUM), shown(LATEST))
    for field in resource.fields:
        bounds = [(b, getattr(field, b)) for b in ("since", "until")] + \
            [("family_since[%s]" % f, r) for f, r in sorted(field.family_since.items())]
        for bound, value in bounds:
            if value is not None and not MINIMUM <= value <= LATEST:
                yield "option %r: %s=%s is outside the supported releases %s-%s" % (
                    field.option, bound, shown(value), shown(MINIMUM), shown(LATEST))
        for family_ in sorted(set(field.family_since) - set(resource.paths)):
            yield "option %r: family_since names %r, which is no path of it" % (field.option, family_)
        if field.since and field.until and field.since > field.until:
            yield "option %r: since=%s is after until=%s" % (field.option, shown(field.since), shown(field.until))


# (attribute, what it must name): "field" an API field of every release, "option" also a config-only option
NAMED = (("key", "option"), ("ordered_by", "field"), ("exclusive", "field"), ("foreign_clash", "field"),
         ("family_of", "option"))


def _named_options(resource):
    """Every option the resource's rules name is one it has, in every release."""
    if not resource.key:
        yield "key names no option"
    extra = set(o.name for o in resource.config_only)
    for attr, what in NAMED:
        named = getattr(resource, attr)
        named = named.options() if isinstance(named, Ordering) else named
        for option in (named,) if isinstance(named, str) else named or ():
            field = resource.by_option.get(option)
            if field is None and not (what == "option" and option in extra):
                yield "%s names %r, which is no %s of it" % (attr, option, "field" if what == "field" else "option")
            elif field is not None and field.versioned:
                yield "%s names %r, which only some releases have" % (attr, option)
    hidden = resource.key_in_comment
    if hidden and (hidden not in resource.key or hidden not in extra):
        yield "key_in_comment %r must be a key option declared config-only (it is no API field)" % hidden
    if not hidden and "comment" not in extra:
        yield "option 'comment' is missing from config_only (the entry's own text)"


def _paths(resource):
    """One path, or one per address family when an option picks it."""
    families = set(resource.paths)
    if resource.family_of and families != {"ipv4", "ipv6"}:
        yield "family_of %r needs an ipv4 and an ipv6 path, not %s" % (resource.family_of, sorted(families))
    if not resource.family_of and len(families) != 1:
        yield "paths %s need family_of to choose between them" % sorted(families)


def _read_names(resource):
    """A read filter names what is read; a live status is never a field (it would be compared)."""
    readable = set(resource.by_api) | set(resource.read_back) | set(ROW_ATTRIBUTES)
    for name in resource.read_where or {}:
        if name not in readable:
            yield "read_where names %r, which is not read" % name
    for name in resource.status:
        if name in resource.by_api:
            yield "status %r is a written field" % name
    if len(set(resource.read_back)) != len(resource.read_back):
        yield "read_only and status name a value twice"


def _field_rules(resource):
    """Each field's own declaration agrees with itself and with the other declarations of its option."""
    for field in resource.fields:
        first = resource.declarations(field.option)[0]
        for attr in ("secret", "choices", "ref", "required"):
            if getattr(field, attr) != getattr(first, attr):
                yield "option %r: its declarations differ in %s" % (field.option, attr)
        if type(field.kind) is not type(first.kind):
            yield "option %r: its declarations differ in kind" % field.option
        if field.secret and field.option in resource.key:
            yield "option %r is secret and a key (keys are shown in every message)" % field.option
        if field.choices and field.default not in (KEEP, CLEAR) and field.default not in field.choices:
            yield "option %r: the default %r is not among its choices" % (field.option, field.default)
        for family_, choices in sorted(field.family_choices.items()):
            if family_ not in resource.paths or not set(choices) <= set(field.choices):
                yield "option %r: family_choices[%s] must be a path's family and among its choices" % (
                    field.option, family_)
        if field.ref not in REFERENCES:
            yield "option %r: ref %r is not one of %s" % (field.option, field.ref, REFERENCES[1:])


CHECKS = (_declared_twice, _versions, _named_options, _paths, _read_names, _field_rules)


def checked_catalogue(resources):
    """{name: resource}, once the resources agree with each other: an option is secret in all or in none, and no
    two share a name."""
    secret = {}
    for resource in resources:
        for field in resource.fields:
            secret.setdefault(field.option, (field.secret, resource.name))
            if secret[field.option][0] != field.secret:
                raise CatalogueError("resource %s: option %r is %s here and %s in %s" % (
                    resource.name, field.option, "secret" if field.secret else "not secret",
                    "secret" if secret[field.option][0] else "not secret", secret[field.option][1]))
    names = [r.name for r in resources]
    if len(set(names)) != len(names):
        raise CatalogueError("resource %s is declared twice" % sorted(n for n in names if names.count(n) > 1)[0])
    return dict((r.name, r) for r in resources)


def family(address):
    """"ipv4" or "ipv6" for an address, a prefix, or the words themselves."""
    if address in ("ipv4", "ipv6"):
        return address
    text = str(address).split("/", 1)[0].split("%", 1)[0]
    try:
        return "ipv%d" % ipaddress.ip_address(text).version
    except ValueError:
        return "ipv4"


DISABLED = Field("disabled", k.BOOL, default=False, doc="Whether the entry is disabled.")
INTERFACE_NAME = Field("name", required=True, doc="Interface name; unique among all interfaces of the router.")

WIREGUARD_INTERFACES = Resource(
    "wireguard_interfaces", {"": "/interface/wireguard"}, ("name",),
    (
        INTERFACE_NAME,
        Field("listen_port", k.INT, default=13231,
              doc="UDP port the interface listens on (RouterOS default C(13231))."),
        Field("mtu", k.INT, default=1420,
              doc="Interface MTU (RouterOS default C(1420), safe over IPv4 and IPv6 underlays)."),
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
        Field("interface", required=True, ref="wireguard", doc="WireGuard interface of the peer; it must exist."),
        Field("public_key", k.WireguardKey(), required=True, doc="The peer's public key (base64, 44 characters)."),
        Field("allowed_address", k.PrefixList(), required=True,
              doc="Prefixes the peer may send from and that are sent to it. Required for a new peer."),
        Field("endpoint_address", k.Address(), default="",
              doc="Address or host name of the peer; empty for a peer that calls in."),
        Field("endpoint_port", k.INT, default=0, doc="UDP port of the peer."),
        # off may be printed as 0s or not at all (routeros-review-3.md N10; community.routeros _api_data.py,
        # persistent-keepalive can_disable=True remove_value=0): both are off
        Field("persistent_keepalive", k.Duration(zero_is_absent=True), default=0,
              doc="Keepalive interval (C(25), C(25s)); C(0) turns it off."),
        Field("preshared_key", k.WireguardKey(), default=CLEAR, secret=True,
              doc="Preshared key (base64). Never shown."),
        # 7.15 names every peer itself (peerN): a name is only written when asked for, never cleared
        Field("name", default=KEEP, since="7.15",
              doc="Peer name (RouterOS 7.15+, which names every peer itself - C(peer1), ... - when none is given: "
                  "the module then leaves the router's name alone, in every state). On an older router the task "
                  "fails before any write, naming the router and its version."),
        # 7.15-7.16 call it is-responder; 7.17 renamed it; earlier releases have neither (routeros-api.md)
        Field("responder", k.BOOL, default=False, api="is-responder", since="7.15", until="7.16",
              doc="Only answer, never initiate. RouterOS 7.17+ calls it C(responder), 7.15 and 7.16 "
                  "C(is-responder) (the module writes the name of the router's release); older releases have no "
                  "such setting, and the task fails before any write, naming the router and its version."),
        Field("responder", k.BOOL, default=False, since="7.17"),
        DISABLED,
    ),
    # read with the configuration, so that verification need not read the peers again (site_verify)
    status=("last-handshake",),
    # a peer whose key changed is a new entry with the old one's allowed addresses: the old one goes first, as a
    # router may refuse one prefix on two peers of an interface (lab/FIDELITY.md, peer overlap) and WireGuard
    # routes a prefix to one peer only; for the same reason a peer that takes a prefix another peer gives up (a
    # renumbered hub's peers shift along the pool) is set after that one
    removes_first=True,
    hands_over="allowed_address",
)

# What differs between the IPv4 and the IPv6 menus' addresses: (how the docs say it, the "any address" default)
TUNNEL_ENDS = {4: ("", "0.0.0.0"), 6: (", an IPv6 address", "::")}


def tunnel_fields(version, mtu_doc):
    """GRE/EoIP over IPv4 (/interface/gre, eoip) or IPv6 (gre6, eoipv6): the same options, addresses of the family;
    the IPv6 menus have no allow-fast-path (lab/FIDELITY.md), and dont-fragment only from 7.21 (community.routeros
    _api_data.py, PR #433 "add changes for RouterOS 7.21"; routeros-review-3.md N1)."""
    where, anywhere = TUNNEL_ENDS[version]
    return (
        Field("remote_address", k.Address(), required=True,
              doc="Far end of the tunnel%s. Required for a new tunnel." % where),
        Field("local_address", k.Address(), default=anywhere,
              doc="Near end of the tunnel%s (RouterOS default C(%s): the outgoing address)." % (where, anywhere)),
        Field("mtu", k.Int("auto"), default="auto", doc=mtu_doc),
        Field("keepalive", k.Keepalive(), default="10s,10",
              doc="C(interval,retries) (RouterOS default C(10s,10)); an empty string turns it off."),
        Field("dscp", k.Int("inherit"), default="inherit", doc="DSCP value 0-63 or C(inherit)."),
        Field("clamp_tcp_mss", k.BOOL, default=True, doc="Clamp TCP MSS to the tunnel MTU."),
        Field("dont_fragment", default="no", choices=("no", "inherit"), since=None if version == 4 else "7.21",
              doc="C(no) or C(inherit)%s." % ("" if version == 4 else " (RouterOS 7.21+)")),
    ) + ((Field("allow_fast_path", k.BOOL, default=True, doc="Allow fast path (must be off with IPsec)."),)
         if version == 4 else ()) + (
        Field("ipsec_secret", default=CLEAR, secret=True,
              doc="Turns on RouterOS's own IPsec for the tunnel. Never shown."),
        DISABLED,
    )


def eoip_fields(version, mtu_doc, ids):
    return (
        INTERFACE_NAME,
        Field("tunnel_id", k.INT, required=True,
              doc="Tunnel id%s, the same on both ends. Required for a new tunnel." % ids),
        Field("mac_address", k.Kind(), default=KEEP, doc="MAC address of the tunnel interface."),
        Field("arp", default="enabled", choices=("disabled", "enabled", "proxy-arp", "reply-only", "local-proxy-arp"),
              doc="ARP mode."),
        Field("loop_protect", default="default", choices=("default", "on", "off"), doc="Loop protection."),
    ) + tunnel_fields(version, mtu_doc)


def tunnels(name, menu, fields, read_only=("actual-mtu", "running")):
    """A tunnel interface menu (/interface/gre, eoip, gre6, eoipv6): interfaces by name, of type MENU-tunnel."""
    return Resource(name, {"": "/interface/%s" % menu}, ("name",), fields, read_only=read_only,
                    interface_type="%s-tunnel" % menu)


GRE_TUNNELS = tunnels("gre_tunnels", "gre", (INTERFACE_NAME,) + tunnel_fields(
    4, "MTU, or C(auto) (RouterOS default; 1476 on a 1500 path)."))
EOIP_TUNNELS = tunnels("eoip_tunnels", "eoip", eoip_fields(
    4, "MTU, or C(auto) (RouterOS default; 1458 on a 1500 path); C(1500) carries full frames.", ""),
    read_only=("actual-mtu", "running", "mac-address"))
# over an IPv6 transit: /interface/gre takes IPv4 addresses only, gre6 and eoipv6 IPv6 only
GRE6_TUNNELS = tunnels("gre6_tunnels", "gre6", (INTERFACE_NAME,) + tunnel_fields(
    6, "MTU, or C(auto) (RouterOS default; 1456 on a 1500 path)."))
EOIPV6_TUNNELS = tunnels("eoipv6_tunnels", "eoipv6", eoip_fields(
    6, "MTU, or C(auto) (RouterOS default; 1444 on a 1500 path); C(1500) carries full frames.", " (0-4095)"),
    read_only=("actual-mtu", "running", "mac-address"))

ADDRESSES = Resource(
    "addresses", {"ipv4": "/ip/address", "ipv6": "/ipv6/address"}, ("address", "interface"),
    (
        Field("address", k.InterfaceAddress(), required=True,
              doc="Address with prefix length, host bits kept (C(10.255.0.1/31))."),
        Field("interface", required=True, ref="interface", doc="Interface of the address; it must exist."),
        DISABLED,
    ),
    read_only=("network",),
    family_of="address",
)

ADDRESS_LISTS = Resource(
    "address_lists", {"ipv4": "/ip/firewall/address-list", "ipv6": "/ipv6/firewall/address-list"},
    ("list", "address"),
    (
        Field("list", required=True, doc="Name of the address list."),
        Field("address", k.FirewallAddress(), required=True, doc="Address, prefix or range in the list."),
        DISABLED,
    ),
    read_only=("dynamic",),
    family_of="address",
    # dynamic entries (add-src-to-address-list, DNS names) are not ours and can be many: the router keeps them
    read_where={"dynamic": False},
)

# The collection's tunnels in an interface list of their own, so that the firewall names the list and not each
# tunnel (routeros-review-3.md N8). /interface/list has no disabled flag (community.routeros _api_data.py).
INTERFACE_LISTS = Resource(
    "interface_lists", {"": "/interface/list"}, ("name",),
    (
        Field("name", required=True, doc="Name of the interface list."),
    ),
)

INTERFACE_LIST_MEMBERS = Resource(
    "interface_list_members", {"": "/interface/list/member"}, ("list", "interface"),
    (
        Field("list", required=True, doc="Interface list; it must exist."),
        Field("interface", required=True, ref="interface", doc="Member interface; it must exist."),
        DISABLED,
    ),
    read_only=("dynamic",),
    # dynamic members (a list's include, PPP) are the router's
    read_where={"dynamic": False},
    # the operator's own member of a list (LAN) with the same interface already says what ours would: it is left
    # as it is, and not ours
    foreign_suffices=True,
)

ROUTES = Resource(
    "routes", {"ipv4": "/ip/route", "ipv6": "/ipv6/route"}, ("dst_address", "gateway", "routing_table"),
    (
        Field("dst_address", k.Prefix(), required=True, doc="Destination prefix."),
        Field("gateway", k.Address(), required=True,
              doc="Gateway: an address, an interface name, or C(address%interface)."),
        Field("routing_table", default="main", doc="Routing table (RouterOS default C(main))."),
        Field("distance", k.INT, default=1, doc="Administrative distance (default 1)."),
        # arp is IPv4's (IPv6 finds neighbours by ND); bfd-multihop for a gateway that is not on a connected network
        # (MikroTik manual, IP Routing, route properties; routeros-review-3.md N15)
        Field("check_gateway", default=CLEAR, choices=("none", "arp", "ping", "bfd", "bfd-multihop"),
              family_choices={"ipv6": ("none", "ping", "bfd", "bfd-multihop")},
              doc="How to check the gateway (C(arp) on IPv4 routes only)."),
        # /ipv6/route has pref-src only from 7.20 (community.routeros _api_data.py; routeros-review-3.md E2)
        Field("pref_src", k.Address(), default=CLEAR, family_since={"ipv6": "7.20"},
              doc="Preferred source address (on an IPv6 route RouterOS 7.20+)."),
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
    Field("chain", required=True,
          doc="Chain (C(input), C(forward), C(output) or a user chain). Required for a new rule."),
    Field("protocol", default=CLEAR, doc="Protocol name or number (C(udp), C(47), C(gre))."),
    Field("src_address", k.FirewallAddress(), default=CLEAR, doc="Source address, prefix or range."),
    Field("dst_address", k.FirewallAddress(), default=CLEAR, doc="Destination address, prefix or range."),
    Field("src_port", default=CLEAR, doc="Source port(s) (needs a protocol with ports)."),
    Field("dst_port", default=CLEAR, doc="Destination port(s) (needs a protocol with ports)."),
    Field("in_interface", default=CLEAR, doc="Incoming interface (C(!name) negates)."),
    Field("out_interface", default=CLEAR, doc="Outgoing interface."),
    Field("in_interface_list", default=CLEAR, doc="Incoming interface list."),
    Field("out_interface_list", default=CLEAR, doc="Outgoing interface list."),
    Field("src_address_list", default=CLEAR, doc="Source address list."),
    Field("dst_address_list", default=CLEAR, doc="Destination address list."),
    Field("connection_state", k.Words(), default=CLEAR,
          doc="Connection states (C(established), C(related), C(new)...)."),
    Field("log", k.BOOL, default=False, doc="Log matching packets."),
    Field("log_prefix", default="", doc="Prefix of log lines."),
    DISABLED,
)


def rules(name, menu, fields, ordering):
    """A rule list of /ip/firewall and /ipv6/firewall: list order matters within each chain; a rule has no natural
    key, so its name is kept in the comment; its family picks the IPv4 or the IPv6 table."""
    return Resource(
        name, {"ipv4": "/ip/firewall/%s" % menu, "ipv6": "/ipv6/firewall/%s" % menu}, ("name",),
        FIREWALL_MATCHERS + fields,
        ordered_by=ordering,
        family_of="family",
        key_in_comment="name",
        config_only=(
            Option("name", "Name of the rule, unique within the task; stored in the comment.", required=True),
            Option("family", "IPv4 or IPv6 %s." % menu, choices=("ipv4", "ipv6"), default="ipv4"),
        ),
    )


FIREWALL_RULES = rules("firewall_rules", "filter", (
    Field("action", default="accept", doc="Action (RouterOS default C(accept)).",
          choices=("accept", "drop", "reject", "jump", "return", "passthrough", "log", "fasttrack-connection",
                   "add-src-to-address-list", "add-dst-to-address-list", "tarpit")),
    Field("jump_target", default=CLEAR, doc="Chain to jump to with O(config[].action=jump)."),
), Ordering(group="chain", verdict="action", stops=STOPS, jump=("jump", "jump_target")))

# TCP MSS clamping on the WireGuard interface: GRE and EoIP clamp by themselves (clamp-tcp-mss=yes), WireGuard
# does not, and where ICMP is filtered path-MTU discovery fails (MikroTik manual, Mangle: change-mss)
MANGLE_RULES = rules("mangle_rules", "mangle", (
    Field("action", default="accept", doc="Action (RouterOS default C(accept)); C(change-mss) clamps the MSS."),
    Field("new_mss", default=CLEAR, doc="MSS that C(change-mss) writes (C(clamp-to-pmtu) or a number)."),
    Field("tcp_flags", default=CLEAR, doc="TCP flags to match (C(syn))."),
    Field("passthrough", k.BOOL, default=True, doc="Whether the later rules of the chain see the packet too."),
), Ordering(group="chain", verdict="action", stops=()))
# mangle has no action that drops (MikroTik manual, Mangle: no drop, reject or tarpit; routeros-review-3 N9), so no
# rule of the operator's stops ours: they go at the chain's end, and a rendered .rsc asks for no anchor there

# OSPF v2 and BFD (sitelink_routing: ospf; topology/ospf.py).  Fields, their defaults and the releases that have them
# from community.routeros's versioned _api_data.py (3.22.0): /routing/ospf/* in every RouterOS 7 release,
# interface-template use-bfd from 7.10, /routing/bfd/configuration from 7.11; MikroTik manual, OSPF and BFD pages
OSPF_INSTANCES = Resource(
    "ospf_instances", {"": "/routing/ospf/instance"}, ("name",),
    (
        Field("name", required=True, doc="Name of the OSPF instance."),
        Field("version", k.INT, default=2, doc="OSPF version: 2 (IPv4, RouterOS default) or 3 (IPv6)."),
        Field("router_id", k.Address(), default="main",
              doc="Router id: an IPv4 address, or the name of a C(/routing/id) entry (RouterOS default C(main))."),
        DISABLED,
    ),
)

OSPF_AREAS = Resource(
    "ospf_areas", {"": "/routing/ospf/area"}, ("name",),
    (
        Field("name", required=True, doc="Name of the area."),
        Field("instance", required=True, doc="The OSPF instance of the area; it must exist."),
        Field("area_id", k.Address(), default="0.0.0.0", doc="Area id (RouterOS default C(0.0.0.0), the backbone)."),
        Field("type", default="default", choices=("default", "stub", "nssa"), doc="Area type."),
        DISABLED,
    ),
)

# a template has no name of its own: ours keep theirs in the comment, as firewall rules do
OSPF_INTERFACE_TEMPLATES = Resource(
    "ospf_interface_templates", {"": "/routing/ospf/interface-template"}, ("name",),
    (
        Field("area", required=True, doc="The area of the interfaces; it must exist."),
        Field("interfaces", k.Words(), default=CLEAR, doc="Interfaces the template applies to."),
        Field("networks", k.PrefixList(), default=CLEAR,
              doc="Prefixes: the template applies to the interfaces with an address in them."),
        Field("type", default="broadcast", choices=("broadcast", "nbma", "ptp", "ptmp", "ptp-unnumbered",
                                                    "virtual-link"),
              doc="Network type (RouterOS default C(broadcast); C(ptp) between two routers)."),
        Field("cost", k.INT, default=1, doc="Cost of the interfaces (1-65535, RouterOS default 1)."),
        Field("priority", k.INT, default=128, doc="Priority in the designated router election (default 128)."),
        Field("hello_interval", k.Duration(), default="10s", doc="Hello interval (RouterOS default C(10s))."),
        Field("dead_interval", k.Duration(), default="40s", doc="Dead interval (RouterOS default C(40s))."),
        Field("passive", k.BOOL, default=CLEAR, doc="Advertise the interfaces' networks without sending hellos."),
        Field("use_bfd", k.BOOL, default=False, since="7.10",
              doc="Let BFD declare the neighbours down (RouterOS 7.10+; older releases have no such setting, and "
                  "the task fails before any write, naming the router and its version)."),
        DISABLED,
    ),
    key_in_comment="name",
    config_only=(Option("name", "Name of the template, unique within the task; stored in the comment.",
                        required=True),),
)

BFD_CONFIGURATIONS = Resource(
    "bfd_configurations", {"": "/routing/bfd/configuration"}, ("name",),
    (
        Field("interfaces", k.Words(), default=CLEAR, doc="Interfaces BFD runs on."),
        Field("min_rx", k.Duration(), default=KEEP, doc="Shortest interval between received control packets."),
        Field("min_tx", k.Duration(), default=KEEP, doc="Shortest interval between sent control packets."),
        Field("multiplier", k.INT, default=KEEP, doc="Missed packets after which the session is down."),
        DISABLED,
    ),
    key_in_comment="name",
    config_only=(Option("name", "Name of the configuration, unique within the task; stored in the comment.",
                        required=True),),
    since="7.11",
)

# the resources of OSPF mode, in the order they are made (removed in the reverse order)
OSPF_RESOURCES = ("ospf_instances", "ospf_areas", "ospf_interface_templates", "bfd_configurations")

RESOURCES = checked_catalogue((WIREGUARD_INTERFACES, WIREGUARD_PEERS, GRE_TUNNELS, EOIP_TUNNELS, GRE6_TUNNELS,
                               EOIPV6_TUNNELS, INTERFACE_LISTS, INTERFACE_LIST_MEMBERS, ADDRESSES, ADDRESS_LISTS, ROUTES,
                               FIREWALL_RULES, MANGLE_RULES, OSPF_INSTANCES, OSPF_AREAS, OSPF_INTERFACE_TEMPLATES,
                               BFD_CONFIGURATIONS))
