"""The field table carries the RouterOS releases each field exists in; the engine writes only what the router's
release has and refuses, before any write, an option the release lacks."""

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import engine as eng
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import resources as res
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.errors import RouterosError

RELEASES = [(7, 1), (7, 12), (7, 14), (7, 15), (7, 16), (7, 17), (7, 18), (7, 21)]
PEERS = "/interface/wireguard/peers"
KEY = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="


@pytest.mark.parametrize("release", RELEASES)
@pytest.mark.parametrize("name", sorted(res.RESOURCES))
def test_each_release_sees_each_option_and_api_name_at_most_once(name, release):
    resource = res.RESOURCES[name].for_release(release)
    options = [f.option for f in resource.fields]
    apis = [f.api for f in resource.fields]
    assert len(options) == len(set(options)) and len(apis) == len(set(apis))
    assert all(f.since is None or f.since <= release for f in resource.fields)


def test_the_peer_fields_follow_the_releases():
    """routeros-api.md: name from 7.15; the responder flag is is-responder in 7.15-7.16, responder from 7.17."""
    def fields(release):
        return dict((f.option, f.api) for f in res.WIREGUARD_PEERS.for_release(release).fields)
    assert "name" not in fields((7, 14)) and "responder" not in fields((7, 14))
    assert fields((7, 15))["responder"] == fields((7, 16))["responder"] == "is-responder"
    assert fields((7, 17))["responder"] == fields((7, 21))["responder"] == "responder"
    assert fields((7, 15))["name"] == "name"


def test_the_table_matches_the_emulators_release_profiles():
    """The emulator's menus and the collection's table agree on every field we manage, release by release."""
    schema = pytest.importorskip("rosemu.schema")
    for profile in sorted(schema.PROFILES):
        release = schema.release_of(profile)
        for resource in res.RESOURCES.values():
            for family, path in resource.paths.items():
                menu = schema.menu_for(path, release)
                writable = set(f.name for f in menu.fields if not f.ro)
                ours = set(f.api for f in resource.for_release(release).fields if f.exists_on(release, family))
                assert ours <= writable, (profile, path, ours - writable)
                for field in resource.fields:
                    if not field.exists_on(release, family):
                        assert field.api not in writable or field.api in ours, (profile, path, field.api)


def plan(release, config, state, rows):
    engine = eng.Engine(res.WIREGUARD_PEERS, "r1", release=release)
    return engine.plan(config, state, {PEERS: rows})


def test_replaced_writes_no_field_the_release_lacks():
    """7.12 has no responder: writing its default was 'unknown parameter responder' on every second run."""
    rows = [{".id": "*1", "interface": "wg0", "public-key": KEY, "allowed-address": "10.0.0.1/32",
             "endpoint-address": "", "endpoint-port": "0", "persistent-keepalive": "0s", "disabled": "false",
             "comment": "sitelink:fleet a--b"}]
    config = [{"interface": "wg0", "public_key": KEY, "allowed_address": ["10.0.0.1/32"], "comment": "a--b"}]
    assert plan((7, 12), config, "replaced", rows) == []
    ops = plan((7, 16), config, "replaced", [dict(rows[0], **{"is-responder": "true"})])
    assert [op.args for op in ops] == [{"is-responder": "no"}]


def test_a_7_15_peer_name_made_up_by_the_router_is_left_alone():
    rows = [{".id": "*1", "interface": "wg0", "public-key": KEY, "allowed-address": "10.0.0.1/32", "name": "peer1",
             "endpoint-address": "", "endpoint-port": "0", "persistent-keepalive": "0s", "disabled": "false",
             "responder": "false", "comment": "sitelink:fleet a--b"}]
    config = [{"interface": "wg0", "public_key": KEY, "allowed_address": ["10.0.0.1/32"], "comment": "a--b"}]
    assert plan((7, 18), config, "overridden", rows) == []


def test_an_option_the_release_lacks_is_refused_naming_router_and_release():
    engine = eng.Engine(res.WIREGUARD_PEERS, "r1", release=(7, 12))
    problems = engine.validate([{"interface": "wg0", "public_key": KEY, "allowed_address": ["10.0.0.1/32"],
                                 "responder": True}], "merged", None)
    assert problems == ["config[0] (interface=wg0 public_key=xTIBA5rb...): responder is not in RouterOS 7.12, which "
                        "r1 runs (it needs 7.15 or later)"]


def test_a_render_without_router_is_written_for_the_newest_release():
    engine = eng.Engine(res.WIREGUARD_PEERS, "r1")
    assert engine.release == res.NEWEST and "responder" in [f.api for f in engine.resource.fields]


def test_release_parsing():
    assert res.release("7.16.2 (stable)") == (7, 16) and res.release("7.12") == (7, 12)
    with pytest.raises(ValueError):
        res.release("unknown")
    assert RouterosError
