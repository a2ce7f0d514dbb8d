"""The fleet report's topology picture (issue 20, item 4): a run with sitelink_report_dir writes topology.svg and
topology.png beside fleet-report.json, one node per site and one edge per link of the report, coloured by status;
without Graphviz's dot on the controller the run says so in a warning and writes topology.dot only."""

import json
import shutil
import xml.etree.ElementTree as ET

import pytest

from lab_fleet import GOOD, PLAYBOOK, play
from playbook_runs import BIN, run_playbook

SVG = "{http://www.w3.org/2000/svg}"
UP = "#2e7d32"


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_the_report_dir_gets_a_picture_with_one_edge_per_link_and_only_the_dot_file_without_graphviz(fleet, tmp_path):
    _lab, connections = fleet
    reports = tmp_path / "reports"
    options = json.dumps({"sitelink_verify_delay": 1, "sitelink_report_dir": str(reports)})
    # no dot on PATH (the venv's tools only): the .dot file, and a warning that says why there is no picture
    without = run_playbook(PLAYBOOK, [GOOD, connections], "-e", options, env={"PATH": BIN}, timeout=300)
    assert without.returncode == 0, without.out[-4000:]
    assert "dot is not installed on the controller" in without.out, without.out[-4000:]
    assert sorted(p.name for p in reports.glob("topology.*")) == ["topology.dot"]

    run = play(GOOD, connections, "-e", options)
    assert run.returncode == 0, run.out[-4000:]
    assert "dot is not installed" not in run.out
    with open(reports / "fleet-report.json", encoding="utf-8") as handle:
        links = json.load(handle)["links"]
    svg = ET.parse(str(reports / "topology.svg")).getroot()
    edges = dict((g.get("id"), g) for g in svg.iter(SVG + "g") if g.get("class") == "edge")
    assert sorted(edges) == sorted(link["link"] for link in links) == ["branch-a--hub", "branch-b--hub"]
    assert all(next(g.iter(SVG + "path")).get("stroke") == UP for g in edges.values())
    shown = dict((g.get("id"), " ".join(t.text for t in g.iter(SVG + "text"))) for g in edges.values())
    assert shown["branch-a--hub"].startswith("eoip up handshake ") and shown["branch-b--hub"].startswith("gre up")
    nodes = [" ".join(t.text for t in g.iter(SVG + "text")) for g in svg.iter(SVG + "g") if g.get("class") == "node"]
    assert sorted(nodes) == ["branch-a routeros, spoke", "branch-b routeros, spoke", "hub routeros, hub"]
    assert (reports / "topology.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
