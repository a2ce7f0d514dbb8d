"""The data plane's firewall: RouterOS filter chains as nftables (rosemu.dataplane.firewall).

The translation tests need no root.  The namespace tests (root) run two sites (rosemu.dataplane.pair.SitePair)
with their filter chains realised: the default configuration's input chain, the collection's holes, a GRE drop on
the WireGuard interface, a forward rule with an address list.
"""

import os
import shutil

import pytest

from rosemu.dataplane.firewall import FILTER_PATHS, nft_script
from rosemu.dataplane.pair import SitePair, host_address
from rosemu.router import Router


def chain(script, name):
    """The rule lines of chain `name` as the script defines it with rules (not its empty declaration)."""
    lines = script.splitlines()
    start = lines.index("    chain %s {" % name)
    end = lines.index("    }", start)
    return [line.strip() for line in lines[start + 1:end]]


def script_of(ip4=(), ip6=(), members=(), lists4=(), lists6=()):
    return nft_script({"/ip/firewall/filter": list(ip4), "/ipv6/firewall/filter": list(ip6),
                       "/interface/list/member": list(members), "/ip/firewall/address-list": list(lists4),
                       "/ipv6/firewall/address-list": list(lists6)})


def test_base_chains_accept_by_default_and_send_each_family_to_its_chains():
    script = script_of()
    assert script.startswith("table inet rosemu\ndelete table inet rosemu\n")      # replaced as a whole
    for hook in ("input", "forward", "output"):
        assert chain(script, hook) == ["type filter hook %s priority filter; policy accept;" % hook,
                                       "meta nfproto ipv4 jump ip4-%s" % hook, "meta nfproto ipv6 jump ip6-%s" % hook]
        assert chain(script, "ip4-%s" % hook) == [] and chain(script, "ip6-%s" % hook) == []


def test_matchers_and_actions():
    rules = [
        {"chain": "input", "action": "accept", "protocol": "udp", "dst-port": "13231,500-501", "comment": "wg"},
        {"chain": "input", "action": "drop", "src-port": "!53", "protocol": "tcp"},
        {"chain": "input", "action": "accept", "protocol": "gre", "in-interface": "wg-site"},
        {"chain": "input", "action": "drop", "protocol": "47", "in-interface": "!wg-site"},
        {"chain": "input", "action": "accept", "connection-state": "established,related"},
        {"chain": "input", "action": "drop", "connection-state": "invalid"},
        {"chain": "input", "action": "reject", "src-address": "10.0.0.0/8", "dst-address": "!10.1.1.1"},
        {"chain": "input", "action": "reject", "reject-with": "tcp-reset", "protocol": "tcp"},
        {"chain": "input", "action": "log", "protocol": "icmp", "icmp-options": "8:0"},
        {"chain": "input", "action": "passthrough", "out-interface": "ether1", "disabled": "false"},
        {"chain": "input", "action": "drop", "disabled": "true", "protocol": "udp"},
    ]
    assert chain(script_of(ip4=rules), "ip4-input") == [
        "meta l4proto 17 th dport { 13231, 500-501 } counter accept",
        "meta l4proto 6 th sport != { 53 } counter drop",
        'meta l4proto 47 iifname "wg-site" counter accept',
        'meta l4proto 47 iifname != "wg-site" counter drop',
        "ct state { established, related } counter accept",
        "ct state { invalid } counter drop",
        "ip daddr != 10.1.1.1 ip saddr 10.0.0.0/8 counter reject with icmp type net-unreachable",
        "meta l4proto 6 counter reject with tcp reset",
        "meta l4proto 1 icmp type 8 icmp code 0 counter",
        'oifname "ether1" counter',
    ]


def test_the_ipv6_table_uses_ipv6_addresses_and_rejects():
    rules = [{"chain": "forward", "action": "reject", "src-address": "fd00::/8", "protocol": "icmpv6"}]
    assert chain(script_of(ip6=rules), "ip6-forward") == [
        "meta l4proto 58 ip6 saddr fd00::/8 counter reject with icmpv6 type no-route"]


