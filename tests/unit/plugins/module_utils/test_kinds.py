"""Value kinds: both sides of a comparison reach the same canonical form."""

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import kinds


@pytest.mark.parametrize("text,ms", [
    ("25", 25000), (25, 25000), ("25s", 25000), ("1m30s", 90000), ("00:01:30", 90000),
    ("1w2d3h4m5s", 788645000), ("31s250ms", 31250), ("0s", 0), ("1d00:00:10", 86410000),
])
def test_durations(text, ms):
    assert kinds.duration_ms(text) == ms


@pytest.mark.parametrize("text", ["abc", "1x", "", "1m 30s"])
def test_not_durations(text):
    assert kinds.duration_ms(text) is None


def test_duration_format_round_trip():
    for ms in (0, 1000, 90000, 788645000, 31250):
        assert kinds.duration_ms(kinds.format_duration(ms)) == ms


def test_prefix_list_ignores_order_host_bits_and_spelling():
    kind = kinds.PrefixList()
    assert kind.canon("10.1.0.5/24,10.9.9.9") == kind.canon(["10.9.9.9/32", "10.1.0.0/24"])
    assert kind.canon(["fd00::1/64"]) == ("fd00::/64",)
    assert kind.to_api(["10.1.0.5/24", "10.9.9.9/32"]) == "10.1.0.0/24,10.9.9.9/32"
    with pytest.raises(ValueError):
        kind.canon("10.1.0.300/24")


def test_booleans_from_librouteros_and_users():
    kind = kinds.Bool()
    assert kind.canon(True) is kind.canon("yes") is kind.canon("true") is True
    assert kind.canon(False) is kind.canon("no") is False
    assert kind.to_api(True) == "yes"


def test_int_with_words():
    kind = kinds.Int("auto")
    assert kind.canon("auto") == "auto" and kind.canon("1500") == kind.canon(1500) == 1500


def test_keys_compare_as_bytes():
    kind = kinds.WireguardKey()
    key = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
    assert kind.canon(key) == kind.canon(" " + key + "\n")
    assert kind.canon(key) != kind.canon("hHp7k4vVQyTRbRXkq0Cdm8Hzn7nhoTsm1UVLWE5mJCI=")


def test_keepalive():
    kind = kinds.Keepalive()
    assert kind.canon("10s,10") == kind.canon("10") == kind.canon("00:00:10,10")
    assert kind.to_api("1m") == "1m,10"


def test_addresses():
    assert kinds.Address().canon("2001:db8:0::1") == "2001:db8::1"
    assert kinds.Address().canon("hub.example.net") == "hub.example.net"
    assert kinds.InterfaceAddress().canon("10.0.0.1/31") == "10.0.0.1/31"
    assert kinds.Prefix().canon("10.1.2.3/16") == "10.1.0.0/16"


def test_connection_states_ignore_order():
    kind = kinds.Words()
    assert kind.canon("established,related") == kind.canon(["related", "established"])
    assert kind.canon("!new") != kind.canon("new")


def test_firewall_addresses_print_like_routeros():
    kind = kinds.FirewallAddress()
    assert kind.canon("10.255.0.0/32") == kind.canon("10.255.0.0") == "10.255.0.0"
    assert kind.canon("10.1.0.7/24") == "10.1.0.0/24"
    assert kind.canon("!192.168.88.0/24") == "!192.168.88.0/24"
    assert kind.canon("10.0.0.1-10.0.0.9") == "10.0.0.1-10.0.0.9"
