"""The site_tunnel role on Linux sites: namespaces with sshd and wireguard-go, reached over SSH.

Real data plane: the assertions are handshakes and pings that cross wireguard-go tunnels, the kernel's
routes and nftables tables, and the files on each site.
"""

import json
import os
import re
import subprocess
import sys

import pytest

from playbook_runs import COLLECTIONS, ROOT, run_playbook
from rosemu.linuxlab import LinuxLab, kernel_makes_gre

PLAYBOOK = os.path.join(ROOT, "playbooks", "site_tunnel.yml")
SECRET = "linux-test-secret-not-for-production"
SITES = {"alpha": (1, "192.168.71.1/24", True), "bravo": (2, "192.168.72.1/24", True),
         "charlie": (3, "192.168.73.1/24", False)}
BLOCK_PORT = "table inet operator {\n chain input {\n  type filter hook input priority 0; policy accept;\n  udp dport 13231 drop\n }\n}"


def sites_lab(tmp_path, user_gre=None):
    """The three sites, up, and their inventory; `user_gre`: LinuxLab's (None: user-space GRE where the kernel has
    none)."""
    lab = LinuxLab(list(SITES), str(tmp_path / "linuxlab"), user_gre=user_gre,
                   lans=dict((name, lan) for name, (_id, lan, _ep) in SITES.items())).up()
    hosts = {}
    for name, (site_id, lan, has_endpoint) in SITES.items():
        site = {"id": site_id, "platform": "linux", "lans": [lan.replace(".1/24", ".0/24")]}
        if has_endpoint:
            site["endpoint"] = str(lab.wan_address(name))
        hosts[name] = dict(lab.inventory_vars(name), sitelink_site=site)
    inventory = {"all": {"hosts": hosts, "vars": {
        "sitelink_topology": {"type": "mesh"}, "sitelink_psk_secret": SECRET,
        "sitelink_verify_retries": 10, "sitelink_verify_delay": 1}}}
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    return lab


@pytest.fixture
def linux(tmp_path):
    lab = sites_lab(tmp_path)
    yield lab
    lab.down()


@pytest.fixture
def linux_kernel_ip(tmp_path):
    """The three sites with the real `ip` alone (no user-space GRE)."""
    lab = sites_lab(tmp_path, user_gre=False)
    yield lab
    lab.down()


def wireguard_go_in(linux, name):
    """The wireguard-go processes in the site's own network namespace (the PID namespace is shared: pgrep alone
    also sees other tests' sites)."""
    own = set(subprocess.run(["ip", "netns", "pids", linux.netns(name)], capture_output=True, text=True,
                             check=False).stdout.split())
    return sorted(pid for pid in linux.ssh(name, "pgrep -x wireguard-go").stdout.split() if pid in own)


def play(tmp_path, *flags, audit=False):
    env = {}
    if audit:       # a log file and a fact cache for the secrets audit
        (tmp_path / "audit").mkdir(exist_ok=True)
        env.update(ANSIBLE_LOG_PATH=str(tmp_path / "audit" / "ansible.log"), ANSIBLE_CACHE_PLUGIN="jsonfile",
                   ANSIBLE_CACHE_PLUGIN_CONNECTION=str(tmp_path / "audit" / "facts"))
    return run_playbook(PLAYBOOK, str(tmp_path / "inventory.json"), *flags, env=env)


def ping_lan_to_lan(lab, source, target):
    src = SITES[source][1].split("/")[0]
    dst = SITES[target][1].split("/")[0]
    return lab.ssh(source, "ping -c1 -W2 -I %s %s" % (src, dst), check=False).returncode == 0


