"""The field catalogue checks itself when it is built (as community.routeros's test__api_data.py tests
VersionedAPIData and KeyInfo): each contradictory declaration fails at construction, naming the resource and the
option; the shipped catalogue builds."""

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import kinds as k
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import resources as res
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.resources import (
    STOPS, CatalogueError, Field, Option, Ordering, Resource)

NAME = Field("name", required=True)
PORT = Field("port", k.INT, default=1)
RULE_OPTIONS = (Option("name", "rule name", required=True), Option("family", "family", choices=("ipv4", "ipv6")))
DUAL = {"ipv4": "/ip/thing", "ipv6": "/ipv6/thing"}


def thing(**changes):
    declared = dict(name="thing", paths={"": "/thing"}, key=("name",), fields=(NAME, PORT))
    declared.update(changes)
    return Resource(**declared)


def test_a_well_formed_resource_builds():
    built = thing(exclusive=("port",), read_only=("running",), status=("uptime",), read_where={"dynamic": False})
    assert built.by_option["port"] is PORT and built.read_back == ("running", "uptime")


CONTRADICTIONS = [
    (dict(key=()), "resource thing: key names no option"),
    (dict(key=("nmae",)), "resource thing: key names 'nmae', which is no option of it"),
    (dict(ordered_by=Ordering("chain", "action", STOPS)),
     "resource thing: ordered_by names 'chain', which is no field of it; ordered_by names 'action', which is no field "
     "of it"),
    (dict(exclusive=("listen_port",)), "resource thing: exclusive names 'listen_port', which is no field of it"),
    (dict(foreign_clash=("distance",)), "resource thing: foreign_clash names 'distance', which is no field of it"),
    (dict(family_of="address", paths=DUAL), "resource thing: family_of names 'address', which is no option of it"),
    (dict(key_in_comment="name"),
     r"resource thing: key_in_comment 'name' must be a key option declared config-only \(it is no API field\)"),
    (dict(key=("rule",), fields=(PORT,), config_only=RULE_OPTIONS[:1], key_in_comment="rule"),
     "resource thing: key names 'rule', which is no option of it"),
    (dict(config_only=()), "resource thing: option 'comment' is missing from config_only"),
    (dict(config_only=(Option("name", "twice"), res.COMMENT)),
     "resource thing: option 'name' is both a field and a config-only option"),
    (dict(fields=(NAME, PORT, Field("port", k.INT))), "resource thing: option 'port' is declared twice"),
    (dict(fields=(NAME, PORT, Field("port2", api="port"))), "resource thing: api 'port' is declared twice"),
    (dict(fields=(NAME, Field("port", since="7.15", until="7.16"), Field("port", since="7.16"))),
     "resource thing: option 'port' is declared twice for the same releases"),
    (dict(fields=(NAME, Field("port", since="7.17", until="7.15"))),
     "resource thing: option 'port': since=7.17 is after until=7.15"),
    (dict(fields=(NAME, Field("port", since="6.48"))),
     r"resource thing: option 'port': since=6.48 is outside the supported releases 7.1-7.21"),
    (dict(fields=(NAME, Field("port", until="8.1"))),
     r"resource thing: option 'port': until=8.1 is outside the supported releases 7.1-7.21"),
    (dict(fields=(NAME, Field("port", family_since={"ipv6": "7.25"}))),
     r"resource thing: option 'port': family_since\[ipv6\]=7.25 is outside the supported releases 7.1-7.21; option "
     r"'port': family_since names 'ipv6', which is no path of it"),
    (dict(fields=(Field("name", since="7.15"), PORT)), "resource thing: key names 'name', which only some releases"),
    (dict(exclusive=("port",), fields=(NAME, Field("port", since="7.15"))),
     "resource thing: exclusive names 'port', which only some releases have"),
    (dict(paths=DUAL), r"resource thing: paths \['ipv4', 'ipv6'\] need family_of to choose between them"),
    (dict(family_of="port", paths={"v4": "/ip/thing"}),
     r"resource thing: family_of 'port' needs an ipv4 and an ipv6 path, not \['v4'\]"),
    (dict(read_where={"dinamic": False}), "resource thing: read_where names 'dinamic', which is not read"),
    (dict(status=("port",)), "resource thing: status 'port' is a written field"),
    (dict(read_only=("running",), status=("running",)), "resource thing: read_only and status name a value twice"),
    (dict(fields=(NAME, Field("port", secret=True, until="7.16"), Field("port", since="7.17"))),
     "resource thing: option 'port': its declarations differ in secret"),
    (dict(fields=(NAME, Field("port", k.INT, until="7.16"), Field("port", k.BOOL, since="7.17"))),
     "resource thing: option 'port': its declarations differ in kind"),
    (dict(fields=(Field("name", required=True, secret=True), PORT)),
     r"resource thing: option 'name' is secret and a key \(keys are shown in every message\)"),
    (dict(fields=(NAME, Field("mode", default="fast", choices=("slow", "safe")))),
     "resource thing: option 'mode': the default 'fast' is not among its choices"),
    (dict(fields=(NAME, Field("via", ref="bridge"))), "resource thing: option 'via': ref 'bridge' is not one of"),
]


