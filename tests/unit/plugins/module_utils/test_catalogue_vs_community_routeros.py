"""Every field the catalogue writes exists, on every release it writes it to, in a source the catalogue was not
written from: community.routeros's versioned API data (tests/tools/community_routeros.py fetches it).

The catalogue and the lab's emulator were both written from one current CLI reference, so a field that a
release lacks was missing from neither (gre6/eoipv6 `dont-fragment`, on those menus only from 7.21:
routeros-review-3.md N1).  community.routeros's maintainers record each field with the releases that have it."""

import pytest

import community_routeros
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import resources as res

try:
    from rosemu import schema
    EMULATED = [schema.release_of(v) for v in schema.PROFILES.values()]
except ImportError:         # the lab is not installed: the supported range alone
    EMULATED = []

# Every release of the supported range (the emulator's profiles are among them)
RELEASES = sorted(set([(res.MINIMUM[0], minor) for minor in range(res.MINIMUM[1], res.LATEST[1] + 1)] + EMULATED))

# What the engine writes on every row besides the fields: the ownership marker and the entry's own text
ROW_WRITES = ("comment",)

# (API path, API name): why community.routeros's data is not the authority there.  Keep it short; each entry cites.
NOT_IN_COMMUNITY_ROUTEROS = {}


@pytest.fixture(scope="module")
def api_data():
    return community_routeros.api_data()


def written(resource, release):
    """{API path: the API names the catalogue writes there on `release`} (a path of one address family may have a
    field later than the other: /ipv6/route pref-src)."""
    fields = resource.for_release(release).fields
    return dict((path, set(f.api for f in fields if f.exists_on(release, family)) | set(ROW_WRITES))
                for family, path in resource.paths.items())


def shown(release):
    return "%d.%d" % release


@pytest.mark.parametrize("release", RELEASES, ids=shown)
def test_the_catalogue_writes_only_fields_community_routeros_has_on_that_release(api_data, release):
    problems = []
    for resource in res.RESOURCES.values():
        for path, fields in written(resource, release).items():
            known = community_routeros.fields_in(api_data, path, shown(release))
            if known is None:       # the data says nothing of this path on this release (see the test below)
                continue
            for api in sorted(fields):
                if (path, api) in NOT_IN_COMMUNITY_ROUTEROS:
                    continue
                if api not in known:
                    problems.append("%s writes %s on %s, which %s lacks there" % (
                        resource.name, api, path, shown(release)))
                elif known[api].read_only:
                    problems.append("%s writes %s on %s, read-only on %s" % (resource.name, api, path, shown(release)))
    assert not problems, "community.routeros %s: %s" % (community_routeros.collection_version(), "; ".join(problems))


def test_community_routeros_describes_every_path_the_catalogue_writes(api_data):
    """A path the data describes on none of the releases would be compared with nothing."""
    undescribed = []
    for resource in res.RESOURCES.values():
        for path in resource.paths.values():
            if all(community_routeros.fields_in(api_data, path, shown(r)) is None for r in RELEASES):
                undescribed.append(path)
    assert not undescribed


def test_the_comparison_sees_a_field_a_release_lacks(api_data):
    """The check itself: gre6 has no dont-fragment before 7.21 and has it from 7.21 on (routeros-review-3.md N1)."""
    assert "dont-fragment" not in community_routeros.fields_in(api_data, "/interface/gre6", "7.20")
    assert "dont-fragment" in community_routeros.fields_in(api_data, "/interface/gre6", "7.21")
    assert community_routeros.fields_in(api_data, "/interface/no-such-menu", "7.20") is None


@pytest.mark.parametrize("path, api", sorted(NOT_IN_COMMUNITY_ROUTEROS))
def test_each_exception_is_still_needed(api_data, path, api):
    """An exception the data no longer contradicts goes: the catalogue then is checked on that field again."""
    assert any(api not in (community_routeros.fields_in(api_data, path, shown(r)) or {api: None}) for r in RELEASES)
