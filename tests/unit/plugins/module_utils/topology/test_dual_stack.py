"""Dual-stack sites (issue 19 item 4; routeros-review-3 N7): a site with an IPv4 and an IPv6 LAN joins over either
transit family, each LAN routed to the peer's next hop of its own family (RouterOS's /ip/route takes only IPv4
gateways, /ipv6/route only IPv6), with the second-family pools `wireguard_second` and `overlay_second`.  And N2: the
WireGuard port opens in the families the peers dial the site over."""

import os

import pytest
import yaml

from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import linux, routeros
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model, validate

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), *[".."] * 5, "examples", "dual-stack.yml")
POOLS = {"wireguard": "10.255.0.0/24", "wireguard_second": "fd00:255::/64", "overlay": "10.254.0.0/24",
         "overlay_second": "fd00:254::/64", "scheme": "pairs"}     # the slots of the expected addresses below
POOLS_V6_FIRST = {"wireguard": "fd00:255::/64", "wireguard_second": "10.255.0.0/24", "overlay": "fd00:254::/64",
                  "overlay_second": "10.254.0.0/24", "overlay_prefix_length": 127, "scheme": "pairs"}


def fleet(pools, overlays=None, linux_spoke=True):
    """A dual-stack hub (RouterOS, endpoint a host name) and spokes: RouterOS plain, RouterOS over `overlays`' kind,
    and a Linux one on a plain link."""
    sites = {"hub": {"id": 1, "lans": ["192.168.10.0/24", "2001:db8:10::/64"], "endpoint": "hub.example.net"},
             "ros-a": {"id": 2, "lans": ["192.168.11.0/24", "2001:db8:11::/64"]},
             "ros-b": {"id": 3, "lans": ["192.168.12.0/24", "2001:db8:12::/64"]}}
    if linux_spoke:
        sites["lx"] = {"id": 4, "platform": "linux", "lans": ["192.168.13.0/24", "2001:db8:13::/64"]}
    topology = {"type": "hub_spoke", "hubs": ["hub"]}
    if overlays:
        topology["links"] = [{"sites": ["hub", "ros-b"], "overlay": overlays}]
    return sites, {"sitelink_topology": topology, "sitelink_pools": pools, "sitelink_psk_secret": "unit"}


def planned(sites, settings):
    loaded = model.load(sites, settings)
    plans = validate.plan_fleet(loaded)
    assert plans is not None, [str(p) for p in loaded.problems]
    return plans


def problems(sites, settings):
    loaded = model.load(sites, settings)
    assert validate.plan_fleet(loaded) is None
    return [str(p) for p in loaded.problems]


def routes(plan):
    return dict((r["dst_address"], r["gateway"]) for r in plan["routes"])


def test_a_dual_stack_hub_and_spokes_carry_both_families_on_plain_links():
    plans = planned(*fleet(POOLS))
    hub, spoke = plans["hub"], plans["ros-a"]
    # each link takes a /31 and a /127, the lower site id the lower address
    assert [a["address"] for a in spoke["addresses"]] == ["10.255.0.1/31", "fd00:255::1/127"]
    # the peer's transit address of both families, and both families of its LANs
    (to_hub,) = spoke["peers"]
    assert to_hub["allowed_address"][:2] == ["10.255.0.0/32", "fd00:255::/128"]
    peer_a = [p for p in hub["peers"] if p["peer"] == "ros-a"][0]
    assert peer_a["allowed_address"] == ["10.255.0.1/32", "fd00:255::1/128", "192.168.11.0/24", "2001:db8:11::/64"]
    # each LAN goes to the next hop of its own family, on the hub and through the hub
    assert routes(hub)["192.168.11.0/24"] == "10.255.0.1" and routes(hub)["2001:db8:11::/64"] == "fd00:255::1"
    assert routes(spoke)["192.168.13.0/24"] == "10.255.0.0" and routes(spoke)["2001:db8:13::/64"] == "fd00:255::"
    # verification keeps pinging the primary family's next hop
    assert [link["verify_address"] for link in spoke["links"]] == ["10.255.0.0"]


