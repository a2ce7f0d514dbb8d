"""Failure semantics at fleet size (issue 22, item 5): a router that cannot be reached is reported unreachable, not
failed; a spoke's outage does not fail the hub (its side of the link is reported, with a warning); hosts that are not
sites add no task banner of their own."""

import json
import os
import re
import socket
import xml.etree.ElementTree as ET

from lab_fleet import GOOD, PLAYBOOK, play
from playbook_runs import ROOT, run_playbook

STATUS = os.path.join(ROOT, "playbooks", "site_status.yml")
BANNER = re.compile(r"^TASK \[(.*)\] \**$", re.M)


def closed_port():
    """A local TCP port nothing listens on (bound, then released): a connection to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_router(lab, connections, name, wan):
    """`name` goes dark: its API port is closed (the connections inventory points at a port nothing listens on)
    and its WAN address moves away, so no peer's tunnel reaches it either. Returns the closed port."""
    port = closed_port()
    with open(connections, encoding="utf-8") as handle:
        text = handle.read()
    with open(connections, "w", encoding="utf-8") as handle:
        handle.write(text.replace("port: %d," % lab.port(name, "api-ssl"), "port: %d," % port))
    router = lab.router(name)

    def move_the_wan():
        address = [it for it in router.tables["/ip/address"] if it.values.get("address") == wan][0]
        router.run("/ip/address", "set", {".id": address.ref, "address": "203.0.113.99/24"})
    lab.call(move_the_wan)
    return port


def recap(run):
    """{host: {ok, changed, unreachable, failed}} from the run's PLAY RECAP."""
    return dict((m.group(1), dict(zip(("ok", "changed", "unreachable", "failed"), map(int, m.groups()[1:]))))
                for m in re.finditer(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)",
                                     run.stdout, re.M))


def test_an_unreachable_spoke_is_unreachable_and_leaves_the_hub_green(fleet, tmp_path):
    lab, connections = fleet
    assert play(GOOD, connections, "-e", "sitelink_verify_delay=1").returncode == 0
    port = stop_router(lab, connections, "branch-b", "198.51.100.12/24")
    reports = tmp_path / "reports"
    run = play(GOOD, connections, "-e", json.dumps({"sitelink_verify_delay": 1, "sitelink_report_dir": str(reports)}))
    hosts = recap(run)
    # ansible-playbook's exit code for an unreachable host (4), with no host failed
    assert run.returncode == 4, run
    assert hosts["branch-b"]["unreachable"] == 1 and hosts["branch-b"]["failed"] == 0, hosts
    assert hosts["hub"]["failed"] == 0 and hosts["hub"]["unreachable"] == 0, hosts
    assert hosts["branch-a"]["failed"] == 0 and hosts["branch-a"]["unreachable"] == 0, hosts
    refused = "branch-b (127.0.0.1:%d, TLS): connection refused; is the api-ssl service enabled on port %d?" % (
        port, port)
    assert re.search(r"fatal: \[branch-b\]: UNREACHABLE! => .*" + re.escape(refused), run.stdout), run
    # the key step does not guess at check mode for a site that left the play
    assert "branch-b: its WireGuard interface wg-sitelink has no public key yet" not in run.out
    # the hub's side of the link: a warning, and a row that names the reason and the hub's own last handshake
    assert re.search(r"\[WARNING\]: hub: link branch-b--hub not verified: branch-b could not be reached in this run "
                     r"\(" + re.escape(refused), run.out), run.out[-3000:]
    assert "1 links up, 0 down, 0 pending, 1 peer-unreachable" in run.out, run.out[-3000:]
    with open(reports / "fleet-report.json", encoding="utf-8") as handle:
        links = dict((link["link"], link) for link in json.load(handle)["links"])
    assert links["branch-a--hub"]["status"] == "up"
    outage = links["branch-b--hub"]
    assert outage["status"] == "peer-unreachable" and [end["site"] for end in outage["ends"]] == ["hub"]
    assert "branch-b could not be reached in this run" in outage["why"] and "connection refused" in outage["why"]
    # the hub had a handshake with branch-b in the first run: its age, not "never", and no ping was sent
    assert re.fullmatch(r"(\d+[dhms])+", outage["handshake"]) and outage["ping"] == "-", outage
    junit = ET.parse(str(reports / "fleet-report.xml")).getroot()
    cases = dict((case.get("name"), case) for case in junit.findall("./testsuite/testcase"))
    assert cases["branch-a--hub"].find("failure") is None
    failure = cases["branch-b--hub"].find("failure")
    assert failure.get("type") == "peer-unreachable" and "connection refused" in failure.get("message")
    assert junit.get("failures") == "1"
    # check mode counts what the sites it reached would change; the one it could not reach is unreachable there too
    checked = play(GOOD, connections, "--check", "-e", json.dumps({"sitelink_report_dir": str(tmp_path / "check")}))
    assert checked.returncode == 4 and recap(checked)["branch-b"]["unreachable"] == 1, checked
    with open(tmp_path / "check" / "fleet-report.json", encoding="utf-8") as handle:
        assert [site["site"] for site in json.load(handle)["sites"]] == ["branch-a", "hub"]


