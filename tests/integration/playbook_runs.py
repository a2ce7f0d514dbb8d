"""The one way the integration tests run ansible-playbook, and what they read from a run.

Imported by name (conftest.py is pytest's, not a module to import): ROOT, COLLECTIONS and BIN locate this
checkout, its collection link and the venv; run_playbook runs a playbook; Ansible writes plays against a lab.
"""

import os
import re
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(ROOT, "build", "collections")
BIN = os.path.dirname(sys.executable)
RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
ENVIRONMENT = {"ANSIBLE_COLLECTIONS_PATH": COLLECTIONS, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "0",
               "ANSIBLE_LOCALHOST_WARNING": "0", "ANSIBLE_DEPRECATION_WARNINGS": "0",
               "ANSIBLE_HOST_KEY_CHECKING": "0"}       # the Linux lab's namespaces get new host keys every run


class Run(object):
    """A finished ansible-playbook: rc (returncode), stdout, stderr, out (both) and the recap by host."""

    def __init__(self, proc):
        self.rc = self.returncode = proc.returncode
        self.stdout, self.stderr = proc.stdout, proc.stderr
        self.out = proc.stdout + proc.stderr
        self.recap = dict((m.group(1), {"ok": int(m.group(2)), "changed": int(m.group(3)),
                                        "failed": int(m.group(5))}) for m in RECAP.finditer(proc.stdout))

    def changed(self, host="r1"):
        return self.recap[host]["changed"]

    def __repr__(self):
        failures = [line for line in self.out.splitlines() if line.startswith(("fatal:", "failed:", "[ERROR]"))]
        return "<Run rc=%s>\n%s\n%s" % (self.rc, "\n".join(failures)[:4000], self.out[-4000:])


def run_playbook(playbook, inventories, *flags, env=None, timeout=600):
    """ansible-playbook PLAYBOOK with each of `inventories` (a path, or a list of them) and `flags`, this checkout's
    collection and venv; `env`: more environment variables."""
    inventories = [inventories] if isinstance(inventories, str) else inventories
    environment = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""), **ENVIRONMENT)
    environment.update(env or {})
    command = [os.path.join(BIN, "ansible-playbook")]
    for inventory in inventories:
        command += ["-i", str(inventory)]
    proc = subprocess.run(command + [str(playbook)] + list(flags), capture_output=True, text=True, env=environment,
                          timeout=timeout, check=False)
    return Run(proc)


class Ansible(object):
    """Writes an inventory for the lab's routers and runs plays against them."""

    def __init__(self, lab, tmp_path):
        self.lab = lab
        self.dir = tmp_path
        hosts = "\n".join("    %s:\n      ansible_host: 127.0.0.1\n      api_port: %d" % (name, lab.port(name))
                          for name in lab.routers)
        (tmp_path / "inventory.yml").write_text("all:\n  hosts:\n%s\n" % hosts)

    @property
    def inventory(self):
        return str(self.dir / "inventory.yml")

    def run(self, tasks, *flags, hosts="all", defaults=None):
        defaults = defaults or {"port": "{{ api_port }}"}
        body = ["- hosts: %s" % hosts, "  gather_facts: false", "  module_defaults:",
                "    group/sitelink.tunnels.routeros:"]
        body += ["      %s: %s" % (k, '"%s"' % v if isinstance(v, str) else v) for k, v in defaults.items()]
        body += ["  tasks:", textwrap.indent(textwrap.dedent(tasks).strip("\n"), "    ")]
        play = self.dir / "play.yml"
        play.write_text("\n".join(body) + "\n")
        return run_playbook(play, self.inventory, *flags, timeout=300)

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
        import librouteros  # pylint: disable=import-outside-toplevel
        return librouteros.connect("127.0.0.1", "admin", "", port=self.lab.port(router))
