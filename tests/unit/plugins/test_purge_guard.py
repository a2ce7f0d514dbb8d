"""The purge guard's reading of managed entries: which site each entry the planner makes belongs to, and which
removals it refuses (issue 19, item 2)."""

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import routeros
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model, plan
from ansible_collections.sitelink.tunnels.plugins.plugin_utils import purge

from corpus import cases, load


def fleet_plans(path):
    sites, settings, _problems = load(path)
    m = model.load(sites, settings)
    return dict((name, plan.plan_site(m, name)) for name in m.sites if m.sites[name].capabilities.configured)


def named_by_resource(site_plan):
    """{resource: [(entry, sites it names)]} of a site's RouterOS desired state (every key a placeholder)."""
    desired = routeros.desired(site_plan, plan.public_key_placeholders(site_plan), "secret", "fleet")
    return dict((resource, [(entry, purge.sites_named(resource, entry, site_plan["site"])) for entry in config])
                for resource, config in desired.items())


GOOD = cases("good")


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.rsplit("/", 1)[-1])
def test_every_entry_of_a_plan_names_only_sites_of_the_fleet(path):
    """An entry never names a site the fleet does not have (any entry of a fleet the inventory has whole can never be
    refused), and only a route or address-list entry names a site that is not its router's peer: the site whose LAN
    it routes to through a hub."""
    plans = fleet_plans(path)
    everyone = set(load(path)[0])
    for site, site_plan in plans.items():
        peers = set(p["peer"] for p in site_plan["peers"])
        for resource, named in named_by_resource(site_plan).items():
            for entry, sites in named:
                assert set(sites) <= everyone - {site}, (path, site, resource, entry, sites)
                assert set(sites) <= peers or resource in ("routes", "address_lists"), (path, site, resource, entry)


def test_the_hub_of_the_demo_fleet_names_each_branch_in_its_peer_overlay_address_and_rules():
    hub = named_by_resource(fleet_plans(dict((p.rsplit("/", 1)[-1], p) for p in GOOD)["hub_spoke.yml"])["hub"])
    by_site = {}
    for resource, named in hub.items():
        for entry, sites in named:
            for site in sites:
                by_site.setdefault(site, set()).add(resource)
    expected = {"wireguard_peers", "addresses", "interface_list_members", "routes", "address_lists"}
    assert by_site == {"branch-a": expected | {"eoip_tunnels"}, "branch-b": expected | {"gre_tunnels"}}
    # what names no site: the WireGuard interface, its own address and list membership, the rules (they name the
    # tunnel list), the hub's own LANs in the list of its local LANs
    assert all(not sites for resource in ("wireguard_interfaces", "mangle_rules", "interface_lists", "firewall_rules")
               for _entry, sites in hub[resource])
    assert [(e["dst_address"], sites) for e, sites in hub["routes"]] == [
        ("192.168.11.0/24", ["branch-a"]), ("192.168.12.0/24", ["branch-b"])]
    assert sorted((e["list"], e["address"], tuple(sites)) for e, sites in hub["address_lists"]) == [
        ("sitelink-lans", "192.168.10.0/24", ()), ("sitelink-lans", "192.168.11.0/24", ("branch-a",)),
        ("sitelink-lans", "192.168.12.0/24", ("branch-b",)), ("sitelink-local", "192.168.10.0/24", ())]
    assert [e["name"] for e, sites in hub["firewall_rules"]] == [
        "wireguard-in", "gre-in", "ping-in-tunnels", "forward-from-tunnels", "forward-to-tunnels"]
    assert [(e["interface"], sites) for e, sites in hub["interface_list_members"]] == [
        ("wg-sitelink", []), ("eoip-branch-a", ["branch-a"]), ("gre-branch-b", ["branch-b"])]


@pytest.mark.parametrize("resource, entry, router, sites", [
    ("wireguard_peers", {"comment": "branch-b--hub"}, "hub", ["branch-b"]),
    ("wireguard_peers", {"comment": "hub--z"}, "hub", ["z"]),
    # a site's name may hold the separator: the link id is read from the router's own side
    ("wireguard_peers", {"comment": "a--b--hub"}, "hub", ["a--b"]),
    ("wireguard_peers", {"comment": "an operator's text"}, "hub", []),
    ("wireguard_peers", {"comment": "hub--"}, "hub", []),
    ("gre6_tunnels", {"comment": "hub--c"}, "hub", ["c"]),
    ("eoipv6_tunnels", {"name": "eoip-c", "comment": "c--hub"}, "hub", ["c"]),
    ("addresses", {"address": "10.254.0.0/31", "interface": "gre-c"}, "hub", ["c"]),
    ("addresses", {"address": "10.255.0.0/24", "interface": "wg-sitelink"}, "hub", []),
    ("interface_list_members", {"list": "sitelink-tunnels", "interface": "eoip-c"}, "hub", ["c"]),
    ("interface_list_members", {"list": "LAN", "interface": "gre-c"}, "hub", ["c"]),
    ("interface_list_members", {"list": "sitelink-tunnels", "interface": "wg-sitelink"}, "hub", []),
    ("firewall_rules", {"name": "forward-to-tunnels", "family": "ipv4"}, "hub", []),
    ("firewall_rules", {"name": "gre-in", "family": "ipv4"}, "hub", []),
    ("firewall_rules", {"name": "overlay-in-c", "family": "ipv4"}, "hub", ["c"]),
    ("firewall_rules", {"name": "overlay-in-c-ipv6", "family": "ipv6"}, "hub", ["c"]),
    ("firewall_rules", {"name": "forward-to-eoip-c-ipv6", "family": "ipv6"}, "hub", ["c"]),
    ("firewall_rules", {"name": "ping-in-gre-c", "family": "ipv4"}, "hub", ["c"]),
    ("firewall_rules", {"name": "ping-in-wg0", "family": "ipv4"}, "hub", []),
    ("firewall_rules", {"name": "wireguard-in", "family": "ipv4"}, "hub", []),
    ("routes", {"dst_address": "192.168.12.0/24", "gateway": "10.254.0.3"}, "hub", []),
    ("address_lists", {"list": "sitelink-lans", "address": "192.168.12.0/24"}, "hub", []),
])
def test_which_site_an_entry_names(resource, entry, router, sites):
    assert purge.sites_named(resource, entry, router) == sites


def test_only_the_unknown_sites_are_refused_and_the_listed_ones_may_go():
    removals = {"wireguard_peers": [{"comment": "b--hub"}, {"comment": "c--hub"}, {"comment": "hub--d"}],
                "gre_tunnels": [{"comment": "b--hub"}], "routes": [{"dst_address": "192.168.12.0/24"}],
                "firewall_rules": [{"name": "overlay-in-c", "family": "ipv4"}]}
    known = {"hub", "d"}.__contains__         # d is in the inventory (outside the play, or changed): never refused
    unknown = purge.unknown_sites(removals, "hub", known)
    assert unknown == {"b": ["wireguard_peers", "gre_tunnels"], "c": ["wireguard_peers", "firewall_rules"]}
    assert purge.refused(unknown, []) == unknown
    assert purge.refused(unknown, ["b"]) == {"c": ["wireguard_peers", "firewall_rules"]}
    assert purge.refused(unknown, ["b", "c"]) == {}
    message = purge.refusal("hub", purge.refused(unknown, ["b"]))
    assert message.startswith("hub: this run would remove the tunnels of 1 site(s)")
    assert "c (wireguard_peers, firewall_rules)" in message and "sitelink_purge_sites: [c]" in message
    assert "nothing was written on hub" in message and "sitelink_purge: true" in message