def test_dual_stack_firewall_rules_and_address_lists_exist_in_both_families():
    hub = planned(*fleet(POOLS))["hub"]
    rules = set((r["name"], r["family"]) for r in hub["firewall"])
    for name in ("ping-in-tunnels", "forward-from-tunnels", "forward-to-tunnels"):
        assert (name, "ipv4") in rules and (name + "-ipv6", "ipv6") in rules
    lists = set((a["address"], a["family"]) for a in hub["address_lists"])
    assert ("192.168.12.0/24", "ipv4") in lists and ("2001:db8:12::/64", "ipv6") in lists
    assert set(m["family"] for m in hub["mangle"]) == {"ipv4", "ipv6"}     # the MSS clamp on plain links, both


def test_over_an_overlay_each_family_routes_to_the_overlay_address_of_its_family():
    plans = planned(*fleet(POOLS, overlays="gre"))
    spoke, hub = plans["ros-b"], plans["hub"]
    assert [(a["address"], a["interface"]) for a in spoke["addresses"] if a["interface"] == "gre-hub"] == [
        ("10.254.0.3/31", "gre-hub"), ("fd00:254::3/127", "gre-hub")]
    assert routes(spoke)["192.168.10.0/24"] == "10.254.0.2" and routes(spoke)["2001:db8:10::/64"] == "fd00:254::2"
    assert routes(hub)["2001:db8:12::/64"] == "fd00:254::3"
    # the GRE rides the primary (IPv4) WireGuard transit; WireGuard carries only the transit addresses
    (gre,) = spoke["overlays"]
    assert (gre["family"], gre["local_address"], gre["remote_address"]) == ("ipv4", "10.255.0.3", "10.255.0.2")
    assert spoke["peers"][0]["allowed_address"] == ["10.255.0.2/32", "fd00:255::2/128"]
    assert ("ping-in-tunnels-ipv6", "ipv6") in set((r["name"], r["family"]) for r in spoke["firewall"])


def test_over_an_ipv6_primary_transit_the_ipv4_lans_take_the_second_pool():
    plans = planned(*fleet(POOLS_V6_FIRST, overlays="eoip", linux_spoke=False))
    spoke = plans["ros-b"]
    (eoip,) = spoke["overlays"]
    assert eoip["family"] == "ipv6" and eoip["mtu"] == 1364                 # eoipv6 over the IPv6 transit
    assert routes(spoke)["192.168.10.0/24"] == "10.254.0.2" and routes(spoke)["2001:db8:10::/64"] == "fd00:254::2"
    assert routes(plans["hub"])["192.168.11.0/24"] == "10.255.0.1"          # ros-a, plain, site ids (1, 2): slot 0


def test_routeros_and_linux_desired_state_split_the_families():
    plans = planned(*fleet(POOLS, overlays="gre"))
    ros_routes = routeros.config(plans["ros-b"], "routes")
    assert {"dst_address": "2001:db8:10::/64", "gateway": "fd00:254::2", "distance": 1, "comment": "lan of hub"} \
        in ros_routes
    lx = linux.desired(plans["lx"], {"hub": "K" * 43 + "="}, "unit")
    assert lx["wireguard"]["addresses"] == ["10.255.0.7/31", "fd00:255::7/127"]
    assert lx["wireguard"]["peers"][0]["allowed_ips"][:2] == ["10.255.0.6/32", "fd00:255::6/128"]
    by_dst = dict((r["dst"], r) for r in lx["routes"])
    # each route's source is our own transit address of its family, so that the far end's allowed addresses match
    assert by_dst["2001:db8:10::/64"] == {"dst": "2001:db8:10::/64", "via": "fd00:255::6", "src": "fd00:255::7"}
    assert by_dst["192.168.10.0/24"] == {"dst": "192.168.10.0/24", "via": "10.255.0.6", "src": "10.255.0.7"}
    assert lx["forwarding"] == ["ipv4", "ipv6"]