def test_mesh_of_linux_sites_converges_once_and_keeps_its_secrets(linux, tmp_path):
    first = play(tmp_path, "-vvv", "--diff", audit=True)
    assert first.rc == 0, first
    assert "6 link ends up, 0 down, 0 pending" in first.out
    for source in SITES:
        for target in SITES:
            if source != target:
                assert ping_lan_to_lan(linux, source, target), (source, target)
    # no private key and no preshared key anywhere in the -vvv --diff output
    sys.path.insert(0, COLLECTIONS)
    from ansible_collections.sitelink.tunnels.plugins.module_utils.wireguard import keys  # pylint: disable=import-outside-toplevel
    # the output, the log file and the fact cache of the -vvv --diff run
    written = first.out
    for folder, _dirs, files in os.walk(str(tmp_path / "audit")):
        for name in files:
            with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as fh:
                written += fh.read()
    assert os.path.exists(str(tmp_path / "audit" / "ansible.log"))
    for name in SITES:
        private = linux.ssh(name, "cat /etc/wireguard/wg-sitelink.key").stdout.strip()
        assert keys.is_key(private) and private not in written
        # nothing under /etc/wireguard is readable by group or others
        assert linux.ssh(name, "find /etc/wireguard -type f -perm /077").stdout == ""
        assert "PresharedKey" in linux.ssh(name, "cat /etc/wireguard/wg-sitelink.conf").stdout
    for link in ("alpha--bravo", "alpha--charlie", "bravo--charlie"):
        assert keys.derive_preshared_key(SECRET, link.split("--")) not in written
    assert SECRET not in written
    # the second run changes nothing
    second = play(tmp_path)
    assert second.rc == 0, second
    assert all(r["changed"] == 0 for r in second.recap.values()), second.recap
    # a changed setting is applied to the running interface: same wireguard-go, sessions kept
    pids = dict((name, wireguard_go_in(linux, name)) for name in SITES)
    handshakes = linux.ssh("charlie", "wg show wg-sitelink latest-handshakes").stdout
    third = play(tmp_path, "-e", json.dumps({"sitelink_link_defaults": {"keepalive": 15}}))
    assert third.rc == 0 and third.recap["charlie"]["changed"] >= 1, third
    assert dict((name, wireguard_go_in(linux, name)) for name in SITES) == pids
    assert set(linux.ssh("charlie", "wg show wg-sitelink persistent-keepalive").stdout.split()[1::2]) == {"15"}
    kept = dict(line.split() for line in handshakes.splitlines())
    now = dict(line.split() for line in linux.ssh("charlie", "wg show wg-sitelink latest-handshakes").stdout.splitlines())
    assert all(int(now[key]) >= int(kept[key]) > 0 for key in kept)          # no session was torn down


def test_what_the_role_does_not_own_survives_and_stale_entries_go(linux, tmp_path):
    linux.ssh("alpha", "ip route add 10.99.0.0/24 dev lan0 proto static; "
                       "ip route add 10.98.0.0/24 dev lan0 proto 157; "        # looks like ours: a stale route
                       "nft add table inet operator")
    run = play(tmp_path)
    assert run.rc == 0, run
    routes = linux.ssh("alpha", "ip route show").stdout
    assert "10.99.0.0/24 dev lan0 proto static" in routes
    assert "10.98.0.0/24" not in routes
    ours = linux.ssh("alpha", "ip route show proto 157").stdout
    assert "192.168.72.0/24 via 10.255.0.1 dev wg-sitelink src 10.255.0.0" in ours
    assert "table inet operator" in linux.ssh("alpha", "nft list tables").stdout
    table = linux.ssh("alpha", "nft list table inet sitelink").stdout
    assert 'udp dport 13231 counter' in table and 'comment "sitelink:fleet wireguard-in #' in table
    # a rule of ours changed by hand is put back; the operator's table is still not touched
    handle = [line for line in linux.ssh("alpha", "nft -a list chain inet sitelink input").stdout.splitlines()
              if "wireguard-in" in line][0].rsplit("# handle ", 1)[1]
    linux.ssh("alpha", "nft delete rule inet sitelink input handle %s" % handle)
    again = play(tmp_path)
    assert again.rc == 0 and again.recap["alpha"]["changed"] == 1, again.recap
    assert "wireguard-in" in linux.ssh("alpha", "nft list table inet sitelink").stdout


def test_a_blocked_port_is_reported_as_a_down_link(linux, tmp_path):
    """An operator's own nftables table drops WireGuard on bravo: the links to bravo are down, by name."""
    linux.ssh("bravo", "nft -f - <<'EOF'\n%s\nEOF" % BLOCK_PORT)
    run = play(tmp_path, "-e", "sitelink_verify_retries=6", "-e", "sitelink_verify_delay=1")   # room for a first-handshake retry (5 s)
    assert run.rc != 0
    assert "2 link ends up, 4 down, 0 pending" in run.out
    assert "bravo: link(s) not up: alpha--bravo, bravo--charlie" in run.out
    assert re.search(r"no handshake between bravo and alpha in \d+s of pings and retries \(its WireGuard port "
                     r"blocked, or its endpoint unreachable\?\)", run.out), run
    assert "table inet operator" in linux.ssh("bravo", "nft list tables").stdout      # never touched
    assert not ping_lan_to_lan(linux, "alpha", "bravo") and ping_lan_to_lan(linux, "alpha", "charlie")
    linux.ssh("bravo", "nft delete table inet operator")
    fixed = play(tmp_path)
    assert fixed.rc == 0 and "6 link ends up, 0 down" in fixed.out, fixed


def test_check_mode_on_new_sites_changes_nothing(linux, tmp_path):
    run = play(tmp_path, "--check", "--diff")
    assert run.rc == 0, run
    for name in SITES:
        state = linux.ssh(name, "ip link show wg-sitelink; ls /etc/wireguard; nft list tables; "
                                "ip route show proto 157", check=False)
        assert "wg-sitelink" not in state.stdout and state.stdout.strip() == "", state.stdout


