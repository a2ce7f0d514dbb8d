"""The menu catalogue: one table entry per API path.

A field's `default` is what print shows when the client never set it; `ro`
fields are computed and refuse writes (`unknown parameter`); `required` ones
must be given on add; `nullable` ones become absent when unset or set to "";
`wo` ones are accepted on add but never printed (`place-before`).
Facts and confidence marks come from ../shared/reference/routeros-api.md.
"""

from dataclasses import dataclass, field as dc_field, replace

from rosemu import values as v

INTERFACE_MENUS = (
    "/interface/ethernet",
    "/interface/bridge",
    "/interface/wireguard",
    "/interface/gre",
    "/interface/eoip",
    "/interface/gre6",
    "/interface/eoipv6",
)
INTERFACE_LIST_BUILTIN = ("all", "none", "dynamic", "static")


@dataclass(frozen=True)
class Field:
    name: str
    type: v.Type = dc_field(default_factory=v.Text)
    default: str = None
    ro: bool = False
    required: bool = False
    nullable: bool = False
    wo: bool = False
    since: tuple = None           # (major, minor) of the first release that has the field
    until: tuple = None           # (major, minor) of the last release that has it
    sensitive: bool = False       # printed only to a user whose group has the `sensitive` policy
    absent_when_off: bool = False  # a duration printed only when not 0 (FIDELITY.md, persistent-keepalive)

    def exists_in(self, release):
        return (self.since is None or release >= self.since) and (self.until is None or release[:2] <= self.until)


def F(name, type_=None, default=None, **kw):
    return Field(name, type_ or v.Text(), default, **kw)


def RO(name, type_=None):
    return Field(name, type_ or v.Text(), None, ro=True)


BOOL = v.Bool()
IFACE = v.Reference(*INTERFACE_MENUS, message_field="interface")
COMMON_TAIL = (F("comment", nullable=True), F("disabled", BOOL, "false"))


@dataclass(frozen=True)
class Menu:
    path: str
    fields: tuple
    single: bool = False          # one item, no .id (identity, resource)
    interface_type: str = None    # member of /interface, with this `type`
    autoname: str = None          # prefix for a missing `name`
    ordered: bool = False         # list order matters: move, place-before
    can_add: bool = True
    can_remove: bool = True
    read_only: bool = False       # print only (/system/resource)
    unique: tuple = ()            # ((fields...), message)
    id_space: str = None          # menus sharing ids (all interfaces share one)
    autoname_since: tuple = None  # the release from which a missing name is made up
    since: tuple = None           # the first release that has the menu (an older one answers as for an unknown path)

    def field(self, name):
        return self._by_name().get(name)

    def _by_name(self):
        cache = self.__dict__.get("_cache")
        if cache is None:
            cache = {f.name: f for f in self.fields}
            object.__setattr__(self, "_cache", cache)
        return cache

    @property
    def space(self):
        return self.id_space or self.path


MTU_AUTO = F("mtu", v.Int(0, 65536, words=("auto",)), "auto")


def _interface_menu(path, type_name, autoname, fields, mtu=MTU_AUTO, **kw):
    base = (F("name"), mtu, RO("actual-mtu"), RO("l2mtu"), RO("running", BOOL))
    return Menu(path, base + tuple(fields) + COMMON_TAIL, interface_type=type_name,
                autoname=autoname, id_space="/interface", **kw)


def tunnel_fields(version):
    """GRE/EoIP over IPv4 (/interface/gre, eoip) or IPv6 (gre6, eoipv6): the same fields, addresses of the family;
    the IPv6 menus have no allow-fast-path (a 7.23 /console/inspect capture of eoipv6; gre6 assumed alike), and
    dont-fragment only from 7.21 (community.routeros _api_data.py, PR #433 "add changes for RouterOS 7.21")."""
    return (
        F("local-address", v.Address(version), "0.0.0.0" if version == 4 else "::"),
        F("remote-address", v.Address(version), required=True),
        F("keepalive", v.Keepalive(), "10s,10", nullable=True),
        F("dscp", v.Int(0, 63, words=("inherit",)), "inherit"),
        F("clamp-tcp-mss", BOOL, "true"),
        F("dont-fragment", v.Enum("no", "inherit"), "no", since=None if version == 4 else (7, 21)),
    ) + ((F("allow-fast-path", BOOL, "true"),) if version == 4 else ()) + (
        F("ipsec-secret", nullable=True, sensitive=True),
        RO("current-remote-address"),
    )