@pytest.mark.parametrize("changes, message", CONTRADICTIONS,
                         ids=[message.split(": ", 1)[1][:40] for changes, message in CONTRADICTIONS])
def test_a_contradictory_declaration_is_refused_naming_resource_and_option(changes, message):
    with pytest.raises(CatalogueError, match="^" + message):
        thing(**changes)


def test_a_rule_kept_in_the_comment_with_a_family_builds():
    rule = thing(paths=DUAL, config_only=RULE_OPTIONS, key_in_comment="name", family_of="family",
                 fields=(Field("chain", required=True), Field("action"), PORT),
                 ordered_by=Ordering("chain", "action", STOPS))
    assert rule.path_for({"family": "ipv6"}) == "/ipv6/thing"


def test_one_release_may_rename_a_field_that_another_had():
    renamed = thing(fields=(NAME, Field("port", api="old-port", until="7.16"), Field("port", since="7.17")))
    assert renamed.for_release((7, 16)).by_option["port"].api == "old-port"
    assert renamed.for_release((7, 18)).by_option["port"].api == "port"


def test_the_catalogue_refuses_an_option_secret_in_one_resource_and_not_in_another():
    safe = thing(name="safe", fields=(NAME, Field("key")))
    hidden = thing(name="hidden", fields=(NAME, Field("key", secret=True)))
    with pytest.raises(CatalogueError, match="^resource hidden: option 'key' is secret here and not secret in safe$"):
        res.checked_catalogue((safe, hidden))
    with pytest.raises(CatalogueError, match="^resource safe is declared twice$"):
        res.checked_catalogue((safe, thing(name="safe")))


def test_the_shipped_catalogue_builds_and_each_release_cut_is_checked_again():
    assert res.checked_catalogue(tuple(res.RESOURCES.values())) == res.RESOURCES
    for resource in res.RESOURCES.values():
        for release in (res.MINIMUM, (7, 15), (7, 16), (7, 17), res.NEWEST):
            cut = resource.for_release(release)
            assert cut.release == release and cut is resource.for_release(release)
            assert all(f.exists_in(release) for f in cut.fields)
            assert (cut.name, cut.paths, cut.key, cut.read_back, cut.config_only) == \
                (resource.name, resource.paths, resource.key, resource.read_back, resource.config_only)


def test_a_release_cut_keeps_every_other_declaration():
    """for_release copies the resource with dataclasses.replace: no declaration can fall out of order."""
    cut = res.ROUTES.for_release((7, 12))
    assert cut.fields == res.ROUTES.fields and cut is not res.ROUTES
    for name in ("read_where", "foreign_clash", "family_of", "interface_type", "read_only", "status"):
        assert getattr(cut, name) == getattr(res.ROUTES, name), name


def test_every_field_of_the_catalogue_is_documented_once_per_option():
    for resource in res.RESOURCES.values():
        for option in resource.by_option:
            documented = [f for f in resource.declarations(option) if f.doc]
            assert len(documented) == 1, (resource.name, option)
        assert all(o.doc for o in resource.config_only), resource.name