def test_render_and_a_gre_overlay(linux, tmp_path):
    """Render-only writes a readable shell script; the real run makes the GRE overlay (the lab's user-space GRE where
    the kernel has none), converges once, and the LANs reach each other across it."""
    gre = json.dumps({"sitelink_link_defaults": {"overlay": "gre"}})
    rendered = play(tmp_path, "-e", gre, "-e", "sitelink_render_dir=%s" % (tmp_path / "out"))
    assert rendered.rc == 0, rendered.out[-3000:]
    script = (tmp_path / "out" / "alpha.sh").read_text()
    assert "ip link add gre-bravo type gre local 10.255.0.0 remote 10.255.0.1 ttl 64" in script
    assert "PublicKey = <public key of bravo>" in script and "PresharedKey = <preshared key of alpha--bravo>" in script
    assert "ip route replace 192.168.72.0/24 via 10.254.0.1 src 10.254.0.0 proto 157 table main" in script
    assert 'iifname "wg-sitelink" ip saddr 10.255.0.0/24 meta l4proto gre counter accept' in script
    assert SECRET not in script and not (tmp_path / "out" / "alpha.rsc").exists()
    assert subprocess.run(["sh", "-n", str(tmp_path / "out" / "alpha.sh")], check=False).returncode == 0
    assert linux.ssh("alpha", "ip link show wg-sitelink", check=False).returncode != 0     # nothing was run
    real = play(tmp_path, "-e", gre)
    assert real.rc == 0, real.out[-3000:]
    assert "6 link ends up, 0 down, 0 pending" in real.out
    shown = dict((link["ifname"], link) for link in json.loads(linux.ssh("alpha", "ip -j -d link show").stdout))
    assert shown["gre-bravo"]["linkinfo"]["info_kind"] == "gre"
    assert shown["gre-bravo"]["linkinfo"]["info_data"]["remote"] == "10.255.0.1"
    assert "192.168.72.0/24 via 10.254.0.1 dev gre-bravo" in linux.ssh("alpha", "ip route show proto 157").stdout
    for source in SITES:
        for target in SITES:
            if source != target:
                assert ping_lan_to_lan(linux, source, target), (source, target)
    again = play(tmp_path, "-e", gre)
    assert again.rc == 0 and all(r["changed"] == 0 for r in again.recap.values()), again.recap


def test_a_gre_overlay_on_a_kernel_without_gre(linux_kernel_ip, tmp_path):
    """With the real `ip` alone, on a kernel without GRE: the run fails naming the interface and the module."""
    if kernel_makes_gre():
        pytest.skip("this kernel has GRE")
    real = play(tmp_path, "-e", json.dumps({"sitelink_link_defaults": {"overlay": "gre"}}))
    assert real.rc != 0
    assert "gre-bravo: ip link add gre-bravo type gre" in real.out and "modprobe ip_gre" in real.out


def test_limit_reads_the_keys_of_linux_peers_outside_the_play(linux, tmp_path):
    """--limit charlie: charlie gets both peers (their keys read on alpha and bravo, read-only); the others
    are not touched until they are in a play."""
    first = play(tmp_path, "--limit", "alpha,bravo", "-e", "sitelink_verify=false")
    assert first.rc == 0, first
    assert "charlie: no key in" in first.out                    # charlie has no key yet: its links wait
    before = dict((name, linux.ssh(name, "wg show wg-sitelink dump | cut -f1-4").stdout) for name in ("alpha", "bravo"))
    limited = play(tmp_path, "--limit", "charlie", "-e", "sitelink_verify=false")
    assert limited.rc == 0, limited
    assert len(linux.ssh("charlie", "wg show wg-sitelink peers").stdout.split()) == 2
    for name in ("alpha", "bravo"):
        assert linux.ssh(name, "wg show wg-sitelink dump | cut -f1-4").stdout == before[name]
    full = play(tmp_path)
    assert full.rc == 0 and "6 link ends up, 0 down, 0 pending" in full.out, full


def test_a_linux_hub_forwards_between_its_spokes(linux, tmp_path):
    """Hub and spoke with alpha as hub: bravo's LAN reaches charlie's LAN through alpha (forwarding, the
    hub's nftables forward chain, and each spoke's allowed addresses covering the other spoke's LAN)."""
    hub = json.dumps({"sitelink_topology": {"type": "hub_spoke", "hubs": ["alpha"]}})
    run = play(tmp_path, "-e", hub)
    assert run.rc == 0, run
    assert "4 link ends up, 0 down, 0 pending" in run.out
    assert linux.ssh("alpha", "sysctl -n net.ipv4.ip_forward").stdout.strip() == "1"
    assert "net.ipv4.ip_forward = 1" in linux.ssh("alpha", "cat /etc/sysctl.d/90-sitelink.conf").stdout
    deadline = 10
    while not ping_lan_to_lan(linux, "bravo", "charlie") and deadline:
        deadline -= 1                             # charlie calls in: its first handshake may still be on the way
    assert ping_lan_to_lan(linux, "bravo", "charlie") and ping_lan_to_lan(linux, "charlie", "bravo")
    chain = linux.ssh("alpha", "nft list chain inet sitelink forward").stdout
    forwarded = re.search(r'counter packets (\d+) .*forward-from-tunnels', chain)
    assert forwarded and int(forwarded.group(1)) > 0, chain      # the hub's own forward rule counted them


