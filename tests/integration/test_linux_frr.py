"""linux_frr on real FRR (Debian's frr 8.4 with frr-pythontools) on two Linux lab sites: OSPF and BFD over a link
named as the role names GRE overlays.

This machine's kernel has no GRE (see test_linux_sites.py), so the overlay is a veth pair between the two sites'
namespaces, carrying the interface names and /31 transit addresses a GRE overlay would have; each site runs FRR in
its own namespaces (the lab's private /etc/frr, /run/frr, /var/log/frr, /var/lib/frr) under frrinit.sh, as a host
without systemd does. The module runs through Ansible over the lab's SSH, with the configuration the role renders
(render.frr_ospf). Asserted: the first run starts a stopped FRR and restarts a running one once (to start ospfd and
bfdd); the adjacency reaches Full, BFD is up, each site learns the other's LAN; a second run changes nothing; a
changed cost is applied by reload with the adjacency and the daemons left running; the administrator's lines
outside the block survive every run; state=absent takes the block out.
"""

import ipaddress
import json
import os
import shutil
import subprocess

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.linux import render
from playbook_runs import run_playbook
from rosemu.linuxlab import LinuxLab
from rosemu.lab_tools import wait_until

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("vtysh") is None or not os.path.exists("/usr/lib/frr/frr-reload.py")
    or shutil.which("sshd") is None and not os.path.exists("/usr/sbin/sshd"),
    reason="needs root, FRR (frr, frr-pythontools) and sshd")

# site: (its LAN, its overlay interface, its transit address, its router id)
SITES = {"left": ("192.168.81.1/24", "gre-right", "10.254.9.0/31", "10.253.0.1"),
         "right": ("192.168.82.1/24", "gre-left", "10.254.9.1/31", "10.253.0.2")}
MTU = 1378
USER_LINES = ["hostname operator-own", "ip route 198.18.0.0/24 blackhole"]     # the administrator's, outside


def site_config(name, cost=10):
    lan, iface, transit, router_id = SITES[name]
    network = str(ipaddress.ip_interface(transit).network)
    return render.frr_ospf({"router_id": router_id, "area": "0.0.0.0", "bfd_profile": "bfd-tunnels",
                            "interfaces": [{"name": iface, "network": network, "type": "ptp", "cost": cost,
                                            "hello_interval": 1, "dead_interval": 4, "bfd": True}],
                            "passive_networks": [lan.replace(".1/24", ".0/24")]})


@pytest.fixture
def sites(tmp_path):
    lab = LinuxLab(list(SITES), str(tmp_path / "lab"), lans=dict((n, s[0]) for n, s in SITES.items())).up()
    try:
        subprocess.run(["ip", "link", "add", SITES["left"][1], "netns", lab.netns("left"), "type", "veth", "peer",
                        "name", SITES["right"][1], "netns", lab.netns("right")], check=True)
        for name, (_lan, iface, transit, _rid) in SITES.items():
            lab_run(lab, name, "ip", "addr", "add", transit, "dev", iface)
            lab_run(lab, name, "ip", "link", "set", iface, "mtu", str(MTU), "up")
        with open(os.path.join(str(tmp_path), "user.conf"), "w", encoding="utf-8") as fh:
            fh.write("frr defaults traditional\n%s\nservice integrated-vtysh-config\n!\n" % "\n".join(USER_LINES))
        for name in SITES:      # the administrator's own frr.conf, before the module's first run
            lab_run(lab, name, "install", "-o", "frr", "-g", "frr", "-m", "0640", str(tmp_path / "user.conf"),
                    "/etc/frr/frr.conf")
        # right's FRR already runs the administrator's configuration (zebra, staticd): enabling ospfd restarts it
        lab_run(lab, "right", "/usr/lib/frr/frrinit.sh", "start")
        hosts = dict((name, dict(lab.inventory_vars(name), frr_config=site_config(name))) for name in SITES)
        (tmp_path / "inventory.json").write_text(json.dumps({"all": {"hosts": hosts}}))
        yield lab
    finally:
        lab.down()      # FRR's daemons are processes in the sites' namespaces: down() stops them


def lab_run(lab, name, *argv, check=True):
    """A command in site `name`'s network and mount namespaces."""
    return subprocess.run(["nsenter", "--net=/var/run/netns/%s" % lab.netns(name), "--mount=%s" % lab.mntns(name)]
                          + list(argv), capture_output=True, text=True, check=check, timeout=60)


def vtysh_json(lab, name, command):
    return json.loads(lab_run(lab, name, "vtysh", "-c", command).stdout or "{}")


def play(tmp_path, hosts="all", state="present", config="{{ frr_config }}"):
    """linux_frr on `hosts`; {host: its result} (written by the play to files next to the inventory)."""
    body = ("- hosts: %s\n  gather_facts: false\n  tasks:\n"
            "    - sitelink.tunnels.linux_frr:\n        state: %s\n%s        daemons: [ospfd, bfdd]\n"
            "      register: frr\n"
            "    - ansible.builtin.copy:\n        content: \"{{ frr | to_json }}\"\n"
            "        dest: \"%s/result-{{ inventory_hostname }}.json\"\n        mode: \"0600\"\n"
            "      delegate_to: localhost\n" % (hosts, state, "        config: \"%s\"\n" % config
                                                if state == "present" else "", tmp_path))
    (tmp_path / "play.yml").write_text(body)
    run = run_playbook(tmp_path / "play.yml", str(tmp_path / "inventory.json"), "--diff", timeout=300)
    assert run.rc == 0, run
    names = list(SITES) if hosts == "all" else [hosts]
    return dict((name, json.loads((tmp_path / ("result-%s.json" % name)).read_text())) for name in names)


