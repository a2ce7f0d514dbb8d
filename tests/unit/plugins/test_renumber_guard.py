"""The renumbering guard's comparison (issue 19, item 1: existing fleets keep their addresses): the transit addresses
and EoIP tunnel ids a router's links hold against the planned ones, read from the RouterOS adapter's entries."""

import copy
import os

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import routeros
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model, plan
from ansible_collections.sitelink.tunnels.plugins.module_utils.common import renumber

from corpus import INVENTORIES, cases, load

HUB_SPOKE = os.path.join(INVENTORIES, "good", "hub_spoke.yml")


def fleet_entries(path, **pools):
    """{site: (its WireGuard interface, {resource: the entries the adapter makes})}, with `pools` over the file's."""
    sites, settings, _problems = load(path)
    settings = copy.deepcopy(settings)
    settings.setdefault("sitelink_pools", {}).update(pools)
    m = model.load(sites, settings)
    out = {}
    for name in m.sites:
        if m.sites[name].capabilities.configured:
            site_plan = plan.plan_site(m, name)
            desired = routeros.desired(site_plan, plan.public_key_placeholders(site_plan), "secret", "fleet")
            out[name] = (site_plan["wireguard"]["name"], dict((r, desired[r]) for r in renumber.RESOURCES))
    return out


def moved(existing, planned):
    wireguard, old = existing
    return renumber.renumbered(renumber.numbers(old, wireguard), renumber.numbers(planned[1], wireguard))


def test_the_demo_hub_reads_each_links_transit_addresses_and_tunnel_id():
    wireguard, entries = fleet_entries(HUB_SPOKE, scheme="pairs")["hub"]
    assert renumber.numbers(entries, wireguard) == {
        "branch-a--hub": {"address on wg-sitelink": "10.255.0.0/31", "address on eoip-branch-a": "10.254.0.0/31",
                          "tunnel id of eoip-branch-a": "100"},
        "branch-b--hub": {"address on wg-sitelink": "10.255.0.2/31", "address on gre-branch-b": "10.254.0.2/31"},
    }


def test_pairs_to_linear_moves_every_link_of_the_demo_fleet_at_both_ends():
    old, new = fleet_entries(HUB_SPOKE, scheme="pairs"), fleet_entries(HUB_SPOKE)
    assert moved(old["hub"], new["hub"]) == [
        ("branch-a--hub", [("address on eoip-branch-a", "10.254.0.0/31", "10.254.0.2/31"),
                           ("address on wg-sitelink", "10.255.0.0/31", "10.255.0.2/31"),
                           ("tunnel id of eoip-branch-a", "100", "101")]),
        ("branch-b--hub", [("address on gre-branch-b", "10.254.0.2/31", "10.254.0.4/31"),
                           ("address on wg-sitelink", "10.255.0.2/31", "10.255.0.4/31")]),
    ]
    assert [link for link, _changes in moved(old["branch-a"], new["branch-a"])] == ["branch-a--hub"]
    assert [link for link, _changes in moved(old["branch-b"], new["branch-b"])] == ["branch-b--hub"]


@pytest.mark.parametrize("path", cases("good"), ids=lambda p: p.rsplit("/", 1)[-1])
def test_a_fleet_planned_again_with_its_own_scheme_moves_nothing(path):
    for scheme in ("pairs", "linear"):
        try:
            fleet = fleet_entries(path, scheme=scheme)
        except ValueError:
            continue        # a link between two spokes without a slot: no plan on that scheme
        for site, entries in fleet.items():
            assert moved(entries, entries) == [], (path, scheme, site)


def entries_of(peers=(), addresses=(), eoip=(), gre=()):
    return {"wireguard_peers": list(peers), "addresses": list(addresses), "eoip_tunnels": list(eoip),
            "gre_tunnels": list(gre)}


PEER = {"comment": "a--b", "allowed_address": ["10.255.0.1/32", "192.168.2.0/24"]}
WG = {"address": "10.255.0.0/31", "interface": "wg0"}