TUNNEL_COMMON = tunnel_fields(4)


def eoip_fields(version):
    # EoIP carries a 16-bit tunnel id in its GRE header; EoIPv6 rides EtherIP (IP protocol 97), whose 12 reserved
    # header bits hold the id (FIDELITY.md)
    return (
        F("tunnel-id", v.Int(0, 65535 if version == 4 else 4095), required=True),
        F("mac-address", v.Mac()),
        F("arp", v.Enum("disabled", "enabled", "proxy-arp", "reply-only", "local-proxy-arp"), "enabled"),
        F("arp-timeout", v.Duration(words=("auto",)), "auto"),
        F("loop-protect", v.Enum("default", "on", "off"), "default"),
        F("loop-protect-send-interval", v.Duration(), "5s"),
        F("loop-protect-disable-time", v.Duration(), "5m"),
        RO("loop-protect-status"),
    ) + tunnel_fields(version)


def firewall_fields(version):
    """One field table for /ip and /ipv6 firewall filters.  Releases and menus of the fields as community.routeros's
    versioned API data has them (lab/tests/test_schema_vs_community_routeros.py): IPv6 connection-nat-state from
    7.15, hw-offload on the IPv4 filter only."""
    return (
        F("chain", required=True),
        F("action", v.Enum("accept", "drop", "reject", "jump", "return", "passthrough", "log",
                           "fasttrack-connection", "add-src-to-address-list",
                           "add-dst-to-address-list", "tarpit"), "accept"),
        F("protocol", nullable=True),
        F("src-address", v.FirewallAddress(version), nullable=True),
        F("dst-address", v.FirewallAddress(version), nullable=True),
        F("src-address-list", nullable=True),
        F("dst-address-list", nullable=True),
        F("src-port", v.PortList(), nullable=True),
        F("dst-port", v.PortList(), nullable=True),
        F("port", v.PortList(), nullable=True),
        F("in-interface", v.Reference(*INTERFACE_MENUS, negate=True, message_field="in-interface"), nullable=True),
        F("out-interface", v.Reference(*INTERFACE_MENUS, negate=True, message_field="out-interface"), nullable=True),
        F("in-interface-list", v.Reference("/interface/list", negate=True, extra=INTERFACE_LIST_BUILTIN), nullable=True),
        F("out-interface-list", v.Reference("/interface/list", negate=True, extra=INTERFACE_LIST_BUILTIN), nullable=True),
        F("connection-state", v.EnumSet("established", "related", "new", "invalid", "untracked"), nullable=True),
        F("connection-nat-state", v.EnumSet("srcnat", "dstnat"), nullable=True,
          since=(7, 15) if version == 6 else None),
        F("ipsec-policy", nullable=True),
    ) + ((F("hop-limit", nullable=True),) if version == 6 else (F("hw-offload", BOOL, nullable=True),)) + (
        F("jump-target", nullable=True),
        F("reject-with", nullable=True),
        F("address-list", nullable=True),
        F("address-list-timeout", nullable=True),
        F("tcp-mss", nullable=True),
        F("log", BOOL, "false"),
        F("log-prefix", default=""),
        F("place-before", wo=True),
        RO("bytes"), RO("packets"), RO("dynamic", BOOL), RO("invalid", BOOL),
    ) + COMMON_TAIL


def mangle_fields(version):
    """/ip and /ipv6 firewall mangle: the matchers of the filter, and the change-mss action the collection uses
    (MikroTik manual, Mangle: action=change-mss, new-mss=clamp-to-pmtu, tcp-flags)."""
    actions = v.Enum("accept", "passthrough", "jump", "return", "log", "change-mss", "mark-connection",
                     "mark-packet", "mark-routing", "change-ttl", "change-dscp", "clamp-mss-to-pmtu")
    return tuple(f for f in firewall_fields(version) if f.name not in ("action", "reject-with", "hw-offload")) + (
        F("action", actions, "accept"),
        F("new-mss", nullable=True),
        F("tcp-flags", nullable=True),
        F("passthrough", BOOL, "true"),
    )


