"""The Linux lab's GRE in user space (linux_gre_ip.py): `ip link add ... type gre` over SSH on a site makes a working
tunnel shown as ip_gre's, `ip link del` stops it, and nothing is left after the lab goes down."""

import json
import os
import shutil
import signal
import subprocess
import sys

import librouteros
import pytest
import yaml

from ansible_collections.sitelink.tunnels.plugins.module_utils.linux import render
from labkit import needs_dataplane
from playbook_runs import run_playbook     # the collection's one way to run a playbook (tests/integration)
from rosemu.lab_tools import start_rosemu, wait_until
from rosemu.linuxlab import LAB_DIR, LinuxLab, alive, kernel_makes_gre, sh

needs_root = needs_dataplane("ping")

ADD = "ip link add {name} type gre local {local} remote {remote} ttl 64"
# site b plays a RouterOS end with keepalive: one keepalive to a (framing.gre_keepalive), then any GRE packet of
# protocol type 0 from a within 2 s (the answer) counted
KEEPALIVE = """
import socket, struct
from rosemu.dataplane import framing
sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, framing.IP_PROTO_GRE)
sock.settimeout(2)
sock.sendto(framing.gre_keepalive("{b}", "{a}"), ("{a}", 0))
answers = 0
try:
    while True:
        data, (source, _port) = sock.recvfrom(65535)
        frame = framing.decode(framing.strip_ipv4(data)[0])
        answers += source == "{a}" and frame is not None and frame.keepalive
except socket.timeout:
    pass
print(answers)
"""


@pytest.fixture
def linux(tmp_path):
    lab = LinuxLab(["a", "b"], str(tmp_path / "linuxlab"), user_gre=True).up()
    yield lab
    lab.down()


def tunnel_between(lab, mtu=None):
    """gre-b on a and gre-a on b over the lab's WAN, 10.254.0.0/31; the forwarders' PIDs."""
    a, b = str(lab.wan_address("a")), str(lab.wan_address("b"))
    for site, name, local, remote, address in (("a", "gre-b", a, b, "10.254.0.0/31"),
                                               ("b", "gre-a", b, a, "10.254.0.1/31")):
        lab.ssh(site, " && ".join([ADD.format(name=name, local=local, remote=remote),
                                   "ip addr add %s dev %s" % (address, name),
                                   "ip link set dev %s %s up" % (name, "mtu %d" % mtu if mtu else "")]))
    return lab.gre_forwarders("a")["gre-b"], lab.gre_forwarders("b")["gre-a"]


def links(lab, site, *args):
    return dict((link["ifname"], link) for link in json.loads(lab.ssh(site, "ip -j -d %s" % " ".join(args)).stdout))


def test_the_default_follows_the_kernel(tmp_path):
    lab = LinuxLab(["a"], str(tmp_path / "auto")).up()
    try:
        assert lab.user_gre is (not kernel_makes_gre())
    finally:
        lab.down()


def test_a_gre_tunnel_between_two_sites(linux):
    a, b = str(linux.wan_address("a")), str(linux.wan_address("b"))
    linux.ssh("a", ADD.format(name="gre-b", local=a, remote=b))
    made = links(linux, "a", "link", "show", "dev", "gre-b")["gre-b"]
    assert made["mtu"] == 1476 and "UP" not in made["flags"]           # eth0's 1500 less 24, down, as ip_gre's
    linux.ssh("a", "ip link del gre-b")
    pids = tunnel_between(linux, mtu=1400)
    assert all(alive(pid) for pid in pids)
    ping = linux.ssh("a", "ping -c3 -i0.2 -W1 10.254.0.1", check=False)
    assert ping.returncode == 0 and "3 received" in ping.stdout, ping.stdout + ping.stderr
    shown = links(linux, "a", "address", "show")["gre-b"]           # what linux_gre_tunnels reads
    assert shown["link_type"] == "gre" and shown["link"] is None and shown["mtu"] == 1400
    assert shown["flags"] == ["POINTOPOINT", "NOARP", "UP", "LOWER_UP"]
    assert shown["address"] == a and shown["broadcast"] == b and shown["link_pointtopoint"] is True
    assert shown["linkinfo"] == {"info_kind": "gre", "info_data": {"remote": b, "local": a, "ttl": 64,
                                                                   "pmtudisc": True}}
    assert ("10.254.0.0", 31) in [(i["local"], i["prefixlen"]) for i in shown["addr_info"]]
    assert "eth0" in links(linux, "a", "link", "show") and links(linux, "a", "link", "show")["eth0"]["link_type"] \
        == "ether"                                                  # the others as they are
    text = linux.ssh("a", "ip -d link show gre-b").stdout
    assert "gre-b@NONE:" in text and "link/gre %s peer %s" % (a, b) in text
    assert "gre remote %s local %s ttl 64" % (b, a) in text
    linux.ssh("a", "ip link delete dev gre-b")
    assert not alive(pids[0]) and linux.gre_forwarders("a") == {}
    assert "gre-b" not in links(linux, "a", "address", "show")
    assert linux.ssh("a", "ping -c1 -W1 10.254.0.1", check=False).returncode != 0


