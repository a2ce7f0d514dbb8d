"""Every bad inventory gives its expected messages; good ones give none."""

import os

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model, validate

from corpus import cases, load

BAD = cases("bad")


def test_the_corpus_is_large_enough():
    assert len(BAD) >= 25


@pytest.mark.parametrize("path", BAD, ids=[os.path.basename(p)[:-4] for p in BAD])
def test_bad_inventory(path):
    sites, settings, expected = load(path)
    assert expected, "the inventory must say what it expects"
    found = [str(p) for p in validate.validate(model.load(sites, settings))]
    for message in expected:
        assert any(message in problem for problem in found), "%r not in %s" % (message, found)


@pytest.mark.parametrize("path", cases("good"))
def test_good_inventory(path):
    sites, settings, _expected = load(path)
    assert validate.validate(model.load(sites, settings)) == []


def test_all_problems_at_once():
    sites, settings, _expected = load(cases("good")[0])
    sites["hub"] = dict(sites["hub"], listen_port=0, lans=["10.255.0.0/25"])
    sites["branch-a"] = dict(sites["branch-a"], id=3)
    problems = [str(p) for p in validate.validate(model.load(sites, settings))]
    assert len(problems) >= 3
    assert any(p.startswith("hub: sitelink_site.listen_port") for p in problems)
    assert any(p.startswith("branch-b: sitelink_site.id") or p.startswith("branch-a: sitelink_site.id")
               for p in problems)
