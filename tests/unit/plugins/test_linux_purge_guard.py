"""The purge guard on a Linux site (issue 19, item 2): the wg-quick file the role writes notes each peer's link id, so
linux_wireguard can hold the removal of a peer whose site the run did not allow, and the Linux driver lets through
only the sites the inventory has (or the run names in purge_sites)."""

from ansible_collections.sitelink.tunnels.plugins.module_utils.linux import render
from ansible_collections.sitelink.tunnels.plugins.module_utils.wireguard import keys
from ansible_collections.sitelink.tunnels.plugins.modules import linux_wireguard
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.drivers import linux

from test_linux_modules import PEER_KEY, runner, wg_params, wg_replies
from test_linux_modules import key_file  # noqa: F401  # pylint: disable=unused-import

GONE_KEY = keys.public_key(keys.generate_private_key())
GONE = "%s\t(none)\t(none)\t10.255.0.8/32\t0\t0\t0\toff\n" % GONE_KEY


def wg_file(tmp_path, notes):
    """A wg-quick file as the module writes it, with a peer per (public key, note)."""
    peers = [{"public_key": key, "allowed_ips": ["10.255.0.8/32"], "comment": note} for key, note in notes]
    path = tmp_path / "wg-sitelink.conf"
    path.write_text(render.wg_quick("wg-sitelink", 13231, 1420, ["10.255.0.9/31"], "/k", peers))
    return str(path)


def test_the_notes_of_a_wg_quick_file_are_read_by_public_key(tmp_path):
    path = wg_file(tmp_path, [(PEER_KEY, "branch-l--hub"), (GONE_KEY, "gone--hub")])
    assert linux_wireguard.file_notes(path) == {PEER_KEY: "branch-l--hub", GONE_KEY: "gone--hub"}
    assert linux_wireguard.file_notes(str(tmp_path / "missing.conf")) == {}


def test_a_peer_noted_with_a_link_id_is_held_unless_removable(tmp_path, key_file):
    path, private = key_file
    config = wg_file(tmp_path, [(PEER_KEY, "branch-l--hub"), (GONE_KEY, "gone--hub")])
    run, host = runner(wg_replies("sitelink.tunnels", private, GONE))
    held = linux_wireguard.converge(wg_params(path, config_path=config, removable=[]), run, None)
    assert held["failed"] and held["held"] == ["gone--hub"] and held["commands"] == []
    assert not [argv for argv in host.argvs() if argv[:2] == ["wg", "set"]]
    run, host = runner(wg_replies("sitelink.tunnels", private, GONE))
    allowed = linux_wireguard.converge(wg_params(path, config_path=config, removable=["gone--hub"]), run, None)
    assert "held" not in allowed
    assert any(argv[-3:] == ["peer", GONE_KEY, "remove"] for argv in host.argvs() if argv[:2] == ["wg", "set"])
    # without the list, or without a note, the peer goes as before
    run, host = runner(wg_replies("sitelink.tunnels", private, GONE))
    assert "held" not in linux_wireguard.converge(wg_params(path, config_path=config), run, None)


class FakeTask(object):
    def __init__(self):
        self.runs = []

    def run_module(self, module, args):
        self.runs.append((module, args))
        return {"changed": True}


class FakeContext(object):
    host = "branch-l"

    def __init__(self, sites):
        self.sites = sites

    def in_inventory(self, site):
        return site in self.sites


def test_the_driver_lets_known_sites_go_and_refuses_a_site_the_inventory_lacks():
    held = {"failed": True, "held": ["branch-l--hub", "branch-l--old"]}
    task = FakeTask()
    refused = linux.guard_peers(task, FakeContext({"hub"}), {}, "sitelink.tunnels.linux_wireguard", {}, held)
    assert refused["refused"] and task.runs == []
    assert refused["msg"].startswith("branch-l: this run would remove the tunnels of 1 site(s) that the inventory "
                                     "does not have: old (wireguard_peers)")
    done = linux.guard_peers(task, FakeContext({"hub", "old"}), {}, "m", {"name": "wg"}, held)
    assert done == {"changed": True} and task.runs == [("m", {"name": "wg", "removable": held["held"]})]
    task = FakeTask()
    linux.guard_peers(task, FakeContext({"hub"}), {"purge_sites": ["old"]}, "m", {}, held)
    assert task.runs == [("m", {"removable": held["held"]})]
