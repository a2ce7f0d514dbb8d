"""Linux sites, taken out and guarded (issue 19, items 2 and 3), on real wireguard-go tunnels between namespaces:
a run whose inventory lacks a Linux site stops on the Linux sites that would remove its peer (the wg-quick file
notes each peer's link id), and `state: absent` takes a Linux site out at both ends; the second run changes nothing."""

import json
import re

# linux: the namespaces fixture of test_linux_sites
from test_linux_sites import linux, play  # noqa: F401  # pylint: disable=unused-import

NO_VERIFY = ("-e", "sitelink_verify=false")


def inventory(tmp_path):
    return json.loads((tmp_path / "inventory.json").read_text())


def peers(lab, name):
    return lab.ssh(name, "wg show wg-sitelink peers", check=False).stdout.split()


def unchanged(run):
    return re.findall(r"changed=(\d+)", run.out) and set(re.findall(r"changed=(\d+)", run.out)) == {"0"}


def test_a_run_without_a_linux_site_stops_before_removing_its_peers(linux, tmp_path):
    first = play(tmp_path, *NO_VERIFY)
    assert first.rc == 0, first
    full = inventory(tmp_path)
    partial = json.loads(json.dumps(full))
    del partial["all"]["hosts"]["charlie"]
    (tmp_path / "inventory.json").write_text(json.dumps(partial))
    refused = play(tmp_path, *NO_VERIFY)
    assert refused.rc != 0, refused
    for name in ("alpha", "bravo"):
        assert "%s: this run would remove the tunnels of 1 site(s) that the inventory does not have: charlie " \
               "(wireguard_peers)" % name in refused.out, refused
        assert len(peers(linux, name)) == 2
    allowed = play(tmp_path, *NO_VERIFY, "-e", '{"sitelink_purge_sites": ["charlie"]}')
    assert allowed.rc == 0, allowed
    assert len(peers(linux, "alpha")) == 1 and len(peers(linux, "bravo")) == 1


def test_state_absent_takes_a_linux_site_out_at_both_ends(linux, tmp_path):
    first = play(tmp_path, *NO_VERIFY)
    assert first.rc == 0, first
    taken_out = inventory(tmp_path)
    taken_out["all"]["hosts"]["charlie"]["sitelink_site"]["state"] = "absent"
    (tmp_path / "inventory.json").write_text(json.dumps(taken_out))
    rehearsal = play(tmp_path, "--check", "--diff", *NO_VERIFY)
    assert rehearsal.rc == 0, rehearsal
    assert len(peers(linux, "charlie")) == 2
    run = play(tmp_path)
    assert run.rc == 0, run
    assert "2 link ends up, 0 down, 0 pending" in run.out, run
    assert linux.ssh("charlie", "ip link show wg-sitelink", check=False).returncode != 0
    assert linux.ssh("charlie", "ls /etc/wireguard/", check=False).stdout.split() == []
    assert "sitelink" not in linux.ssh("charlie", "nft list tables", check=False).stdout
    assert linux.ssh("charlie", "ip route show proto 157", check=False).stdout.strip() == ""
    assert len(peers(linux, "alpha")) == 1 and len(peers(linux, "bravo")) == 1
    again = play(tmp_path, *NO_VERIFY)
    assert again.rc == 0 and unchanged(again), again
