"""The lab around the routers: counters, state dump, faults, the `rosemu` command."""

import os
import signal
import socket
import subprocess
import sys
import time

import librouteros
import pytest
from librouteros.exceptions import ConnectionClosed, TrapError

from labkit import control
from rosemu.lab_tools import tls_wrapper


def test_counters_count_reads_and_writes(lab, api):
    control(lab, "POST", "/routers/r1/counters/reset", {})
    lists = api.path("interface", "list")
    new = lists.add(name="c1")
    lists.update(**{".id": new, "comment": "x"})
    list(lists)
    lists.remove(new)
    counters = control(lab, "GET", "/routers/r1/counters?sentences=1")
    assert counters["written"] == 3
    assert counters["read"] == 4
    assert counters["by_command"] == {"/interface/list/add": 1, "/interface/list/set": 1,
                                      "/interface/list/print": 1, "/interface/list/remove": 1}
    assert counters["sentences"][0][:2] == ["/interface/list/add", "=name=c1"]


def test_login_counts_as_a_read_not_a_write(lab):
    control(lab, "POST", "/routers/r1/counters/reset", {})
    conn = librouteros.connect("127.0.0.1", "admin", "", port=lab.port("r1"))
    list(conn.path("system", "identity"))
    counters = control(lab, "GET", "/routers/r1/counters")
    assert (counters["read"], counters["written"]) == (2, 0)
    conn.close()


def test_state_dump_redacts_keys_unless_asked(lab, api):
    api.path("interface", "wireguard").add(name="wg0")
    private = list(api.path("interface", "wireguard"))[0]["private-key"]
    state = control(lab, "GET", "/routers/r1/state")
    wg = state["menus"]["/interface/wireguard"][0]
    assert wg["private-key"] == "<redacted>" and private not in str(state)
    full = control(lab, "GET", "/routers/r1/state?secrets=1")
    assert full["menus"]["/interface/wireguard"][0]["private-key"] == private


def test_control_lists_routers(lab):
    routers = control(lab, "GET", "/routers")
    assert routers == [{"name": "r1", "api": lab.port("r1")}]


def test_delay_fault_slows_every_sentence(lab, api):
    control(lab, "POST", "/routers/r1/faults", {"delay_ms": 150})
    start = time.monotonic()
    list(api.path("system", "identity"))
    elapsed = time.monotonic() - start
    control(lab, "POST", "/routers/r1/faults", {"reset": True})
    assert elapsed >= 0.15


def test_delay_fault_makes_a_client_time_out(lab):
    control(lab, "POST", "/routers/r1/faults", {"delay_ms": 1500})
    conn = librouteros.connect("127.0.0.1", "admin", "", port=lab.port("r1"), timeout=5)
    conn.protocol.transport.sock.settimeout(0.3)
    with pytest.raises((socket.timeout, TimeoutError, ConnectionClosed)):
        list(conn.path("system", "identity"))
    control(lab, "POST", "/routers/r1/faults", {"reset": True})


def test_drop_after_k_writes(lab, api):
    control(lab, "POST", "/routers/r1/faults", {"drop_after_writes": 2})
    lists = api.path("interface", "list")
    lists.add(name="d1")
    lists.add(name="d2")
    with pytest.raises((ConnectionClosed, ConnectionError, OSError)):
        lists.add(name="d3")
    control(lab, "POST", "/routers/r1/faults", {"reset": True})
    conn = librouteros.connect("127.0.0.1", "admin", "", port=lab.port("r1"))
    names = [r["name"] for r in conn.path("interface", "list")]
    assert "d1" in names and "d2" in names and "d3" not in names
    conn.close()


def test_hang_after_k_writes_stops_answering_every_session(lab, api):
    control(lab, "POST", "/routers/r1/faults", {"drop_after_writes": 1, "hang": True})
    lists = api.path("interface", "list")
    lists.add(name="h1")
    api.protocol.transport.sock.settimeout(0.5)
    with pytest.raises((socket.timeout, TimeoutError)):
        lists.add(name="h2")
    with pytest.raises((socket.timeout, TimeoutError, ConnectionClosed)):
        librouteros.connect("127.0.0.1", "admin", "", port=lab.port("r1"), timeout=0.5)    # a new login waits too
    control(lab, "POST", "/routers/r1/faults", {"reset": True})
    conn = librouteros.connect("127.0.0.1", "admin", "", port=lab.port("r1"), timeout=5)
    assert [r["name"] for r in conn.path("interface", "list") if r["name"].startswith("h")] == ["h1"]
    conn.close()


