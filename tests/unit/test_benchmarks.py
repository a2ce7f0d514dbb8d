"""The benchmark scripts (`make bench`) still run: each answers --help (its imports resolve), and the pure-Python
ones run at a small size (render_fleet.py --scripts called a function that had moved, and only `make bench` ran it).
"""

import glob
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = sorted(glob.glob(os.path.join(ROOT, "benchmarks", "*.py")))
HELPERS = {"fleet_run.py"}          # imported by the others, no command line of its own


def run(*argv):
    return subprocess.run([sys.executable] + list(argv), capture_output=True, text=True, timeout=120, check=False,
                          cwd=ROOT)


@pytest.mark.parametrize("script", [s for s in SCRIPTS if os.path.basename(s) not in HELPERS],
                         ids=os.path.basename)
def test_each_benchmark_answers_help(script):
    result = run(script, "--help")
    assert result.returncode == 0 and "usage" in result.stdout.lower(), result.stderr[-2000:]


def test_render_fleet_renders_every_sites_script(tmp_path):
    out = tmp_path / "render.json"
    result = run(os.path.join(ROOT, "benchmarks", "render_fleet.py"), "--sites", "12", "--scripts",
                 "--json", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "RouterOS scripts:" in result.stdout
    assert out.exists()
