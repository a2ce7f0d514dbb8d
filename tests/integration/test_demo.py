"""`make demo`, as a newcomer runs it: both fleets converge, the second runs change nothing, and the secrets audit
of its -vvv --diff runs (output, log, fact cache) finds none of the labs' keys nor the PSK secret."""

import os
import re
import subprocess
import sys

from playbook_runs import ROOT


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
