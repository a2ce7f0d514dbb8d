"""Linux sites in namespaces: SSH into each, a real wireguard-go tunnel across, nothing left after."""

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from playbook_runs import run_playbook     # the collection's one way to run a playbook (tests/integration)
from rosemu.linuxlab import LinuxLab, alive, draw_prefix

START_WG = ("setsid wireguard-go wg-sitelink </dev/null >/dev/null 2>&1; "
            "umask 077; wg genkey > /run/wireguard/key; wg pubkey < /run/wireguard/key")


def namespaces():
    return subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout


def own_namespaces(lab):
    """The namespaces of `lab` that exist (another run's are none of this test's business)."""
    return sorted(set(lab.namespaces()) & set(namespaces().split()))


@pytest.fixture
def linux(tmp_path):
    lab = LinuxLab(["a", "b"], str(tmp_path / "linuxlab")).up()       # a prefix of its own, drawn
    yield lab
    lab.down()


def test_each_site_is_its_own_host(linux):
    out = linux.ssh("a", "ip -br addr show eth0; findmnt -n -o FSTYPE /run/wireguard").stdout
    assert str(linux.wan_address("a")) in out and "tmpfs" in out
    linux.ssh("a", "touch /run/wireguard/only-in-a /etc/wireguard/only-in-a")
    assert "only-in-a" not in linux.ssh("b", "ls /run/wireguard /etc/wireguard").stdout
    assert not os.path.exists("/etc/wireguard/only-in-a")
    assert "1 received" in linux.ssh("b", "ping -c1 -W2 %s" % linux.wan_address("a")).stdout


def test_wireguard_go_tunnel_between_two_sites(linux):
    keys = dict((name, linux.ssh(name, START_WG).stdout.strip()) for name in ("a", "b"))
    for name, peer, mine, theirs in (("a", "b", "10.255.0.0", "10.255.0.1"), ("b", "a", "10.255.0.1", "10.255.0.0")):
        endpoint = " endpoint %s:13231" % linux.wan_address(peer) if name == "b" else ""
        linux.ssh(name, "wg set wg-sitelink listen-port 13231 private-key /run/wireguard/key peer %s "
                        "allowed-ips %s/32%s persistent-keepalive 1 && ip addr add %s/31 dev wg-sitelink && "
                        "ip link set wg-sitelink up" % (keys[peer], theirs, endpoint, mine))
    deadline = time.monotonic() + 15          # the first handshake can take a few seconds
    while True:
        ping = linux.ssh("b", "ping -c1 -W1 10.255.0.0", check=False)
        if ping.returncode == 0 or time.monotonic() > deadline:
            break
    assert ping.returncode == 0, ping.stdout + ping.stderr
    handshake = linux.ssh("a", "wg show wg-sitelink latest-handshakes").stdout.split()
    assert handshake[0] == keys["b"] and int(handshake[1]) > 0


def test_down_removes_namespaces_mounts_and_processes(tmp_path):
    lab = LinuxLab(["a"], str(tmp_path / "gone")).up()
    lab.ssh("a", "setsid wireguard-go wg-sitelink </dev/null >/dev/null 2>&1")
    pids = subprocess.run(["ip", "netns", "pids", lab.netns("a")], capture_output=True, text=True,
                          check=True).stdout.split()
    assert pids
    lab.down()
    assert lab.netns("a") not in namespaces() and lab.wan_ns not in namespaces()
    assert not any(alive(pid) for pid in pids)
    assert not os.path.exists(str(tmp_path / "gone"))
    with open("/proc/mounts", encoding="utf-8") as fh:
        assert str(tmp_path / "gone") not in fh.read()


def test_a_failed_up_cleans_after_itself(tmp_path):
    lab = LinuxLab(["a", "a"], str(tmp_path / "bad"))
    with pytest.raises(subprocess.CalledProcessError):
        lab.up()                                  # the second "a" collides
    assert lab.netns("a") not in namespaces()


