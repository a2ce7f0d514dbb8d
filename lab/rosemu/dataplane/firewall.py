"""An emulated router's filter chains as an nftables script: `nft_script(rows)` (a pure function, no root).

One table of family inet per router namespace.  Its base chains `input`, `forward` and `output` (policy accept, as
RouterOS's filter) send IPv4 packets to the chains of `/ip/firewall/filter` (`ip4-NAME`) and IPv6 packets to those
of `/ipv6/firewall/filter` (`ip6-NAME`); a user chain is a regular chain reached by `jump`, so a `return` or its end
goes back to the rule after the jump and an accept or drop inside it is final, as in RouterOS.  Interface lists
(`/interface/list/member`) and address lists (`/ip/firewall/address-list`, `/ipv6/firewall/address-list`) become
named sets.  The script replaces the whole table at once (`nft -f` applies a script atomically).
"""

import ipaddress
import re

TABLE = "rosemu"
FAMILIES = (("/ip/firewall/filter", "ip4", "ip", "/ip/firewall/address-list", "ipv4_addr"),
            ("/ipv6/firewall/filter", "ip6", "ip6", "/ipv6/firewall/address-list", "ipv6_addr"))
BUILTIN_CHAINS = ("input", "forward", "output")
# EoIP is GRE version 1 with protocol type 0x6400 (framing.py).  Linux's connection tracking knows GRE version 1
# only as PPTP's and marks every other one `invalid`, which the default configuration drops before any "accept
# GRE": these packets are not tracked (state `untracked`) instead.  U: how RouterOS tracks EoIP (FIDELITY.md).
EOIP_PACKET = "meta l4proto 47 @th,0,16 0x2001 @th,16,16 0x6400"
FILTER_PATHS = tuple(f[0] for f in FAMILIES) + tuple(f[3] for f in FAMILIES) + ("/interface/list/member",)
PROTOCOLS = {"icmp": 1, "igmp": 2, "ipencap": 4, "tcp": 6, "udp": 17, "gre": 47, "ipsec-esp": 50, "ipsec-ah": 51,
             "icmpv6": 58, "ipv6-icmp": 58, "ospf": 89, "etherip": 97, "pim": 103, "vrrp": 112, "l2tp": 115,
             "sctp": 132, "udp-lite": 136}
CONNECTION_STATES = {"invalid": "invalid", "established": "established", "related": "related", "new": "new",
                     "untracked": "untracked"}
# interface lists RouterOS makes itself: "all" holds every interface; the others are not modelled (as the fabric)
EMPTY_INTERFACE_LISTS = ("none", "dynamic", "static")
# RouterOS's reject-with (default icmp-network-unreachable) -> nft per family
REJECT_WITH = {
    ("ip4", "icmp-network-unreachable"): "reject with icmp type net-unreachable",
    ("ip4", "icmp-host-unreachable"): "reject with icmp type host-unreachable",
    ("ip4", "icmp-port-unreachable"): "reject with icmp type port-unreachable",
    ("ip4", "icmp-admin-prohibited"): "reject with icmp type admin-prohibited",
    ("ip6", "icmp-network-unreachable"): "reject with icmpv6 type no-route",
    ("ip6", "icmp-no-route"): "reject with icmpv6 type no-route",
    ("ip6", "icmp-host-unreachable"): "reject with icmpv6 type addr-unreachable",
    ("ip6", "icmp-address-unreachable"): "reject with icmpv6 type addr-unreachable",
    ("ip6", "icmp-port-unreachable"): "reject with icmpv6 type port-unreachable",
    ("ip6", "icmp-admin-prohibited"): "reject with icmpv6 type admin-prohibited",
}
# actions that only count and go on (log: a counter is enough here; the address-list actions are not modelled)
CONTINUING_ACTIONS = ("passthrough", "log", "add-src-to-address-list", "add-dst-to-address-list")
FINAL_ACTIONS = {"accept": "accept", "fasttrack-connection": "accept", "drop": "drop", "tarpit": "drop",
                 "return": "return"}
# a rule's own settings and its action's parameters: not matchers
NOT_MATCHERS = ("chain", "action", "comment", "disabled", "log", "log-prefix", "bytes", "packets", "dynamic",
                "invalid", "hw-offload", "jump-target", "reject-with", "address-list", "address-list-timeout",
                ".id", "place-before")