def test_what_the_wrapper_does_not_do(linux):
    a, b = str(linux.wan_address("a")), str(linux.wan_address("b"))
    linux.ssh("a", ADD.format(name="gre-b", local=a, remote=b))
    again = linux.ssh("a", ADD.format(name="gre-b", local=a, remote=b), check=False)
    assert again.returncode == 2 and "File exists" in again.stderr
    same_ends = linux.ssh("a", ADD.format(name="gre-c", local=a, remote=b), check=False)
    assert same_ends.returncode == 2 and "File exists" in same_ends.stderr
    keyed = linux.ssh("a", ADD.format(name="gre-k", local=a, remote=b) + " key 5", check=False)
    assert keyed.returncode == 2 and "not 'key'" in keyed.stderr and "gre-k" not in links(linux, "a", "link")
    # everything else is the real ip, with the same arguments, at every path Debian has for it
    for path in ("ip", "/usr/bin/ip", "/bin/ip", "/sbin/ip", "/usr/sbin/ip"):
        assert linux.ssh("a", "%s -V" % path).stdout.startswith("ip utility, iproute2-")
    linux.ssh("a", "ip link add dummy-veth type veth peer name dummy-peer")
    assert links(linux, "a", "link")["dummy-veth"]["linkinfo"]["info_kind"] == "veth"
    wrong = linux.ssh("a", "ip link del nosuch", check=False)
    assert wrong.returncode != 0 and "Cannot find device" in wrong.stderr
    # the host's own ip is untouched
    assert "gre-b" not in subprocess.run(["ip", "link"], capture_output=True, text=True, check=True).stdout


def test_a_routeros_keepalive_is_decapsulated_and_routed_as_ip_gre_does(linux):
    """b sends a RouterOS keepalive (GRE holding a GRE packet from a back to b): a's forwarder writes the inner packet
    to the TUN and a's kernel routes it; with Linux's defaults that packet, whose source is a's own address, is a
    martian and dropped (no answer: answers_gre_keepalive=False); a host that accepts it (accept_local, forwarding)
    sends it back, as ip_gre would."""
    tunnel_between(linux)
    script = KEEPALIVE.format(a=linux.wan_address("a"), b=linux.wan_address("b"))
    env = dict(os.environ, PYTHONPATH=LAB_DIR)

    def answers():
        return int(subprocess.run(["ip", "netns", "exec", linux.netns("b"), sys.executable, "-c", script], env=env,
                                  capture_output=True, text=True, check=True).stdout)
    assert answers() == 0
    linux.ssh("a", "sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.accept_local=1 "
                   "net.ipv4.conf.gre-b.accept_local=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.gre-b.rp_filter=0")
    assert answers() == 1


def test_down_leaves_no_forwarder_device_or_mount(tmp_path):
    lab = LinuxLab(["a", "b"], str(tmp_path / "gone"), user_gre=True).up()
    pids = tunnel_between(lab)
    lab.down()
    assert not any(alive(pid) for pid in pids)
    assert not set(lab.namespaces()) & set(subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                                                          check=True).stdout.split())
    assert not os.path.exists(str(tmp_path / "gone"))
    with open("/proc/mounts", encoding="utf-8") as fh:
        assert str(tmp_path / "gone") not in fh.read()


