"""The Linux modules as declarations on the shared engine: what each reads, refuses and would run, from recorded
`ip`/`nft`/`wg` output, with a fake host that records the argument lists (no host, no root)."""

import json

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.linux import engine, files
from ansible_collections.sitelink.tunnels.plugins.module_utils.linux.engine import LinuxError
from ansible_collections.sitelink.tunnels.plugins.module_utils.wireguard import keys
from ansible_collections.sitelink.tunnels.plugins.modules import linux_firewall, linux_gre_tunnels, linux_routes
from ansible_collections.sitelink.tunnels.plugins.modules import linux_wireguard

from linux_fakes import FakeHost


def runner(replies, check_mode=False, **kw):
    host = FakeHost(replies, **kw)
    return engine.Runner(host, check_mode), host


# ------------------------------------------------------------------ GRE
def gre_link(name, local, remote, alias, addresses=(), mtu=1396, up=True):
    return {"ifname": name, "mtu": mtu, "ifalias": alias, "flags": ["POINTOPOINT"] + (["UP"] if up else []),
            "linkinfo": {"info_kind": "gre", "info_data": {"local": local, "remote": remote, "ttl": 64}},
            "addr_info": [{"local": a.split("/")[0], "prefixlen": int(a.split("/")[1]), "scope": "global"}
                          for a in addresses]}


GRE_SHOW = ("ip", "-j", "-d", "address", "show")


def gre_params(config, state="overridden", owner="fleet"):
    return {"owner": owner, "state": state, "config": [dict({"mtu": 1396, "ttl": 64, "addresses": [], "comment": None},
                                                            **t) for t in config]}


def test_gre_makes_a_new_tunnel_and_leaves_one_of_ours_that_is_as_wanted():
    links = [gre_link("gre-a", "10.255.0.1", "10.255.0.0", "sitelink:fleet a", ["10.254.0.1/31"])]
    run, host = runner({GRE_SHOW: (0, json.dumps(links), "")})
    result = linux_gre_tunnels.converge(gre_params([
        {"name": "gre-a", "local": "10.255.0.1", "remote": "10.255.0.0", "addresses": ["10.254.0.1/31"], "comment": "a"},
        {"name": "gre-b", "local": "10.255.0.3", "remote": "10.255.0.2", "addresses": ["10.254.0.3/31"]}]), run)
    assert host.argvs()[1:] == [
        ["ip", "link", "add", "gre-b", "type", "gre", "local", "10.255.0.3", "remote", "10.255.0.2", "ttl", "64"],
        ["ip", "addr", "add", "10.254.0.3/31", "dev", "gre-b"],
        ["ip", "link", "set", "dev", "gre-b", "alias", "sitelink:fleet"],
        ["ip", "link", "set", "dev", "gre-b", "mtu", "1396", "up"]]
    assert result["diff"]["before"] == "gre-a local=10.255.0.1 remote=10.255.0.0 ttl=64 mtu=1396 addresses=10.254.0.1/31\n"
    assert result["diff"]["after"].splitlines()[1].startswith("gre-b local=10.255.0.3")


def test_gre_remakes_a_tunnel_whose_endpoints_moved_and_removes_only_ours_not_listed():
    links = [gre_link("gre-a", "10.255.0.1", "10.255.0.9", "sitelink:fleet"),
             gre_link("gre-old", "10.255.0.5", "10.255.0.4", "sitelink:fleet"),
             gre_link("gre-other", "10.255.0.7", "10.255.0.6", "sitelink:branch"),
             gre_link("gre-admin", "192.0.2.1", "192.0.2.2", "")]
    run, host = runner({GRE_SHOW: (0, json.dumps(links), "")})
    linux_gre_tunnels.converge(gre_params([{"name": "gre-a", "local": "10.255.0.1", "remote": "10.255.0.0"}]), run)
    assert host.argvs()[1:4] == [["ip", "link", "del", "dev", "gre-old"], ["ip", "link", "del", "dev", "gre-a"],
                                 ["ip", "link", "add", "gre-a", "type", "gre", "local", "10.255.0.1", "remote",
                                  "10.255.0.0", "ttl", "64"]]
    assert not any("gre-other" in argv or "gre-admin" in argv for argv in host.argvs())