class Untranslatable(ValueError):
    """A matcher this translation does not model: the rule never matches (as in the fabric)."""


def nft_script(rows):
    """`rows`: {menu path: [the values dict of each item, in table order]} for FILTER_PATHS (missing paths: empty).
    Returns the text for `nft -f -` that replaces table inet TABLE with these chains."""
    sets, chains = Names(), {}
    interfaces = interface_lists(rows.get("/interface/list/member", ()))
    for path, family, _ip, list_path, set_type in FAMILIES:
        rules = [r for r in rows.get(path, ()) if r.get("disabled") != "true"]
        for name in BUILTIN_CHAINS + tuple(r.get("jump-target") for r in rules if r.get("action") == "jump") + \
                tuple(r["chain"] for r in rules):
            chains.setdefault(chain_name(family, name), [])
        lists = address_lists(rows.get(list_path, ()))
        context = {"family": family, "interfaces": interfaces, "lists": lists, "sets": sets, "set_type": set_type}
        for rule in rules:
            chains[chain_name(family, rule["chain"])].append(rule_line(rule, context))
    lines = ["table inet %s" % TABLE, "delete table inet %s" % TABLE, "table inet %s {" % TABLE]
    lines += ["    set %s { %s }" % (set_name, body) for set_name, body in sets.definitions()]
    lines += ["    chain %s { }" % name for name in chains]        # declared before any jump names them
    for hook in ("prerouting", "output"):
        lines += ["    chain untracked-%s {" % hook, "        type filter hook %s priority raw; policy accept;" % hook,
                  "        %s notrack" % EOIP_PACKET, "    }"]
    for hook in BUILTIN_CHAINS:
        lines += ["    chain %s {" % hook, "        type filter hook %s priority filter; policy accept;" % hook,
                  "        meta nfproto ipv4 jump %s" % chain_name("ip4", hook),
                  "        meta nfproto ipv6 jump %s" % chain_name("ip6", hook), "    }"]
    for name, body in chains.items():
        lines += ["    chain %s {" % name] + ["        %s" % line for line in body] + ["    }"]
    return "\n".join(lines + ["}"]) + "\n"


def chain_name(family, name):
    return "%s-%s" % (family, safe(name))


def safe(name):
    """An nft identifier for a RouterOS name (which may hold spaces and more): other characters as _XX hex."""
    return re.sub(r"[^A-Za-z0-9]", lambda m: "_%02x" % ord(m.group(0)), name)


def interface_lists(members):
    lists = {}
    for member in members:
        if member.get("disabled") != "true":
            lists.setdefault(member["list"], []).append(member["interface"])
    return lists


def address_lists(items):
    """{list: its enabled addresses}; an entry that is a DNS name (RouterOS resolves those) is left out (U)."""
    lists = {}
    for item in items:
        if item.get("disabled") != "true":
            entries = lists.setdefault(item["list"], [])
            if is_address(item["address"]):
                entries.append(item["address"])
    return lists


def is_address(text):
    """An address, a prefix or a range `A-B`, as nft takes them."""
    try:
        for part in text.split("-", 1) if "-" in text else [text]:
            ipaddress.ip_network(part, strict=False)
    except ValueError:
        return False
    return True


class Names:
    """The named sets a script declares: interface lists (type ifname) and address lists, each once."""

    def __init__(self):
        self.sets = {}

    def add(self, name, set_type, elements):
        if name not in self.sets:
            self.sets[name] = (set_type, elements)
        return "@" + name

    def definitions(self):
        for name, (set_type, elements) in self.sets.items():
            flags = "; flags interval; auto-merge" if set_type != "ifname" else ""
            quoted = ['"%s"' % e for e in elements] if set_type == "ifname" else list(elements)
            body = "type %s%s;" % (set_type, flags)
            if quoted:
                body += " elements = { %s }" % ", ".join(quoted)
            yield name, body


def rule_line(rule, context):
    """One nft rule (counter first, so a rule's hits can be read), or a comment for a rule that never matches."""
    try:
        matchers = sorted((name for name in rule if name not in NOT_MATCHERS), key=matcher_order)
        matches = [match_words(name, rule[name], rule, context) for name in matchers]
    except Untranslatable as why:
        return "# never matches (%s): %s" % (why, rule.get("comment", "")[:60].replace("\n", " "))
    words = [m for m in matches if m] + ["counter", action_words(rule, context["family"])]
    return " ".join(w for w in words if w)