# The policies of RouterOS 7 user groups and the built-in groups' sets (MikroTik manual, User: "Default groups";
# rest-api is the 7.x REST API's own login policy)
POLICIES = ("local", "telnet", "ssh", "ftp", "reboot", "read", "write", "policy", "test", "winbox", "password",
            "web", "sniff", "sensitive", "api", "romon", "rest-api")
POLICY_LIST = v.PolicyList(POLICIES)
_READ_GROUP = ("local", "telnet", "ssh", "reboot", "read", "test", "winbox", "password", "web", "sniff", "sensitive",
               "api", "romon", "rest-api")
BUILTIN_GROUPS = {"read": _READ_GROUP, "write": _READ_GROUP + ("write",), "full": POLICIES}

OSPF_INTERFACE_TYPES = v.Enum("broadcast", "nbma", "ptp", "ptmp", "ptp-unnumbered", "virtual-link")

MENUS = (
    _interface_menu("/interface/ethernet", "ether", None, (
        F("default-name"), F("mac-address", v.Mac()),
        F("arp", v.Enum("disabled", "enabled", "proxy-arp", "reply-only", "local-proxy-arp"), "enabled"),
    ), mtu=F("mtu", v.Int(0, 65536), "1500"), can_add=False, can_remove=False),
    _interface_menu("/interface/bridge", "bridge", "bridge", (
        RO("mac-address"),
        F("arp", v.Enum("disabled", "enabled", "proxy-arp", "reply-only", "local-proxy-arp"), "enabled"),
        F("arp-timeout", v.Duration(words=("auto",)), "auto"),
        F("protocol-mode", v.Enum("none", "stp", "rstp", "mstp"), "rstp"),
        F("priority", v.Int(0, 0xFFFF, hex_ok=True), "0x8000"),
        F("vlan-filtering", BOOL, "false"),
        F("pvid", v.Int(1, 4094), "1"),
        F("ageing-time", v.Duration(), "5m"),
        F("forward-delay", v.Duration(), "15s"),
        F("max-message-age", v.Duration(), "20s"),
        F("transmit-hold-count", v.Int(1, 10), "6"),
        F("fast-forward", BOOL, "true"),
        F("auto-mac", BOOL, "true"),
        F("admin-mac", default=""),
        F("igmp-snooping", BOOL, "false"),
        F("dhcp-snooping", BOOL, "false"),
        F("ether-type", default="0x8100"),
        F("frame-types", v.Enum("admit-all", "admit-only-untagged-and-priority-tagged",
                                "admit-only-vlan-tagged"), "admit-all"),
        F("ingress-filtering", BOOL, "true"),
        F("port-cost-mode", v.Enum("long", "short"), "long", since=(7, 13)),
    )),
    _interface_menu("/interface/wireguard", "wg", "wireguard", (
        F("listen-port", v.Int(1, 65535), "13231"),
        F("private-key", v.Key(), sensitive=True),
        RO("public-key"),
    ), mtu=F("mtu", v.Int(0, 65536), "1420")),
    _interface_menu("/interface/gre", "gre-tunnel", "gre-tunnel", TUNNEL_COMMON),
    _interface_menu("/interface/eoip", "eoip-tunnel", "eoip-tunnel", eoip_fields(4)),
    _interface_menu("/interface/gre6", "gre6-tunnel", "gre6-tunnel", tunnel_fields(6)),
    _interface_menu("/interface/eoipv6", "eoipv6-tunnel", "eoipv6-tunnel", eoip_fields(6)),
    # 7.15 added peer names (RouterOS fills in peerN), private keys and client-* fields, and ordered peers
    # (place-before); 7.15-7.16 call the responder flag is-responder, 7.17 renamed it responder
    # (routeros-api.md, WireGuard peer table [S3 community.routeros _api_data.py, S4 wireguard.md])
    Menu("/interface/wireguard/peers", (
        F("name", since=(7, 15)),
        F("interface", v.Reference("/interface/wireguard", message_field="interface"), required=True),
        F("public-key", v.Key(), required=True),
        F("allowed-address", v.PrefixList(), required=True),
        F("endpoint-address", v.HostAddress(), ""),
        F("endpoint-port", v.Int(0, 65535), "0"),
        F("persistent-keepalive", v.Duration(), "0s", absent_when_off=True),
        F("preshared-key", v.Key(words=("auto",)), nullable=True, sensitive=True),
        F("private-key", v.Key(words=("auto", "none")), "none", since=(7, 15), sensitive=True),
        F("is-responder", BOOL, "false", since=(7, 15), until=(7, 16)),
        F("responder", BOOL, "false", since=(7, 17)),
        F("client-address", nullable=True, since=(7, 15)), F("client-dns", nullable=True, since=(7, 15)),
        F("client-endpoint", nullable=True, since=(7, 15)), F("client-keepalive", nullable=True, since=(7, 15)),
        F("client-listen-port", nullable=True, since=(7, 15)),
        F("place-before", wo=True, since=(7, 15)),
        RO("current-endpoint-address"), RO("current-endpoint-port"), RO("last-handshake"),
        RO("rx"), RO("tx"), RO("dynamic", BOOL),
    ) + COMMON_TAIL, ordered=True, autoname="peer", autoname_since=(7, 15),
        unique=((("interface", "public-key"), "peer with such public key already exists on this interface"),)),
    Menu("/interface/bridge/port", (
        F("bridge", v.Reference("/interface/bridge", message_field="bridge"), required=True),
        F("interface", IFACE, required=True),
        F("pvid", v.Int(1, 4094), "1"),
        F("priority", v.Int(0, 0xF0, hex_ok=True), "0x80"),
        F("horizon", default="none"),
        F("edge", v.Enum("auto", "yes", "no", "no-discover", "yes-discover"), "auto"),
        F("point-to-point", v.Enum("auto", "yes", "no"), "auto"),
        F("learn", v.Enum("auto", "yes", "no"), "auto"),
        F("hw", BOOL, "true"),
        F("frame-types", v.Enum("admit-all", "admit-only-untagged-and-priority-tagged",
                                "admit-only-vlan-tagged"), "admit-all"),
        F("ingress-filtering", BOOL, "true"),
        F("trusted", BOOL, "false"),
        F("place-before", wo=True),
        RO("inactive", BOOL), RO("hw-offload", BOOL), RO("dynamic", BOOL), RO("status"),
    ) + COMMON_TAIL, ordered=True,
        unique=((("interface",), "device already added as bridge port"),)),
    Menu("/interface/list", (
        F("name", required=True), F("include", default=""), F("exclude", default=""),
        RO("builtin", BOOL), RO("dynamic", BOOL), F("comment", nullable=True),
    ), unique=((("name",), "already have interface list with such name"),)),
    Menu("/interface/list/member", (
        F("list", v.Reference("/interface/list", extra=INTERFACE_LIST_BUILTIN[2:], message_field="list"),
          required=True),
        F("interface", IFACE, required=True),
        RO("dynamic", BOOL),
    ) + COMMON_TAIL, unique=((("list", "interface"), "already have such member"),)),
    Menu("/ip/address", (
        F("address", v.InterfaceAddress(4), required=True),
        F("network", v.Address(4)),
        F("interface", IFACE, required=True),
        RO("actual-interface"), RO("invalid", BOOL), RO("dynamic", BOOL), RO("slave", BOOL),
        RO("vrf"),
    ) + COMMON_TAIL, unique=((("address", "interface"), "already have such address"),)),
    Menu("/ipv6/address", (
        F("address", v.InterfaceAddress(6), required=True),
        F("interface", IFACE, required=True),
        F("advertise", BOOL, "true"),
        F("eui-64", BOOL, "false"),
        F("from-pool", default=""),
        F("no-dad", BOOL, "false"),
        F("auto-link-local", BOOL, "true", since=(7, 18)),
        RO("actual-interface"), RO("invalid", BOOL), RO("dynamic", BOOL), RO("link-local", BOOL),
        RO("deprecated", BOOL), RO("global", BOOL),
    ) + COMMON_TAIL, unique=((("address", "interface"), "already have such address"),)),
    Menu("/ip/route", (
        F("dst-address", v.Prefix(4), "0.0.0.0/0"),
        F("gateway", v.Gateway(4), nullable=True),
        F("distance", v.Int(1, 255), "1"),
        F("routing-table", v.Enum("main"), "main"),
        F("scope", v.Int(0, 255), "30"),
        F("target-scope", v.Int(0, 255), "10"),
        F("pref-src", v.Address(4), nullable=True),
        F("check-gateway", v.Enum("none", "arp", "ping", "bfd", "bfd-multihop"), nullable=True),
        F("blackhole", BOOL, nullable=True),
        F("vrf-interface", IFACE, nullable=True),
        F("suppress-hw-offload", BOOL, "false"),
        RO("dynamic", BOOL), RO("active", BOOL), RO("inactive", BOOL), RO("static", BOOL),
        RO("connect", BOOL), RO("ecmp", BOOL), RO("hw-offloaded", BOOL), RO("ospf", BOOL),
        RO("immediate-gw"), RO("local-address"),
    ) + COMMON_TAIL),
    Menu("/ipv6/route", (
        F("dst-address", v.Prefix(6), "::/0"),
        F("gateway", v.Gateway(6), nullable=True),
        F("distance", v.Int(1, 255), "1"),
        F("routing-table", v.Enum("main"), "main"),
        F("scope", v.Int(0, 255), "30"),
        F("target-scope", v.Int(0, 255), "10"),
        F("pref-src", v.Address(6), nullable=True, since=(7, 20)),     # community.routeros _api_data.py
        F("blackhole", BOOL, nullable=True),
        F("check-gateway", v.Enum("none", "ping", "bfd", "bfd-multihop"), nullable=True),
        RO("dynamic", BOOL), RO("active", BOOL), RO("inactive", BOOL), RO("static", BOOL), RO("ecmp", BOOL),
        RO("connect", BOOL), RO("immediate-gw"),
    ) + COMMON_TAIL),
    Menu("/ip/firewall/filter", firewall_fields(4), ordered=True),
    Menu("/ip/firewall/mangle", mangle_fields(4), ordered=True),
    Menu("/ipv6/firewall/mangle", mangle_fields(6), ordered=True),
    Menu("/ipv6/firewall/filter", firewall_fields(6), ordered=True),
    Menu("/ip/firewall/address-list", (
        F("list", required=True),
        F("address", v.FirewallAddress(4), required=True),
        F("timeout", v.Duration(), nullable=True),
        RO("dynamic", BOOL), RO("creation-time"),
    ) + COMMON_TAIL, unique=((("list", "address"), "already have such entry"),)),
    Menu("/ipv6/firewall/address-list", (
        F("list", required=True),
        F("address", v.FirewallAddress(6), required=True),
        F("timeout", v.Duration(), nullable=True),
        RO("dynamic", BOOL), RO("creation-time"),
    ) + COMMON_TAIL, unique=((("list", "address"), "already have such entry"),)),
    Menu("/routing/ospf/instance", (
        F("name", required=True),
        F("version", v.Enum("2", "3"), "2"),
        F("vrf", default="main"),
        F("router-id", default="main"),
        F("routing-table", nullable=True),
        F("originate-default", v.Enum("never", "always", "if-installed"), "never"),
        F("redistribute", default=""),
        F("in-filter-chain", nullable=True), F("out-filter-chain", nullable=True),
    ) + COMMON_TAIL, unique=((("name",), "already have instance with such name"),)),
    Menu("/routing/ospf/area", (
        F("name", required=True),
        F("instance", v.Reference("/routing/ospf/instance", message_field="instance"), required=True),
        F("area-id", v.Address(4), "0.0.0.0"),
        F("type", v.Enum("default", "stub", "nssa"), "default"),
        F("no-summaries", BOOL, nullable=True),
    ) + COMMON_TAIL, unique=((("name",), "already have area with such name"),)),
    Menu("/routing/ospf/interface-template", (
        F("area", v.Reference("/routing/ospf/area", message_field="area"), required=True),
        F("interfaces", v.Reference(*INTERFACE_MENUS, multi=True, message_field="interfaces"), nullable=True),
        F("networks", v.PrefixList(), nullable=True),
        F("type", OSPF_INTERFACE_TYPES, "broadcast"),
        F("cost", v.Int(1, 65535), "1"),
        F("priority", v.Int(0, 255), "128"),
        F("hello-interval", v.Duration(), "10s"),
        F("dead-interval", v.Duration(), "40s"),
        F("retransmit-interval", v.Duration(), "5s"),
        F("passive", BOOL, nullable=True),
        F("auth", v.Enum("simple", "md5", "sha1", "sha256", "sha384", "sha512"), nullable=True),
        F("auth-key", nullable=True, sensitive=True),
        F("auth-id", nullable=True),
        # community.routeros _api_data.py: use-bfd from 7.10, default no
        F("use-bfd", BOOL, "false", since=(7, 10)),
        F("place-before", wo=True),
        RO("dynamic", BOOL), RO("inactive", BOOL),
    ) + COMMON_TAIL, ordered=True),
    # the adjacencies (MikroTik manual, OSPF: /routing/ospf/neighbor, read-only); empty until the fabric or the data
    # plane runs OSPF (issue 21 item 7)
    Menu("/routing/ospf/neighbor", tuple(RO(n) for n in (
        "instance", "area", "address", "interface", "router-id", "priority", "dr", "bdr", "state", "state-changes",
        "adjacency", "timeout")), can_add=False, can_remove=False, read_only=True),
    # BFD (MikroTik manual, BFD; community.routeros _api_data.py: the menu from 7.11, min-echo-rx only 7.11-7.14);
    # the timers' defaults from the manual (min-rx and min-tx 200ms, multiplier 5)
    Menu("/routing/bfd/configuration", (
        F("interfaces", v.Reference(*INTERFACE_MENUS, multi=True, message_field="interfaces"), nullable=True),
        F("addresses", v.PrefixList(), nullable=True),
        F("address-list", nullable=True),
        F("vrf", default="main"),
        F("min-rx", v.Duration(), "200ms"),
        F("min-tx", v.Duration(), "200ms"),
        F("multiplier", v.Int(1, 255), "5"),
        F("min-echo-rx", v.Duration(), "0s", until=(7, 14)),
        F("forbid-bfd", BOOL, nullable=True),
        F("place-before", wo=True),
    ) + COMMON_TAIL, ordered=True, since=(7, 11)),
    # the sessions (MikroTik manual, BFD: /routing/bfd/session, read-only); the fields as a RouterOS 7 print shows
    # them (multihop vrf remote-address=ADDRESS%INTERFACE local-address state state-changes uptime ...): U, check
    # on a CHR (lab/FIDELITY.md). Rows from the fabric's model or the data plane's bfdd
    Menu("/routing/bfd/session", tuple(RO(n) for n in (
        "multihop", "vrf", "remote-address", "local-address", "state", "state-changes", "uptime",
        "desired-tx-interval", "actual-tx-interval", "required-min-rx", "remote-min-rx", "multiplier",
        "hold-time", "packets-rx", "packets-tx")), can_add=False, can_remove=False, read_only=True, since=(7, 11)),
    # users and their groups (MikroTik manual, User): a group is a set of policies; the three built-in groups
    # cannot be removed or changed
    Menu("/user/group", (
        F("name", required=True),
        F("policy", POLICY_LIST, POLICY_LIST.parse(None, "policy", "")),
        F("skin", default="default"),
        RO("builtin", BOOL),
        F("comment", nullable=True),
    ), unique=((("name",), "failure: group with such name already exists"),)),
    Menu("/user", (
        F("name", required=True),
        F("group", v.Reference("/user/group", message_field="group"), required=True),
        F("password", wo=True),
        F("address", default=""),
        RO("last-logged-in"),
    ) + COMMON_TAIL, unique=((("name",), "failure: user with such name already exists"),)),
    # certificates, files and services (rosemu/pki.py; fields from community.routeros's API data): a template
    # until `sign` gives it a key pair; `export-certificate` writes a /file entry whose `contents` is the PEM
    Menu("/certificate", (
        F("name", required=True),
        F("common-name", required=True),
        F("subject-alt-name", nullable=True),
        F("key-usage", default="digital-signature,key-encipherment,data-encipherment,key-cert-sign,crl-sign,"
                               "tls-server,tls-client"),
        F("key-size", v.Enum("1024", "1536", "2048", "4096", "8192", "secp384r1", "prime256v1", "secp521r1"),
          "2048"),
        F("days-valid", v.Int(1, 36500), "365"),
        F("trusted", BOOL, "false"),
        RO("private-key", BOOL), RO("issuer"), RO("ca"), RO("fingerprint"), RO("serial-number"), RO("invalid-after"),
    ), unique=((("name",), "failure: certificate with the same name already exists"),)),
    Menu("/file", (
        F("name", required=True),
        F("contents", default=""),
        RO("type"), RO("size"),
    ), unique=((("name",), "failure: file already exists"),)),
    Menu("/ip/service", (
        RO("name"),
        F("port", v.Int(1, 65535)),
        F("disabled", BOOL, "false"),
        F("certificate", default="none"),
        F("address", default=""),
        F("tls-version", v.Enum("any", "only-1.2"), "any"),
    ), can_add=False, can_remove=False),
    Menu("/system/identity", (F("name", default="MikroTik"),), single=True),
    Menu("/system/resource", tuple(RO(n) for n in (
        "uptime", "version", "build-time", "factory-software", "free-memory", "total-memory", "cpu",
        "cpu-count", "cpu-frequency", "cpu-load", "free-hdd-space", "total-hdd-space",
        "write-sect-since-reboot", "write-sect-total", "architecture-name", "board-name", "platform",
    )), single=True, read_only=True),
)

