"""wg_keypair on a host: key files 0600, idempotent, check mode, public key equals `wg pubkey`."""

import os
import shutil
import stat
import subprocess

import pytest

from playbook_runs import BIN, run_playbook


def play(tmp_path, tasks, *flags):
    book = tmp_path / "keys.yml"
    book.write_text("- hosts: localhost\n  gather_facts: false\n  tasks:\n" +
                    "\n".join("    " + line for line in tasks.strip("\n").splitlines()) + "\n")
    return run_playbook(book, "localhost,", "-c", "local", *flags, timeout=120,
                        env={"ANSIBLE_PYTHON_INTERPRETER": os.path.join(BIN, "python")})


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_keypair_file_and_public_key(tmp_path):
    key = tmp_path / "wg.key"
    pub = tmp_path / "wg.pub"
    tasks = """
- sitelink.tunnels.wg_keypair:
    path: %s
    public_key_path: %s
  register: k
- ansible.builtin.debug:
    var: k
""" % (key, pub)
    first = play(tmp_path, tasks, "-v", "--diff")
    assert first.returncode == 0, first.stdout + first.stderr
    assert mode(key) == 0o600 and mode(pub) == 0o644
    private = key.read_text().strip()
    assert private not in first.stdout + first.stderr          # never in output, diff or log
    wg = shutil.which("wg")
    assert wg, "wireguard-tools is required"
    expected = subprocess.run([wg, "pubkey"], input=private, capture_output=True, text=True, check=True).stdout.strip()
    assert pub.read_text().strip() == expected and expected in first.stdout
    second = play(tmp_path, tasks)
    assert "changed=0" in second.stdout and key.read_text().strip() == private


def test_mode_is_tightened_and_check_mode_writes_nothing(tmp_path):
    key = tmp_path / "wg.key"
    tasks = "- sitelink.tunnels.wg_keypair:\n    path: %s\n" % key
    check = play(tmp_path, tasks, "--check")
    assert check.returncode == 0 and "changed=1" in check.stdout and not key.exists()
    assert play(tmp_path, tasks).returncode == 0
    os.chmod(key, 0o644)
    check = play(tmp_path, tasks, "--check")
    assert "changed=1" in check.stdout and mode(key) == 0o644
    fixed = play(tmp_path, tasks)
    assert "changed=1" in fixed.stdout and mode(key) == 0o600


def test_regenerate_and_absent(tmp_path):
    key = tmp_path / "wg.key"
    base = "- sitelink.tunnels.wg_keypair:\n    path: %s\n" % key
    assert play(tmp_path, base).returncode == 0
    old = key.read_text()
    assert play(tmp_path, base + "    regenerate: always\n").returncode == 0
    assert key.read_text() != old and mode(key) == 0o600
    assert "changed=1" in play(tmp_path, base + "    state: absent\n").stdout and not key.exists()


def test_preshared_key_file(tmp_path):
    psk = tmp_path / "link.psk"
    run = play(tmp_path, "- sitelink.tunnels.wg_keypair:\n    path: %s\n    type: preshared\n" % psk)
    assert run.returncode == 0 and mode(psk) == 0o600
    assert psk.read_text().strip() not in run.stdout


@pytest.mark.parametrize("args,ok", [
    ("public_key: xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=", True),
    ("public_key: not-a-key", False),
    ("private_key: c2hvcnQ=", False),
])
def test_check_and_derive_without_file(tmp_path, args, ok):
    run = play(tmp_path, "- sitelink.tunnels.wg_keypair:\n    %s\n" % args)
    assert (run.returncode == 0) == ok, run.stdout


def test_garbage_in_key_file_is_not_overwritten(tmp_path):
    key = tmp_path / "wg.key"
    key.write_text("not a key\n")
    run = play(tmp_path, "- sitelink.tunnels.wg_keypair:\n    path: %s\n" % key)
    assert run.returncode != 0 and "does not hold a WireGuard key" in run.stdout
    assert key.read_text() == "not a key\n"


def test_a_key_file_it_did_not_write_is_refused_unless_adopted(tmp_path):
    """Security review 3, N3: an administrator's key at the role's path is not taken as the role's own; adopt marks
    it; the module's own file (and its marker) is used again without a change."""
    key = tmp_path / "wg.key"
    wg = shutil.which("wg")
    assert wg, "wireguard-tools is required"
    theirs = subprocess.run([wg, "genkey"], capture_output=True, text=True, check=True).stdout
    key.write_text(theirs)
    os.chmod(key, 0o600)
    base = "- sitelink.tunnels.wg_keypair:\n    path: %s\n" % key
    for flags, extra in (((), ""), (("--check",), ""), ((), "    state: absent\n"), ((), "    regenerate: always\n")):
        run = play(tmp_path, base + extra, *flags)
        assert run.returncode != 0 and "this key file was not written by sitelink.tunnels" in run.stdout, run.stdout
        assert key.read_text() == theirs and not (tmp_path / "wg.key.sitelink").exists()
    adopted = play(tmp_path, base + "    adopt: true\n")
    assert adopted.returncode == 0 and "changed=1" in adopted.stdout and key.read_text() == theirs
    public = subprocess.run([wg, "pubkey"], input=theirs, capture_output=True, text=True, check=True).stdout.strip()
    assert (tmp_path / "wg.key.sitelink").read_text() == "sitelink.tunnels wg_keypair: %s\n" % public
    assert "changed=0" in play(tmp_path, base).stdout


def test_a_marker_that_names_another_key_does_not_vouch_for_the_file(tmp_path):
    key = tmp_path / "wg.key"
    base = "- sitelink.tunnels.wg_keypair:\n    path: %s\n" % key
    assert play(tmp_path, base).returncode == 0
    marker = (tmp_path / "wg.key.sitelink").read_text()
    wg = shutil.which("wg")
    key.write_text(subprocess.run([wg, "genkey"], capture_output=True, text=True, check=True).stdout)  # copied over
    run = play(tmp_path, base)
    assert run.returncode != 0 and "not written by sitelink.tunnels" in run.stdout
    assert (tmp_path / "wg.key.sitelink").read_text() == marker
