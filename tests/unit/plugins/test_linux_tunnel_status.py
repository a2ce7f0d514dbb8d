"""linux_tunnel_status.ping_all: hostile addresses are refused before anything runs; pings run at once, each
from an argument list, and a stuck one is stopped."""

import os
import subprocess
import sys
import textwrap
import time

import pytest

from ansible_collections.sitelink.tunnels.plugins.modules import linux_tunnel_status as status


class Failed(Exception):
    pass


class FakeModule(object):
    """What ping_all uses of AnsibleModule; run_command behaves as AnsibleModule's (a string goes to a shell
    only with use_unsafe_shell), so that a module that still built a shell line would really run it here."""

    def __init__(self, ping):
        self.ping = ping
        self.ran = []

    def get_bin_path(self, name, required=False):
        assert name == "ping"
        return self.ping

    def run_command(self, args, use_unsafe_shell=False, **_kwargs):
        self.ran.append(args)
        proc = subprocess.run(args, shell=use_unsafe_shell, capture_output=True, text=True, check=False, timeout=60)
        return proc.returncode, proc.stdout, proc.stderr

    def fail_json(self, **kwargs):
        raise Failed(kwargs["msg"])


def fake_ping(tmp_path, body):
    """An executable `ping` that records its argument list (one file per run) and then runs `body` (Python,
    with `args`, `log` and `address` defined)."""
    path = tmp_path / "ping"
    path.write_text("#!%s\nimport json, os, sys, time\nargs = sys.argv[1:]\naddress = args[-1]\n"
                    "log = %r\nwith open(os.path.join(log, 'argv.%%d' %% os.getpid()), 'w') as fh:\n"
                    "    json.dump(args, fh)\n%s" % (sys.executable, str(tmp_path), textwrap.dedent(body)))
    path.chmod(0o755)
    return str(path)


def recorded(tmp_path):
    import json  # pylint: disable=import-outside-toplevel
    return sorted(json.loads(p.read_text()) for p in tmp_path.glob("argv.*"))


HOSTILE = [
    "127.0.0.1;touch {pwned}",
    "127.0.0.1' ; touch {pwned} ; echo '",
    "$(touch {pwned})",
    "`touch {pwned}`",
    "$(id)",
    "127.0.0.1\ntouch {pwned}",
    "-f",
    "fe80::1%$(touch {pwned})",
]


@pytest.mark.parametrize("template", HOSTILE)
def test_a_crafted_address_is_refused_by_name_and_never_run(tmp_path, template):
    pwned = tmp_path / "pwned"
    address = template.format(pwned=pwned)
    module = FakeModule(fake_ping(tmp_path, "print('1 packets transmitted, 1 received, 0% packet loss')\n"))
    with pytest.raises(Failed) as failed:
        status.ping_all(module, ["10.255.0.1", address], 1, 1, None)
    assert repr(address) in str(failed.value) and "addresses[1]" in str(failed.value)
    assert "is not an IP address" in str(failed.value)
    assert not pwned.exists()
    assert module.ran == [] and recorded(tmp_path) == []          # not even the good address was pinged


@pytest.mark.parametrize("source", ["10.0.0.1; touch x", "$(id)", "-c1", "a name with spaces", "x" * 16])
def test_a_crafted_source_is_refused(tmp_path, source):
    module = FakeModule(fake_ping(tmp_path, "print('1 received')\n"))
    with pytest.raises(Failed) as failed:
        status.ping_all(module, ["10.255.0.1"], 1, 1, source)
    assert "source: %r is neither an IP address nor an interface name" % source in str(failed.value)
    assert recorded(tmp_path) == []


def test_interface_names():
    assert status.bad_interface("wg-sitelink") is None and status.bad_interface("eth0.100") is None
    for name in ("", "-wg", "wg sitelink", "wg;id", "wg/0", "a" * 16, "wg\n"):
        assert "is not an interface name" in status.bad_interface(name), name


def test_every_address_is_pinged_at_once_from_an_argument_list(tmp_path):
    """Each fake ping waits until all of them have started: run one after another, none would answer."""
    addresses = ["10.255.0.%d" % n for n in range(1, 6)] + ["fd00:255::3"]
    ping = fake_ping(tmp_path, """
        deadline = time.monotonic() + 60
        while len([n for n in os.listdir(log) if n.startswith("argv.")]) < %d and time.monotonic() < deadline:
            time.sleep(0.01)
        got = 0 if address.endswith(".5") else 2
        print("PING %%s 56 data bytes\\n\\n--- ping statistics ---" %% address)
        print("3 packets transmitted, %%d received, %%d%%%% packet loss, time 402ms" %% (got, 100 - 50 * got))
        """ % len(addresses))
    results = status.ping_all(FakeModule(ping), addresses, 3, 1, "10.255.0.0", slack=60)
    assert results == [{"address": a, "sent": 3, "received": 0 if a.endswith(".5") else 2} for a in addresses]
    assert recorded(tmp_path) == sorted(["-n", "-q", "-c", "3", "-W", "1", "-i", "0.2", "-I", "10.255.0.0", "--", a]
                                        for a in addresses)


def test_a_stuck_ping_is_stopped_and_counts_as_unanswered(tmp_path):
    ping = fake_ping(tmp_path, """
        if address == "10.255.0.9":
            with open(os.path.join(log, "stuck.pid"), "w") as fh:
                fh.write(str(os.getpid()))
            time.sleep(3600)
        print("1 packets transmitted, 1 received, 0% packet loss, time 0ms")
        """)
    started = time.monotonic()
    results = status.ping_all(FakeModule(ping), ["10.255.0.1", "10.255.0.9"], 1, 1, None, slack=0.5)
    assert time.monotonic() - started < 30                   # 0.2 + 1 + 0.5 s deadline, not an hour
    assert results == [{"address": "10.255.0.1", "sent": 1, "received": 1},
                       {"address": "10.255.0.9", "sent": 1, "received": 0}]
    pid = (tmp_path / "stuck.pid").read_text()
    assert not os.path.exists("/proc/%s" % pid)              # killed and reaped


def test_no_address_runs_nothing(tmp_path):
    module = FakeModule(fake_ping(tmp_path, ""))
    assert status.ping_all(module, [], 3, 1, None) == [] and recorded(tmp_path) == []
