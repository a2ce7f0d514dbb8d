"""rosemu-audit: it finds the lab's keys, finds them wherever a run wrote them, and never passes on nothing."""

import io
import json
import os
import stat

from rosemu.secrets_audit import find, main, routeros_secrets


def test_collects_each_private_and_preshared_key_through_the_api(lab, api):
    api.path("interface", "wireguard").add(name="wg0")
    api.path("interface", "wireguard", "peers").add(interface="wg0", **{
        "allowed-address": "10.0.0.2/32", "public-key": "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=",
        "preshared-key": "FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE="})
    found = routeros_secrets("127.0.0.1", lab.port("r1"))
    private = list(api.path("interface", "wireguard"))[0]["private-key"]
    assert sorted(found.values()) == sorted([private, "FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE="])


def test_finds_a_secret_in_any_file_under_a_folder_but_not_in_the_secrets_file(tmp_path):
    secrets = {"k": "c2VjcmV0LWtleS12YWx1ZQ=="}
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "clean.log").write_text("nothing here")
    assert find(secrets, [str(tmp_path)]) == ([], 1)
    (tmp_path / "run" / "facts").write_text('{"x": "c2VjcmV0LWtleS12YWx1ZQ=="}')
    assert find(secrets, [str(tmp_path)]) == ([("k", str(tmp_path / "run" / "facts"))], 2)


def test_scan_exits_1_on_a_hit_and_when_there_is_nothing_to_look_for(tmp_path, capsys):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "stdout").write_text("ok")
    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps({"psk": "lab-secret"}))
    assert main(["scan", "--secrets", str(secrets), str(folder)]) == 0
    (folder / "stdout").write_text("leaked lab-secret")
    assert main(["scan", "--secrets", str(secrets), str(folder)]) == 1
    assert "psk found in %s" % (folder / "stdout") in capsys.readouterr().out
    secrets.write_text("{}")
    assert main(["scan", "--secrets", str(secrets), str(folder)]) == 1


def test_collect_writes_the_secrets_0600_with_the_known_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("LAB_PSK_SECRET", "s3cret")
    out = tmp_path / "secrets.json"
    assert main(["collect", "--out", str(out), "--known", "LAB_PSK_SECRET", "--known", "UNSET_VARIABLE_X"]) == 0
    assert json.loads(out.read_text()) == {"$LAB_PSK_SECRET": "s3cret"}
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


def test_collect_reads_one_secret_per_stdin_line(tmp_path, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("psk-secret-value\nrouter-password\n"))
    out = tmp_path / "secrets.json"
    assert main(["collect", "--out", str(out), "--stdin-secret", "psk", "--stdin-secret", "password"]) == 0
    assert json.loads(out.read_text()) == {"psk": "psk-secret-value", "password": "router-password"}