def test_two_labs_at_once_do_not_meet(tmp_path):
    """Two labs with the same site names, made at the same moment with the default naming: each its own namespaces,
    WAN bridge and SSH; taking one down leaves the other working."""
    labs = [LinuxLab(["a", "b"], str(tmp_path / str(n))) for n in range(2)]
    failures = []

    def up(lab):
        try:
            lab.up()
        except (subprocess.CalledProcessError, RuntimeError) as exc:
            failures.append(exc)
    threads = [threading.Thread(target=up, args=(lab,)) for lab in labs]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert failures == []
        assert labs[0].prefix != labs[1].prefix and not set(labs[0].namespaces()) & set(labs[1].namespaces())
        for lab in labs:
            assert own_namespaces(lab) == sorted(lab.namespaces())
            lab.ssh("a", "touch /etc/wireguard/mine")
            assert "1 received" in lab.ssh("b", "ping -c1 -W2 %s" % lab.wan_address("a")).stdout
        labs[0].down()
        assert own_namespaces(labs[0]) == []
        assert labs[1].ssh("a", "ls /etc/wireguard").stdout.split() == ["mine"]
        assert "1 received" in labs[1].ssh("b", "ping -c1 -W2 %s" % labs[1].wan_address("a")).stdout
    finally:
        for lab in labs:
            lab.down()
    assert own_namespaces(labs[1]) == []


def test_a_prefix_in_use_is_refused_and_left_alone(linux, tmp_path):
    second = LinuxLab(["a"], str(tmp_path / "second"), prefix=linux.prefix)
    with pytest.raises(RuntimeError, match="exist already"):
        second.up()
    second.down()                           # nothing of its own to remove: the first lab's stay
    assert own_namespaces(linux) == sorted(linux.namespaces())
    assert str(linux.wan_address("a")) in linux.ssh("a", "ip -br addr show eth0").stdout


def test_prefixes_are_drawn_short_and_checked_against_the_interface_name_limit(tmp_path):
    prefixes = set(draw_prefix() for _n in range(50))
    assert len(prefixes) == 50 and all(len(p) == 8 and p.startswith("sl") for p in prefixes)
    with pytest.raises(ValueError, match="too long"):
        LinuxLab(["a"], str(tmp_path / "long"), prefix="sitelinkdemo123")      # its veth sitelinkdemo123w0: 17


def test_ansible_runs_modules_on_a_site(linux, tmp_path):
    """Ansible reaches the site over SSH; wg_keypair keeps the private key on the site, mode 0600."""
    inventory = {"all": {"hosts": dict((name, linux.inventory_vars(name)) for name in ("a", "b"))}}
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    (tmp_path / "keys.yml").write_text(
        "- hosts: all\n  gather_facts: false\n  tasks:\n"
        "    - sitelink.tunnels.wg_keypair:\n        path: /etc/wireguard/wg-sitelink.key\n      register: key\n"
        "    - ansible.builtin.copy:\n        content: \"{{ key.public_key }}\"\n"
        "        dest: \"%s/{{ inventory_hostname }}.pub\"\n      delegate_to: localhost\n" % tmp_path)
    run = run_playbook(tmp_path / "keys.yml", str(tmp_path / "inventory.json"), timeout=180)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    for name in ("a", "b"):
        mode_and_key = linux.ssh(name, "stat -c %a /etc/wireguard/wg-sitelink.key; "
                                       "wg pubkey < /etc/wireguard/wg-sitelink.key").stdout.split()
        assert mode_and_key[0] == "600"
        assert (tmp_path / ("%s.pub" % name)).read_text() == mode_and_key[1]
        private = linux.ssh(name, "cat /etc/wireguard/wg-sitelink.key").stdout.strip()
        assert private not in run.stdout + run.stderr
    again = run_playbook(tmp_path / "keys.yml", str(tmp_path / "inventory.json"), timeout=180)
    assert again.returncode == 0 and again.stdout.count("changed=0") == 2, again.stdout[-2000:]


