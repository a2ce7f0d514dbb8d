"""Failure semantics at fleet size (issue 22, item 5), the pure parts: a session that cannot be opened is an
unreachable result; a link whose far end left the play is reported from this end with its own last handshake, never
failing this end; the report counts such links apart."""

import socket
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import connection
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.errors import RouterosError, error_result
from ansible_collections.sitelink.tunnels.plugins.plugin_utils import report
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.context import SiteContext


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_refused_session_is_unreachable_and_names_host_address_port_and_why():
    port = closed_port()
    with pytest.raises(RouterosError) as caught:
        connection.connect({"hostname": "127.0.0.1", "port": port, "timeout": 2}, "branch-b")
    assert caught.value.unreachable
    assert error_result(caught.value) == {"unreachable": True, "msg": "branch-b (127.0.0.1:%d): connection refused; "
                                                                      "is the api service enabled on port %d?"
                                                                      % (port, port)}


def test_a_setting_out_of_range_fails_and_is_not_unreachable():
    with pytest.raises(RouterosError) as caught:
        connection.connect({"hostname": "127.0.0.1", "port": 70000}, "branch-b")
    assert not caught.value.unreachable
    assert error_result(caught.value)["failed"] is True and "unreachable" not in error_result(caught.value)
    assert error_result(RouterosError("r: 2 problem(s)", ["a", "b"]))["problems"] == ["a", "b"]


PLAN = {"links": [{"link": "a--hub", "peer": "a", "overlay": "gre", "verify_address": "10.254.0.1",
                   "transit_address": "10.255.0.2"},
                  {"link": "b--hub", "peer": "b", "overlay": "none", "verify_address": "10.255.0.3",
                   "transit_address": "10.255.0.3"}],
        "peers": [{"link": "a--hub", "peer": "a", "allowed_address": ["10.255.0.2/32"]},
                  {"link": "b--hub", "peer": "b", "allowed_address": ["10.255.0.3/32", "192.168.12.0/24"]}]}


def test_a_link_whose_peer_is_unreachable_shows_this_ends_own_handshake_and_is_not_failing():
    # the peer's key is not known in this run (its interface step never ran): its entry is found by address
    status = {"results": [{"address": "10.254.0.1", "sent": 1, "received": 1}], "waited": 0,
              "peers": [{"public_key": "KEY-A", "allowed_address": "10.255.0.2/32", "last_handshake": "3s"},
                        {"public_key": "KEY-B", "allowed_address": "10.255.0.3/32,192.168.12.0/24",
                         "last_handshake": "2m10s"}],
              "peers_out": {"b": {"state": "unreachable", "msg": "b (192.0.2.3:8729, TLS): connection refused"}}}
    rows = report.link_rows("hub", PLAN, {"a": "KEY-A"}, status)
    assert [(r["link"], r["status"], r["handshake"], r["ping"]) for r in rows] == \
        [("a--hub", "up", "3s", "1/1"), ("b--hub", "peer-unreachable", "2m10s", "-")]
    assert rows[1]["reason"] == "b could not be reached in this run (b (192.0.2.3:8729, TLS): connection refused); " \
                                "hub's side not pinged"
    assert report.not_up_message("hub", [r for r in rows if r["status"] in report.FAILING]) is None


def test_a_failed_peer_with_no_entry_on_this_end_has_no_handshake():
    # a Linux end lists its allowed addresses; none of its entries is b's
    status = {"results": [], "peers": [{"public_key": "KEY-A", "allowed_address": ["10.255.0.2/32"]}],
              "peers_out": {"b": {"state": "failed", "msg": "b: linux_tools failed"}}}
    row = report.link_rows("hub", dict(PLAN, links=PLAN["links"][1:]), {}, status)[0]
    assert (row["status"], row["handshake"]) == ("peer-failed", "never")
    assert row["reason"].startswith("b failed in this run (b: linux_tools failed)")


def test_the_link_and_the_counts_name_the_outage_and_junit_fails_its_case_with_the_reason():
    def end(site, peer, status, reason=None):
        return {"site": site, "peer": peer, "overlay": "gre", "address": "10.254.0.1", "handshake": "7s",
                "ping": "-", "status": status, "link": "--".join(sorted((site, peer))), "reason": reason}
    rows = [end("hub", "a", "up"), end("a", "hub", "up"), end("hub", "b", "peer-unreachable", "b could not be reached"),
            end("hub", "c", "pending", "c's public key is not known yet")]
    lines, counts, links = report.link_table(rows)
    assert [(link["link"], link["status"]) for link in links] == \
        [("a--hub", "up"), ("b--hub", "peer-unreachable"), ("c--hub", "pending")]
    assert counts == {"up": 1, "down": 0, "pending": 1, "peer-unreachable": 1}
    assert lines[-2:] == ["1 links up, 0 down, 1 pending, 1 peer-unreachable",
                          "2 link ends up, 0 down, 1 pending, 1 peer-unreachable"]
    case = [c for c in ET.fromstring(report.junit(links)).findall("./testsuite/testcase") if c.get("name") == "b--hub"]
    assert case[0].find("failure").get("type") == "peer-unreachable"
    assert case[0].find("failure").get("message") == "b could not be reached"
    page = report.markdown(report.summary(False, links=links, counts=counts))
    assert "1 up, 0 down, 1 pending, 1 peer-unreachable" in page and "| peer-unreachable |" in page
    # an end that is up and one whose peer left: the link is the outage, not up
    assert report.fold([end("a", "b", "up"), end("b", "a", "peer-failed", "a failed")])[0]["status"] == "peer-failed"


class Templar(object):
    @staticmethod
    def template(value):
        return value


def site(task_vars):
    return SiteContext(dict({"inventory_hostname": "hub", "sitelink__fleet": {"play_sites": ["hub", "a", "b", "c"]}},
                            **task_vars), Templar())


def test_the_peers_that_left_the_play_say_whether_unreachable_or_failed_and_why():
    hostvars = {"a": {"sitelink__interface": {"unreachable": True, "msg": "a (127.0.0.1:1, TLS): connection refused"}},
                "b": {"sitelink__interface": {"public_key": "K"},
                      "sitelink__apply": {"failed": True, "msg": "b: the purge guard refused"}},
                "c": {}}
    ctx = site({"ansible_play_hosts": ["hub"], "hostvars": hostvars})
    plan = {"links": [{"peer": p} for p in ("a", "b", "c", "d")]}
    assert ctx.peers_out(plan) == {
        "a": {"state": "unreachable", "msg": "a (127.0.0.1:1, TLS): connection refused"},
        "b": {"state": "failed", "msg": "b: the purge guard refused"},
        "c": {"state": "failed", "msg": "c stopped before its WireGuard steps"}}


def test_no_peer_left_the_play_reads_no_peer_variable():
    class Untouchable(dict):
        def __getitem__(self, host):
            raise AssertionError("read %s's variables" % host)
    ctx = site({"ansible_play_hosts": ["hub", "a", "b", "c"], "hostvars": Untouchable()})
    assert ctx.peers_out({"links": [{"peer": "a"}, {"peer": "b"}, {"peer": "d"}]}) == {}
