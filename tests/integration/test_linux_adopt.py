"""Linux sites: what the role did not make is refused and left intact, and taken over only with
sitelink_linux_adopt (namespaces with sshd and wireguard-go, reached over SSH, as in test_linux_sites.py)."""

import json
import os

import pytest

from playbook_runs import ROOT, run_playbook
from rosemu.linuxlab import LinuxLab

PLAYBOOK = os.path.join(ROOT, "playbooks", "site_tunnel.yml")
SECRET = "linux-adopt-test-secret-not-for-production"
SITES = {"alpha": (1, "192.168.81.1/24", True), "bravo": (2, "192.168.82.1/24", False)}
ADOPT = json.dumps({"sitelink_linux_adopt": True})
NO_VERIFY = json.dumps({"sitelink_verify": False})
FOREIGN_CONF = "# the administrator's own tunnel\n[Interface]\nAddress = 10.9.9.1/24\nListenPort = 51999\n"


@pytest.fixture
def linux(tmp_path):
    """Two Linux sites, p2p; the lab is removed (namespaces, mounts, processes) also when the test fails."""
    lab = LinuxLab(list(SITES), str(tmp_path / "linuxlab"),
                   lans=dict((name, lan) for name, (_id, lan, _ep) in SITES.items())).up()
    try:
        hosts = {}
        for name, (site_id, lan, has_endpoint) in SITES.items():
            site = {"id": site_id, "platform": "linux", "lans": [lan.replace(".1/24", ".0/24")]}
            if has_endpoint:
                site["endpoint"] = str(lab.wan_address(name))
            hosts[name] = dict(lab.inventory_vars(name), sitelink_site=site)
        (tmp_path / "inventory.json").write_text(json.dumps({"all": {"hosts": hosts, "vars": {
            "sitelink_topology": {"type": "p2p"}, "sitelink_psk_secret": SECRET,
            "sitelink_verify_retries": 10, "sitelink_verify_delay": 1}}}))
        yield lab
    finally:
        lab.down()


def play(tmp_path, *flags):
    return run_playbook(PLAYBOOK, str(tmp_path / "inventory.json"), *flags)


def wireguard_state(lab, name):
    """What taking the interface over would change: key, port, peers and their allowed addresses, addresses."""
    return lab.ssh(name, "wg show wg-sitelink private-key; wg show wg-sitelink listen-port; "
                         "wg show wg-sitelink allowed-ips; ip -brief addr show dev wg-sitelink").stdout


@pytest.mark.timeout(300)
def test_a_foreign_wireguard_interface_and_wg_quick_file_are_refused_then_adopted(linux, tmp_path):
    # alpha: a WireGuard interface named like ours, with its own key, port, peer and address
    linux.ssh("alpha", "wireguard-go wg-sitelink && umask 077 && wg genkey > /run/foreign.key && "
                       "wg set wg-sitelink private-key /run/foreign.key listen-port 51820 "
                       "peer $(wg genkey | wg pubkey) allowed-ips 10.9.9.2/32 && "
                       "ip addr add 10.9.9.1/24 dev wg-sitelink && ip link set wg-sitelink up")
    # bravo: a wg-quick file of the administrator's where the role would keep its own
    linux.ssh("bravo", "umask 077 && cat > /etc/wireguard/wg-sitelink.conf <<'EOF'\n%sEOF" % FOREIGN_CONF)
    before = wireguard_state(linux, "alpha")
    assert "10.9.9.2/32" in before and "51820" in before

    refused = play(tmp_path, "-e", NO_VERIFY)
    assert refused.rc != 0 and refused.recap["alpha"]["failed"] == 1 and refused.recap["bravo"]["failed"] == 1, refused
    assert "wg-sitelink: a WireGuard interface of that name exists and was not made by sitelink.tunnels" in refused.out
    assert "/etc/wireguard/wg-sitelink.conf exists and was not written by sitelink.tunnels" in refused.out
    assert refused.out.count("set adopt: true to take it over") >= 2, refused
    assert wireguard_state(linux, "alpha") == before                   # key, port, peer and address untouched
    assert linux.ssh("alpha", "ip -o link show dev wg-sitelink").stdout.find("alias") == -1
    assert linux.ssh("bravo", "cat /etc/wireguard/wg-sitelink.conf").stdout == FOREIGN_CONF
    assert linux.ssh("bravo", "ip link show dev wg-sitelink", check=False).returncode != 0   # nothing was made

    adopted = play(tmp_path, "-e", ADOPT)
    assert adopted.rc == 0 and "2 link ends up, 0 down, 0 pending" in adopted.out, adopted
    ours = linux.ssh("alpha", "cat /etc/wireguard/wg-sitelink.key").stdout.strip()
    assert linux.ssh("alpha", "wg show wg-sitelink private-key").stdout.strip() == ours
    assert "10.9.9" not in wireguard_state(linux, "alpha")             # the foreign peer and address are gone
    assert linux.ssh("bravo", "head -n1 /etc/wireguard/wg-sitelink.conf").stdout.startswith("# sitelink.tunnels: ")

    # from now on they are the role's own: a run without adopt changes nothing and succeeds
    again = play(tmp_path, "-e", NO_VERIFY)
    assert again.rc == 0 and all(r["changed"] == 0 for r in again.recap.values()), again