def test_without_a_second_pool_routeros_still_refuses_a_lan_of_the_other_family_and_says_which_pool_to_set():
    sites, settings = fleet({"wireguard": "10.255.0.0/24", "overlay": "10.254.0.0/24"}, linux_spoke=False)
    found = problems(sites, settings)
    assert "ros-a: sitelink_site.lans[1]: 2001:db8:11::/64 is IPv6 but the RouterOS site hub would route it to an " \
           "IPv4 next hop in the wireguard pool 10.255.0.0/24 (link hub--ros-a): /ip/route takes only IPv4 gateways " \
           "and /ipv6/route only IPv6; set sitelink_pools.wireguard_second to a pool of the LAN's family" in \
           " ".join(found)
    assert len(found) == 3          # one message per IPv6 LAN (the far end of its link says nothing more)


def test_an_overlay_link_needs_the_second_overlay_pool_too():
    sites, settings = fleet(dict(POOLS, overlay_second=None), overlays="gre", linux_spoke=False)
    del settings["sitelink_pools"]["overlay_second"]
    found = problems(sites, settings)
    assert found and all("sitelink_pools.overlay_second" in p for p in found), found
    assert any(p.startswith("ros-b: sitelink_site.lans[1]: 2001:db8:12::/64 is IPv6") for p in found)


def test_a_prefix_routed_through_the_hub_over_a_link_without_its_family_is_refused():
    """ros-a's IPv6 LAN crosses the hub--ros-a link (plain, with the second WireGuard pool), but ros-b reaches it
    over a GRE link that has no second overlay pool: only the routes through the hub show it."""
    sites, settings = fleet(dict(POOLS), overlays="gre", linux_spoke=False)
    del settings["sitelink_pools"]["overlay_second"]
    sites["hub"]["lans"] = ["192.168.10.0/24"]
    sites["ros-b"]["lans"] = ["192.168.12.0/24"]
    assert problems(sites, settings) == [
        "ros-b: sitelink_pools: ros-b would route 2001:db8:11::/64 to the IPv4 next hop 10.254.0.2: /ip/route takes "
        "only IPv4 gateways and /ipv6/route only IPv6; set the second pool of IPv6 for the links it crosses "
        "(wireguard_second, or overlay_second on overlay links)"]


@pytest.mark.parametrize("second, why", [
    ("10.253.0.0/24", "fleet: sitelink_pools.wireguard_second: 10.253.0.0/24 is IPv4 like the wireguard pool "
                      "10.255.0.0/24: the second pool gives each link transit addresses of the other family"),
    ("fd00:254::/64", "fleet: sitelink_pools.wireguard_second: fd00:254::/64 overlaps the overlay_second pool "
                      "fd00:254::/64"),
    ("2001:db8:11::/64", "ros-a: sitelink_site.lans: 2001:db8:11::/64 overlaps the wireguard_second pool "
                         "2001:db8:11::/64"),
    ("fd00:255::1/64", "fleet: sitelink_pools.wireguard_second: fd00:255::1/64 has host bits set"),
    ("many", "fleet: sitelink_pools.wireguard_second: 'many' is not a prefix"),
])
def test_a_second_pool_is_of_the_other_family_and_overlaps_nothing(second, why):
    sites, settings = fleet(dict(POOLS, wireguard_second=second), linux_spoke=False)
    found = problems(sites, settings)
    assert any(p.startswith(why) for p in found), found


def test_a_second_pool_too_small_for_the_links_is_refused_with_the_size_needed():
    found = problems(*fleet(dict(POOLS, wireguard_second="fd00:255::/127"), linux_spoke=False))
    assert any(p.startswith("fleet: sitelink_pools.wireguard_second: fd00:255::/127 holds 1 links; this fleet needs "
                            "room for 2 (a /126 or larger)") for p in found), found
    assert planned(*fleet(dict(POOLS, wireguard_second="fd00:255::/126"), linux_spoke=False))     # 2 links: fits