def routing_status(tmp_path, host):
    """linux_tunnel_status's reading of FRR (ospf, bfd) on `host`."""
    body = ("- hosts: %s\n  gather_facts: false\n  tasks:\n"
            "    - sitelink.tunnels.linux_tunnel_status: {ospf: true, bfd: true}\n      register: status\n"
            "    - ansible.builtin.copy:\n        content: \"{{ status | to_json }}\"\n"
            "        dest: \"%s/status.json\"\n        mode: \"0600\"\n      delegate_to: localhost\n"
            % (host, tmp_path))
    (tmp_path / "status.yml").write_text(body)
    run = run_playbook(tmp_path / "status.yml", str(tmp_path / "inventory.json"), timeout=300)
    assert run.rc == 0, run
    return json.loads((tmp_path / "status.json").read_text())


def neighbour(lab, name):
    """The one OSPF neighbour's entry (nbrState, upTimeInMsec, ...) or None."""
    entries = [e for found in vtysh_json(lab, name, "show ip ospf neighbor json").get("neighbors", {}).values()
               for e in found]
    return entries[0] if len(entries) == 1 else None


def full(lab, name):
    entry = neighbour(lab, name)
    return entry if entry and entry["nbrState"].startswith("Full") else None


def ospf_route(lab, name, prefix):
    return [r for r in vtysh_json(lab, name, "show ip route %s json" % prefix).get(prefix, [])
            if r.get("protocol") == "ospf" and r.get("selected")]


def daemon_pids(lab, name):
    return dict((daemon, lab_run(lab, name, "cat", "/run/frr/%s.pid" % daemon).stdout.strip())
                for daemon in ("zebra", "ospfd", "bfdd"))


def frr_conf(lab, name):
    return lab_run(lab, name, "cat", "/etc/frr/frr.conf").stdout


def test_ospf_and_bfd_on_two_linux_sites_reload_in_place(sites, tmp_path):
    first = play(tmp_path)
    assert first["left"]["service"] == "start" and first["right"]["service"] == "restart", first
    assert "enables ospfd, bfdd: every FRR daemon restarts" in first["right"]["service_reason"]
    for name in SITES:
        assert first[name]["changed"], first[name]
        assert first[name]["daemons_enabled"] == ["ospfd", "bfdd"]
        assert first[name]["diff"]["before"] == "" and "router ospf" in first[name]["diff"]["after"]
    for name in SITES:
        wait_until(lambda n=name: full(sites, n), 30, "Full at %s" % name)
    peers = wait_until(lambda: [p for p in vtysh_json(sites, "left", "show bfd peers json") if p["status"] == "up"],
                       30, "a BFD peer up")
    assert [p["peer"] for p in peers] == ["10.254.9.1"]
    assert wait_until(lambda: ospf_route(sites, "left", "192.168.82.0/24"), 60, "the right LAN on the left")
    assert wait_until(lambda: ospf_route(sites, "right", "192.168.81.0/24"), 60, "the left LAN on the right")
    mode = lab_run(sites, "left", "stat", "-c", "%a %U:%G", "/etc/frr/frr.conf").stdout.split()
    assert mode == ["640", "frr:frr"]

    status = routing_status(tmp_path, "left")      # what verification reads, from real FRR
    assert status["ospf_neighbors"] == [{"interface": "gre-right", "address": "10.254.9.1", "router-id": "10.253.0.2",
                                         "state": "Full"}], status
    assert status["bfd_sessions"] == [{"remote-address": "10.254.9.1%gre-right", "state": "up"}], status

    second = play(tmp_path)
    assert [second[n]["changed"] for n in SITES] == [False, False], second
    assert [second[n]["service"] for n in SITES] == [None, None]

    before, pids = full(sites, "left"), daemon_pids(sites, "left")
    config = site_config("left", cost=25)
    hosts = json.loads((tmp_path / "inventory.json").read_text())
    hosts["all"]["hosts"]["left"]["frr_config"] = config
    (tmp_path / "inventory.json").write_text(json.dumps(hosts))
    third = play(tmp_path, hosts="left")["left"]
    assert third["changed"] and third["service"] == "reload", third
    assert " ip ospf cost 25" in third["diff"]["after"] and " ip ospf cost 10" in third["diff"]["before"]
    cost = vtysh_json(sites, "left", "show ip ospf interface gre-right json")["interfaces"]["gre-right"]["cost"]
    assert cost == 25
    after = full(sites, "left")
    # the same adjacency, older than before the reload (a restarted one would be younger than the run), and the same
    # daemons (a restart would give new PIDs)
    assert after and after["upTimeInMsec"] > before["upTimeInMsec"], (before, after)
    assert daemon_pids(sites, "left") == pids
    for name in SITES:
        text = frr_conf(sites, name)
        assert all(line in text.splitlines() for line in USER_LINES), text
        assert "ip route 198.18.0.0/24 blackhole" in lab_run(sites, name, "vtysh", "-c", "show running-config").stdout

    gone = play(tmp_path, hosts="left", state="absent")["left"]
    assert gone["changed"] and gone["service"] == "reload" and gone["diff"]["after"] == ""
    text = frr_conf(sites, "left")
    assert "sitelink:fleet" not in text and "router ospf" not in text
    assert all(line in text.splitlines() for line in USER_LINES), text
    running = lab_run(sites, "left", "vtysh", "-c", "show running-config").stdout
    assert "router ospf" not in running and "ip route 198.18.0.0/24 blackhole" in running
