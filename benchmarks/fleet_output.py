"""Output of playbooks/site_tunnel.yml at fleet size: task banners, skipped lines and lines of a first run on a fleet of
emulated routers (benchmarks/fleet_run.py's hub and spokes) plus hosts that are not sites.

The review ecosystem-3 counted 20 of 29 banners in a 20-router run as one `meta: end_host` banner per host
(ansible/ansible#81800). Usage:
  .venv/bin/python benchmarks/fleet_output.py --sites 80 --others 0
"""

import argparse
import os
import re
import subprocess
import tempfile
import time

from fleet_run import BIN, ROOT, fleet, write_fleet
from rosemu.lab import Lab

FIRST_SCREEN = 50     # lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--others", type=int, default=5, help="hosts of the inventory that are not sites")
    parser.add_argument("--forks", type=int, default=10)
    args = parser.parse_args()
    inventory, specs = fleet(args.sites)
    lab = Lab(specs, time_scale=10).start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-output-") as tmp:
            fleet_file, connections = write_fleet(tmp, inventory, lab, others=args.others)
            env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"),
                       ANSIBLE_NOCOLOR="1")
            start = time.monotonic()
            proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-f", str(args.forks), "-i", fleet_file,
                                   "-i", connections, os.path.join(ROOT, "playbooks", "site_tunnel.yml")],
                                  capture_output=True, text=True, env=env, check=False)
            elapsed = time.monotonic() - start
    finally:
        lab.stop()
    lines = proc.stdout.splitlines()
    banners = [line for line in lines if line.startswith("TASK [")]
    print("%d sites, %d hosts that are not sites, forks %d: rc %d, %.1f s"
          % (args.sites, args.others, args.forks, proc.returncode, elapsed))
    print("  task banners %d (%d distinct), skipping lines %d, stdout lines %d, banners in the first %d lines %d"
          % (len(banners), len(set(banners)), len([line for line in lines if line.startswith("skipping:")]),
             len(lines), FIRST_SCREEN, len([line for line in lines[:FIRST_SCREEN] if line.startswith("TASK [")])))
    for line in lines:
        if re.match(r"(fatal|failed):", line):
            print("  " + line[:300])


if __name__ == "__main__":
    main()
