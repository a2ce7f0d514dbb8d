"""RouterOS's error replies; a rejected command changes nothing."""

import librouteros
import pytest
from librouteros.exceptions import TrapError

from labkit import control

KEY = "hHp7k4vVQyTRbRXkq0Cdm8Hzn7nhoTsm1UVLWE5mJCI="


def trap(call):
    with pytest.raises(TrapError) as err:
        call()
    return err.value


CASES = [
    ("unknown attribute", ("interface", "wireguard"), "add", {"name": "w", "bogus": "1"}, "unknown parameter bogus", None),
    ("read-only attribute", ("interface", "wireguard"), "add", {"name": "w", "public-key": KEY},
     "unknown parameter public-key", None),
    ("read-only running", ("interface", "gre"), "add", {"remote-address": "192.0.2.1", "running": "yes"},
     "unknown parameter running", None),
    ("missing mandatory", ("interface", "eoip"), "add", {"name": "e", "remote-address": "192.0.2.1"},
     "missing value(s) of argument(s) tunnel-id", 1),
    ("missing three", ("interface", "wireguard", "peers"), "add", {"comment": "x"},
     "missing value(s) of argument(s) interface public-key allowed-address", 1),
    ("unknown interface", ("ip", "address"), "add", {"address": "10.0.0.1/24", "interface": "asdf"},
     "input does not match any value of interface", 1),
    ("peer on a non-wireguard interface", ("interface", "wireguard", "peers"), "add",
     {"interface": "ether1", "public-key": KEY, "allowed-address": "10.0.0.0/24"},
     "input does not match any value of interface", 1),
    ("enum", ("ip", "firewall", "filter"), "add", {"chain": "input", "action": "allow"},
     "input does not match any value of action", 1),
    ("bad address", ("ip", "address"), "add", {"address": "10.0.0.300/24", "interface": "ether1"},
     "invalid value for argument address", 1),
    ("bad key", ("interface", "wireguard"), "add", {"name": "w", "private-key": "c2hvcnQ="},
     "invalid value for argument private-key", 1),
    ("port out of range", ("interface", "wireguard"), "add", {"name": "w", "listen-port": "70000"},
     "value of listen-port out of range (1..65535)", 1),
    ("duplicate interface name across menus", ("interface", "gre"), "add",
     {"name": "ether1", "remote-address": "192.0.2.1"}, "failure: already have interface with such name", None),
    ("duplicate address", ("ip", "address"), "add", {"address": "192.168.88.1/24", "interface": "bridge"},
     "failure: already have such address", None),
    ("duplicate bridge port", ("interface", "bridge", "port"), "add", {"bridge": "bridge", "interface": "ether2"},
     "failure: device already added as bridge port", None),
    ("port without protocol", ("ip", "firewall", "filter"), "add", {"chain": "input", "dst-port": "13231"},
     "failure: port can be specified only for tcp, udp, udp-lite, dccp and sctp protocols", None),
    ("unknown id", ("ip", "address"), "remove", "*FF", "no such item", 0),
    ("unknown id in set", ("interface", "wireguard"), "set", {".id": "*FF", "mtu": "1400"}, "no such item", 0),
    ("add on ethernet", ("interface", "ethernet"), "add", {"name": "ether9"},
     "no such command or directory (add)", 0),
]


def run(api, path, verb, args):
    menu = api.path(*path)
    if verb == "add":
        return menu.add(**args)
    if verb == "remove":
        return menu.remove(args)
    return list(menu(verb, **args))


@pytest.mark.parametrize("label,path,verb,args,message,category", CASES, ids=[c[0] for c in CASES])
def test_error_reply_and_nothing_changes(lab, api, label, path, verb, args, message, category):
    before = control(lab, "GET", "/routers/r1/state?secrets=1")
    err = trap(lambda: run(api, path, verb, args))
    assert err.message == message
    assert err.category == category
    assert control(lab, "GET", "/routers/r1/state?secrets=1") == before


def test_trap_on_the_wire_has_category_then_message(raw):
    reply = raw.command("/ip/address/add", "=address=10.0.0.1/24", "=interface=nope")
    assert reply == [["!trap", "=category=1", "=message=input does not match any value of interface"], ["!done"]]


def test_unknown_command_paths(raw):
    assert raw.command("/nothing/here/print")[0] == ["!trap", "=category=0", "=message=no such command prefix"]
    assert raw.command("/ip/frobnicate")[0] == ["!trap", "=category=0",
                                                "=message=no such command or directory (frobnicate)"]


def test_multi_id_remove_is_all_or_nothing(api):
    lists = api.path("interface", "list")
    good = lists.add(name="keep-me")
    trap(lambda: lists.remove(good, "*FFF"))
    assert "keep-me" in [r["name"] for r in lists]


def test_builtin_and_dynamic_items_are_protected(api):
    lists = api.path("interface", "list")
    builtin = [r[".id"] for r in lists if r["name"] == "all"][0]
    assert trap(lambda: lists.remove(builtin)).message.startswith("failure:")
    connected = [r[".id"] for r in api.path("ip", "route") if r.get("connect")][0]
    assert trap(lambda: api.path("ip", "route").remove(connected)).message.startswith("failure:")


def test_identical_allowed_address_on_two_peers_is_refused(api):
    api.path("interface", "wireguard").add(name="wg0")
    peers = api.path("interface", "wireguard", "peers")
    peers.add(interface="wg0", **{"public-key": KEY, "allowed-address": "10.1.0.0/24,10.255.0.2/32"})
    other = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
    err = trap(lambda: peers.add(interface="wg0", **{"public-key": other, "allowed-address": "10.1.0.0/24"}))
    assert "overlap" in err.message and err.category == 1
    # a longer prefix inside another peer's range is allowed (longest prefix wins)
    peers.add(interface="wg0", **{"public-key": other, "allowed-address": "10.1.0.128/25"})


def test_same_public_key_twice_on_one_interface_is_refused(api):
    api.path("interface", "wireguard").add(name="wg0")
    peers = api.path("interface", "wireguard", "peers")
    peers.add(interface="wg0", **{"public-key": KEY, "allowed-address": "10.1.0.0/24"})
    err = trap(lambda: peers.add(interface="wg0", **{"public-key": KEY, "allowed-address": "10.2.0.0/24"}))
    assert err.message.startswith("failure:")


def test_trap_error_is_raised_by_librouteros_not_a_type_error(lab):
    """A trap must carry only message/category or librouteros breaks with TypeError."""
    conn = librouteros.connect("127.0.0.1", "admin", "", port=lab.port("r1"))
    with pytest.raises(TrapError):
        conn.path("ip", "address").add(address="1.2.3.4/24", interface="nope")
