"""Validating a resource's config: every problem at once, with the release, the characters, the key, the
references and the names checked."""

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import resources as res
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.reading import Keys
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.validation import Validator

KEY = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="


def validator(resource, release=res.NEWEST):
    return Validator(resource, resource.for_release(release), release, "r1", Keys(resource, "fleet"))


def test_a_missing_interface_is_a_warning_in_check_mode_and_a_problem_otherwise():
    config = [{"address": "10.0.0.1/31", "interface": "wg9"}]
    problem = "config[0] (address=10.0.0.1/31 interface=wg9): interface 'wg9' does not exist on the router"
    assert validator(res.ADDRESSES).validate(config, "merged", {"ether1": "ether"}) == ([problem], [])
    assert validator(res.ADDRESSES).validate(config, "merged", {"ether1": "ether"}, check_mode=True) == (
        [], [problem + " (yet: check mode does not create it)"])
    assert validator(res.ADDRESSES).validate(config, "deleted", {"ether1": "ether"}) == ([], [])


def test_text_that_is_not_printable_ascii_and_a_missing_comment_key_are_refused():
    problems, _warnings = validator(res.FIREWALL_RULES).validate(
        [{"chain": "input", "family": "ipv4", "log_prefix": "a\nb"}], "merged", None)
    assert problems == [
        "config[0] (name=None): log_prefix has a line break, a control or a non-ASCII character: RouterOS keeps "
        "bytes, not text, and the collection writes only printable ASCII",
        "config[0] (name=None): name is required to identify the entry"]


def test_a_secret_that_is_not_valid_is_named_not_shown():
    problems, _warnings = validator(res.WIREGUARD_PEERS).validate(
        [{"interface": "wg0", "public_key": KEY, "allowed_address": ["10.0.0.0/31"], "preshared_key": "s3cret"}],
        "merged", None)
    assert len(problems) == 1 and "preshared_key='<redacted>' is not valid" in problems[0]
    assert "s3cret" not in problems[0]


def test_an_invalid_key_value_is_reported_once_and_ends_the_checks_of_that_entry():
    problems, _warnings = validator(res.ROUTES).validate(
        [{"dst_address": "10.0.0.0/33", "gateway": "wg0", "pref_src": "10.0.0.1"}], "merged", {})
    assert len(problems) == 1 and "dst_address='10.0.0.0/33' is not valid" in problems[0]


def test_an_interface_name_taken_by_another_type_is_refused():
    problems, _warnings = validator(res.GRE_TUNNELS).validate(
        [{"name": "wg0", "remote_address": "10.0.0.1"}], "merged", {"wg0": "wg"})
    assert problems == ["config[0] (name=wg0): the name 'wg0' is already used by a wg interface"]


def test_an_option_one_family_has_only_from_a_later_release_is_refused_on_that_familys_path_alone():
    """/ipv6/route has pref-src from 7.20, /ip/route in every release (community.routeros _api_data.py)."""
    def problems(address, release):
        entry = {"dst_address": address, "gateway": address.split("/")[0], "pref_src": address.split("/")[0]}
        return validator(res.ROUTES, release).validate([entry], "merged", None)[0]
    assert problems("2001:db8:1::/64", (7, 18)) == [
        "config[0] (dst_address=2001:db8:1::/64 gateway=2001:db8:1:: routing_table=None): pref_src is not on "
        "/ipv6/route in RouterOS 7.18, which r1 runs (it needs 7.20 or later)"]
    assert problems("2001:db8:1::/64", (7, 20)) == problems("10.1.0.0/24", (7, 18)) == []
    assert problems("10.1.0.0/24", (7, 1)) == []


def test_check_gateway_takes_the_choices_of_the_routes_family():
    """routeros-review-3.md N15: arp is IPv4's (IPv6 finds neighbours by ND), bfd-multihop was missing."""
    def problems(address, check):
        entry = {"dst_address": address, "gateway": address.split("/")[0], "check_gateway": check}
        return validator(res.ROUTES).validate([entry], "merged", None)[0]
    assert problems("2001:db8:1::/64", "arp") == [
        "config[0] (dst_address=2001:db8:1::/64 gateway=2001:db8:1:: routing_table=None): check_gateway='arp' is "
        "not one of none, ping, bfd, bfd-multihop on /ipv6/route"]
    assert problems("10.1.0.0/24", "arp") == problems("2001:db8:1::/64", "bfd-multihop") == []
    assert problems("10.1.0.0/24", "bfd-multihop") == problems("2001:db8:1::/64", "ping") == []


def test_a_field_whose_family_choices_are_not_among_its_choices_is_refused_at_import():
    with pytest.raises(res.CatalogueError, match="family_choices"):
        res.Resource("r", {"ipv4": "/ip/x", "ipv6": "/ipv6/x"}, ("a",), (
            res.Field("a", choices=("x", "y"), family_choices={"ipv6": ("z",)}),), family_of="a")
