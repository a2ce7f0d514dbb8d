"""OSPF mode in the fleet report: each overlay link end's OSPF and BFD state from the router's rows (adjacency.py),
folded into the links' table (a column only when the fleet runs OSPF), the JSON, JUnit, Markdown and the picture; a
link whose OSPF is not Full is not up."""

import json
import xml.etree.ElementTree as ET

from ansible_collections.sitelink.tunnels.plugins.plugin_utils import adjacency, picture, report


def plan(bfd=True, ospf=True):
    """A hub's plan with a GRE link to a and an EoIP link to b (the fields adjacency.py and report.py read)."""
    return {"links": [{"link": "a--hub", "peer": "a", "overlay": "gre", "verify_address": "10.254.0.1"},
                      {"link": "b--hub", "peer": "b", "overlay": "eoip", "verify_address": "10.254.0.3"}],
            "overlays": [{"name": "gre-a", "link": "a--hub"}, {"name": "eoip-b", "link": "b--hub"}],
            "peers": [], "ospf": {"bfd": [{"name": "bfd-tunnels"}] if bfd else []} if ospf else None}


KEYS = {"a": "KEY-A", "b": "KEY-B", "hub": "KEY-HUB"}
PINGED = {"peers": [{"public_key": "KEY-A", "last_handshake": "3s"}, {"public_key": "KEY-B", "last_handshake": "4s"}],
          "results": [{"address": "10.254.0.1", "received": 1, "sent": 1},
                      {"address": "10.254.0.3", "received": 1, "sent": 1}], "waited": 0}
FULL_A = {"interface": "gre-a", "state": "Full", "router-id": "10.253.0.2"}
SESSION_A = {"remote-address": "10.254.0.1%gre-a", "state": "up"}


def test_a_full_neighbour_and_an_up_session_and_why_the_other_link_has_none():
    states = adjacency.link_states("hub", plan(), [FULL_A], [SESSION_A], templates=[{"interfaces": "gre-a"}],
                                   interfaces=[{"name": "eoip-b", "running": "true"}])
    assert states["a--hub"] == {"interface": "gre-a", "ospf": "Full", "reason": None, "bfd": "up"}
    assert (states["b--hub"]["ospf"], states["b--hub"]["bfd"]) == ("no neighbour", "none")
    assert states["b--hub"]["reason"] == "hub: no OSPF neighbour on eoip-b: no enabled OSPF interface template names it"
    assert not adjacency.full(states)


def test_why_no_neighbour_names_a_passive_template_a_stopped_overlay_or_the_far_end():
    why = adjacency.why_no_neighbour
    assert "passive" in why("hub", "gre-a", [{"interfaces": "gre-a", "passive": "true"}], [])
    assert "the overlay is not running" in why("hub", "gre-a", [{"interfaces": "gre-a"}],
                                               [{"name": "gre-a", "running": "false"}])
    assert "hello or dead interval" in why("hub", "gre-a", [{"interfaces": "gre-a"}],
                                           [{"name": "gre-a", "running": "true"}])
    # a disabled template names nothing
    assert "no enabled OSPF interface template" in why("hub", "gre-a", [{"interfaces": "gre-a", "disabled": "true"}],
                                                       [])


def test_a_neighbour_not_full_is_reported_with_its_state_and_bfd_is_none_without_bfd():
    states = adjacency.link_states("hub", plan(bfd=False), [{"interface": "gre-a", "state": "ExStart"}], [])
    assert states["a--hub"]["ospf"] == "ExStart" and states["a--hub"]["bfd"] is None
    assert states["a--hub"]["reason"] == "hub: the OSPF neighbour on gre-a is ExStart, not Full"
    assert adjacency.link_states("hub", plan(ospf=False), [FULL_A], []) == {}


def test_a_bfd_session_is_found_by_its_address_when_it_names_no_interface():
    assert adjacency.bfd_state("gre-a", "10.254.0.1", [{"remote-address": "10.254.0.1", "state": "Down"}]) == "down"
    assert adjacency.bfd_state("gre-a", "10.254.0.1", [{"remote-address": "10.254.0.9%gre-x", "state": "up"}]) == \
        "none"


def rows_of(ospf_states):
    status = dict(PINGED, ospf=ospf_states)
    return report.link_rows("hub", plan(), KEYS, status)


def test_a_link_that_answers_pings_but_whose_ospf_is_not_full_is_down_with_the_reason():
    states = adjacency.link_states("hub", plan(), [FULL_A], [SESSION_A], templates=[], interfaces=[])
    rows = rows_of(states)
    assert [(r["link"], r["status"], r["ospf"], r["bfd"]) for r in rows] == \
        [("a--hub", "up", "Full", "up"), ("b--hub", "down", "no neighbour", "none")]
    assert "no enabled OSPF interface template names it" in rows[1]["reason"]
    assert report.not_up_message("hub", rows).startswith("hub: link(s) not up: b--hub (hub: no OSPF neighbour")


def test_the_table_json_junit_markdown_and_picture_show_ospf_and_bfd():
    states = adjacency.link_states("hub", plan(), [FULL_A], [SESSION_A], templates=[], interfaces=[])
    lines, counts, links = report.link_table(rows_of(states))
    assert lines[0].split() == ["site", "peer", "overlay", "address", "handshake", "ping", "ospf", "bfd", "status",
                                "why"]
    assert lines[2].split()[6:9] == ["Full", "up", "up"] and counts == {"up": 1, "down": 1, "pending": 0}
    data = json.loads(json.dumps(report.summary(False, links=links, counts=counts)))
    assert [(link["ospf"], link["bfd"]) for link in data["links"]] == [("Full", "up"), ("no neighbour", "none")]
    assert data["links"][1]["ends"][0]["ospf"] == "no neighbour"
    failure = ET.fromstring(report.junit(links)).findall("./testsuite/testcase")[1].find("failure")
    assert "no OSPF neighbour on eoip-b" in failure.get("message") and "OSPF no neighbour, BFD none" in failure.text
    page = report.markdown(data)
    assert "| ospf | bfd | status | why |" in page and "| Full | up | up |   |" in page, page
    dot = picture.dot_source({}, links)
    assert "OSPF Full, BFD up" in dot and "OSPF no neighbour, BFD none" in dot


def test_without_bfd_the_table_has_an_ospf_column_only_and_static_mode_none():
    states = adjacency.link_states("hub", plan(bfd=False), [FULL_A, dict(FULL_A, interface="eoip-b")], [])
    rows = report.link_rows("hub", plan(bfd=False), KEYS, dict(PINGED, ospf=states))
    lines, _counts, links = report.link_table(rows)
    assert lines[0].split() == ["site", "peer", "overlay", "address", "handshake", "ping", "ospf", "status"]
    assert "OSPF Full\"" in picture.dot_source({}, links)
    static = report.link_rows("hub", plan(ospf=False), KEYS, PINGED)
    lines, _counts, links = report.link_table(static)
    assert lines[0].split() == ["site", "peer", "overlay", "address", "handshake", "ping", "status"]
    assert "ospf" not in links[0] and "OSPF" not in picture.dot_source({}, links)