def test_without_the_wrapper_the_kernel_answers(tmp_path):
    if kernel_makes_gre():
        pytest.skip("this kernel has GRE")
    lab = LinuxLab(["a"], str(tmp_path / "plain"), user_gre=False).up()
    try:
        refused = lab.ssh("a", ADD.format(name="gre-b", local="198.51.100.101", remote="198.51.100.102"),
                          check=False)
        assert refused.returncode != 0 and not os.path.exists(lab.gre_state("a"))
    finally:
        lab.down()


def test_the_module_converges_once_on_user_space_gre(linux, tmp_path):
    """linux_gre_tunnels, run twice: the second run reads back what the first made (through the wrapper's reads)
    and changes nothing."""
    inventory = {"all": {"hosts": {"a": linux.inventory_vars("a")}}}
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    (tmp_path / "gre.yml").write_text(
        "- hosts: all\n  gather_facts: false\n  tasks:\n"
        "    - sitelink.tunnels.linux_gre_tunnels:\n        config:\n"
        "          - {name: gre-b, local: %s, remote: %s, addresses: [10.254.0.0/31], comment: a--b}\n"
        % (linux.wan_address("a"), linux.wan_address("b")))
    first = run_playbook(tmp_path / "gre.yml", str(tmp_path / "inventory.json"), timeout=180)
    assert first.rc == 0 and first.recap["a"]["changed"] == 1, first
    second = run_playbook(tmp_path / "gre.yml", str(tmp_path / "inventory.json"), timeout=180)
    assert second.rc == 0 and second.recap["a"]["changed"] == 0, second
    shown = links(linux, "a", "address", "show")["gre-b"]
    assert shown["mtu"] == 1396 and shown["ifalias"] == "sitelink:fleet a--b" and "UP" in shown["flags"]


ROUTER = {
    "routers": [{"name": "r1", "setup": [
        ["/ip/address/add", "=address=198.51.100.101/24", "=interface=ether1"],
        ["/interface/gre/add", "=name=gre-site", "=local-address=198.51.100.101", "=remote-address=198.51.100.201"],
        ["/interface/gre/unset", "=numbers=gre-site", "=value-name=keepalive"],     # as the collection does to Linux
        ["/ip/address/add", "=address=10.254.0.0/31", "=interface=gre-site"]]}],
    "dataplane": {},
}


@needs_root
def test_gre_between_a_linux_site_and_an_emulated_router(tmp_path):
    """The site's user-space GRE and the data plane's router speak the same GRE: pings cross both ways."""
    site = LinuxLab(["site"], str(tmp_path / "linux"), first_host=201, user_gre=True).up()
    proc = None
    try:
        (tmp_path / "lab.yml").write_text(yaml.safe_dump(ROUTER))
        proc, _routers = start_rosemu(["--topology", str(tmp_path / "lab.yml"), "--dataplane",
                                       str(tmp_path / "dataplane"), "--dataplane-join", site.wan_ns])
        assert proc.stdout.readline().startswith("dataplane prefix=")
        with open(tmp_path / "dataplane" / "dataplane.json", encoding="utf-8") as fh:
            router_ns = json.load(fh)["netns"]["r1"]
        site.ssh("site", "ip link add gre-r1 type gre local 198.51.100.201 remote 198.51.100.101 ttl 64 && "
                         "ip addr add 10.254.0.1/31 dev gre-r1 && ip link set dev gre-r1 mtu 1400 up")
        ping = site.ssh("site", "ping -c3 -i0.2 -W1 10.254.0.0", check=False)
        assert ping.returncode == 0, ping.stdout + ping.stderr
        back = sh("ip", "netns", "exec", router_ns, "ping", "-c", "3", "-i", "0.2", "-W", "1", "10.254.0.1",
                  check=False)
        assert back.returncode == 0, back.stdout + back.stderr
    finally:
        if proc:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
        site.down()


OSPF_ROUTER = [
    ["/routing/ospf/instance/add", "=name=sitelink", "=router-id=10.253.0.1"],
    ["/routing/ospf/area/add", "=name=sitelink-area", "=instance=sitelink"],
    ["/routing/ospf/interface-template/add", "=area=sitelink-area", "=interfaces=gre-site", "=type=ptp",
     "=cost=10", "=hello-interval=1s", "=dead-interval=4s"]]
