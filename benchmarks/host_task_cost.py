"""Seconds per host-task: the RouterOS resource modules next to ansible.builtin.ping.

Starts N emulated routers in this process, then runs with the same inventory and forks:
  1. tests/integration/playbooks/site_resources.yml (7 resource-module tasks), first run (creates);
  2. the same again (nothing to change; counts write sentences, which must be 0);
  3. seven ansible.builtin.ping tasks (a module shipped to the host through AnsiballZ, connection local).
Prints a table and writes JSON.  Usage:
  .venv/bin/python benchmarks/host_task_cost.py --hosts 50 --forks 10 --json build/bench/host_task_cost.json
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from rosemu.lab import Lab, RouterSpec

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
PING_PLAY = """- hosts: all
  gather_facts: false
  tasks:
""" + "".join("    - ansible.builtin.ping:\n" for _task in range(7))


def run(playbook, inventory, forks, extra=()):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_HOST_KEY_CHECKING="0", ANSIBLE_LOCALHOST_WARNING="0")
    start = time.monotonic()
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", inventory, "-f", str(forks), playbook,
                           *extra], capture_output=True, text=True, env=env, check=False)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit("%s failed:\n%s" % (playbook, proc.stdout[-4000:] + proc.stderr[-2000:]))
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--json", default=os.path.join(ROOT, "build", "bench", "host_task_cost.json"))
    args = parser.parse_args()
    lab = Lab([RouterSpec("site%02d" % n) for n in range(args.hosts)]).start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            inventory = os.path.join(tmp, "inventory.yml")
            with open(inventory, "w", encoding="utf-8") as fh:
                fh.write("all:\n  vars:\n    ansible_connection: local\n    ansible_python_interpreter: %s\n"
                         "  hosts:\n" % os.path.join(BIN, "python"))
                for name in lab.routers:
                    fh.write("    %s: {ansible_host: 127.0.0.1, api_port: %d}\n" % (name, lab.port(name)))
            ping = os.path.join(tmp, "ping.yml")
            with open(ping, "w", encoding="utf-8") as fh:
                fh.write(PING_PLAY)
            site = os.path.join(ROOT, "tests", "integration", "playbooks", "site_resources.yml")
            psk = ("-e", "psk_hub=q0Cdm8Hzn7nhoTsm1UVLWE5mJCIhHp7k4vVQyTRbRXk=")
            first = run(site, inventory, args.forks, psk)
            writes_first = sum(lab.call(lambda r=r: r.counters.written) for r in lab.routers.values())
            second = run(site, inventory, args.forks, psk)
            writes_total = sum(lab.call(lambda r=r: r.counters.written) for r in lab.routers.values())
            pings = run(ping, inventory, args.forks)
    finally:
        lab.stop()
    host_tasks = args.hosts * 7
    result = {
        "hosts": args.hosts, "forks": args.forks, "tasks_per_play": 7, "cores": os.cpu_count(),
        "resource_modules_first_run_s": round(first, 2),
        "resource_modules_second_run_s": round(second, 2),
        "ping_s": round(pings, 2),
        "resource_modules_first_run_s_per_host_task": round(first / host_tasks, 4),
        "resource_modules_second_run_s_per_host_task": round(second / host_tasks, 4),
        "ping_s_per_host_task": round(pings / host_tasks, 4),
        "second_run_s_per_site": round(second / args.hosts, 3),
        "write_sentences_first_run": writes_first,
        "write_sentences_second_run": writes_total - writes_first,
    }
    print("%d hosts, forks %d, 7 tasks per play, %d cores" % (args.hosts, args.forks, os.cpu_count()))
    print("%-38s %9s %16s" % ("play", "wall s", "s per host-task"))
    for label, key in (("resource modules, first run", "resource_modules_first_run"),
                       ("resource modules, no-change run", "resource_modules_second_run"),
                       ("ansible.builtin.ping x7", "ping")):
        print("%-38s %9.2f %16.4f" % (label, result[key + "_s"], result[key + "_s_per_host_task"]))
    print("write sentences: first run %d, no-change run %d" % (writes_first, result["write_sentences_second_run"]))
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=2)
    print("wrote %s" % args.json)


if __name__ == "__main__":
    main()
