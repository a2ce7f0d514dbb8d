"""The data plane's firewall: RouterOS filter chains as nftables (rosemu.dataplane.firewall).

The translation tests need no root.  The namespace tests (root) run two sites (rosemu.dataplane.pair.SitePair)
with their filter chains realised: the default configuration's input chain, the collection's holes, a GRE drop on
the WireGuard interface, a forward rule with an address list.
"""


import pytest

from labkit import needs_dataplane
from rosemu.dataplane.firewall import FILTER_PATHS, nft_script
from rosemu.dataplane.pair import SitePair, host_address
from rosemu.lab_tools import wait_until
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


def test_eoip_is_not_tracked():
    """Linux marks GRE version 1 other than PPTP's `invalid`: EoIP (version 1, protocol type 0x6400) goes untracked,
    gre (version 0) stays tracked."""
    script = script_of()
    for hook in ("prerouting", "output"):
        assert chain(script, "untracked-%s" % hook) == [
            "type filter hook %s priority raw; policy accept;" % hook,
            "meta l4proto 47 @th,0,16 0x2001 @th,16,16 0x6400 notrack"]


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
    lists4.append({"list": "trusted", "address": "vpn.example.com"})      # a DNS name: not resolved here
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


# ----- two routers with their filter chains (root) ------------------------------------------

needs_root = needs_dataplane("ping", "nft")
FIRST_PING = 15         # seconds: an idle host has the first ping through in under 5
# the site_tunnel role's holes (routeros_firewall_rules, placed before the first drop of their chain)
COLLECTION_RULES = (
    ("/ip/firewall/filter", {"chain": "input", "action": "accept", "protocol": "udp", "dst-port": "13231",
                             "comment": "sitelink wireguard-in"}),
    ("/ip/firewall/filter", {"chain": "input", "action": "accept", "protocol": "gre", "in-interface": "wg-site",
                             "comment": "sitelink gre-eoip-in"}),
    ("/ipv6/firewall/filter", {"chain": "input", "action": "accept", "protocol": "gre", "in-interface": "wg-site",
                               "comment": "sitelink gre6-in"}),
    ("/ipv6/firewall/filter", {"chain": "input", "action": "accept", "protocol": "97", "in-interface": "wg-site",
                               "comment": "sitelink eoipv6-in"}),
)


def first_drop(router, path, chain_name):
    return next(it for it in router.tables[path]
                if it.values.get("chain") == chain_name and it.values.get("action") == "drop"
                and it.values.get("connection-state") is None)


def lan_to_lan(sites, source, destination, count=3):
    """Pings from `source`'s LAN host to `destination`'s: the number received."""
    return sites.ping(source, host_address(destination), count=count)[0]


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """a and b with the default configuration's filters, its input ICMP accept disabled (a router that answers no
    ping from the WAN), and the collection's holes."""
    pair = SitePair(str(tmp_path_factory.mktemp("dpfw")), firewall=True).up()
    try:
        for router in pair.routers.values():
            icmp = [it for it in router.tables["/ip/firewall/filter"]
                    if it.values.get("comment") == "defconf: accept ICMP"][0]
            router.set("/ip/firewall/filter", {".id": icmp.ref, "disabled": "true"})
            for path, rule in COLLECTION_RULES:
                router.add(path, dict(rule, **{"place-before": first_drop(router, path, "input").ref}))
            pair.dataplane.sync(router)
        yield pair
    finally:
        pair.down()
        assert pair.dataplane.leftovers() == []


@needs_root
def test_the_wan_side_gets_no_ping_while_the_tunnels_cross(sites):
    dataplane = sites.dataplane
    drops_before = dataplane.rule_packets("a", "ip4", "input")[-1]     # defconf: drop all not coming from LAN
    from_wan = dataplane.run("b", "ping", "-n", "-c", "2", "-i", "0.2", "-W", "1", str(dataplane.wan_address("a")),
                             check=False, timeout=30)
    assert from_wan.returncode != 0, from_wan.stdout
    assert dataplane.rule_packets("a", "ip4", "input")[-1] >= drops_before + 2
    from_lan = dataplane.run_host("a", "ping", "-n", "-c", "1", "-W", "2", "192.168.88.1", check=False, timeout=30)
    assert from_lan.returncode == 0, from_lan.stdout        # the LAN list's bridge is admitted
    for overlay in ("wireguard", "gre", "eoip", "gre6", "eoipv6"):
        sites.route_lans_over(overlay)
        wait_until(lambda: lan_to_lan(sites, "a", "b", count=1) == 1, FIRST_PING, "first ping over " + overlay)
        assert lan_to_lan(sites, "a", "b") == 3, overlay
    assert dataplane.sync_errors == {} and "iifname != @if-list-LAN counter drop" in dataplane.nft_scripts["a"]