def matcher_order(name):
    """The protocol first: nft's transport-header matches (th dport) read the header of the protocol it named."""
    return (name != "protocol", name)


def action_words(rule, family):
    action = rule.get("action", "accept")
    if action in FINAL_ACTIONS:
        return FINAL_ACTIONS[action]
    if action == "jump":
        return "jump %s" % chain_name(family, rule["jump-target"])
    if action == "reject":
        reject_with = rule.get("reject-with", "icmp-network-unreachable")
        if reject_with == "tcp-reset":
            return "reject with tcp reset"
        return REJECT_WITH.get((family, reject_with), "reject")
    if action in CONTINUING_ACTIONS:
        return ""
    raise Untranslatable("action %s" % action)


def match_words(name, value, rule, context):
    negated = value.startswith("!")
    value = value[1:] if negated else value
    translate = MATCHERS.get(name)
    if translate is None:
        raise Untranslatable(name)
    return translate(value, "!= " if negated else "", rule, context)


def protocol_words(value, neg, _rule, _context):
    number = PROTOCOLS.get(value, value)
    if not str(number).isdigit():
        raise Untranslatable("protocol %s" % value)
    return "meta l4proto %s%s" % (neg, number)


def ports(field):
    def words(value, neg, _rule, _context):
        return "th %s %s{ %s }" % (field, neg, ", ".join(p.strip() for p in value.split(",")))
    return words


def addresses(field):
    def words(value, neg, _rule, context):
        return "%s %s %s%s" % ("ip" if context["family"] == "ip4" else "ip6", field, neg, value)
    return words


def address_list(field):
    def words(value, neg, _rule, context):
        ip = "ip" if context["family"] == "ip4" else "ip6"
        set_ref = context["sets"].add("%s-list-%s" % (context["family"], safe(value)), context["set_type"],
                                      context["lists"].get(value, []))
        return "%s %s %s%s" % (ip, field, neg, set_ref)
    return words


def interface(field):
    def words(value, neg, _rule, _context):
        return '%s %s"%s"' % (field, neg, value)
    return words


def interface_list(field):
    def words(value, neg, _rule, context):
        if value == "all":
            if neg:
                raise Untranslatable("!all")
            return ""
        members = [] if value in EMPTY_INTERFACE_LISTS else context["interfaces"].get(value, [])
        set_ref = context["sets"].add("if-list-%s" % safe(value), "ifname", members)
        return "%s %s%s" % (field, neg, set_ref)
    return words


def connection_state(value, neg, _rule, _context):
    states = [CONNECTION_STATES[s] for s in value.split(",") if s in CONNECTION_STATES]
    if len(states) != len(value.split(",")):
        raise Untranslatable("connection-state %s" % value)
    return "ct state %s{ %s }" % (neg, ", ".join(states))


def connection_nat_state(value, neg, _rule, _context):
    status = {"dstnat": "dnat", "srcnat": "snat"}.get(value)
    if status is None:
        raise Untranslatable("connection-nat-state %s" % value)
    return "ct status & %s %s 0" % (status, "==" if neg else "!=")


def icmp_options(value, neg, _rule, context):
    """`icmp-options=TYPE[:CODE]` (numbers) as icmp/icmpv6 type and code."""
    kind, _sep, code = value.partition(":")
    proto = "icmp" if context["family"] == "ip4" else "icmpv6"
    if neg or not kind.isdigit() or (code and not code.isdigit()):
        raise Untranslatable("icmp-options %s" % value)
    return "%s type %s" % (proto, kind) + (" %s code %s" % (proto, code) if code else "")


MATCHERS = {
    "protocol": protocol_words, "dst-port": ports("dport"), "src-port": ports("sport"),
    "src-address": addresses("saddr"), "dst-address": addresses("daddr"),
    "src-address-list": address_list("saddr"), "dst-address-list": address_list("daddr"),
    "in-interface": interface("iifname"), "out-interface": interface("oifname"),
    "in-interface-list": interface_list("iifname"), "out-interface-list": interface_list("oifname"),
    "connection-state": connection_state, "connection-nat-state": connection_nat_state,
    "icmp-options": icmp_options,
}