def test_linux_wireguard_module_builds_and_keeps_a_tunnel(linux, tmp_path):
    """wg_keypair + linux_wireguard on two sites: a working tunnel, idempotent, peers changed in place."""
    hosts = dict((name, linux.inventory_vars(name)) for name in ("a", "b"))
    hosts["a"].update(transit="10.255.0.0/31", peer="b", peer_transit="10.255.0.1/32", endpoint="")
    hosts["b"].update(transit="10.255.0.1/31", peer="a", peer_transit="10.255.0.0/32",
                      endpoint="%s:13231" % linux.wan_address("a"))
    (tmp_path / "inventory.json").write_text(json.dumps({"all": {"hosts": hosts, "vars": {
        "psk": "hHp7k4vVQyTRbRXkq0Cdm8Hzn7nhoTsm1UVLWE5mJCI="}}}))
    (tmp_path / "tunnel.yml").write_text("""
- hosts: all
  gather_facts: false
  tasks:
    - sitelink.tunnels.wg_keypair:
        path: /etc/wireguard/wg-sitelink.key
      register: key
    - sitelink.tunnels.linux_wireguard:
        private_key_path: /etc/wireguard/wg-sitelink.key
        listen_port: 13231
        addresses: ["{{ transit }}"]
        peers:
          - public_key: "{{ hostvars[peer].key.public_key }}"
            allowed_ips: ["{{ peer_transit }}"]
            endpoint: "{{ endpoint or omit }}"
            persistent_keepalive: "{{ 1 if endpoint else 0 }}"
            preshared_key: "{{ psk }}"
      register: wg
""")

    def play(*flags):
        return run_playbook(tmp_path / "tunnel.yml", str(tmp_path / "inventory.json"), *flags, timeout=180)
    first = play("--diff")
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
    assert "hHp7k4vVQyT" not in first.stdout + first.stderr
    deadline = time.monotonic() + 15
    while True:
        ping = linux.ssh("b", "ping -c1 -W1 10.255.0.0", check=False)
        if ping.returncode == 0 or time.monotonic() > deadline:
            break
    assert ping.returncode == 0, linux.ssh("b", "wg show; ip addr", check=False).stdout
    again = play("-v")
    assert again.returncode == 0 and again.stdout.count("changed=0") == 2, again.stdout[-3000:]
    dump = linux.ssh("a", "wg show wg-sitelink preshared-keys").stdout.split()
    assert dump[1] == "hHp7k4vVQyTRbRXkq0Cdm8Hzn7nhoTsm1UVLWE5mJCI="
    rotated = play("--check", "-e", "psk=q0Cdm8Hzn7nhoTsm1UVLWE5mJCIhHp7k4vVQyTRbRXk=")
    assert rotated.returncode == 0 and rotated.stdout.count("changed=1") == 2, rotated.stdout[-3000:]
    assert linux.ssh("a", "wg show wg-sitelink preshared-keys").stdout.split()[1] == dump[1]   # check mode: untouched


# Run in a mount namespace of the test's own where the host's root logs in to bash with a home whose start-up files
# sleep 60 s (a passwd file bound over /etc/passwd there only): the lab made in it must not wait for them.
HANGING_HOST_PROBE = """
import json, subprocess, sys, time
from rosemu.linuxlab import LinuxLab
state, inventory = sys.argv[1], sys.argv[2]
seen = {"host_login_shell": subprocess.run(["timeout", "3", "su", "-", "root", "-c", "true"]).returncode}
lab = LinuxLab(["a"], state).up()
try:
    start = time.monotonic()
    ssh = lab.ssh("a", "echo reached from $HOME; ls -A ~", check=False, timeout=50)
    seen["ssh"] = [round(time.monotonic() - start, 1), ssh.returncode, ssh.stdout]
    with open(inventory, "w") as fh:
        json.dump({"all": {"hosts": {"a": lab.inventory_vars("a")}}}, fh)
    start = time.monotonic()
    ping = subprocess.run(["ansible", "all", "-i", inventory, "-m", "ansible.builtin.ping", "-o"],
                          capture_output=True, text=True, timeout=50)
    seen["ansible"] = [round(time.monotonic() - start, 1), ping.returncode, ping.stdout + ping.stderr]
finally:
    lab.down()
print(json.dumps(seen))
"""


