"""`molecule test -s live_overlay` leaves nothing behind when converge fails half-way: the routers' namespaces on the
data plane (their wireguard-go and GRE/EoIP forwarders), their LAN hosts, the Linux branch, the mounts, rosemu.

The failure is injected as in test_molecule_cleanup.py (an nftables table name nft refuses) on the Linux branch, when
the RouterOS sites' WireGuard and overlays are already realised in their namespaces. The run gets namespace prefixes
(Linux branch, data plane) and an ephemeral directory of its own, and the checks look only for what it could have
made: other labs may be running on the machine at the same time.
"""

import os
import subprocess

from rosemu.linuxlab import draw_prefix
from test_molecule_cleanup import molecule_test_failing_converge, processes_seeing


def processes_naming(marker):
    """PIDs of the processes whose command line names `marker` (rosemu, started with the run's directory)."""
    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as fh:
                if marker.encode() in fh.read():
                    found.add(pid)
        except OSError:
            continue
    return found


def own_namespaces(prefixes):
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout.split()
    return [name for name in listed if name.startswith(tuple(p + "-" for p in prefixes))]


def test_destroy_after_a_failed_converge_removes_the_data_plane_and_the_linux_branch(tmp_path):
    linux_prefix, dataplane_prefix = draw_prefix(), draw_prefix("dp")     # the lengths the labs draw
    ephemeral = tmp_path / ("molecule-%s" % linux_prefix)
    returncode, out = molecule_test_failing_converge("live_overlay", ephemeral, 900, SITELINK_LINUX_PREFIX=linux_prefix,
                                                     SITELINK_DATAPLANE_PREFIX=dataplane_prefix)
    assert returncode != 0
    assert "syntax error, unexpected counter" in out, out[-3000:]
    assert "live_overlay > converge: Executed: Failed" in out, out[-3000:]
    assert "live_overlay > destroy: Executed: Successful" in out, out[-3000:]
    assert own_namespaces((linux_prefix, dataplane_prefix)) == []
    assert processes_seeing(ephemeral.name) == set()        # wireguard-go, forwarders, sshd of this run
    assert processes_naming(ephemeral.name) == set()        # rosemu
    with open("/proc/mounts", encoding="utf-8") as fh:
        assert ephemeral.name not in fh.read()
