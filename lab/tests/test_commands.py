"""Menu verbs: add/set/remove/enable/disable/move/unset/get, ids and names, tags, cancel, !empty."""

import time

import librouteros
import pytest
from librouteros.exceptions import TrapError

from rosemu.lab import RouterSpec
from labkit import RawClient, make_lab


def rows_of(reply):
    return [dict(w[1:].split("=", 1) for w in s[1:] if w.startswith("=")) for s in reply if s[0] == "!re"]


def test_add_returns_new_id_and_ids_are_never_reused(api):
    lists = api.path("interface", "list")
    first = lists.add(name="a")
    lists.remove(first)
    second = lists.add(name="b")
    assert first.startswith("*") and second.startswith("*")
    assert int(second[1:], 16) > int(first[1:], 16)
    assert first == first.upper()


def test_set_by_id_and_by_name(api):
    wg = api.path("interface", "wireguard")
    wid = wg.add(name="wg-a")
    wg.update(**{".id": wid, "listen-port": 13300})
    wg.update(**{".id": "wg-a", "comment": "by name"})
    row = list(wg)[0]
    assert (row["listen-port"], row["comment"]) == (13300, "by name")


def test_remove_comma_list(api):
    lists = api.path("interface", "list")
    ids = [lists.add(name=n) for n in ("x1", "x2", "x3")]
    lists.remove(ids[0], ids[2])
    assert [r["name"] for r in lists if r["name"].startswith("x")] == ["x2"]


def test_enable_disable(api):
    wg = api.path("interface", "wireguard")
    wid = wg.add(name="wg-d")
    list(wg("disable", **{".id": wid}))
    assert list(wg)[0]["disabled"] is True and list(wg)[0]["running"] is False
    list(wg("enable", numbers=wid))
    assert list(wg)[0]["disabled"] is False and list(wg)[0]["running"] is True


def test_booleans_accept_yes_no_and_print_true_false(raw):
    raw.command("/interface/wireguard/add", "=name=wgb", "=disabled=yes")
    reply = raw.command("/interface/wireguard/print", "=.proplist=disabled")
    assert reply[0] == ["!re", "=disabled=true"]
    raw.command("/interface/wireguard/set", "=.id=wgb", "=disabled=false")
    assert raw.command("/interface/wireguard/print", "=.proplist=disabled")[0] == ["!re", "=disabled=false"]


def test_durations_print_in_routeros_form(api):
    peers = api.path("interface", "wireguard", "peers")
    api.path("interface", "wireguard").add(name="wg0")
    key = "hHp7k4vVQyTRbRXkq0Cdm8Hzn7nhoTsm1UVLWE5mJCI="
    for given, shown in (("25", "25s"), ("00:01:30", "1m30s"), ("1m30s", "1m30s"), ("90s", "1m30s"),
                         ("1w2d3h4m5s", "1w2d3h4m5s")):
        pid = peers.add(interface="wg0", **{"public-key": key, "allowed-address": "10.0.0.2/32",
                                            "persistent-keepalive": given})
        assert [r["persistent-keepalive"] for r in peers if r[".id"] == pid] == [shown]
        peers.remove(pid)


def test_unset_with_bang_and_with_unset_verb(api):
    gre = api.path("interface", "gre")
    gid = gre.add(name="gre1", **{"remote-address": "192.0.2.2", "ipsec-secret": "s3cret"})
    assert list(gre)[0]["keepalive"] == "10s,10"
    gre.update(**{".id": gid, "!keepalive": ""})
    assert "keepalive" not in list(gre)[0]
    list(gre("unset", numbers=gid, **{"value-name": "ipsec-secret"}))
    assert "ipsec-secret" not in list(gre)[0]
    gre.update(**{".id": gid, "comment": "c"})
    gre.update(**{".id": gid, "comment": ""})
    assert "comment" not in list(gre)[0]


def test_unset_of_mandatory_is_refused(api):
    gre = api.path("interface", "gre")
    gid = gre.add(name="gre1", **{"remote-address": "192.0.2.2"})
    with pytest.raises(TrapError) as err:
        gre.update(**{".id": gid, "!remote-address": ""})
    assert "remote-address" in err.value.message
    assert list(gre)[0]["remote-address"] == "192.0.2.2"


