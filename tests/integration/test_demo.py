"""`make demo`, as a newcomer runs it: both fleets converge, the second runs change nothing, the secrets audit
of its -vvv --diff runs (output, log, fact cache) finds none of the labs' keys nor the PSK secret; the RouterOS
fleet, on the data plane, carries LAN-to-LAN pings and a multicast stream across its overlays; each fleet's
topology picture is kept under build/demo."""

import importlib.util
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

from playbook_runs import ROOT

SVG = "{http://www.w3.org/2000/svg}"


def test_demo_converges_and_its_verbose_runs_leak_no_secret():
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "lab", "demo.py")], capture_output=True, text=True,
                          timeout=600, check=False, cwd=ROOT)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert "both fleets healthy, second runs changed nothing" in out
    # each fleet's table, after each of its two runs
    for table in ("4 link ends up, 0 down, 0 pending", "6 link ends up, 0 down, 0 pending"):
        assert out.count(table) == 2, out[-4000:]
    audit = re.search(r"secrets audit \(.*\): (\d+) secrets, (\d+) files searched, (\d+) hits", out)
    # 3 routers and 3 Linux gateways: 6 private keys, 4 + 6 preshared keys, the two inventories' PSK secret
    assert audit and audit.groups() == ("18", "3", "0"), out[-4000:]
    # the routers on the data plane: real pings LAN host to LAN host across EoIP, GRE and both (branch to branch
    # through the hub), none lost; a multicast stream across each overlay, every datagram received
    pings = re.findall(r"via (.*): 20 packets transmitted, 20 received, 0% packet loss", out)
    assert pings == ["branch-a eoip-hub", "branch-b gre-hub", "branch-a eoip-hub then hub gre-branch-b"], out[-4000:]
    assert out.count("50 of 50 datagrams received") == 2, out[-4000:]
    # each fleet's picture, kept in the project: one edge per link
    pictures = re.findall(r"topology picture: (\S+)/topology\.svg, \S+/topology\.png", out)
    assert len(pictures) == 2, out[-4000:]
    for folder, links in zip(pictures, (2, 3)):
        svg = ET.parse(os.path.join(ROOT, folder, "topology.svg")).getroot()
        assert len([g for g in svg.iter(SVG + "g") if g.get("class") == "edge"]) == links
        assert os.path.getsize(os.path.join(ROOT, folder, "topology.png")) > 0


def demo_module():
    spec = importlib.util.spec_from_file_location("sitelink_demo", os.path.join(ROOT, "lab", "demo.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def link(site, peer, status="up", why=""):
    ends = [{"site": a, "peer": b, "status": status} for a, b in ((site, peer), (peer, site))]
    return {"link": "--".join(sorted((site, peer))), "site": site, "peer": peer, "overlay": "gre",
            "address": "10.254.0.2, 10.254.0.3", "handshake": "3s", "ping": "1/1", "status": status, "why": why,
            "ends": ends}


def test_the_demo_shows_the_table_of_the_report_file_whatever_the_site_names(tmp_path):
    """The table comes from fleet-report.json, not from scraping the run's output (where a header of long site
    names went unmatched): names of any length, every link, both counts; a why column only when one is not up."""
    demo = demo_module()
    assert demo.report_table(str(tmp_path)) is None            # no report: nothing to show, said by show()
    links = [link("headquarters-north", "hq"), link("a", "branch-office-7", "down", "no handshake")]
    (tmp_path / "fleet-report.json").write_text(json.dumps({"check_mode": False, "links": links}))
    lines = demo.report_table(str(tmp_path))
    assert lines[0].split() == ["site", "peer", "overlay", "address", "handshake", "ping", "status", "why"]
    assert lines[2].split()[:2] == ["headquarters-north", "hq"] and lines[2].split()[-1] == "up"
    assert lines[3].split()[:2] == ["a", "branch-office-7"] and lines[3].endswith("down    no handshake")
    assert lines[-2:] == ["1 links up, 1 down, 0 pending", "2 link ends up, 2 down, 0 pending"]
    assert len(lines) == 6 and all(line == line.rstrip() for line in lines)
