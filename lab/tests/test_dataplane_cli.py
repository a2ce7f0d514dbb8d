"""`rosemu --dataplane`: the command line starts a lab whose routers are on the data plane (what the Molecule
scenario live_overlay runs), joined to a Linux lab's underlay; SIGTERM takes it all down, and `--dataplane-down`
removes what a killed run left."""

import json
import os
import secrets
import signal
import subprocess
import sys

import librouteros
import pytest
import yaml

from labkit import needs_dataplane
from rosemu.lab_tools import start_rosemu
from rosemu.linuxlab import LinuxLab, sh

needs_root = needs_dataplane("ping", "nft")

TOPOLOGY = {
    "routers": [{"name": "r1", "setup": [["/ip/address/add", "=address=198.51.100.101/24", "=interface=ether1"]]}],
    "dataplane": {"firewall": True, "hosts": {"r1": ["192.168.88.10/24", "192.168.88.1"]}},
}


def namespaces():
    return set(sh("ip", "netns", "list").stdout.split())


@pytest.fixture
def linux_site(tmp_path):
    """A Linux site on an underlay of its own (198.51.100.201), as rosemu-linux makes it for Molecule."""
    lab = LinuxLab(["site"], str(tmp_path / "linux"), prefix="lt%s" % secrets.token_hex(3), first_host=201).up()
    yield lab
    lab.down()


def start(tmp_path, joined):
    topology = tmp_path / "lab.yml"
    topology.write_text(yaml.safe_dump(TOPOLOGY))
    state = tmp_path / "dataplane"
    proc, routers = start_rosemu(["--topology", str(topology), "--dataplane", str(state),
                                  "--dataplane-join", joined])
    assert list(routers) == ["r1"]
    assert proc.stdout.readline().startswith("dataplane prefix=")
    with open(state / "dataplane.json", encoding="utf-8") as fh:
        return proc, routers, json.load(fh)


@needs_root
def test_the_routers_share_the_linux_labs_underlay_and_go_on_sigterm(tmp_path, linux_site):
    proc, routers, saved = start(tmp_path, linux_site.wan_ns)
    try:
        made = {saved["underlay"], saved["lan_hosts"]["r1"]["netns"], *saved["netns"].values()}
        assert made <= namespaces() and all(name.startswith(saved["prefix"] + "-") for name in made)
        across = linux_site._in(linux_site.netns("site"), "ping", "-c", "1", "-W", "2", "198.51.100.101")
        assert "1 received" in across.stdout
        lan = sh("ip", "netns", "exec", saved["lan_hosts"]["r1"]["netns"], "ping", "-c", "1", "-W", "2",
                 "192.168.88.1")
        assert "1 received" in lan.stdout
        assert "table inet rosemu" in sh("ip", "netns", "exec", saved["netns"]["r1"], "nft", "list", "tables").stdout
        # RouterOS takes a name Linux cannot (16 characters): the write succeeds, rosemu's log says why it is not
        # realised, and that it is again once the tunnel goes
        api = librouteros.connect("127.0.0.1", "admin", "", port=routers["r1"]["api"][1], timeout=30)
        try:
            added = list(api("/interface/gre/add", name="gre-sixteen-long", **{"remote-address": "10.9.9.9"}))
            list(api("/interface/gre/remove", **{".id": added[0]["ret"]}))
        finally:
            api.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    assert proc.returncode == 0
    log = proc.stderr.read().splitlines()
    assert log[0].startswith("dataplane r1: ") and "gre-sixteen-long" in log[0], log
    assert log[1:] == ["dataplane r1: realised again"], log
    assert not made & namespaces() and not (tmp_path / "dataplane").exists()
    assert linux_site.wan_ns in namespaces()        # the joined lab's own namespaces stay


@needs_root
def test_dataplane_down_removes_what_a_killed_run_left(tmp_path, linux_site):
    proc, _routers, saved = start(tmp_path, linux_site.wan_ns)
    made = {saved["underlay"], saved["lan_hosts"]["r1"]["netns"], *saved["netns"].values()}
    proc.kill()
    proc.wait(10)
    assert made <= namespaces()
    down = [sys.executable, "-m", "rosemu.cli", "--dataplane-down", str(tmp_path / "dataplane")]
    assert subprocess.run(down, capture_output=True, text=True, check=True).stdout.strip() == "removed"
    assert not made & namespaces() and not os.path.exists(tmp_path / "dataplane")
    assert subprocess.run(down, capture_output=True, text=True, check=True).stdout.strip() == "nothing recorded"