def test_move_and_place_before(api):
    filters = api.path("ip", "firewall", "filter")
    drop = [r[".id"] for r in filters if r.get("comment") == "defconf: drop all not coming from LAN"][0]
    new = filters.add(chain="input", action="accept", protocol="udp",
                      **{"dst-port": "13231", "place-before": drop})
    order = [r[".id"] for r in filters]
    assert order.index(new) == order.index(drop) - 1
    list(filters("move", numbers=new))                      # no destination: to the end
    assert [r[".id"] for r in filters][-1] == new
    first = order[0]
    list(filters("move", numbers=new, destination=first))   # before destination
    assert [r[".id"] for r in filters][0] == new
    assert "place-before" not in list(filters)[0]


def test_move_is_not_a_command_of_unordered_menus(api):
    with pytest.raises(TrapError) as err:
        list(api.path("ip", "address")("move", numbers="*1"))
    assert err.value.message == "no such command or directory (move)"


def test_get_value(raw):
    assert raw.command("/interface/get", "=number=ether1", "=value-name=mtu") == [["!done", "=ret=1500"]]
    assert raw.command("/system/identity/get", "=value-name=name") == [["!done", "=ret=r1"]]


def test_tag_is_echoed_on_every_reply(raw):
    reply = raw.command("/interface/print", "=.proplist=name", "?type=bridge", ".tag=7")
    assert reply == [["!re", "=name=bridge", ".tag=7"], ["!done", ".tag=7"]]
    reply = raw.command("/interface/list/add", "=name=t", ".tag=ab")
    assert reply[-1][0] == "!done" and reply[-1][-1] == ".tag=ab"
    reply = raw.command("/interface/list/add", "=name=t", ".tag=err")
    assert reply == [["!trap", "=message=failure: already have interface list with such name", ".tag=err"],
                     ["!done", ".tag=err"]]


def test_no_tag_no_tag_words(raw):
    assert all(not w.startswith(".tag") for s in raw.command("/interface/print") for w in s)


def test_empty_reply_on_7_18(raw):
    assert raw.command("/interface/gre/print") == [["!empty"], ["!done"]]
    assert raw.command("/interface/gre/print", ".tag=3") == [["!empty", ".tag=3"], ["!done", ".tag=3"]]


def test_no_empty_reply_before_7_18():
    lab = make_lab([RouterSpec("old", version="7.16.1 (stable)")])
    try:
        client = RawClient(lab.port("old"))
        client.login()
        assert client.command("/interface/gre/print") == [["!done"]]
    finally:
        lab.stop()


@pytest.mark.parametrize("version, accepted", [("7.20.4 (stable)", False), ("7.21.2 (stable)", True)])
def test_gre6_and_eoipv6_have_dont_fragment_from_7_21(version, accepted):
    """routeros-review-3.md N1: a 7.20 router refuses the field on the IPv6 menus; gre (IPv4) has it in both."""
    lab = make_lab([RouterSpec("r", version=version)])
    try:
        api = librouteros.connect("127.0.0.1", "admin", "", port=lab.port("r"), timeout=10)
        assert api.path("interface", "gre").add(**{"name": "g4", "remote-address": "192.0.2.1", "dont-fragment": "no"})
        for menu, extra in (("gre6", {}), ("eoipv6", {"tunnel-id": 7})):
            row = dict(name=menu, **{"remote-address": "2001:db8::1", "dont-fragment": "inherit"}, **extra)
            if accepted:
                api.path("interface", menu).add(**row)
                assert [r["dont-fragment"] for r in api.path("interface", menu)] == ["inherit"]
            else:
                with pytest.raises(TrapError) as err:
                    api.path("interface", menu).add(**row)
                assert err.value.message == "unknown parameter dont-fragment"
        api.close()
    finally:
        lab.stop()


