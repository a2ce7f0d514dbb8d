"""OSPF mode on a Linux site: the FRR configuration rendered from its plan, and linux_frr's engine - the owned block
of frr.conf, the daemons file, and how FRR is told (reload, restart, start) - against files in a temporary
directory and a fake host."""

import copy
import json
import os
import subprocess
import types

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.linux import frr, render
from ansible_collections.sitelink.tunnels.plugins.module_utils.linux.engine import LinuxError, Runner
from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import linux
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model, validate
from ansible_collections.sitelink.tunnels.plugins.modules import linux_tunnel_status
from ansible_collections.sitelink.tunnels.plugins.plugin_utils import adjacency
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.drivers import linux as driver

from linux_fakes import FakeHost
from corpus import cases, load

GOOD = [p for p in cases("good") if p.endswith("hub_spoke.yml")][0]

BRANCH_A = """\
interface gre-hub
 ip ospf network point-to-point
 ip ospf cost 10
 ip ospf hello-interval 10
 ip ospf dead-interval 40
 no ip ospf passive
 ip ospf bfd
 ip ospf bfd profile bfd-tunnels
exit
!
router ospf
 ospf router-id 10.253.0.2
 passive-interface default
 network 10.254.0.2/31 area 0.0.0.0
 network 192.168.11.0/24 area 0.0.0.0
exit
!
bfd
 profile bfd-tunnels
  receive-interval 200
  transmit-interval 200
  detect-multiplier 5
 exit
 !
exit
!
"""


def linux_plans(**settings):
    """The good hub and two branches, branch-a a Linux site over GRE, `settings` over the fleet's."""
    sites, base, _expected = load(GOOD)
    sites, base = copy.deepcopy(sites), dict(copy.deepcopy(base), **settings)
    base["sitelink_topology"]["links"][0]["overlay"] = "gre"
    sites["branch-a"]["platform"] = "linux"
    loaded = model.load(sites, base)
    planned = validate.plan_fleet(loaded)
    assert planned is not None, loaded.problems
    return planned


# ---------------------------------------------------------------- the rendered configuration
def test_a_linux_site_in_ospf_mode_gets_its_frr_block_with_bfd():
    part = linux.desired(linux_plans(sitelink_routing="ospf", sitelink_ospf={"bfd": True})["branch-a"])["frr"]
    assert part == {"config": BRANCH_A, "daemons": ["ospfd", "bfdd"]}


def test_without_bfd_no_profile_and_no_bfdd():
    part = linux.frr(linux_plans(sitelink_routing="ospf", sitelink_ospf={"hello_interval": 2,
                                                                         "dead_interval": 8})["branch-a"])
    assert part["daemons"] == ["ospfd"]
    assert "bfd" not in part["config"]
    assert " ip ospf hello-interval 2\n ip ospf dead-interval 8\n" in part["config"]


def test_static_mode_has_no_frr_block():
    assert linux.desired(linux_plans()["branch-a"])["frr"] is None


def test_a_drained_hub_costs_the_most_on_the_linux_end_too():
    plan = linux_plans(sitelink_routing="ospf", sitelink_drain=["hub"])["branch-a"]
    assert " ip ospf cost 65535\n" in linux.frr(plan)["config"]


# ---------------------------------------------------------------- the block in frr.conf
USER = "frr defaults traditional\nhostname edge\n!\nrouter bgp 65001\n neighbor 192.0.2.1 remote-as 65002\nexit\n"


def test_the_block_is_appended_replaced_and_removed_and_the_rest_stays():
    added = frr.with_block(USER, "fleet", BRANCH_A)
    assert added.startswith(USER)
    assert added.endswith("! sitelink:fleet begin\n" + BRANCH_A + "! sitelink:fleet end\n")
    changed = frr.with_block(added + "line vty\n", "fleet", "router ospf\n ospf router-id 10.253.0.9\nexit\n")
    assert changed == USER + "! sitelink:fleet begin\nrouter ospf\n ospf router-id 10.253.0.9\nexit\n" \
                             "! sitelink:fleet end\nline vty\n"
    assert frr.with_block(changed, "fleet", None) == USER + "line vty\n"
    assert frr.with_block(added, "other", None) == added           # another owner's block is not ours
    assert frr.block_text(added, "fleet") == BRANCH_A and frr.block_text(USER, "fleet") == ""


