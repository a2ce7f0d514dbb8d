"""The emulator accepts, in each release profile, only fields that release has according to a source the lab's
menus were not written from: community.routeros's versioned API data (tests/tools/community_routeros.py).

The lab and the collection's catalogue were written from one current CLI reference, so the lab carried gre6 and
eoipv6 `dont-fragment` in its 7.12-7.20 profiles and hid the collection's writing it there (routeros-review-3.md,
N1 and E1).  This is the lab's half of the check; tests/unit/.../test_catalogue_vs_community_routeros.py is the
catalogue's."""

import pytest

import community_routeros
from rosemu import schema

# Arguments of add/move, not fields of a row: community.routeros's data lists row fields only
ARGUMENTS = ("place-before",)

# (API path, field): why community.routeros's data is not the authority there.  Keep it short; each entry cites.
# community.routeros marks as 7.15+ what it first recorded from 7.15's /console/inspect (address lists: `dynamic`,
# which every release has, and `timeout` with it); timeout on address lists is older than RouterOS 7
# (wiki.mikrotik.com Manual:IP/Firewall/Address list, "Applies to RouterOS: 2.9, v3, v4+": timeout).
OLDER_THAN_THE_DATA_SAYS = "community.routeros's 7.15 /console/inspect baseline; RouterOS v6 had it already"
NOT_IN_COMMUNITY_ROUTEROS = {
    ("/ip/firewall/address-list", "timeout"): OLDER_THAN_THE_DATA_SAYS,
    ("/ipv6/firewall/address-list", "timeout"): OLDER_THAN_THE_DATA_SAYS,
}


@pytest.fixture(scope="module")
def api_data():
    return community_routeros.api_data()


def accepted(menu):
    """The fields a client may write on the menu (read-only ones are refused with `unknown parameter`)."""
    return set(f.name for f in menu.fields if not f.ro) - set(ARGUMENTS)


@pytest.mark.parametrize("profile", sorted(schema.PROFILES))
def test_each_profile_accepts_only_fields_its_release_has(api_data, profile):
    version = schema.PROFILES[profile].split(" ", maxsplit=1)[0]
    release = schema.release_of(version)
    problems = []
    for path in sorted(schema.CATALOGUE):
        known = community_routeros.fields_in(api_data, path, version)
        if known is None:       # the data says nothing of this menu on this release
            continue
        for name in sorted(accepted(schema.menu_for(path, release))):
            if (path, name) in NOT_IN_COMMUNITY_ROUTEROS:
                continue
            if name not in known:
                problems.append("%s %s accepts %s, which that release lacks" % (profile, path, name))
            elif known[name].read_only:
                problems.append("%s %s accepts %s, read-only in that release" % (profile, path, name))
    assert not problems, "community.routeros %s: %s" % (community_routeros.collection_version(), "; ".join(problems))


@pytest.mark.parametrize("path, name", sorted(NOT_IN_COMMUNITY_ROUTEROS))
def test_each_exception_is_still_needed(api_data, path, name):
    """An exception the data no longer contradicts goes, so that the field is checked again."""
    versions = [v.split(" ", maxsplit=1)[0] for v in schema.PROFILES.values()]
    assert any(name not in (community_routeros.fields_in(api_data, path, v) or {name: None}) for v in versions)