def test_gre_refuses_an_interface_of_that_name_that_is_not_ours_before_changing_anything():
    links = [gre_link("gre-a", "192.0.2.1", "192.0.2.2", "the admin's"),
             gre_link("gre-old", "1.1.1.1", "2.2.2.2", "sitelink:fleet")]
    run, host = runner({GRE_SHOW: (0, json.dumps(links), "")})
    with pytest.raises(LinuxError, match="gre-a: a GRE interface of that name exists and is not ours"):
        linux_gre_tunnels.converge(gre_params([{"name": "gre-a", "local": "10.255.0.1", "remote": "10.255.0.0"}]), run)
    assert host.argvs() == [list(GRE_SHOW)] and run.commands == []


def test_gre_check_mode_lists_and_runs_nothing():
    run, host = runner({GRE_SHOW: (0, "[]", "")}, check_mode=True)
    linux_gre_tunnels.converge(gre_params([{"name": "gre-a", "local": "10.255.0.1", "remote": "10.255.0.0"}]), run)
    assert host.argvs() == [list(GRE_SHOW)] and run.commands[0].startswith("ip link add gre-a type gre")


# ------------------------------------------------------------------ routes
def route_replies(rows4, rows6=()):
    return {("ip", "-N", "-j", "-4", "route", "show", "table", "main"): (0, json.dumps(rows4), ""),
            ("ip", "-N", "-j", "-6", "route", "show", "table", "main"): (0, json.dumps(list(rows6)), "")}


def route_params(config, state="overridden", adopt=False):
    return {"config": [dict({"via": None, "dev": None, "src": None, "metric": None}, **r) for r in config],
            "state": state, "protocol": 157, "table": "main", "forwarding": [], "sysctl_file": None, "adopt": adopt}


OUR_ROUTE = {"dst": "192.168.20.0/24", "gateway": "10.255.0.1", "dev": "wg-sitelink", "protocol": "157"}
OLD_ROUTE = {"dst": "192.168.30.0/24", "gateway": "10.255.0.1", "dev": "wg-sitelink", "protocol": "157"}
ADMIN_ROUTE = {"dst": "192.168.21.0/24", "dev": "lan0", "protocol": "4"}


def test_routes_replace_what_differs_and_remove_only_ours_not_listed():
    run, host = runner(route_replies([OUR_ROUTE, OLD_ROUTE, ADMIN_ROUTE]))
    result = linux_routes.converge(route_params([{"dst": "192.168.20.0/24", "via": "10.255.0.1"},
                                                 {"dst": "192.168.22.0/24", "via": "10.255.0.3"}]), run)
    assert host.argvs()[2:] == [
        ["ip", "route", "del", "192.168.30.0/24", "proto", "157", "table", "main"],
        ["ip", "route", "replace", "192.168.22.0/24", "via", "10.255.0.3", "proto", "157", "table", "main"]]
    assert [r["dst"] for r in result["routes"]] == ["192.168.20.0/24", "192.168.22.0/24"]


def test_routes_refuse_a_sysctl_file_they_did_not_write_unless_adopted_and_show_it_in_the_diff(tmp_path):
    """Security review 3, N6: an administrator's file given as sysctl_file was replaced and the diff said nothing."""
    theirs = tmp_path / "99-operator.conf"
    theirs.write_text("# operator: do not lose this line\nkernel.panic = 10\n")
    params = dict(route_params([]), forwarding=["ipv4"], sysctl_file=str(theirs))
    run, host = runner(route_replies([]))
    with pytest.raises(LinuxError, match="99-operator.conf exists and was not written by sitelink.tunnels"):
        linux_routes.converge(params, run)
    assert theirs.read_text() == "# operator: do not lose this line\nkernel.panic = 10\n"
    assert not [argv for argv in host.argvs() if argv[0] == "sysctl"]               # nothing was run
    run, _host = runner(route_replies([]))
    result = linux_routes.converge(dict(params, adopt=True), run)
    assert theirs.read_text().startswith(linux_routes.SYSCTL_HEADER)
    assert "sysctl file %s: other content" % theirs in str(result["diff"]["before"])
    assert "sysctl file %s: forwarding settings" % theirs in str(result["diff"]["after"])
    run, _host = runner(route_replies([]))
    again = linux_routes.converge(params, run)                                       # ours now: nothing to write
    assert "sysctl file" not in str(again["diff"])


