"""Link slots: linear in the links by default, the triangular index with scheme: pairs; unique, stable when sites come
and go, and a pool too small for the fleet is one message that says the size it needs."""

import copy

import ipaddress
import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import addressing, model, plan, validate


def hub_and_spokes(count, hubs=1, ids=None, overlay="eoip", pools=None):
    """(sites, settings): `hubs` hubs and count - hubs spokes, hub_spoke; ids 1..count unless `ids` maps names."""
    names = ["hub%d" % n for n in range(1, hubs + 1)] + ["s%04d" % n for n in range(hubs + 1, count + 1)]
    sites = {}
    for number, name in enumerate(names, start=1):
        site = {"id": (ids or {}).get(name, number), "lans": ["10.%d.%d.0/24" % (100 + number // 250, number % 250)]}
        if name.startswith("hub"):
            site["endpoint"] = "198.51.100.%d" % number
        sites[name] = site
    settings = {"sitelink_topology": {"type": "hub_spoke", "hubs": names[:hubs], "aggregates": ["10.96.0.0/11"]},
                "sitelink_link_defaults": {"overlay": overlay}, "sitelink_psk_secret": "unit",
                "sitelink_pools": dict({"wireguard": "100.64.0.0/21", "overlay": "100.72.0.0/21"}, **(pools or {}))}
    return sites, settings


def mesh(count, pools=None):
    sites = dict(("m%02d" % n, {"id": n, "lans": ["192.168.%d.0/24" % n], "endpoint": "198.51.100.%d" % n})
                 for n in range(1, count + 1))
    return sites, {"sitelink_topology": {"type": "mesh"}, "sitelink_psk_secret": "unit",
                   "sitelink_pools": dict(pools or {})}


def slots(sites, settings):
    """{link id: slot} of a valid fleet."""
    m = model.load(sites, settings)
    assert validate.plan_fleet(m) is not None, [str(p) for p in m.problems]
    return dict((link.id, addressing.link_slot(m, link)) for link in m.links)


def problems(sites, settings):
    m = model.load(sites, settings)
    validate.plan_fleet(m)
    return [str(p) for p in m.problems]


def test_one_hub_fills_one_slot_per_spoke_keyed_by_the_spokes_id():
    got = slots(*hub_and_spokes(5))
    assert got == {"hub1--s0002": 1, "hub1--s0003": 2, "hub1--s0004": 3, "hub1--s0005": 4}


def test_a_hub_with_a_larger_id_than_its_spokes_takes_the_spokes_blocks():
    got = slots(*hub_and_spokes(4, ids={"hub1": 900, "s0002": 1, "s0003": 2, "s0004": 3}))
    assert got == {"hub1--s0002": 0, "hub1--s0003": 1, "hub1--s0004": 2}


def test_two_hubs_take_a_block_of_two_per_site_and_their_own_link_the_later_hubs_block():
    got = slots(*hub_and_spokes(4, hubs=2))
    # hub2 (id 2) reaches hub1 (position 0) from its block 2-3; s0003 (id 3): block 4-5; s0004: 6-7
    assert got == {"hub1--hub2": 2, "hub1--s0003": 4, "hub2--s0003": 5, "hub1--s0004": 6, "hub2--s0004": 7}


def test_hub_slots_reserves_room_for_a_hub_added_later():
    sites, settings = hub_and_spokes(6)
    settings["sitelink_pools"]["hub_slots"] = 2
    before = slots(sites, settings)
    sites["hub2"] = {"id": 7, "lans": ["192.168.77.0/24"], "endpoint": "198.51.100.77"}
    settings["sitelink_topology"]["hubs"].append("hub2")
    after = slots(sites, settings)
    assert before.items() <= after.items()
    assert after["hub2--s0003"] == 5 and after["hub1--hub2"] == 12


@pytest.mark.parametrize("make", [lambda: hub_and_spokes(40), lambda: hub_and_spokes(40, hubs=2), lambda: mesh(12),
                                  lambda: hub_and_spokes(40, pools={"scheme": "pairs"})],
                         ids=["one hub", "two hubs", "mesh", "pairs"])
def test_adding_or_removing_sites_moves_no_other_links_slot(make):
    sites, settings = make()
    whole = slots(sites, settings)
    assert len(set(whole.values())) == len(whole)              # unique
    for gone in sorted(n for n in sites if not n.startswith("hub"))[3:30:7]:
        fewer = dict((n, s) for n, s in sites.items() if n != gone)
        kept = slots(fewer, settings)
        assert kept == dict((k, v) for k, v in whole.items() if gone not in k.split("--")), gone
    more = dict(sites, newcomer={"id": 77, "lans": ["172.31.0.0/24"], "endpoint": "198.51.100.250"})
    pools = dict(settings["sitelink_pools"], wireguard="100.64.0.0/10", overlay="172.16.0.0/14")
    grown = slots(more, dict(settings, sitelink_pools=pools))
    assert whole.items() <= grown.items() and len(set(grown.values())) == len(grown)


def test_a_mesh_of_ids_one_to_n_fills_exactly_its_links_slots():
    assert sorted(slots(*mesh(12)).values()) == list(range(12 * 11 // 2))


def test_p2p_takes_slot_zero_whatever_the_ids():
    sites = {"a": {"id": 40, "lans": ["192.168.1.0/24"], "endpoint": "198.51.100.1"},
             "b": {"id": 90, "lans": ["192.168.2.0/24"]}}
    assert slots(sites, {"sitelink_topology": {"type": "p2p"}, "sitelink_psk_secret": "u"}) == {"a--b": 0}


def test_a_link_may_pin_its_slot_and_a_link_between_two_spokes_must():
    sites, settings = hub_and_spokes(5)
    sites["s0002"]["endpoint"] = "203.0.113.2"
    settings["sitelink_topology"]["links"] = [{"sites": ["s0002", "s0003"]}]
    assert problems(sites, settings) == [
        "fleet: sitelink_topology.links[0]: link s0002--s0003 joins two spokes: give it a slot of its own (slot: N, a "
        "number no other link takes; the sites' blocks take slots 0-4 and grow with the site ids, so take one from "
        "the top of the pools)"]
    settings["sitelink_topology"]["links"] = [{"sites": ["s0002", "s0003"], "slot": 100}]
    got = slots(sites, settings)
    assert got["s0002--s0003"] == 100 and got["hub1--s0002"] == 1
    settings["sitelink_topology"]["links"] = [{"sites": ["s0002", "s0003"], "slot": 4}]
    assert problems(sites, settings) == [
        "fleet: sitelink_topology.links[0].slot: link s0002--s0003: slot 4 is also the slot of hub1--s0005"]


def test_a_scheme_that_is_not_one_and_too_few_hub_slots_are_refused():
    sites, settings = hub_and_spokes(5, hubs=2)
    settings["sitelink_pools"].update(scheme="linaer", hub_slots=1)
    assert problems(sites, settings) == [
        "fleet: sitelink_pools.scheme: must be one of linear, pairs, not 'linaer'; did you mean linear? (pairs keeps "
        "the addresses of a fleet set up before linear)",
        "fleet: sitelink_pools.hub_slots: 1 slots per site cannot hold a spoke's links to 2 hubs"]


# the scale the issue asks for: 1,000 sites, one hub


def test_a_thousand_site_hub_and_spokes_fits_a_21_per_pool_and_the_eoip_ids():
    sites, settings = hub_and_spokes(1000)
    m = model.load(sites, settings)
    plans = validate.plan_fleet(m)
    assert plans is not None, [str(p) for p in m.problems[:3]]
    ids = [o["tunnel_id"] for o in plans["hub1"]["overlays"]]
    assert len(ids) == len(set(ids)) == 999 and max(ids) == 100 + 999
    wireguard = [ipaddress.ip_interface(a["address"]) for a in plans["hub1"]["addresses"]
                 if a["interface"] == "wg-sitelink"]
    assert max(wireguard).ip == ipaddress.ip_address("100.64.7.206")
    assert all(n.network.prefixlen == 31 for n in wireguard)
    # EoIPv6 (12-bit ids) too: the ids end at 1099
    assert max(ids) <= 4095


def test_a_pool_too_small_for_the_fleet_is_one_message_with_the_size_it_needs():
    sites, settings = hub_and_spokes(1000, pools={"wireguard": "10.255.0.0/24", "overlay": "10.254.0.0/22"})
    assert problems(sites, settings) == [
        "fleet: sitelink_pools.overlay: 10.254.0.0/22 holds 512 links; this fleet needs room for 1000 (a /21 or "
        "larger)",
        "fleet: sitelink_pools.wireguard: 10.255.0.0/24 holds 128 links; this fleet needs room for 1000 (a /21 or "
        "larger)"]


def test_a_30_overlay_slot_needs_twice_the_pool():
    sites, settings = hub_and_spokes(1000, pools={"overlay_prefix_length": 30})
    assert problems(sites, settings) == [
        "fleet: sitelink_pools.overlay: 100.72.0.0/21 holds 512 links; this fleet needs room for 1000 (a /20 or "
        "larger)"]
    settings["sitelink_pools"]["overlay"] = "100.72.0.0/20"
    assert slots(sites, settings)["hub1--s1000"] == 999


def test_the_pairs_scheme_says_why_it_needs_so_much():
    sites, settings = hub_and_spokes(100, overlay="gre", pools={"scheme": "pairs"})
    hint = "; the pairs scheme takes a slot for every pair of site ids (scheme: linear grows with the links)"
    assert problems(sites, settings) == [
        "fleet: sitelink_pools.overlay: 100.72.0.0/21 holds 1024 links; this fleet needs room for 4852 (a /18 or "
        "larger)" + hint,
        "fleet: sitelink_pools.wireguard: 100.64.0.0/21 holds 1024 links; this fleet needs room for 4852 (a /18 or "
        "larger)" + hint]
    settings["sitelink_pools"]["scheme"] = "linear"
    assert problems(sites, settings) == []


def test_eoipv6_ids_beyond_4095_are_one_message_with_the_base_that_fits():
    sites, settings = hub_and_spokes(1000, pools={"wireguard": "fd00:255::/64", "overlay": "fd00:254::/64",
                                                  "overlay_prefix_length": 127, "tunnel_id_base": 3500})
    for site in sites.values():
        site["lans"] = ["2001:db8:%x::/64" % site["id"]]
        if "endpoint" in site:
            site["endpoint"] = "2001:db8:ffff::%x" % site["id"]
    settings["sitelink_topology"].pop("aggregates")
    assert problems(sites, settings) == [
        "fleet: sitelink_pools.tunnel_id_base: EoIP tunnel ids are 3500 + each link's slot, up to 4499 here; 404 "
        "links lie beyond 0-4095 for EoIPv6 over the IPv6 WireGuard pool: this fleet needs a tunnel_id_base of 3096 "
        "or less"]


# the old scheme, chosen explicitly, keeps every address and tunnel id


def old_slot(m, link, pool_name):
    """plan.slot before the schemes (commit 86308fb), verbatim but for the names: the triangular index of the ids."""
    pool = m.pool_nets[pool_name]
    length = plan.width(pool) - 1 if pool_name == "wireguard" else int(m.pools["overlay_prefix_length"])
    size = 2 ** (plan.width(pool) - length)
    low, high = sorted((m.sites[link.a].id, m.sites[link.b].id))
    return size * ((high - 1) * (high - 2) // 2 + (low - 1)), size, length


@pytest.mark.parametrize("hubs", [1, 2])
def test_a_fifty_site_fleet_on_the_pairs_scheme_keeps_every_address_and_tunnel_id(hubs):
    ids = dict(("s%04d" % n, 3 * n + 7) for n in range(1, 51))      # sparse ids, hubs among the largest
    ids.update(hub1=120, hub2=5)
    sites, settings = hub_and_spokes(50, hubs=hubs, ids=ids,
                                     pools={"scheme": "pairs", "wireguard": "10.0.0.0/13", "overlay": "10.8.0.0/13"})
    m = model.load(sites, settings)
    plans = validate.plan_fleet(m)
    assert plans is not None, [str(p) for p in m.problems[:3]]
    checked = 0
    for link in m.links:
        for end in (link.a, link.b):
            for pool_name, kind in (("wireguard", "wg-sitelink"), ("overlay", "eoip-%s" % link.other(end))):
                offset, _size, length = old_slot(m, link, pool_name)
                low = ipaddress.IPv4Address(int(m.pool_nets[pool_name].network.network_address) + offset)
                mine = low if m.sites[end].id < m.sites[link.other(end)].id else low + 1
                assert {"address": "%s/%d" % (mine, length), "interface": kind} in plans[end]["addresses"]
                checked += 1
            tunnel = [o["tunnel_id"] for o in plans[end]["overlays"] if o["link"] == link.id]
            assert tunnel == [100 + old_slot(m, link, "wireguard")[0] // 2]
    assert checked == 4 * len(m.links) and len(m.links) == 49 * hubs - (hubs - 1)


def test_the_pairs_scheme_is_the_planners_old_output_for_a_mesh_too():
    sites, settings = mesh(12, pools={"scheme": "pairs"})
    m = model.load(sites, copy.deepcopy(settings))
    assert validate.plan_fleet(m) is not None
    assert [plan.slot(m, link, "wireguard") for link in m.links] == [old_slot(m, link, "wireguard") for link in m.links]


@pytest.mark.parametrize("value, said", [
    ("x", "must be a whole number from 0 to 4294967295, not 'x'"),
    (True, "must be a whole number from 0 to 4294967295"),
    (-1, "-1 is out of range (0 to 4294967295)")])
def test_a_slot_that_is_not_a_number_is_refused_where_it_is_written(value, said):
    sites, settings = hub_and_spokes(3)
    settings["sitelink_topology"]["links"] = [{"sites": ["hub1", "s0002"], "slot": value}]
    assert problems(sites, settings) == ["fleet: sitelink_topology.links[0].slot: " + said]


def test_a_slot_in_the_link_defaults_is_no_setting():
    sites, settings = hub_and_spokes(3)
    settings["sitelink_link_defaults"]["slot"] = 7
    assert [p for p in problems(sites, settings) if "slot" in p] == [
        "fleet: sitelink_link_defaults.slot: unknown setting (known: overlay, preshared_key, keepalive, tunnel_id, "
        "distance, overlay_keepalive, cost)"]