@pytest.mark.timeout(300)
def test_an_administrators_route_to_a_planned_prefix_is_refused_then_adopted(linux, tmp_path):
    linux.ssh("alpha", "ip route add 192.168.82.0/24 dev lan0 proto static")     # bravo's LAN, the admin's way
    refused = play(tmp_path, "-e", NO_VERIFY)
    assert refused.rc != 0 and refused.recap["alpha"]["failed"] == 1 and refused.recap["bravo"]["failed"] == 0, refused
    assert ("192.168.82.0/24: table main already has a route to it that is not ours "
            "(192.168.82.0/24 dev lan0 proto static) - refusing to replace it; set adopt: true to take it over"
            in refused.out), refused
    assert linux.ssh("alpha", "ip route show 192.168.82.0/24").stdout.split() == \
        ["192.168.82.0/24", "dev", "lan0", "proto", "static", "scope", "link"]
    assert linux.ssh("alpha", "ip route show proto 157").stdout == ""         # no route of ours was written

    adopted = play(tmp_path, "-e", ADOPT)
    assert adopted.rc == 0 and "2 link ends up, 0 down, 0 pending" in adopted.out, adopted
    routes = linux.ssh("alpha", "ip route show 192.168.82.0/24").stdout.splitlines()
    assert [r.split() for r in routes] == [["192.168.82.0/24", "via", "10.255.0.1", "dev", "wg-sitelink", "proto",
                                            "157", "src", "10.255.0.0"]], routes
    ping = linux.ssh("alpha", "ping -c1 -W2 -I 192.168.81.1 192.168.82.1", check=False)
    assert ping.returncode == 0, ping.stdout

    again = play(tmp_path, "-e", NO_VERIFY)
    assert again.rc == 0 and all(r["changed"] == 0 for r in again.recap.values()), again


@pytest.mark.timeout(400)
def test_a_key_file_at_the_roles_path_does_not_hand_over_an_administrators_interface(linux, tmp_path):
    """Security review 3, N3: bravo's administrator keeps wg-sitelink's key at the role's key path; the run is
    refused before anything changes (wg_keypair: the file has no marker). alpha, the role's own site, keeps working
    when its key file has no marker yet (an earlier run: recognised by the interface's alias) and when its interface
    has no alias (wg-quick brought it back at boot: recognised by the marker naming the key it runs)."""
    linux.ssh("bravo", "wireguard-go wg-sitelink && umask 077 && wg genkey > /etc/wireguard/wg-sitelink.key && "
                       "wg set wg-sitelink private-key /etc/wireguard/wg-sitelink.key listen-port 51000 "
                       "peer $(wg genkey | wg pubkey) allowed-ips 10.9.8.2/32 && "
                       "ip addr add 10.9.8.1/24 dev wg-sitelink && ip link set wg-sitelink up")
    before = wireguard_state(linux, "bravo")
    refused = play(tmp_path, "-e", NO_VERIFY)
    assert refused.rc != 0 and refused.recap["bravo"]["failed"] == 1 and refused.recap["alpha"]["failed"] == 0, refused
    assert "/etc/wireguard/wg-sitelink.key: this key file was not written by sitelink.tunnels" in refused.out, refused
    assert wireguard_state(linux, "bravo") == before                   # key, port 51000, peer and address intact
    assert linux.ssh("bravo", "ls /etc/wireguard/wg-sitelink.key.sitelink", check=False).returncode != 0

    key = linux.ssh("alpha", "wg pubkey < /etc/wireguard/wg-sitelink.key").stdout.strip()
    marker = "sitelink.tunnels wg_keypair: %s\n" % key
    assert linux.ssh("alpha", "cat /etc/wireguard/wg-sitelink.key.sitelink").stdout == marker
    linux.ssh("alpha", "rm /etc/wireguard/wg-sitelink.key.sitelink")   # a key file an earlier version wrote
    earlier = play(tmp_path, "--limit", "alpha", "-e", NO_VERIFY)
    assert earlier.rc == 0 and linux.ssh("alpha", "cat /etc/wireguard/wg-sitelink.key.sitelink").stdout == marker
    linux.ssh("alpha", "ip link set dev wg-sitelink alias ''")          # as wg-quick makes it at boot
    booted = play(tmp_path, "--limit", "alpha", "-e", NO_VERIFY)
    assert booted.rc == 0, booted
    assert "alias sitelink.tunnels" in linux.ssh("alpha", "ip -o link show dev wg-sitelink").stdout