def test_routes_refuse_a_prefix_with_someone_elses_route_and_adopt_replaces_it():
    wanted = [{"dst": "192.168.21.0/24", "via": "10.255.0.1"}]
    run, host = runner(route_replies([ADMIN_ROUTE]))
    with pytest.raises(LinuxError, match=r"192.168.21.0/24: table main already has a route to it that is not ours "
                                         r"\(192.168.21.0/24 dev lan0 proto static\)"):
        linux_routes.converge(route_params(wanted), run)
    assert len(host.ran) == 2
    run, host = runner(route_replies([ADMIN_ROUTE]))
    linux_routes.converge(route_params(wanted, adopt=True), run)
    assert host.argvs()[2:] == [
        ["ip", "route", "del", "192.168.21.0/24", "proto", "4", "metric", "0", "table", "main"],
        ["ip", "route", "replace", "192.168.21.0/24", "via", "10.255.0.1", "proto", "157", "table", "main"]]


# ------------------------------------------------------------------ firewall
NFT_LIST = ("nft", "list", "table", "inet", "sitelink")


def test_firewall_checks_then_loads_the_whole_table_in_one_transaction():
    rules = [{"chain": "input", "name": "wireguard-in", "rule": "udp dport 13231 counter accept"}]
    params = {"table": "sitelink", "owner": "fleet", "rules": rules, "priority": -10, "state": "present"}
    for check_mode in (True, False):
        run, host = runner({NFT_LIST: (1, "", "No such file or directory")}, check_mode=check_mode)
        result = linux_firewall.converge(params, run)
        script = host.ran[1][1].decode()
        assert host.argvs()[1] == ["nft", "-c", "-f", "-"] and script.startswith("table inet sitelink\ndelete table")
        assert host.ran[2:] == ([] if check_mode else [(["nft", "-f", "-"], script.encode())])
        assert run.commands == [script] and result["diff"]["before"] == ""
        assert 'udp dport 13231 counter accept comment "sitelink:fleet wireguard-in #' in result["diff"]["after"]


def test_firewall_refuses_a_table_of_that_name_that_is_not_ours():
    run, host = runner({NFT_LIST: (0, 'table inet sitelink {\n\tcomment "the admin\'s"\n}\n', ""),
                        ("nft", "-j", "list", "table", "inet", "sitelink"): (0, '{"nftables": []}', "")})
    params = {"table": "sitelink", "owner": "fleet", "rules": [], "priority": -10, "state": "absent"}
    with pytest.raises(LinuxError, match="table inet sitelink exists and is not ours"):
        linux_firewall.converge(params, run)
    assert run.commands == [] and len(host.ran) == 2


# ------------------------------------------------------------------ WireGuard
PEER_KEY = keys.public_key(keys.generate_private_key())
PSK = keys.generate_preshared_key()


@pytest.fixture
def key_file(tmp_path):
    private = keys.generate_private_key()
    (tmp_path / "wg.key").write_text(private + "\n")
    return str(tmp_path / "wg.key"), private


def wg_params(key_path, **kw):
    peer = {"public_key": PEER_KEY, "allowed_ips": ["10.255.0.0/32", "192.168.10.0/24"], "endpoint": "198.51.100.1:13231",
            "persistent_keepalive": 25, "preshared_key": PSK, "comment": None}
    return dict({"name": "wg-sitelink", "state": "present", "private_key_path": key_path, "listen_port": 13231,
                 "mtu": 1420, "addresses": ["10.255.0.1/31"], "peers": [peer], "implementation": "kernel",
                 "purge_peers": True, "config_path": None, "adopt": False}, **kw)


