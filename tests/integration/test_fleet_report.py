"""The fleet report for machines and people (issue 22, item 4): one row per link in the table the role prints, the
files of sitelink_report_dir (JSON, JUnit XML with one test case per link, Markdown), the sitelink_report stat for
AWX workflows, and in check mode what each site would change."""

import json
import os
import xml.etree.ElementTree as ET

from lab_fleet import GOOD, PLAYBOOK, play, reset, writes
from playbook_runs import ROOT, run_playbook

LINKS = ["branch-a--hub", "branch-b--hub"]
STATUS = os.path.join(ROOT, "playbooks", "site_status.yml")


def report_files(directory):
    with open(directory / "fleet-report.json", encoding="utf-8") as handle:
        data = json.load(handle)
    return data, ET.parse(str(directory / "fleet-report.xml")).getroot(), \
        (directory / "fleet-report.md").read_text(encoding="utf-8")


def test_a_healthy_fleet_reports_one_passing_case_per_link_and_the_stat(fleet, tmp_path):
    lab, connections = fleet
    reports = tmp_path / "reports"
    run = run_playbook(PLAYBOOK, [GOOD, connections], "-e", json.dumps({"sitelink_verify_delay": 1,
                                                                        "sitelink_report_dir": str(reports)}),
                       env={"ANSIBLE_SHOW_CUSTOM_STATS": "true"}, timeout=300)
    assert run.returncode == 0, run.out[-4000:]
    assert "2 links up, 0 down, 0 pending" in run.out and "4 link ends up, 0 down, 0 pending" in run.out
    data, junit, page = report_files(reports)
    assert data["counts"] == {"up": 2, "down": 0, "pending": 0}
    assert [link["link"] for link in data["links"]] == LINKS
    assert all(len(link["ends"]) == 2 and link["why"] == "" for link in data["links"])
    cases = junit.findall("./testsuite/testcase")
    assert [case.get("name") for case in cases] == LINKS
    assert junit.findall(".//failure") == [] and junit.get("failures") == "0"
    assert page.count("| up |") == 2, page
    stats = run.out[run.out.index("CUSTOM STATS"):]
    assert "sitelink_report" in stats and "branch-a--hub" in stats, stats


def test_a_link_that_is_down_fails_its_test_case_with_the_why(fleet, tmp_path):
    lab, connections = fleet
    branch_b = lab.router("branch-b")

    def move_the_wan():
        wan = [it for it in branch_b.tables["/ip/address"] if it.values.get("address") == "198.51.100.12/24"][0]
        branch_b.run("/ip/address", "set", {".id": wan.ref, "address": "203.0.113.12/24"})
    lab.call(move_the_wan)
    reports = tmp_path / "reports"
    run = play(GOOD, connections, "-e", json.dumps({"sitelink_verify_delay": 1, "sitelink_verify_retries": 1,
                                                    "sitelink_report_dir": str(reports)}))
    assert run.returncode != 0
    assert "1 links up, 1 down, 0 pending" in run.out and "2 link ends up, 2 down, 0 pending" in run.out, \
        run.out[-3000:]
    data, junit, page = report_files(reports)
    down = [link for link in data["links"] if link["status"] != "up"]
    assert [link["link"] for link in down] == ["branch-b--hub"]
    assert "no handshake between branch-b and hub" in down[0]["why"]
    failures = junit.findall(".//failure")
    assert len(failures) == 1 and junit.get("failures") == "1"
    failed = [case for case in junit.findall("./testsuite/testcase") if case.find("failure") is not None]
    assert failed[0].get("name") == "branch-b--hub"
    assert failures[0].get("type") == "down" and "no handshake between branch-b and hub" in failures[0].get("message")
    assert "| down | no handshake between branch-b and hub" in page, page


def test_check_mode_on_a_fresh_fleet_reports_what_each_site_would_change_and_writes_nothing(fleet, tmp_path):
    lab, connections = fleet
    reports = tmp_path / "reports"
    run = play(GOOD, connections, "--check", "-e", json.dumps({"sitelink_report_dir": str(reports)}))
    assert run.returncode == 0, run.out[-4000:]
    assert writes(lab) == {"hub": 0, "branch-a": 0, "branch-b": 0}
    assert "check mode: " in run.out and "site(s) with peers pending a key" in run.out, run.out[-3000:]
    with open(reports / "fleet-report.json", encoding="utf-8") as handle:
        data = json.load(handle)
    assert data["check_mode"] is True and not (reports / "fleet-report.xml").exists()
    sites = dict((site["site"], site) for site in data["sites"])
    assert sorted(sites) == ["branch-a", "branch-b", "hub"]
    # nothing exists yet: every entry is an add, and no router has a WireGuard key to give its peers
    assert all(site["adds"] > 0 and site["removes"] == 0 for site in sites.values())
    assert sites["hub"]["pending"] == ["branch-a", "branch-b"] and sites["branch-a"]["pending"] == ["hub"]


def test_the_status_playbook_verifies_and_reports_without_a_single_write(fleet, tmp_path):
    lab, connections = fleet
    assert play(GOOD, connections, "-e", "sitelink_verify_delay=1").returncode == 0
    reset(lab)
    reports = tmp_path / "reports"
    run = run_playbook(STATUS, [GOOD, connections], "-e", json.dumps({"sitelink_verify_delay": 1,
                                                                      "sitelink_report_dir": str(reports)}),
                       timeout=300)
    assert run.returncode == 0, run.out[-4000:]
    assert "2 links up, 0 down, 0 pending" in run.out
    assert writes(lab) == {"hub": 0, "branch-a": 0, "branch-b": 0}
    assert sum(lab.call(lambda r=r: r.counters.read) for r in lab.routers.values()) > 0
    assert "changed=0" in run.out and "changed=1" not in run.out
    assert [case.get("name") for case in report_files(reports)[1].findall("./testsuite/testcase")] == LINKS
