"""Run real playbooks against an in-process rosemu lab and look at the routers afterwards."""

import os
import re
import subprocess
import sys
import textwrap

import pytest

from rosemu.lab import Lab, RouterSpec

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(ROOT, "build", "collections")
BIN = os.path.dirname(sys.executable)
RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


class Run(object):
    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout + proc.stderr
        self.recap = dict((m.group(1), {"ok": int(m.group(2)), "changed": int(m.group(3)),
                                        "failed": int(m.group(5))}) for m in RECAP.finditer(proc.stdout))

    def changed(self, host="r1"):
        return self.recap[host]["changed"]

    def __repr__(self):
        failures = [line for line in self.out.splitlines() if line.startswith(("fatal:", "failed:", "[ERROR]"))]
        return "<Run rc=%s>\n%s\n%s" % (self.rc, "\n".join(failures)[:4000], self.out[-4000:])


class Ansible(object):
    """Writes an inventory for the lab's routers and runs plays against them."""

    def __init__(self, lab, tmp_path):
        self.lab = lab
        self.dir = tmp_path
        hosts = "\n".join("    %s:\n      ansible_host: 127.0.0.1\n      api_port: %d" % (name, lab.port(name))
                          for name in lab.routers)
        (tmp_path / "inventory.yml").write_text("all:\n  hosts:\n%s\n" % hosts)

    def run(self, tasks, *flags, hosts="all", defaults=None):
        defaults = defaults or {"port": "{{ api_port }}"}
        body = ["- hosts: %s" % hosts, "  gather_facts: false", "  module_defaults:",
                "    group/sitelink.tunnels.routeros:"]
        body += ["      %s: %s" % (k, '"%s"' % v if isinstance(v, str) else v) for k, v in defaults.items()]
        body += ["  tasks:", textwrap.indent(textwrap.dedent(tasks).strip("\n"), "    ")]
        play = self.dir / "play.yml"
        play.write_text("\n".join(body) + "\n")
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1",
                   ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_DEPRECATION_WARNINGS="0",
                   PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
        proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", str(self.dir / "inventory.yml"),
                               str(play), *flags], capture_output=True, text=True, env=env, timeout=300, check=False)
        return Run(proc)

    # ----- looking at the router ---------------------------------------
    def rows(self, path, router="r1"):
        r = self.lab.router(router)
        return self.lab.call(lambda: [r.printed(path, it) for it in r.items(path)])

    def writes(self, router="r1"):
        r = self.lab.router(router)
        return self.lab.call(lambda: r.counters.written)

    def reset_counters(self, router="r1"):
        r = self.lab.router(router)

        def reset():
            r.counters.written = r.counters.read = 0
            r.counters.by_command.clear()
            r.counters.sentences.clear()
        self.lab.call(reset)

    def sentences(self, router="r1"):
        r = self.lab.router(router)
        return self.lab.call(lambda: list(r.counters.sentences))

    def api(self, router="r1"):
        import librouteros
        return librouteros.connect("127.0.0.1", "admin", "", port=self.lab.port(router))


@pytest.fixture
def lab():
    lab = Lab([RouterSpec("r1")], control_port=0).start()
    yield lab
    lab.stop()


@pytest.fixture
def ansible(lab, tmp_path):
    return Ansible(lab, tmp_path)