def test_ipv6_transit_and_lans(tmp_path):
    """IPv6 everywhere: underlay (bravo dials [fd99::65]:13231), /127 transit addresses, IPv6 routes (whose
    kernel metric the role leaves be), LAN-to-LAN pings across, and a second run that changes nothing."""
    lans = {"alpha": "fd71::1/64", "bravo": "fd72::1/64"}
    lab = LinuxLab(list(lans), str(tmp_path / "linuxlab"), lans=lans,
                   underlay="fd99::/64").up()
    try:
        hosts = {}
        for index, name in enumerate(lans):
            site = {"id": index + 1, "platform": "linux", "lans": [lans[name].replace("::1/64", "::/64")]}
            if name == "alpha":
                site["endpoint"] = str(lab.wan_address(name))
            hosts[name] = dict(lab.inventory_vars(name), sitelink_site=site)
        (tmp_path / "inventory.json").write_text(json.dumps({"all": {"hosts": hosts, "vars": {
            "sitelink_topology": {"type": "p2p"}, "sitelink_psk_secret": SECRET,
            "sitelink_pools": {"wireguard": "fd00:255::/64", "overlay": "fd00:254::/64",
                               "overlay_prefix_length": 127},
            "sitelink_verify_retries": 10, "sitelink_verify_delay": 1}}}))
        first = play(tmp_path)
        assert first.rc == 0 and "2 link ends up, 0 down" in first.out, first
        assert "fd72::/64 via fd00:255::1 dev wg-sitelink src fd00:255:: " in lab.ssh("alpha", "ip -6 route show proto 157").stdout
        assert "[fd99::65]:13231" in lab.ssh("bravo", "wg show wg-sitelink endpoints").stdout
        ping = lab.ssh("bravo", "ping -c1 -W2 -I fd72::1 fd71::1", check=False)
        assert ping.returncode == 0, ping.stdout
        again = play(tmp_path)
        assert again.rc == 0 and all(r["changed"] == 0 for r in again.recap.values()), again.recap
    finally:
        lab.down()


def transit_addresses(linux, name):
    """The site's IPv4 addresses on its WireGuard interface (wireguard-go's TUN device also has a link-local one)."""
    return sorted(a for a in linux.ssh(name, "ip -br -4 addr show dev wg-sitelink").stdout.split()[2:])


def test_a_linux_hub_on_the_old_scheme_is_not_renumbered_unless_asked(linux, tmp_path):
    """A hub and spokes deployed on scheme: pairs, run on the default (linear): every site's WireGuard step stops
    before changing its interface, naming its links (issue 19 item 1); sitelink_renumber: true moves them, links up."""
    hub = {"sitelink_topology": {"type": "hub_spoke", "hubs": ["alpha"]}, "sitelink_verify": False}
    first = play(tmp_path, "-e", json.dumps(dict(hub, sitelink_pools={"scheme": "pairs"})))
    assert first.rc == 0, first
    before = transit_addresses(linux, "alpha")
    assert before == ["10.255.0.0/31", "10.255.0.2/31"], before
    for flags in (("--check",), ()):
        refused = play(tmp_path, "-e", json.dumps(hub), *flags)
        assert refused.rc != 0, refused
        out = " ".join(refused.out.split())
        assert "alpha: linux_wireguard: wg-sitelink: this run would renumber 2 existing link(s): alpha--bravo " \
               "(address on wg-sitelink 10.255.0.0/31 -> 10.255.0.2/31); alpha--charlie (address on wg-sitelink " \
               "10.255.0.2/31 -> 10.255.0.4/31)" in out, out[-3000:]
        assert "bravo: linux_wireguard: wg-sitelink: this run would renumber 1 existing link(s)" in out
        assert transit_addresses(linux, "alpha") == before
    renumbered = play(tmp_path, "-e", json.dumps(dict(hub, sitelink_verify=True, sitelink_renumber=True)))
    assert renumbered.rc == 0 and "4 link ends up, 0 down, 0 pending" in renumbered.out, renumbered
    assert transit_addresses(linux, "alpha") == ["10.255.0.2/31", "10.255.0.4/31"]