@pytest.mark.parametrize("text", [
    USER + "! sitelink:fleet begin\nrouter ospf\n",                                  # no end
    USER + "! sitelink:fleet end\n! sitelink:fleet begin\n",                         # the wrong way round
    "! sitelink:fleet begin\n! sitelink:fleet end\n! sitelink:fleet begin\n! sitelink:fleet end\n",   # two blocks
])
def test_a_cut_block_is_refused(text):
    with pytest.raises(LinuxError, match="the block of owner fleet in frr.conf is broken"):
        frr.with_block(text, "fleet", BRANCH_A)


def test_a_config_with_a_marker_line_is_refused():
    assert frr.config_problem("router ospf\n! sitelink:fleet end\n", "fleet").startswith("line '! sitelink:fleet end'")
    assert frr.config_problem(BRANCH_A, "fleet") is None


def test_daemons_are_enabled_in_place_or_appended():
    text = "zebra=yes\nospfd=no\nbfdd=no\nvtysh_enable=yes\n"
    assert frr.with_daemons(text, ["ospfd"]) == "zebra=yes\nospfd=yes\nbfdd=no\nvtysh_enable=yes\n"
    assert frr.with_daemons("zebra=yes\n", ["bfdd"]) == "zebra=yes\nbfdd=yes\n"


# ---------------------------------------------------------------- converge: files and the service
@pytest.fixture
def etc(tmp_path, monkeypatch):
    (tmp_path / "frr.conf").write_text(USER)
    (tmp_path / "daemons").write_text("zebra=yes\nospfd=no\nbfdd=no\n")
    monkeypatch.setattr(frr, "FRR_RELOAD", str(tmp_path / "daemons"))       # "installed"
    return tmp_path


def params(etc, **given):
    return dict({"config": BRANCH_A, "daemons": ["ospfd", "bfdd"], "owner": "fleet", "state": "present",
                 "path": str(etc / "frr.conf"), "daemons_path": str(etc / "daemons"), "apply": True,
                 "service_manager": "frrinit"}, **given)


STATUS = ("/usr/lib/frr/frrinit.sh", "status")


def test_a_first_run_writes_both_files_and_restarts_a_running_frr(etc):
    host = FakeHost()
    result = frr.converge(params(etc), Runner(host, check_mode=False))
    assert result["service"] == "restart" and result["daemons_enabled"] == ["ospfd", "bfdd"]
    assert host.argvs()[-1] == ["/usr/lib/frr/frrinit.sh", "restart"]
    assert host.argvs()[0][:3] == ["vtysh", "-C", "-f"]                 # FRR's own parser saw it first
    assert (etc / "frr.conf").read_text().startswith(USER)
    assert "ospfd=yes\nbfdd=yes\n" in (etc / "daemons").read_text()
    assert oct(os.stat(etc / "frr.conf").st_mode & 0o777) == "0o640"
    again = FakeHost()
    second = frr.converge(params(etc), Runner(again, check_mode=False))
    assert second["service"] is None and again.argvs() == [list(STATUS)]


def test_a_changed_block_is_reloaded_and_a_stopped_frr_started(etc):
    frr.converge(params(etc), Runner(FakeHost(), check_mode=False))
    host = FakeHost()
    frr.converge(params(etc, config=BRANCH_A.replace("cost 10", "cost 20")), Runner(host, check_mode=False))
    assert host.argvs()[-1] == ["/usr/lib/frr/frrinit.sh", "reload"]
    stopped = FakeHost(replies={STATUS: (3, "", "")})
    result = frr.converge(params(etc), Runner(stopped, check_mode=False))
    assert result["service"] == "start" and stopped.argvs()[-1] == ["/usr/lib/frr/frrinit.sh", "start"]