def test_hosts_that_are_not_sites_add_no_task_banner(fleet, tmp_path):
    """The per-host `meta: end_host` printed one banner per host of the play (ansible/ansible#81800): the banners of
    a run are the role's tasks, each once, whatever the number of hosts; hosts that are not sites only skip."""
    lab, connections = fleet
    plain = play(GOOD, connections, "-e", "sitelink_verify_delay=1")
    assert plain.returncode == 0, plain
    others = tmp_path / "others.yml"
    switches = "".join("    switch-%d: {ansible_connection: local}\n" % n for n in range(1, 9))
    others.write_text("all:\n  hosts:\n" + switches)
    run = run_playbook(PLAYBOOK, [GOOD, str(others), connections], "-e", "sitelink_verify_delay=1", timeout=300)
    assert run.returncode == 0, run
    banners = BANNER.findall(run.stdout)
    assert len(banners) == len(set(banners)), banners
    assert banners == BANNER.findall(plain.stdout)
    hosts = recap(run)
    assert all(hosts["switch-%d" % n] == {"ok": 0, "changed": 0, "unreachable": 0, "failed": 0} for n in range(1, 9))
    assert hosts["hub"]["failed"] == 0 and "2 links up, 0 down, 0 pending" in run.out


def test_an_unreachable_linux_spoke_is_unreachable_and_leaves_the_hub_green(fleet, tmp_path):
    """A Linux site whose SSH is refused: Ansible's own unreachable result (the driver lets the connection's error
    through), and the RouterOS hub reports its side of the link as for a router."""
    lab, connections = fleet
    port = closed_port()
    linux = tmp_path / "linux.yml"
    linux.write_text("all:\n  hosts:\n    branch-b: {ansible_connection: ssh, ansible_host: 127.0.0.1, "
                     "ansible_port: %d, sitelink_site: {id: 3, lans: [192.168.12.0/24], platform: linux}}\n" % port)
    run = run_playbook(PLAYBOOK, [GOOD, connections, str(linux)], "-e", "sitelink_verify_delay=1", timeout=300)
    hosts = recap(run)
    assert run.returncode == 4 and hosts["branch-b"]["unreachable"] == 1 and hosts["branch-b"]["failed"] == 0, run
    assert hosts["hub"]["failed"] == 0 and hosts["branch-a"]["failed"] == 0, hosts
    assert re.search(r"fatal: \[branch-b\]: UNREACHABLE! => .*port %d: Connection refused" % port, run.stdout), run
    row = [line for line in run.out.splitlines() if re.match(r'\s*"hub\s+branch-b\s', line)]
    assert len(row) == 1 and "peer-unreachable  branch-b could not be reached in this run" in row[0], run


def test_the_status_playbook_reports_an_unreachable_spoke_on_the_hubs_side(fleet, tmp_path):
    """The scheduled health run: the spoke it cannot reach is unreachable (the job goes red on it alone), and the
    hub's side of its link is reported."""
    lab, connections = fleet
    assert play(GOOD, connections, "-e", "sitelink_verify_delay=1").returncode == 0
    stop_router(lab, connections, "branch-a", "198.51.100.11/24")
    run = run_playbook(STATUS, [GOOD, connections], "-e", "sitelink_verify_delay=1", timeout=300)
    hosts = recap(run)
    assert run.returncode == 4 and hosts["branch-a"]["unreachable"] == 1, run
    assert hosts["hub"]["failed"] == 0 and hosts["branch-b"]["failed"] == 0, hosts
    assert "1 links up, 0 down, 0 pending, 1 peer-unreachable" in run.out, run.out[-3000:]