@needs_root
def test_dropping_gre_on_the_wireguard_interface_stops_the_gre_overlay(sites):
    dataplane, b = sites.dataplane, sites.routers["b"]
    sites.route_lans_over("gre")
    wait_until(lambda: lan_to_lan(sites, "a", "b", count=1) == 1, FIRST_PING, "first ping over gre")
    top = b.tables["/ip/firewall/filter"][0]        # before the established accept: GRE has a connection entry
    ref = b.add("/ip/firewall/filter", {"chain": "input", "action": "drop", "protocol": "47",
                                        "in-interface": "wg-site", "place-before": top.ref})
    dataplane.sync(b)
    try:
        assert lan_to_lan(sites, "a", "b") == 0
        assert dataplane.rule_packets("b", "ip4", "input")[0] >= 3
    finally:
        b.remove("/ip/firewall/filter", {".id": ref})
        dataplane.sync(b)
    assert not any("47" in line and "drop" in line for line in dataplane.nft_scripts["b"].splitlines())
    wait_until(lambda: lan_to_lan(sites, "a", "b", count=1) == 1, FIRST_PING, "ping over gre again")
    assert lan_to_lan(sites, "a", "b") == 3


@needs_root
def test_a_forward_address_list_admits_one_lan_and_not_another(sites):
    """Each router admits from its GRE tunnel to its LAN only the LANs in its list `sitelink-lans`: b's holds a's
    LAN, a's another LAN, so a's host reaches b's and not the reverse, until a's list takes b's LAN."""
    dataplane, routers = sites.dataplane, sites.routers
    sites.route_lans_over("gre")
    made = []
    for name, listed in (("a", "192.168.77.0/24"), ("b", "192.168.88.0/24")):
        router = routers[name]
        made.append((router, "/ip/firewall/address-list",
                     router.add("/ip/firewall/address-list", {"list": "sitelink-lans", "address": listed})))
        for rule in ({"chain": "forward", "action": "accept", "src-address-list": "sitelink-lans"},
                     {"chain": "forward", "action": "drop", "in-interface": "gre-x", "out-interface-list": "LAN"}):
            made.append((router, "/ip/firewall/filter", router.add("/ip/firewall/filter", rule)))
        dataplane.sync(router)
    try:
        wait_until(lambda: lan_to_lan(sites, "a", "b", count=1) == 1, FIRST_PING, "a's LAN admitted by b")
        assert lan_to_lan(sites, "a", "b") == 3
        assert lan_to_lan(sites, "b", "a") == 0           # b's LAN is not in a's list
        assert dataplane.rule_packets("a", "ip4", "forward")[-1] >= 3
        made.append((routers["a"], "/ip/firewall/address-list", routers["a"].add(
            "/ip/firewall/address-list", {"list": "sitelink-lans", "address": "192.168.89.0/24"})))
        dataplane.sync(routers["a"])
        wait_until(lambda: lan_to_lan(sites, "b", "a", count=1) == 1, FIRST_PING, "b's LAN admitted by a")
    finally:
        for router, path, ref in reversed(made):
            router.remove(path, {".id": ref})
            dataplane.sync(router)
    assert "sitelink-lans" not in dataplane.nft_scripts["a"]


@needs_root
def test_an_attached_router_realises_each_filter_change(sites):
    """No sync call: a rule added and removed reaches the namespace through the router's listener."""
    dataplane, b = sites.dataplane, sites.routers["b"]
    sites.route_lans_over("gre")
    wait_until(lambda: lan_to_lan(sites, "a", "b", count=1) == 1, FIRST_PING, "first ping over gre")
    dataplane.attach(b)
    try:
        ref = b.add("/ip/firewall/filter", {"chain": "forward", "action": "reject", "dst-address": host_address("b"),
                                            "place-before": b.tables["/ip/firewall/filter"][0].ref})
        rejected = sites.dataplane.run_host("a", "ping", "-n", "-c", "1", "-W", "2", host_address("b"), check=False,
                                            timeout=30)
        assert rejected.returncode != 0 and "unreachable" in rejected.stdout.lower(), rejected.stdout
        b.remove("/ip/firewall/filter", {".id": ref})
        assert lan_to_lan(sites, "a", "b") == 3 and dataplane.sync_errors == {}
    finally:
        dataplane.detach(b)