def test_check_mode_lists_but_writes_nothing(etc):
    host = FakeHost()
    runner = Runner(host, check_mode=True)
    result = frr.converge(params(etc), runner)
    assert (etc / "frr.conf").read_text() == USER and "ospfd=no" in (etc / "daemons").read_text()
    assert result["diff"] == {"before": "", "after": BRANCH_A}
    assert runner.commands[-1] == "/usr/lib/frr/frrinit.sh restart"
    assert [argv[:2] for argv in host.argvs()] == [["vtysh", "-C"], list(STATUS)]     # reads only


def test_a_line_frr_refuses_leaves_the_file_as_it_was(etc):
    host = FakeHost(fails={"vtysh": "line 12: % Unknown command: ip ospf bogus"})
    with pytest.raises(LinuxError, match="FRR refuses the new frr.conf.*Unknown command"):
        frr.converge(params(etc), Runner(host, check_mode=False))
    assert (etc / "frr.conf").read_text() == USER


def test_absent_removes_the_block_and_reloads_and_a_host_without_frr_has_nothing_to_do(etc, tmp_path):
    frr.converge(params(etc), Runner(FakeHost(), check_mode=False))
    host = FakeHost()
    result = frr.converge(params(etc, state="absent", config=None), Runner(host, check_mode=False))
    assert result["service"] == "reload" and (etc / "frr.conf").read_text() == USER
    nothing = FakeHost()
    result = frr.converge(params(etc, state="absent", config=None, path=str(tmp_path / "none.conf")),
                          Runner(nothing, check_mode=False))
    assert result["changed"] is False and nothing.argvs() == []


def test_a_host_without_frr_is_told_what_to_install(etc):
    with pytest.raises(LinuxError, match="FRR is not installed here .*frr and frr-pythontools"):
        frr.converge(params(etc, daemons_path=str(etc / "missing")), Runner(FakeHost(), check_mode=False))


def test_the_marker_lines_are_frr_comments():
    assert render.frr_marker("fleet", "begin") == "! sitelink:fleet begin"
    assert render.frr_marker(None, "end") == "! sitelink:fleet end"


def test_render_only_writes_the_block_into_the_sites_shell_script(tmp_path):
    plan = linux_plans(sitelink_routing="ospf", sitelink_ospf={"bfd": True})["branch-a"]
    script = driver.shell_script(plan, "branch-a", "fleet", "/etc/wireguard", 157, "sitelink")
    assert "cat >> /etc/frr/frr.conf <<'EOF'\n! sitelink:fleet begin\n" + BRANCH_A.rstrip("\n") + \
        "\n! sitelink:fleet end\nEOF\n" in script
    assert "sed -i '/^! sitelink:fleet begin$/,/^! sitelink:fleet end$/d' /etc/frr/frr.conf\n" in script
    assert "sed -i 's/^ospfd=.*/ospfd=yes/' /etc/frr/daemons\nsed -i 's/^bfdd=.*/bfdd=yes/' /etc/frr/daemons\n" \
        in script
    assert "meta l4proto ospf counter accept" in script and "udp dport { 3784, 3785 } counter accept" in script
    (tmp_path / "site.sh").write_text(script)
    assert subprocess.run(["sh", "-n", str(tmp_path / "site.sh")], check=False).returncode == 0
    static = driver.shell_script(linux_plans()["branch-a"], "branch-a", "fleet", "/etc/wireguard", 157, "sitelink")
    assert "frr" not in static


# ---------------------------------------------------------------- verification: FRR's neighbours as RouterOS's rows
class VtyshModule(object):
    """get_bin_path finds vtysh; run_command answers each `vtysh -c COMMAND` from `answers`."""

    def __init__(self, answers):
        self.answers = answers

    def get_bin_path(self, name, opt_dirs=None):
        return "/usr/bin/" + name

    def run_command(self, argv):
        assert argv[:2] == ["/usr/bin/vtysh", "-c"], argv
        return self.answers[argv[2]]