def wg_replies(alias, private, peers=""):
    dump = "%s\t%s\t13231\toff\n" % (private, keys.public_key(private)) + peers
    addr = [{"mtu": 1420, "flags": ["POINTOPOINT", "UP"], "addr_info": [
        {"local": "10.255.0.1", "prefixlen": 31, "scope": "global"}]}]
    return {("ip", "-j", "link", "show", "dev", "wg-sitelink"): (0, json.dumps([{"ifalias": alias}]), ""),
            ("wg", "show", "wg-sitelink", "dump"): (0, dump, ""),
            ("ip", "-j", "addr", "show", "dev", "wg-sitelink"): (0, json.dumps(addr), "")}


def test_wireguard_in_check_mode_on_a_host_without_the_interface_lists_every_step_and_runs_none(key_file):
    path, _private = key_file
    run, host = runner({("ip", "-j", "link", "show", "dev", "wg-sitelink"): (1, "", "does not exist")}, check_mode=True)
    result = linux_wireguard.converge(wg_params(path), run, lambda r, n: pytest.fail("wireguard-go started"))
    assert host.argvs() == [["ip", "-j", "link", "show", "dev", "wg-sitelink"]]
    assert run.commands[0] == "ip link add dev wg-sitelink type wireguard"
    assert run.commands[2].startswith("wg set wg-sitelink private-key %s listen-port 13231 peer %s" % (path, PEER_KEY))
    assert run.commands[2].endswith("preshared-key <psk file>")
    assert PSK not in repr(result) + repr(run.commands)


def test_wireguard_changes_only_the_peer_that_differs_and_hands_its_preshared_key_as_a_file(key_file):
    path, private = key_file
    stale = "%s\t(none)\t198.51.100.1:13231\t10.255.0.0/32,192.168.10.0/24\t0\t0\t0\t25\n" % PEER_KEY
    gone = "%s\t(none)\t(none)\t10.255.0.8/32\t0\t0\t0\toff\n" % keys.public_key(keys.generate_private_key())
    seen = []

    def look(argv):
        if argv[:2] == ["wg", "set"]:
            with open(argv[argv.index("preshared-key") + 1]) as fh:
                seen.append(fh.read())
    run, host = runner(wg_replies("sitelink.tunnels", private, stale + gone), during=look)
    result = linux_wireguard.converge(wg_params(path), run, None)
    wg_set = [argv for argv in host.argvs() if argv[:2] == ["wg", "set"]]
    assert len(wg_set) == 1 and wg_set[0][3:6] == ["peer", PEER_KEY, "preshared-key"]
    assert wg_set[0][7:] == ["peer", gone.split("\t")[0], "remove"]
    assert seen == [PSK + "\n"]
    assert run.commands == ["wg set wg-sitelink peer %s preshared-key <psk file> peer %s remove"
                            % (PEER_KEY, gone.split("\t")[0])]
    assert PSK not in repr(result) + repr(host.ran) and private not in repr(result)
    assert "preshared-key=-" in result["diff"]["before"] and "preshared-key=<set>" in result["diff"]["after"]


def renumbered_params(path, guard):
    """The interface at 10.255.0.1/31 with its peer at 10.255.0.0, planned at 10.255.0.3/31 and 10.255.0.2."""
    params = wg_params(path, addresses=["10.255.0.3/31"], guard_renumbering=guard)
    params["peers"][0].update(allowed_ips=["10.255.0.2/32", "192.168.10.0/24"], comment="hub--spoke")
    return params


