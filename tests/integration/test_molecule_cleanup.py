"""`molecule test -s linux_mesh` leaves nothing behind even when converge fails half-way.

The failure is injected through Molecule's pass-through arguments (an nftables table name that passes the role's
validation but that nft refuses: a keyword), so it comes after wireguard-go is already running on every site.
"""

import os
import subprocess

from playbook_runs import BIN, COLLECTIONS, ROOT
from rosemu.linuxlab import alive


def wireguard_go_pids():
    out = subprocess.run(["pgrep", "-x", "wireguard-go"], capture_output=True, text=True, check=False).stdout
    return set(pid for pid in out.split() if alive(pid))


def test_destroy_after_a_failed_converge_removes_namespaces_processes_and_mounts():
    before = wireguard_go_pids()
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, PATH=BIN + os.pathsep + os.environ["PATH"],
               PY_COLORS="0", ANSIBLE_FORCE_COLOR="0")
    run = subprocess.run([os.path.join(BIN, "molecule"), "test", "-s", "linux_mesh", "--",
                          "-e", "sitelink_linux_firewall_table=counter"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=600, check=False)
    out = run.stdout + run.stderr
    assert run.returncode != 0
    assert "syntax error, unexpected counter" in out, out[-3000:]
    assert "(applied before it: wireguard_peers, gre_tunnels)" in out    # wireguard-go was running by then
    assert "linux_mesh > destroy: Executed: Successful" in out, out[-3000:]
    namespaces = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    assert "slm-" not in namespaces
    assert wireguard_go_pids() <= before
    with open("/proc/mounts", encoding="utf-8") as fh:
        assert "linuxlab" not in fh.read()