def test_trap_injection_on_one_path(lab, api):
    control(lab, "POST", "/routers/r1/faults",
            {"traps": [{"path": "/ip/route", "verb": "add", "message": "failure: injected", "category": 4}]})
    with pytest.raises(TrapError) as err:
        api.path("ip", "route").add(gateway="ether1")
    assert (err.value.message, err.value.category) == ("failure: injected", 4)
    assert list(api.path("ip", "route"))      # print on the same path still works
    control(lab, "POST", "/routers/r1/faults", {"reset": True})
    api.path("ip", "route").add(gateway="ether1")


def free_port_block(count):
    """A run of `count` free consecutive ports on loopback."""
    for _count in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + count >= 65535:
            continue
        socks = []
        try:
            for port in range(base, base + count):
                s = socket.socket()
                s.bind(("127.0.0.1", port))
                socks.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free port block")


@pytest.fixture
def rosemu_process(tmp_path):
    procs = []

    def start(*args):
        proc = subprocess.Popen([sys.executable, "-m", "rosemu.cli", *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def read_ready_lines(proc, count):
    lines = []
    while len(lines) < count:
        line = proc.stdout.readline()
        assert line, "rosemu exited early: %s" % proc.stderr.read()
        lines.append(line.strip())
    return lines


def test_cli_three_routers_and_clean_sigterm(rosemu_process):
    base = free_port_block(3)
    proc = rosemu_process("--routers", "3", "--listen", "127.0.0.1:%d" % base)
    lines = read_ready_lines(proc, 3)
    assert lines == ["router r%d api=127.0.0.1:%d" % (n + 1, base + n) for n in range(3)]
    for n in range(3):
        conn = librouteros.connect("127.0.0.1", "admin", "", port=base + n)
        conn.path("interface", "wireguard").add(name="wg-site")
        assert [r["name"] for r in conn.path("interface", "wireguard")] == ["wg-site"]
        assert list(conn.path("system", "identity")) == [{"name": "r%d" % (n + 1)}]
        with pytest.raises(TrapError) as err:
            conn.path("interface", "wireguard").add(name="wg-site")
        assert err.value.message == "failure: already have interface with such name"
        with pytest.raises(TrapError) as err:
            conn.path("interface", "wireguard").add(name="x", colour="blue")
        assert err.value.message == "unknown parameter colour"
        conn.close()
    with pytest.raises(TrapError) as err:
        librouteros.connect("127.0.0.1", "admin", "bad", port=base)
    assert err.value.message == "invalid user name or password (6)"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0


def test_cli_tls_topology_users_and_setup(rosemu_process, tmp_path):
    topology = tmp_path / "lab.yml"
    topology.write_text("""
routers:
  - name: hub
    users: ["netops:s3cret"]
    setup:
      - ["/ip/address/add", "=address=203.0.113.1/24", "=interface=ether1"]
  - name: branch
    defconf: false
""")
    base = free_port_block(4)
    certs = tmp_path / "tls"
    proc = rosemu_process("--topology", str(topology), "--listen", "127.0.0.1:%d" % base,
                          "--tls-generate", str(certs), "--control", "127.0.0.1:0")
    lines = read_ready_lines(proc, 3)
    assert lines[0] == "router hub api=127.0.0.1:%d api-ssl=127.0.0.1:%d" % (base, base + 2)
    assert lines[1] == "router branch api=127.0.0.1:%d api-ssl=127.0.0.1:%d" % (base + 1, base + 3)
    assert lines[2].startswith("control http=127.0.0.1:")
    assert oct(os.stat(certs / "key.pem").st_mode & 0o777) == "0o600"
    conn = librouteros.connect("127.0.0.1", "netops", "s3cret", port=base + 2,
                               ssl_wrapper=tls_wrapper(str(certs / "cert.pem")))
    assert "203.0.113.1/24" in [r["address"] for r in conn.path("ip", "address")]
    conn.close()
    branch = librouteros.connect("127.0.0.1", "admin", "", port=base + 1)
    assert list(branch.path("ip", "firewall", "filter")) == []
    branch.close()
    proc.terminate()
    assert proc.wait(10) == 0


def test_cli_reports_a_busy_port(rosemu_process):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = rosemu_process("--routers", "1", "--listen", "127.0.0.1:%d" % port)
        assert proc.wait(10) == 1
        assert "address already in use" in proc.stderr.read().lower()
