"""The fleet report's topology picture: DOT text with one node per site and one edge per link coloured by status,
drawn by Graphviz's dot into SVG and PNG; without dot (or when it fails) the DOT file only, and a warning."""

import os
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.sitelink.tunnels.plugins.plugin_utils import picture, report

SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def end(site, peer, status="up", handshake="7s", overlay="gre"):
    return {"site": site, "peer": peer, "overlay": overlay, "address": "10.254.0.1", "handshake": handshake,
            "ping": "1/1" if status == "up" else "0/1", "status": status, "link": "--".join(sorted((site, peer))),
            "reason": None if status == "up" else "no handshake between %s and %s" % (site, peer)}


LINKS = report.fold([end("hub", "branch-a", overlay="eoip"), end("branch-a", "hub", handshake="9s", overlay="eoip"),
                     end("hub", "branch-b", "down", "never"), end("branch-b", "hub", "down", "never"),
                     end("hub", "gw-1", "pending", "never", "none")])
PLANS = {"hub": {"platform": "routeros"}, "branch-a": {"platform": "routeros"}, "branch-b": {"platform": "routeros"},
         "gw-1": {"platform": "linux"}}
TOPOLOGY = {"type": "hub_spoke", "hubs": ["hub"]}


def statements(dot):
    """{node: its attributes} and [(a, b, its attributes)] of DOT text as dot_source writes it (one per line)."""
    nodes, edges = {}, []
    for line in dot.splitlines():
        edge = re.match(r'\s*"([^"]+)" -- "([^"]+)" \[(.*)\];$', line)
        node = re.match(r'\s*"([^"]+)" \[(.*)\];$', line)
        if edge:
            edges.append((edge.group(1), edge.group(2), attributes(edge.group(3))))
        elif node:
            nodes[node.group(1)] = attributes(node.group(2))
    return nodes, edges


def attributes(text):
    return dict((k, v.strip('"')) for k, v in re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,\s]+)', text))


def test_each_site_is_a_node_with_its_platform_and_role():
    nodes = picture.site_nodes(PLANS, TOPOLOGY, LINKS)
    assert nodes == {"hub": {"platform": "routeros", "role": "hub"},
                     "branch-a": {"platform": "routeros", "role": "spoke"},
                     "branch-b": {"platform": "routeros", "role": "spoke"},
                     "gw-1": {"platform": "linux", "role": "spoke"}}
    shown, _edges = statements(picture.dot_source(nodes, LINKS))
    assert sorted(shown) == ["branch-a", "branch-b", "gw-1", "hub"]
    assert shown["hub"]["label"] == "hub\\nrouteros, hub" and shown["hub"]["shape"] == "doubleoctagon"
    assert shown["gw-1"]["label"] == "gw-1\\nlinux, spoke" and shown["gw-1"]["shape"] == "box"


def test_outside_hub_spoke_every_site_is_a_peer_and_an_unknown_site_says_so():
    nodes = picture.site_nodes({"a": {"platform": "linux"}}, {"type": "mesh"}, [end("a", "b")])
    assert nodes == {"a": {"platform": "linux", "role": "peer"}, "b": {"platform": "unknown", "role": "peer"}}


def test_one_edge_per_link_with_its_overlay_handshake_and_the_colour_of_its_status():
    _nodes, edges = statements(picture.dot_source(picture.site_nodes(PLANS, TOPOLOGY, LINKS), LINKS))
    assert [(a, b) for a, b, _attrs in edges] == [("branch-a", "hub"), ("branch-b", "hub"), ("hub", "gw-1")]
    assert [attrs["id"] for _a, _b, attrs in edges] == ["branch-a--hub", "branch-b--hub", "gw-1--hub"]
    colours = [(attrs["color"], attrs["style"]) for _a, _b, attrs in edges]
    assert colours == [picture.STATUS_STYLES["up"], picture.STATUS_STYLES["down"], picture.STATUS_STYLES["pending"]]
    assert len(set(colours)) == 3
    labels = [attrs["label"] for _a, _b, attrs in edges]
    assert labels == ["eoip\\nup\\nhandshake 9s, 7s", "gre\\ndown\\nhandshake never",
                      "none\\npending\\nhandshake never"]
    assert "no handshake between" in edges[1][2]["tooltip"]


def test_names_are_quoted_so_no_name_breaks_the_dot_text():
    text = picture.dot_source({'we"ird\\': {"platform": "linux", "role": "peer"}}, [])
    assert '"we\\"ird\\\\" [label="we\\"ird\\\\\\nlinux, peer"' in text


def test_without_dot_only_the_dot_file_and_a_warning(tmp_path, monkeypatch):
    (tmp_path / "topology.svg").write_text("an earlier run's")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    files, warnings = picture.write_picture(str(tmp_path), picture.site_nodes(PLANS, TOPOLOGY, LINKS), LINKS)
    assert files == {"dot": str(tmp_path / "topology.dot")}
    assert sorted(os.listdir(tmp_path)) == ["topology.dot"]
    assert len(warnings) == 1 and "dot is not installed" in warnings[0] and "graphviz" in warnings[0]
    assert (tmp_path / "topology.dot").read_text().startswith("graph sitelink {")


def test_a_dot_that_fails_leaves_a_warning_with_its_reason(tmp_path):
    failing = tmp_path / "dot"
    failing.write_text("#!/bin/sh\necho 'Error: syntax' >&2\nexit 1\n")
    failing.chmod(0o755)
    files, warnings = picture.write_picture(str(tmp_path / "out"), {}, [], dot=str(failing))
    assert sorted(files) == ["dot"] and len(warnings) == 1
    assert "could not draw" in warnings[0] and "Error: syntax" in warnings[0]


@needs_dot
def test_dot_draws_an_svg_with_one_edge_per_link_and_a_png(tmp_path):
    files, warnings = picture.write_picture(str(tmp_path), picture.site_nodes(PLANS, TOPOLOGY, LINKS), LINKS)
    assert warnings == [] and sorted(files) == ["dot", "png", "svg"]
    svg = ET.parse(files["svg"]).getroot()
    edges = [g for g in svg.iter(SVG + "g") if g.get("class") == "edge"]
    nodes = [g for g in svg.iter(SVG + "g") if g.get("class") == "node"]
    assert sorted(g.get("id") for g in edges) == ["branch-a--hub", "branch-b--hub", "gw-1--hub"]
    assert len(nodes) == 4
    strokes = dict((g.get("id"), next(g.iter(SVG + "path")).get("stroke")) for g in edges)
    assert strokes == {"branch-a--hub": "#2e7d32", "branch-b--hub": "#c62828", "gw-1--hub": "#ef6c00"}
    with open(files["png"], "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
