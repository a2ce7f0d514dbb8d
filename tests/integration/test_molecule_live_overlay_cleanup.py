"""`molecule test -s live_overlay` leaves nothing behind when converge fails half-way: the routers' namespaces on the
data plane (their wireguard-go and GRE/EoIP forwarders), their LAN hosts, the Linux branch, the mounts, rosemu.

The failure is injected as in test_molecule_cleanup.py (an nftables table name nft refuses) on the Linux branch, when
the RouterOS sites' WireGuard and overlays are already realised in their namespaces.
"""

import os
import socket
import subprocess

from playbook_runs import BIN, COLLECTIONS, ROOT

LAB_NAMESPACE_SUFFIXES = ("-hub", "-br-eoip", "-br-gre", "-hub-lan", "-br-eoip-lan", "-br-gre-lan")
FIRST_API_PORT = 19170          # the scenario's SITELINK_LAB_PORT


def scenario_namespaces():
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout.split()
    return [name for name in listed if name.startswith("slo-") or name.endswith(LAB_NAMESPACE_SUFFIXES)]


def listening(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_destroy_after_a_failed_converge_removes_the_data_plane_and_the_linux_branch():
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, PATH=BIN + os.pathsep + os.environ["PATH"],
               PY_COLORS="0", ANSIBLE_FORCE_COLOR="0")
    run = subprocess.run([os.path.join(BIN, "molecule"), "test", "-s", "live_overlay", "--",
                          "-e", "sitelink_linux_firewall_table=counter"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=900, check=False)
    out = run.stdout + run.stderr
    assert run.returncode != 0
    assert "syntax error, unexpected counter" in out, out[-3000:]
    assert "live_overlay > converge: Executed: Failed" in out, out[-3000:]
    assert "live_overlay > destroy: Executed: Successful" in out, out[-3000:]
    assert scenario_namespaces() == []
    assert not listening(FIRST_API_PORT)
    with open("/proc/mounts", encoding="utf-8") as fh:
        assert "live_overlay" not in fh.read()