NEIGHBOURS = {"neighbors": {"10.253.0.1": [{"nbrState": "Full/-", "ifaceName": "gre-hub:10.254.0.3",
                                            "ifaceAddress": "10.254.0.2"}]}}
PEERS = [{"peer": "10.254.0.2", "interface": "gre-hub", "status": "up"}]


def test_frrs_neighbours_and_bfd_peers_read_as_routeros_rows_and_fold_into_link_states():
    module = VtyshModule({"show ip ospf neighbor json": (0, json.dumps(NEIGHBOURS), ""),
                          "show bfd peers json": (0, json.dumps(PEERS), "")})
    rows = linux_tunnel_status.routing_state(module, True, True)
    assert rows == {"ospf_neighbors": [{"interface": "gre-hub", "address": "10.254.0.2", "router-id": "10.253.0.1",
                                        "state": "Full"}],
                    "bfd_sessions": [{"remote-address": "10.254.0.2%gre-hub", "state": "up"}], "routing_error": None}
    plan = linux_plans(sitelink_routing="ospf", sitelink_ospf={"bfd": True})["branch-a"]
    states = adjacency.link_states("branch-a", plan, rows["ospf_neighbors"], rows["bfd_sessions"])
    assert states == {"branch-a--hub": {"interface": "gre-hub", "ospf": "Full", "bfd": "up", "reason": None}}
    down = linux_tunnel_status.routing_state(VtyshModule({"show ip ospf neighbor json": (
        1, "", "Exiting: failed to connect to any daemons.")}), True, False)
    assert down == {"ospf_neighbors": [], "routing_error": "vtysh -c 'show ip ospf neighbor json' failed: Exiting: "
                                                           "failed to connect to any daemons."}


def test_linux_verification_asks_for_frrs_state_and_waits_for_full():
    plan = linux_plans(sitelink_routing="ospf")["branch-a"]
    answers = [[{"interface": "gre-hub", "state": "Init"}], [{"interface": "gre-hub", "state": "Full"}]]
    asked = []

    def run_module(name, args):
        asked.append(dict(args))
        return {"all_answered": True, "ospf_neighbors": answers[len(asked) - 1], "routing_error": None}
    task = types.SimpleNamespace(run_module=run_module)
    status = driver.LinuxDriver().verify(task, types.SimpleNamespace(host="branch-a"), plan,
                                         {"count": 1, "retries": 3, "delay": 0}, {})
    assert [a.get("ospf") for a in asked] == [True, True] and asked[0]["bfd"] is False
    assert status["attempts"] == 2 and status["ospf"]["branch-a--hub"]["ospf"] == "Full"
    static = []
    quiet = types.SimpleNamespace(run_module=lambda n, a: static.append(a) or {"all_answered": True})
    driver.LinuxDriver().verify(quiet, types.SimpleNamespace(host="branch-a"), linux_plans()["branch-a"],
                                {"count": 1, "retries": 3, "delay": 0}, {})
    assert "ospf" not in static[0]


def test_systemd_hosts_are_told_through_systemctl_and_apply_false_only_writes(etc):
    host = FakeHost()
    frr.converge(params(etc, service_manager="systemd"), Runner(host, check_mode=False))
    assert host.argvs()[1:] == [["systemctl", "is-active", "--quiet", "frr"], ["systemctl", "restart", "frr"]]
    quiet = FakeHost()
    result = frr.converge(params(etc, config=BRANCH_A.replace("cost 10", "cost 30"), apply=False),
                          Runner(quiet, check_mode=False))
    assert result["service"] is None and [argv[0] for argv in quiet.argvs()] == ["vtysh"]
    assert " ip ospf cost 30\n" in (etc / "frr.conf").read_text()