def test_endless_ping_is_cancelled(raw):
    raw.send("/ping", "=address=192.168.88.1", "=interval=20ms", ".tag=p")
    first = raw.sentence()
    assert first[0] == "!re" and "=host=192.168.88.1" in first and ".tag=p" in first
    raw.send("/cancel", "=tag=p", ".tag=c")
    replies = raw.until_done(tag="p")
    done_cancel = replies.index(["!done", ".tag=c"])
    trap = replies.index(["!trap", "=category=2", "=message=interrupted", ".tag=p"])
    assert done_cancel < trap < len(replies) - 1
    assert replies[-1] == ["!done", ".tag=p"]


def test_cancel_without_tag_cancels_everything(raw):
    raw.send("/ping", "=address=192.168.88.1", "=interval=20ms", ".tag=a")
    raw.send("/ping", "=address=192.168.88.1", "=interval=20ms", ".tag=b")
    time.sleep(0.1)
    raw.send("/cancel")
    seen = set()
    while seen != {"a", "b"}:
        reply = raw.sentence()
        if reply[0] == "!done" and reply[-1].startswith(".tag="):
            seen.add(reply[-1][5:])
    assert seen == {"a", "b"}


def test_ping_with_count(api):
    rows = list(api("/ping", address="192.168.88.1", count=3, interval="10ms"))
    assert [r["seq"] for r in rows] == [0, 1, 2]
    assert rows[-1]["sent"] == 3 and rows[-1]["received"] == 3 and rows[-1]["packet-loss"] == 0
    lost = list(api("/ping", address="198.51.100.7", count=2, interval="10ms"))
    assert [r.get("status") for r in lost] == ["timeout", "timeout"]
    assert lost[-1]["packet-loss"] == 100 and "avg-rtt" not in lost[-1]


def test_a_reply_later_than_the_interval_is_a_timeout(api, lab, monkeypatch):
    monkeypatch.setattr(lab.routers["r1"].fabric, "ping", lambda *args, **kwargs: 150.0)   # a 150 ms round trip
    hasty = list(api("/ping", address="192.168.88.1", count=1, interval="100ms"))
    assert hasty[-1]["received"] == 0 and hasty[-1]["status"] == "timeout"
    patient = list(api("/ping", address="192.168.88.1", count=1, interval="1s"))
    assert patient[-1]["received"] == 1 and patient[-1]["time"] == "150ms"


def test_ping_has_no_routing_table_argument(api):
    with pytest.raises(TrapError) as err:
        list(api("/ping", address="192.168.88.1", count=1, **{"routing-table": "main"}))
    assert err.value.message == "unknown parameter routing-table"


def test_listen_streams_changes_and_deaths(raw, lab):
    raw.send("/interface/list/listen", ".tag=l")
    other = RawClient(lab.port("r1"))
    other.login()
    new_id = other.command("/interface/list/add", "=name=watched")[0][1][5:]
    added = raw.sentence()
    assert added[0] == "!re" and "=name=watched" in added and "=.id=%s" % new_id in added
    other.command("/interface/list/remove", "=.id=%s" % new_id)
    assert raw.sentence() == ["!re", "=.id=%s" % new_id, "=.dead=yes", ".tag=l"]
    raw.send("/cancel", "=tag=l")
    assert raw.until_done(tag="l")[-2] == ["!trap", "=category=2", "=message=interrupted", ".tag=l"]
    other.close()


def test_interface_view_shares_ids_and_writes_through(api):
    wid = api.path("interface", "wireguard").add(name="wgv")
    view = {r["name"]: r for r in api.path("interface")}
    assert view["wgv"][".id"] == wid and view["wgv"]["type"] == "wg"
    api.path("interface").update(**{".id": wid, "mtu": 1380, "comment": "via view"})
    row = list(api.path("interface", "wireguard"))[0]
    assert (row["mtu"], row["comment"], row["actual-mtu"]) == (1380, "via view", 1380)


def test_single_item_menus(api):
    identity = api.path("system", "identity")
    list(identity("set", name="hub"))
    assert list(identity) == [{"name": "hub"}]
    resource = list(api.path("system", "resource"))[0]
    assert resource["version"] == "7.18.2 (stable)" and resource["platform"] == "MikroTik"
    assert ".id" not in resource
    with pytest.raises(TrapError):
        list(api.path("system", "resource")("set", version="1"))