FRR_PLAY = ("- hosts: all\n  gather_facts: false\n  tasks:\n"
            "    - sitelink.tunnels.linux_frr:\n        state: present\n        daemons: [ospfd]\n"
            "        config: \"{{ frr_config }}\"\n")


@needs_root
@pytest.mark.skipif(not os.path.exists("/usr/lib/frr/frr-reload.py") or shutil.which("vtysh") is None,
                    reason="needs FRR (frr, frr-pythontools)")
def test_ospf_between_a_linux_site_and_an_emulated_router_over_gre(tmp_path):
    """The site's FRR (linux_frr, the configuration the role renders) and the router's OSPF (FRR on the data plane)
    meet over the site's user-space GRE: Full at both ends, and the router routes to the site's LAN by OSPF."""
    site = LinuxLab(["site"], str(tmp_path / "linux"), first_host=201, user_gre=True,
                    lans={"site": "192.168.71.1/24"}).up()
    proc = None
    try:
        topology = {"routers": [dict(ROUTER["routers"][0], setup=ROUTER["routers"][0]["setup"] + OSPF_ROUTER)],
                    "dataplane": {}}
        (tmp_path / "lab.yml").write_text(yaml.safe_dump(topology))
        proc, routers = start_rosemu(["--topology", str(tmp_path / "lab.yml"), "--dataplane",
                                      str(tmp_path / "dataplane"), "--dataplane-join", site.wan_ns])
        assert proc.stdout.readline().startswith("dataplane prefix=")
        with open(tmp_path / "dataplane" / "dataplane.json", encoding="utf-8") as fh:
            router_ns = json.load(fh)["netns"]["r1"]
        # the MTU ip_gre picks here (eth0's 1500 less 24) is the router's GRE MTU: OSPF's database exchange
        # needs the two ends' MTUs equal (RFC 2328 10.6; FRR stays in ExStart otherwise)
        site.ssh("site", "ip link add gre-r1 type gre local 198.51.100.201 remote 198.51.100.101 ttl 64 && "
                         "ip addr add 10.254.0.1/31 dev gre-r1 && ip link set dev gre-r1 up")
        frr_config = render.frr_ospf({"router_id": "10.253.0.2", "area": "0.0.0.0", "bfd_profile": "bfd-tunnels",
                                      "interfaces": [{"name": "gre-r1", "network": "10.254.0.0/31", "type": "ptp",
                                                      "cost": 10, "hello_interval": 1, "dead_interval": 4,
                                                      "bfd": False}],
                                      "passive_networks": ["192.168.71.0/24"]})
        inventory = {"all": {"hosts": {"site": dict(site.inventory_vars("site"), frr_config=frr_config)}}}
        (tmp_path / "inventory.json").write_text(json.dumps(inventory))
        (tmp_path / "frr.yml").write_text(FRR_PLAY)
        run = run_playbook(tmp_path / "frr.yml", str(tmp_path / "inventory.json"), timeout=300)
        assert run.rc == 0, run

        def site_full():
            found = json.loads(site.ssh("site", "vtysh -c 'show ip ospf neighbor json'").stdout or "{}")
            return [e for entries in found.get("neighbors", {}).values() for e in entries
                    if e.get("nbrState", "").startswith("Full")]
        assert wait_until(site_full, 40, "Full at the site"), site.ssh("site", "vtysh -c 'show ip ospf neighbor'").stdout
        api = librouteros.connect("127.0.0.1", "admin", "", port=routers["r1"]["api"][1], timeout=30)
        try:
            def router_full():
                return [r for r in api("/routing/ospf/neighbor/print") if r.get("state") == "Full"]
            rows = wait_until(router_full, 20, "Full at the router")
        finally:
            api.close()
        assert [(r["interface"], r["router-id"]) for r in rows] == [("gre-site", "10.253.0.2")], rows

        def ospf_route():
            return sh("ip", "netns", "exec", router_ns, "ip", "route", "show", "192.168.71.0/24", "proto",
                      "ospf").stdout.strip()
        learned = wait_until(ospf_route, 30, "the site's LAN learned by the router")
        assert "dev gre-site" in learned, learned
        across = sh("ip", "netns", "exec", router_ns, "ping", "-c", "2", "-W", "1", "192.168.71.1", check=False)
        assert across.returncode == 0, across.stdout + across.stderr
    finally:
        if proc:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
        site.down()
