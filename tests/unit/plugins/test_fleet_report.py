"""The fleet report's pure parts: link ends folded into links, the JUnit XML and Markdown, check mode's counts."""

import xml.etree.ElementTree as ET

from ansible_collections.sitelink.tunnels.plugins.plugin_utils import report


def end(site, peer, status="up", handshake="7s", ping="1/1", reason=None):
    link = "--".join(sorted((site, peer)))
    return {"site": site, "peer": peer, "overlay": "gre", "address": "10.254.0.1", "handshake": handshake,
            "ping": ping, "status": status, "link": link, "reason": reason}


ROWS = [end("hub", "a"), end("a", "hub", handshake="8s"),
        end("hub", "b", "down", "never", "0/1", "no handshake between hub and b"),
        end("b", "hub", "down", "never", "0/1", "no handshake between b and hub"),
        end("hub", "c", "pending", "never", "-", "c's public key is not known yet"), end("c", "hub", "down")]


def test_both_ends_fold_into_one_row_per_link_with_the_worst_state_and_every_reason():
    links = report.fold(ROWS)
    assert [(l["link"], l["site"], l["peer"], l["status"]) for l in links] == \
        [("a--hub", "a", "hub", "up"), ("b--hub", "b", "hub", "down"), ("c--hub", "c", "hub", "pending")]
    assert links[0]["handshake"] == "8s, 7s" and links[0]["ping"] == "1/1" and links[0]["why"] == ""
    assert links[1]["why"] == "no handshake between b and hub; no handshake between hub and b"
    assert links[2]["why"] == "c's public key is not known yet"


def test_the_table_has_a_why_column_only_when_a_link_is_not_up_and_keeps_the_link_end_count():
    lines, counts, _links = report.link_table(ROWS[:2])
    assert lines[0].split() == ["site", "peer", "overlay", "address", "handshake", "ping", "status"]
    assert lines[-2:] == ["1 links up, 0 down, 0 pending", "2 link ends up, 0 down, 0 pending"]
    lines, counts, _links = report.link_table(ROWS)
    assert lines[0].split()[-1] == "why" and counts == {"up": 1, "down": 1, "pending": 1}
    assert all(line == line.rstrip() for line in lines)


def test_junit_has_one_case_per_link_failed_with_the_why():
    root = ET.fromstring(report.junit(report.fold(ROWS)))
    cases = root.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == ["a--hub", "b--hub", "c--hub"]
    assert root.get("tests") == "3" and root.get("failures") == "2"
    assert cases[0].find("failure") is None
    assert cases[1].find("failure").get("type") == "down"
    assert "no handshake between b and hub" in cases[1].find("failure").get("message")
    assert cases[2].find("failure").get("type") == "pending"


def test_markdown_escapes_cells_and_has_a_row_per_link():
    rows = [end("hub", "a", "down", reason="a | b")]
    page = report.markdown(report.summary(False, links=report.fold(rows), counts=report.counted(rows)))
    assert "| hub | a | gre | 10.254.0.1 | 7s | 1/1 | down | a \\| b |" in page, page


def test_check_mode_counts_adds_changes_and_removes_of_both_platforms():
    commands = ["/ip/route/add =dst-address=10.0.0.0/24", "/interface/wireguard/peers/set =.id=*1",
                "/ip/address/remove =.id=*2", "ip link add gre-hub type gre", "ip route del 10.1.0.0/24",
                "nft -f /etc/nftables.d/sitelink.nft", "wg set wg-sitelink peer X remove"]
    assert report.command_kinds(commands) == {"adds": 2, "changes": 2, "removes": 3}
