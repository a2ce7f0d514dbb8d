"""`molecule test -s linux_mesh` leaves nothing behind even when converge fails half-way.

The failure is injected through Molecule's pass-through arguments (an nftables table name that passes the role's
validation but that nft refuses: a keyword), so it comes after wireguard-go is already running on every site.
The run gets a namespace prefix and an ephemeral directory of its own, and the checks look only for what this run
could have made: other labs may be running on the machine at the same time.
"""

import os
import subprocess

from playbook_runs import BIN, COLLECTIONS, ROOT
from rosemu.linuxlab import alive, draw_prefix


def processes_seeing(marker):
    """PIDs of the live processes whose mount table shows `marker` (the run's lab directory: a site's /etc/passwd
    is bound from there in its mount namespace, so every process left in a site sees it)."""
    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/mountinfo" % pid, encoding="utf-8", errors="replace") as fh:
                if marker in fh.read() and alive(pid):
                    found.add(pid)
        except OSError:
            continue                # gone meanwhile, or a kernel thread
    return found


def molecule_test_failing_converge(scenario, ephemeral, timeout, **lab_env):
    """`molecule test -s SCENARIO` with its ephemeral directory and lab settings (`lab_env`) of its own, whose
    converge fails half-way (an nftables table name nft refuses): (its exit code, its output)."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, PATH=BIN + os.pathsep + os.environ["PATH"],
               PY_COLORS="0", ANSIBLE_FORCE_COLOR="0", MOLECULE_EPHEMERAL_DIRECTORY=str(ephemeral), **lab_env)
    run = subprocess.run([os.path.join(BIN, "molecule"), "test", "-s", scenario, "--",
                          "-e", "sitelink_linux_firewall_table=counter"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=timeout, check=False)
    return run.returncode, run.stdout + run.stderr


def test_destroy_after_a_failed_converge_removes_namespaces_processes_and_mounts(tmp_path):
    prefix = draw_prefix("slm")
    ephemeral = tmp_path / ("molecule-%s" % prefix)
    returncode, out = molecule_test_failing_converge("linux_mesh", ephemeral, 600, SITELINK_LINUX_PREFIX=prefix)
    assert returncode != 0
    assert "syntax error, unexpected counter" in out, out[-3000:]
    assert "(applied before it: wireguard_peers, gre_tunnels)" in out    # wireguard-go was running by then
    assert "linux_mesh > destroy: Executed: Successful" in out, out[-3000:]
    namespaces = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout.split()
    assert [ns for ns in namespaces if ns.startswith(prefix + "-")] == []
    assert processes_seeing(ephemeral.name) == set()
    with open("/proc/mounts", encoding="utf-8") as fh:
        assert ephemeral.name not in fh.read()