def test_a_single_family_fleet_plans_exactly_as_before():
    """Without the second pools nothing changes: the same addresses, routes and rules as an IPv4 fleet had."""
    sites = {"hub": {"id": 1, "lans": ["192.168.10.0/24"], "endpoint": "198.51.100.1"},
             "spoke": {"id": 2, "lans": ["192.168.11.0/24"]}}
    settings = {"sitelink_topology": {"type": "hub_spoke", "hubs": ["hub"]}, "sitelink_psk_secret": "unit",
                "sitelink_pools": {"scheme": "pairs"}}
    plans = planned(sites, settings)
    assert plans["spoke"]["addresses"] == [{"address": "10.255.0.1/31", "interface": "wg-sitelink"}]
    assert plans["spoke"]["peers"][0]["allowed_address"] == ["10.255.0.0/32", "192.168.10.0/24"]
    assert [(r["name"], r["family"]) for r in plans["spoke"]["firewall"] if r["chain"] == "input"] == [
        ("wireguard-in", "ipv4"), ("ping-in-tunnels", "ipv4")]


@pytest.mark.parametrize("hub_endpoint, spoke_endpoint, hub_rules, spoke_rules", [
    # an address: its family; a site without an endpoint: the families of the endpoints it dials
    ("198.51.100.1", None, [("wireguard-in", "ipv4")], [("wireguard-in", "ipv4")]),
    ("2001:db8:ffff::1", None, [("wireguard-in", "ipv6")], [("wireguard-in", "ipv6")]),
    # a host name: peers may resolve either (routeros-review-3 N2: an IPv6 underlay's defconf dropped the handshake)
    ("hub.example.net", None, [("wireguard-in", "ipv4"), ("wireguard-in-ipv6", "ipv6")],
     [("wireguard-in", "ipv4"), ("wireguard-in-ipv6", "ipv6")]),
    ("hub.example.net", "2001:db8:ffff::2", [("wireguard-in", "ipv4"), ("wireguard-in-ipv6", "ipv6")],
     [("wireguard-in", "ipv6")]),
])
def test_the_wireguard_port_opens_in_the_families_peers_dial_the_site_over(
        hub_endpoint, spoke_endpoint, hub_rules, spoke_rules):
    sites = {"hub": {"id": 1, "lans": ["192.168.10.0/24"], "endpoint": hub_endpoint},
             "spoke": {"id": 2, "lans": ["192.168.11.0/24"]}}
    if spoke_endpoint:
        sites["spoke"]["endpoint"] = spoke_endpoint
    settings = {"sitelink_topology": {"type": "hub_spoke", "hubs": ["hub"]}, "sitelink_psk_secret": "unit"}
    plans = planned(sites, settings)
    for name, expected in (("hub", hub_rules), ("spoke", spoke_rules)):
        ours = [(r["name"], r["family"]) for r in plans[name]["firewall"] if r["name"].startswith("wireguard-in")]
        assert ours == expected, name
        assert all(r["dst_port"] == "13231" and r["protocol"] == "udp" for r in plans[name]["firewall"][:len(ours)])


def test_on_linux_both_families_of_wireguard_in_are_one_nft_rule():
    plans = planned(*fleet(POOLS))
    rules = [r for r in linux.firewall(plans["lx"]) if r["name"].startswith("wireguard-in")]
    assert rules == [{"chain": "input", "name": "wireguard-in", "rule": "udp dport 13231 counter accept"}]


def test_the_example_inventory_plans_without_problems():
    with open(EXAMPLE, encoding="utf-8") as fh:
        inventory = yaml.safe_load(fh)["all"]
    sites = dict((h, v["sitelink_site"]) for h, v in inventory["hosts"].items())
    fleet_keys = ("sitelink_topology", "sitelink_link_defaults", "sitelink_pools")
    settings = dict((k, inventory["vars"][k]) for k in fleet_keys)
    plans = planned(sites, dict(settings, sitelink_psk_secret="unit"))
    assert routes(plans["branch-b"])["2001:db8:10::/64"] == "fd00:254::4"     # hub--branch-b: slot 2 (linear)
