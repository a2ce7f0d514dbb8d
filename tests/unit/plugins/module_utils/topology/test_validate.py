"""Every bad inventory gives its expected messages; good ones give none."""

import os

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model, validate

from ansible_collections.sitelink.tunnels.plugins.plugin_utils import inventory as fleet

from corpus import all_problems, cases, load, load_hosts

BAD = cases("bad")


def test_the_corpus_is_large_enough():
    assert len(BAD) >= 25


@pytest.mark.parametrize("path", BAD, ids=[os.path.basename(p)[:-4] for p in BAD])
def test_bad_inventory(path):
    """The fleet step's check: each expected message, and nothing else (one message per problem, no follow-ons,
    unless the inventory lists `also_expected`)."""
    sites, settings, expected, hosts = load_hosts(path)
    assert expected, "the inventory must say what it expects"
    found = [str(p) for p in fleet.check(sites, settings, hosts)[0].problems]
    for message in expected:
        assert any(message in problem for problem in found), "%r not in %s" % (message, found)
    assert len(found) == len(expected), "unexpected problems: %s" % [
        p for p in found if not any(m in p for m in expected)]


@pytest.mark.parametrize("path", cases("good"))
def test_good_inventory(path):
    sites, settings, _expected = load(path)
    assert all_problems(model.load(sites, settings)) == []


def test_all_problems_at_once():
    sites, settings, _expected = load(cases("good")[0])
    sites["hub"] = dict(sites["hub"], listen_port=0, lans=["10.255.0.0/25"])
    sites["branch-a"] = dict(sites["branch-a"], id=3)
    problems = [str(p) for p in all_problems(model.load(sites, settings))]
    assert len(problems) >= 3
    assert any(p.startswith("hub: sitelink_site.listen_port") for p in problems)
    assert any(p.startswith("branch-b: sitelink_site.id") or p.startswith("branch-a: sitelink_site.id")
               for p in problems)


def test_overlap_sweep_finds_exactly_the_overlapping_pairs():
    """The sorted sweep that replaced pair-by-pair checks, against the pairwise definition."""
    import random

    import ipaddress

    rng = random.Random(7)
    for _round in range(50):
        nets = []
        for _n in range(rng.randint(0, 30)):
            if rng.random() < 0.2:
                nets.append(ipaddress.ip_network("fd00:%x::/%d" % (rng.randint(0, 3), rng.choice((32, 48, 64))),
                                                 strict=False))
            else:
                nets.append(ipaddress.ip_network("10.%d.%d.0/%d" % (rng.randint(0, 3), rng.randint(0, 255),
                                                                    rng.choice((8, 16, 22, 24, 26))), strict=False))
        expected = sorted((i, j) for i in range(len(nets)) for j in range(i) if nets[i].version == nets[j].version
                          and (nets[i].subnet_of(nets[j]) or nets[j].subnet_of(nets[i])))
        assert validate._overlaps(nets) == expected, nets


def test_lan_overlap_is_reported_once_on_the_later_site():
    sites, settings, _expected = load(cases("good")[0])
    sites["branch-b"] = dict(sites["branch-b"], lans=["192.168.12.0/24", "192.168.11.128/25"])
    problems = [str(p) for p in all_problems(model.load(sites, settings))]
    assert problems == ["branch-b: sitelink_site.lans[1]: 192.168.11.128/25 overlaps 192.168.11.0/24, a LAN of "
                        "branch-a"]


def test_plan_fleet_plans_every_configured_site_once_or_nothing():
    sites, settings, _expected = load(cases("good")[0])
    m = model.load(sites, settings)
    assert sorted(validate.plan_fleet(m)) == ["branch-a", "branch-b", "hub"]
    sites["hub"] = dict(sites["hub"], id=2)
    assert validate.plan_fleet(model.load(sites, settings)) is None
