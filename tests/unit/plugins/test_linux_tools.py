"""What a Linux site lacks (linux_tools), and how site_apply's interface step installs it before anything else."""

import types

import pytest

from ansible_collections.sitelink.tunnels.plugins.action import site_apply
from ansible_collections.sitelink.tunnels.plugins.modules import linux_tools
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.drivers.linux import LinuxDriver


class FakeModule(object):
    """get_bin_path over a set of installed programs (wherever they are looked for)."""

    def __init__(self, installed):
        self.installed = set(installed)

    def get_bin_path(self, name, opt_dirs=None):
        assert "/usr/sbin" in (opt_dirs or []), "a non-root user's PATH often lacks the sbin directories"
        return "/usr/bin/" + name if name in self.installed else None


EVERY_TOOL = ("wg", "nft", "ip", "ping", "wireguard-go")


@pytest.mark.parametrize("implementation,in_kernel,installed,missing", [
    ("auto", False, EVERY_TOOL, []),
    ("auto", True, ("wg", "nft", "ip", "ping"), []),
    ("auto", False, ("wg", "nft", "ip", "ping"), ["wireguard-go"]),
    ("userspace", True, ("wg", "nft", "ip", "ping"), ["wireguard-go"]),
    ("kernel", True, ("ip",), ["wireguard-tools", "nftables", "iputils-ping"]),
    ("auto", False, (), ["wireguard-tools", "nftables", "iproute2", "iputils-ping", "wireguard-go"]),
])
def test_the_packages_a_host_lacks_in_a_fixed_order(implementation, in_kernel, installed, missing):
    assert linux_tools.missing_packages(FakeModule(installed), implementation, in_kernel) == missing


class Host(object):
    """The modules site_apply runs on a Linux host: linux_tools answers from `lacking` (emptied by an install that
    works), setup names `manager`; every call is recorded."""

    def __init__(self, lacking, manager="apt", install_fails=False):
        self.lacking, self.manager, self.install_fails = list(lacking), manager, install_fails
        self.ran = []

    def __call__(self, module_name, module_args, task_vars):
        self.ran.append((module_name, module_args))
        if module_name == "sitelink.tunnels.linux_tools":
            return {"changed": False, "missing": list(self.lacking)}
        if module_name == "ansible.legacy.setup":
            return {"ansible_facts": {"ansible_pkg_mgr": self.manager}}
        if self.install_fails:
            return {"failed": True, "msg": "E: Unable to locate package wireguard-go"}
        self.lacking = []
        return {"changed": True}


def interface_step(host, install, check_mode=False):
    action = site_apply.ActionModule.__new__(site_apply.ActionModule)
    action._execute_module, action._vars = host, {}
    action._task = types.SimpleNamespace(check_mode=check_mode)
    out = {"changed": False, "commands": [], "resources": {}, "warnings": [], "diff": []}
    went_on = LinuxDriver.tools(action, "branch", {"implementation": "auto", "install_packages": install}, out)
    return went_on, out


def test_nothing_missing_runs_nothing_else():
    host = Host([])
    assert interface_step(host, install=True)[0] is True
    assert [m for m, _a in host.ran] == ["sitelink.tunnels.linux_tools"]


def test_without_install_packages_the_site_fails_naming_what_it_lacks_and_installs_nothing():
    host = Host(["nftables", "wireguard-go"])
    went_on, out = interface_step(host, install=False)
    assert went_on is False and out["failed"]
    assert out["msg"] == ("branch: missing nftables, wireguard-go; install them or set "
                          "sitelink_linux_install_packages: true")
    assert [m for m, _a in host.ran] == ["sitelink.tunnels.linux_tools"]


def test_install_packages_uses_the_hosts_package_manager_then_looks_again():
    host = Host(["nftables", "wireguard-go"])
    went_on, out = interface_step(host, install=True)
    assert went_on is True and not out.get("failed")
    assert host.ran == [("sitelink.tunnels.linux_tools", {"implementation": "auto"}),
                        ("ansible.legacy.setup", {"gather_subset": ["!all"], "filter": ["ansible_pkg_mgr"]}),
                        ("ansible.legacy.apt", {"name": ["nftables", "wireguard-go"], "state": "present"}),
                        ("sitelink.tunnels.linux_tools", {"implementation": "auto"})]
    assert out["changed"] and out["resources"]["packages"]["changed"]


def test_a_failed_install_fails_the_site_with_the_managers_message():
    went_on, out = interface_step(Host(["wireguard-go"], install_fails=True), install=True)
    assert went_on is False
    assert out["msg"] == "branch: installing wireguard-go failed: E: Unable to locate package wireguard-go"


def test_no_package_manager_fails_the_site():
    went_on, out = interface_step(Host(["wireguard-go"], manager="unknown"), install=True)
    assert went_on is False and "no package manager found" in out["msg"]


def test_check_mode_reports_the_install_and_does_not_look_again():
    host = Host(["wireguard-go"])
    host.install_fails = False
    went_on, _out = interface_step(host, install=True, check_mode=True)
    assert went_on is True
    assert [m for m, _a in host.ran][-1] == "ansible.legacy.apt"


def test_ospf_mode_also_asks_for_frr_and_its_reload_script(monkeypatch):
    monkeypatch.setattr(linux_tools.os.path, "exists", lambda path: False)
    assert linux_tools.missing_packages(FakeModule(EVERY_TOOL), "auto", False, frr=True) == ["frr", "frr-pythontools"]
    monkeypatch.setattr(linux_tools.os.path, "exists", lambda path: path == "/usr/lib/frr/frr-reload.py")
    assert linux_tools.missing_packages(FakeModule(EVERY_TOOL + ("vtysh",)), "auto", False, frr=True) == []
    assert linux_tools.missing_packages(FakeModule(EVERY_TOOL), "auto", False) == []