def test_a_host_login_shell_that_hangs_does_not_reach_the_sites(tmp_path):
    """Issue 20: a host whose ~/.bashrc waits 60 s (a stale pyenv lock) made every Linux site time out."""
    home = tmp_path / "root-home"
    home.mkdir()
    for start_up in (".bashrc", ".profile", ".bash_profile"):
        (home / start_up).write_text("sleep 60\n")
    with open("/etc/passwd", encoding="utf-8") as fh:
        passwd = [line.split(":") for line in fh.read().splitlines()]
    (tmp_path / "passwd").write_text("".join(
        ":".join(fields[:5] + [str(home), "/bin/bash"] if fields[0] == "root" else fields) + "\n" for fields in passwd))
    (tmp_path / "probe.py").write_text(HANGING_HOST_PROBE)
    bind = "mount --bind %s /etc/passwd && exec \"$@\"" % (tmp_path / "passwd")
    run = subprocess.run(["unshare", "--mount", "--propagation", "slave", "sh", "-c", bind, "probe", sys.executable,
                          str(tmp_path / "probe.py"), str(tmp_path / "linuxlab"), str(tmp_path / "inventory.json")],
                         capture_output=True, text=True, timeout=240, check=False)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    seen = json.loads(run.stdout.splitlines()[-1])
    assert seen["host_login_shell"] == 124          # the host's root login shell does hang in this mount namespace
    seconds, code, out = seen["ssh"]
    assert code == 0 and seconds < 10, seen
    assert out.split() == ["reached", "from", str(tmp_path / "linuxlab" / "home" / "a")]   # the site's own: empty
    seconds, code, out = seen["ansible"]
    assert code == 0 and seconds < 30 and '"ping": "pong"' in out, seen


def test_the_command_line_keeps_the_drawn_prefix_for_proxy_and_down(tmp_path):
    """`rosemu-linux up` draws the prefix and keeps it in the state directory: `proxy` takes a site's name or its
    namespace, `down` needs only the directory (and does nothing where there is no lab)."""
    cli = [sys.executable, "-m", "rosemu.linuxcli"]
    state = str(tmp_path / "lab")
    nothing = subprocess.run(cli + ["down", "--state", state], capture_output=True, text=True, check=True)
    assert "nothing to take down" in nothing.stdout
    subprocess.run(cli + ["up", "--state", state, "--site", "a", "--site", "b=192.168.52.1/24"], check=True,
                   capture_output=True, text=True)
    lab = LinuxLab.from_state(state)
    try:
        assert lab.prefix.startswith("sl") and own_namespaces(lab) == sorted(lab.namespaces())
        proxy = "ProxyCommand=%s -m rosemu.linuxcli proxy --state %s %%h" % (sys.executable, state)
        ssh = ["ssh", "-o", proxy, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
               "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-i", os.path.join(state, "id_ed25519")]
        by_name = subprocess.run(ssh + ["root@b", "ip -br addr show lan0"], capture_output=True, text=True,
                                 timeout=60, check=False)
        assert "192.168.52.1/24" in by_name.stdout, by_name.stderr
        by_namespace = subprocess.run(ssh + ["root@%s" % lab.netns("a"), "ip -br addr show eth0"],
                                      capture_output=True, text=True, timeout=60, check=False)
        assert str(lab.wan_address("a")) in by_namespace.stdout, by_namespace.stderr
        stranger = subprocess.run(ssh + ["root@c", "true"], capture_output=True, text=True, timeout=60, check=False)
        assert stranger.returncode != 0 and "not a site of the lab" in stranger.stderr
    finally:
        subprocess.run(cli + ["down", "--state", state], capture_output=True, text=True, check=True)
    assert own_namespaces(lab) == [] and not os.path.exists(state)