@pytest.mark.parametrize("check_mode", [True, False])
def test_wireguard_with_the_renumbering_guard_refuses_a_moved_transit_before_changing_anything(key_file, check_mode):
    path, private = key_file
    peer = "%s\t%s\t198.51.100.1:13231\t10.255.0.0/32,192.168.10.0/24\t0\t0\t0\t25\n" % (PEER_KEY, PSK)
    run, host = runner(wg_replies("sitelink.tunnels", private, peer), check_mode=check_mode)
    with pytest.raises(LinuxError, match=r"wg-sitelink: this run would renumber 1 existing link\(s\): hub--spoke "
                                         r"\(address on wg-sitelink 10.255.0.1/31 -> 10.255.0.3/31\)"):
        linux_wireguard.converge(renumbered_params(path, True), run, None)
    assert run.commands == [] and not [argv for argv in host.argvs() if argv[:2] == ["wg", "set"]]
    run, _host = runner(wg_replies("sitelink.tunnels", private, peer), check_mode=check_mode)
    linux_wireguard.converge(renumbered_params(path, False), run, None)
    assert "ip addr add 10.255.0.3/31 dev wg-sitelink" in run.commands


def test_wireguard_refuses_an_interface_it_did_not_make_unless_adopted(key_file):
    path, _private = key_file
    foreign = keys.generate_private_key()
    run, _host = runner(wg_replies("", foreign))
    with pytest.raises(LinuxError, match="wg-sitelink: a WireGuard interface of that name exists and was not made"):
        linux_wireguard.converge(wg_params(path), run, None)
    assert run.commands == []
    run, _host = runner(wg_replies("", foreign))
    linux_wireguard.converge(wg_params(path, adopt=True), run, None)
    assert run.commands[0] == "ip link set dev wg-sitelink alias sitelink.tunnels"
    assert run.commands[1].startswith("wg set wg-sitelink private-key %s" % path)


def test_wireguard_takes_no_interface_over_because_its_key_sits_at_the_key_path(key_file):
    """Security review 3, N3: an administrator's interface whose key was copied to private_key_path (no alias, no
    wg_keypair marker naming the key) is refused; the role's own interface brought back by wg-quick at boot (no
    alias, the key file marked by wg_keypair) is still the module's."""
    path, private = key_file
    run, _host = runner(wg_replies("", private))
    with pytest.raises(LinuxError, match="was not made by sitelink.tunnels"):
        linux_wireguard.converge(wg_params(path), run, None)
    assert run.commands == []
    files.mark_key(path, keys.public_key(private))
    run, _host = runner(wg_replies("", private))
    linux_wireguard.converge(wg_params(path), run, None)
    assert run.commands[0] == "ip link set dev wg-sitelink alias sitelink.tunnels"


def test_a_marker_naming_another_key_does_not_make_the_interface_ours(key_file):
    path, private = key_file
    files.mark_key(path, keys.public_key(keys.generate_private_key()))
    run, _host = runner(wg_replies("", private))
    with pytest.raises(LinuxError, match="was not made by sitelink.tunnels"):
        linux_wireguard.converge(wg_params(path), run, None)


@pytest.mark.parametrize("change,option", [
    ({"private_key_path": "/etc/wireguard/k$(touch PWNED)/wg.key"}, "private_key_path"),
    ({"private_key_path": "/etc/wireguard/my keys/wg.key"}, "private_key_path"),
    ({"config_path": "relative/wg-sitelink.conf"}, "config_path"),
    ({"name": "wg0\nPostUp"}, "name"),
    ({"peers": [{"public_key": PEER_KEY, "allowed_ips": ["10.255.0.0/32"], "comment": "partner\nPostUp = touch x"}]},
     r"peers\[0\].comment"),
])
def test_wireguard_refuses_text_that_would_reach_wg_quick_unquoted_before_running_anything(key_file, change, option):
    """wg-quick hands the file's PostUp line to bash as root: a path or name that needs quoting, or a comment that
    adds a line, is refused (security review 3, N2)."""
    path, _private = key_file
    run, host = runner({})
    with pytest.raises(LinuxError, match="^%s: " % option):
        linux_wireguard.converge(wg_params(path, **change), run, None)
    assert host.argvs() == [] and run.commands == []