def test_jump_and_return_reach_user_chains():
    rules = [{"chain": "forward", "action": "jump", "jump-target": "sitelink fw"},
             {"chain": "sitelink fw", "action": "return", "in-interface": "bridge"},
             {"chain": "sitelink fw", "action": "drop"}]
    script = script_of(ip4=rules)
    assert chain(script, "ip4-forward") == ["counter jump ip4-sitelink_20fw"]
    assert chain(script, "ip4-sitelink_20fw") == ['iifname "bridge" counter return', "counter drop"]
    declared = script.index("    chain ip4-sitelink_20fw { }")
    assert declared < script.index("jump ip4-sitelink_20fw")       # nft needs a chain before a jump names it


def test_interface_lists_are_sets_of_their_enabled_members():
    members = [{"list": "LAN", "interface": "bridge"}, {"list": "LAN", "interface": "ether9", "disabled": "true"},
               {"list": "WAN", "interface": "ether1"}]
    rules = [{"chain": "input", "action": "drop", "in-interface-list": "!LAN"},
             {"chain": "forward", "action": "drop", "out-interface-list": "WAN"},
             {"chain": "forward", "action": "accept", "in-interface-list": "all"},
             {"chain": "forward", "action": "accept", "in-interface-list": "!all"},
             {"chain": "forward", "action": "accept", "in-interface-list": "none"}]
    script = script_of(ip4=rules, members=members)
    assert '    set if-list-LAN { type ifname; elements = { "bridge" } }' in script
    assert chain(script, "ip4-input") == ["iifname != @if-list-LAN counter drop"]
    assert chain(script, "ip4-forward")[:2] == ["oifname @if-list-WAN counter drop", "counter accept"]
    assert chain(script, "ip4-forward")[2].startswith("# never matches (!all)")
    assert chain(script, "ip4-forward")[3] == "iifname @if-list-none counter accept"
    assert "    set if-list-none { type ifname; }" in script          # empty: matches nothing


def test_address_lists_are_interval_sets_per_family():
    lists4 = [{"list": "trusted", "address": "192.168.88.0/24"}, {"list": "trusted", "address": "10.0.0.1-10.0.0.9"},
              {"list": "trusted", "address": "172.16.0.0/12", "disabled": "true"}]
    lists6 = [{"list": "trusted", "address": "fd00::/8"}]
    rules = [{"chain": "forward", "action": "accept", "src-address-list": "trusted"},
             {"chain": "forward", "action": "drop", "dst-address-list": "!nowhere"}]
    script = script_of(ip4=rules, ip6=rules, lists4=lists4, lists6=lists6)
    assert ("    set ip4-list-trusted { type ipv4_addr; flags interval; auto-merge; "
            "elements = { 192.168.88.0/24, 10.0.0.1-10.0.0.9 } }") in script
    assert "    set ip6-list-trusted { type ipv6_addr; flags interval; auto-merge; elements = { fd00::/8 } }" in script
    assert chain(script, "ip4-forward") == ["ip saddr @ip4-list-trusted counter accept",
                                            "ip daddr != @ip4-list-nowhere counter drop"]
    assert chain(script, "ip6-forward")[0] == "ip6 saddr @ip6-list-trusted counter accept"


def test_unmodelled_matchers_never_match_as_in_the_fabric():
    rules = [{"chain": "forward", "action": "accept", "ipsec-policy": "in,ipsec", "comment": "defconf: ipsec"},
             {"chain": "forward", "action": "drop", "connection-state": "new", "connection-nat-state": "!dstnat"}]
    lines = chain(script_of(ip4=rules), "ip4-forward")
    assert lines == ["# never matches (ipsec-policy): defconf: ipsec",
                     "ct status & dnat == 0 ct state { new } counter drop"]


def test_the_default_configuration_translates():
    router = Router("c")
    script = nft_script({path: [dict(it.values) for it in router.tables[path]] for path in FILTER_PATHS})
    assert chain(script, "ip4-input")[-1] == "iifname != @if-list-LAN counter drop"
    assert "ip6 saddr @ip6-list-bad_5fipv6 counter drop" in chain(script, "ip6-forward")