def test_only_the_numbers_count_not_the_lans_a_new_link_or_a_dropped_one():
    old = entries_of([PEER], [WG])
    more_lans = entries_of([dict(PEER, allowed_address=["10.255.0.1/32", "192.168.2.0/23", "10.9.0.0/16"])], [WG])
    new_link = entries_of([PEER, {"comment": "a--c", "allowed_address": ["10.255.0.3/32"]}],
                          [WG, {"address": "10.255.0.2/31", "interface": "wg0"}])
    assert renumber.renumbered(renumber.numbers(old, "wg0"), renumber.numbers(more_lans, "wg0")) == []
    assert renumber.renumbered(renumber.numbers(old, "wg0"), renumber.numbers(new_link, "wg0")) == []
    assert renumber.renumbered(renumber.numbers(new_link, "wg0"), renumber.numbers(old, "wg0")) == []


def test_a_moved_wireguard_transit_is_named_with_its_old_and_new_address():
    old = entries_of([PEER], [WG])
    new = entries_of([dict(PEER, allowed_address=["10.255.0.5/32", "192.168.2.0/24"])],
                     [{"address": "10.255.0.4/31", "interface": "wg0"}])
    assert renumber.renumbered(renumber.numbers(old, "wg0"), renumber.numbers(new, "wg0")) == [
        ("a--b", [("address on wg0", "10.255.0.0/31", "10.255.0.4/31")])]


def test_an_ipv6_transit_is_read_too():
    old = entries_of([{"comment": "a--b", "allowed_address": ["fd00::1/128"]}],
                     [{"address": "fd00::/127", "interface": "wg0"}, {"address": "10.255.0.0/31", "interface": "wg0"}])
    assert renumber.numbers(old, "wg0") == {"a--b": {"address on wg0": "fd00::/127"}}


def test_an_overlay_that_changes_kind_is_a_new_interface_not_a_renumbering():
    old = entries_of(addresses=[{"address": "10.254.0.0/31", "interface": "gre-b"}],
                     gre=[{"name": "gre-b", "comment": "a--b"}])
    new = entries_of(addresses=[{"address": "10.254.0.2/31", "interface": "eoip-b"}],
                     eoip=[{"name": "eoip-b", "comment": "a--b", "tunnel_id": 7}])
    assert renumber.renumbered(renumber.numbers(old, "wg0"), renumber.numbers(new, "wg0")) == []


def test_an_operators_address_or_an_entry_without_a_link_adds_nothing():
    entries = entries_of([{"comment": "", "allowed_address": ["10.255.0.1/32"]}, dict(PEER, allowed_address=[])],
                         [WG, {"address": "not an address", "interface": "wg0"}],
                         eoip=[{"name": "eoip-b", "comment": "a--b"}])
    assert renumber.numbers(entries, "wg0") == {}


def test_the_refusal_names_the_router_each_link_old_and_new_and_both_ways_out():
    message = renumber.refusal("hub", [("branch-a--hub", [("tunnel id of eoip-branch-a", "0", "1")])])
    assert message.startswith("hub: this run would renumber 1 existing link(s): branch-a--hub (tunnel id of "
                              "eoip-branch-a 0 -> 1).")
    assert "nothing was written on hub" in message
    assert "sitelink_pools.scheme: pairs" in message and "sitelink_renumber: true" in message
    assert "--limit" in message


def test_a_refusal_of_many_links_details_ten_and_names_the_rest():
    moved = [("hub--s%02d" % i, [("address on wg0", "10.255.0.%d/31" % (2 * i), "10.255.0.%d/31" % (2 * i + 2))])
             for i in range(12)]
    message = renumber.refusal("hub", moved)
    assert "would renumber 12 existing link(s): hub--s00 (address on wg0 10.255.0.0/31 -> 10.255.0.2/31);" in message
    assert "hub--s09 (address on wg0" in message and "; and 2 more: hub--s10, hub--s11." in message
