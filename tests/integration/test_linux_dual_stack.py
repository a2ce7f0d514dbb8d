"""Dual-stack Linux sites (issue 19 item 4): namespaces with wireguard-go, each site with an IPv4 and an IPv6 LAN, a
hub and two spokes on plain WireGuard links (GRE needs the kernel's ip_gre, which the test machines may lack; the
planner's unit tests cover the overlay's second-family addresses), the second-family pool set.  Real data plane:
LAN-to-LAN pings cross in both families, from a spoke through the hub to the other spoke; a second run changes
nothing."""

import json
import os

import pytest

from playbook_runs import ROOT, run_playbook
from rosemu.linuxlab import LinuxLab

PLAYBOOK = os.path.join(ROOT, "playbooks", "site_tunnel.yml")
# name: (id, IPv4 LAN gateway, IPv6 LAN gateway)
SITES = {"alpha": (1, "192.168.81.1", "2001:db8:81::1"), "bravo": (2, "192.168.82.1", "2001:db8:82::1"),
         "charlie": (3, "192.168.83.1", "2001:db8:83::1")}
POOLS = {"wireguard": "10.255.0.0/24", "wireguard_second": "fd00:255::/64", "overlay": "10.254.0.0/24",
         "overlay_second": "fd00:254::/64"}


@pytest.fixture
def linux(tmp_path):
    lab = LinuxLab(list(SITES), str(tmp_path / "linuxlab"),
                   lans=dict((name, lan4 + "/24") for name, (_id, lan4, _lan6) in SITES.items())).up()
    try:
        hosts = {}
        for name, (site_id, lan4, lan6) in SITES.items():
            # the lab gives lan0 one address: the IPv6 one is added here (nodad: usable at once, the bridge has
            # no ports)
            lab.ssh(name, "ip addr add %s/64 dev lan0 nodad" % lan6)
            site = {"id": site_id, "platform": "linux",
                    "lans": [lan4.rsplit(".", 1)[0] + ".0/24", lan6.rsplit(":", 1)[0] + ":/64"]}
            if name == "alpha":
                site["endpoint"] = str(lab.wan_address(name))
            hosts[name] = dict(lab.inventory_vars(name), sitelink_site=site)
        inventory = {"all": {"hosts": hosts, "vars": {
            "sitelink_topology": {"type": "hub_spoke", "hubs": ["alpha"]},
            "sitelink_pools": POOLS, "sitelink_psk_secret": "linux-dual-stack-secret-not-for-production",
            "sitelink_verify_retries": 10, "sitelink_verify_delay": 1}}}
        (tmp_path / "inventory.json").write_text(json.dumps(inventory))
        yield lab
    finally:
        lab.down()


def ping(lab, source, target, family):
    index = 1 if family == "ipv4" else 2
    src, dst = SITES[source][index], SITES[target][index]
    return lab.ssh(source, "ping -c1 -W2 -I %s %s" % (src, dst), check=False).returncode == 0


def test_dual_stack_linux_sites_ping_lan_to_lan_in_both_families_and_rerun_unchanged(linux, tmp_path):
    first = run_playbook(PLAYBOOK, str(tmp_path / "inventory.json"))
    assert first.rc == 0, first
    assert "4 link ends up, 0 down, 0 pending" in first.out
    # the IPv6 LANs to the IPv6 next hops, from our own IPv6 transit address (linear slots: alpha--bravo 1,
    # alpha--charlie 2)
    routes = linux.ssh("alpha", "ip -6 route show proto 157").stdout
    assert "2001:db8:82::/64 via fd00:255::3 dev wg-sitelink src fd00:255::2 " in routes, routes
    assert "2001:db8:83::/64 via fd00:255::5 dev wg-sitelink src fd00:255::4 " in routes, routes
    assert "fd00:255::2/128" in linux.ssh("bravo", "wg show wg-sitelink allowed-ips").stdout
    for family in ("ipv4", "ipv6"):
        for source, target in (("bravo", "charlie"), ("charlie", "bravo"), ("alpha", "bravo"), ("charlie", "alpha")):
            assert ping(linux, source, target, family), (source, target, family)
    second = run_playbook(PLAYBOOK, str(tmp_path / "inventory.json"))
    assert second.rc == 0, second
    assert all(r["changed"] == 0 for r in second.recap.values()), second.recap