CATALOGUE = {m.path: m for m in MENUS}

# Named version profiles: `rosemu --routeros-version 7.16` (or a full version such as 7.16.2). The fields of each
# menu follow the release (Field.since / until); FIDELITY.md lists the differences and their sources.
# 7.20: the 7.18 menus and /ipv6/route pref-src; 7.21 adds gre6/eoipv6 dont-fragment (lab/FIDELITY.md, Releases)
PROFILES = {"7.12": "7.12.1 (stable)", "7.16": "7.16.2 (stable)", "7.18": "7.18.2 (stable)", "7.20": "7.20.4 (stable)",
            "7.21": "7.21.2 (stable)"}
_RELEASE_MENUS = {}


def release_of(version):
    """(major, minor) of a version string such as "7.16.2 (stable)"."""
    return tuple(int(x) for x in str(version).split(" ", maxsplit=1)[0].split(".")[:2])


def full_version(name):
    """A profile name (7.16) or a version (7.16.2) as what /system/resource reports."""
    name = str(name)
    return PROFILES.get(name, name if " " in name else name + " (stable)")


def menu_for(path, release):
    """The menu at `path` as `release` has it: only the fields that exist in that release."""
    key = (path, release)
    if key not in _RELEASE_MENUS:
        menu = CATALOGUE.get(path)
        if menu is not None and menu.since is not None and release < menu.since:
            menu = None
        if menu is not None:
            fields = tuple(f for f in menu.fields if f.exists_in(release))
            autoname = menu.autoname if menu.autoname_since is None or release >= menu.autoname_since else None
            if fields != menu.fields or autoname != menu.autoname:
                menu = replace(menu, fields=fields, autoname=autoname)
        _RELEASE_MENUS[key] = menu
    return _RELEASE_MENUS[key]


# `/interface` is a view over every interface menu: one id space, common fields.
INTERFACE_VIEW_FIELDS = (
    F("name"), RO("type"), F("mtu", v.Int(0, 65536, words=("auto",))), RO("actual-mtu"), RO("l2mtu"),
    RO("mac-address"), RO("running", BOOL), RO("slave", BOOL), RO("dynamic", BOOL),
    RO("default-name"), F("comment", nullable=True), F("disabled", BOOL),
)
INTERFACE_VIEW = Menu("/interface", INTERFACE_VIEW_FIELDS, can_add=False, can_remove=False)

WRITE_VERBS = frozenset(("add", "set", "remove", "move", "enable", "disable", "unset", "reset", "sign",
                         "export-certificate"))
# Commands of one menu beyond the common verbs (rosemu/pki.py runs them)
MENU_COMMANDS = {"/certificate": frozenset(("sign", "export-certificate"))}
