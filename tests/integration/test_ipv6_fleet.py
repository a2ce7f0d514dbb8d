"""An IPv6-only RouterOS fleet: underlay, transit and LANs all IPv6, plain and with GRE and EoIP overlays.

Every rule used to go to /ip/firewall/filter: nothing opened /ipv6/firewall/filter, whose default configuration
drops what does not come from the LAN, so no handshake crossed. Rules now go to the table of their family.
GRE and EoIP over the IPv6 transit used to be rendered into /interface/gre and /interface/eoip, which take IPv4 only;
they are /interface/gre6 and /interface/eoipv6 (EtherIP, IP protocol 97), with the IPv6 overheads in their MTUs.
"""

import pytest
import yaml

from rosemu.cli import generate_certificate
from rosemu.lab import Lab, RouterSpec
from lab_fleet import play, rerun_changes_nothing, reset, writes

SITES = {"hub": ("2001:db8:ff::1", "fd00:10::1"), "branch-a": ("2001:db8:ff::11", "fd00:11::1"),
         "branch-b": ("2001:db8:ff::12", "fd00:12::1")}


def inventory(path, lab, ca_path, overlays=None):
    hosts = {}
    for index, (name, (wan, lan)) in enumerate(sorted(SITES.items(), key=lambda kv: kv[0] != "hub")):
        site = {"id": index + 1, "lans": [lan.rsplit(":", 2)[0] + "::/64"]}
        if name == "hub":
            site["endpoint"] = wan
        hosts[name] = {"ansible_host": "127.0.0.1", "sitelink_site": site,
                       "sitelink_routeros": {"port": lab.port(name, "api-ssl"), "ca_path": ca_path}}
    topology = {"type": "hub_spoke", "hubs": ["hub"]}
    if overlays:
        topology["links"] = [{"sites": ["hub", name], "overlay": kind} for name, kind in sorted(overlays.items())]
    fleet = {"sitelink_topology": topology,
             "sitelink_link_defaults": {"overlay": "none", "preshared_key": True, "keepalive": 25},
             # the pairs scheme (a fleet set up before linear keeps its addresses so): the addresses and tunnel ids
             # below are the ones it always gave
             "sitelink_pools": {"wireguard": "fd00:255::/64", "overlay": "fd00:254::/64", "overlay_prefix_length": 127,
                                "scheme": "pairs"},
             "sitelink_psk_secret": "lab-secret-not-for-production"}
    path.write_text(yaml.safe_dump({"all": {"vars": fleet, "hosts": hosts}}))
    return str(path)


def start(tmp_path, version="7.18"):
    specs = [RouterSpec(name, version=version,
                        setup=[["/ipv6/address/add", "=address=%s/64" % wan, "=interface=ether1", "=advertise=no"],
                               ["/ipv6/address/add", "=address=%s/64" % lan, "=interface=bridge", "=advertise=no"]])
             for name, (wan, lan) in SITES.items()]
    cert, key = generate_certificate(str(tmp_path / "tls"))
    # the fabric's timers ten times faster: handshake retries every 0.5 s, GRE/EoIP keepalives every 1 s
    return Lab(specs, tls_cert=cert, tls_key=key, time_scale=10).start(), cert


def test_an_ipv6_fleet_opens_the_ipv6_firewall_converges_verifies_and_reruns_with_no_write(tmp_path):
    lab, cert = start(tmp_path)
    try:
        path = inventory(tmp_path / "ipv6.yml", lab, cert)
        first = play(path, path)
        assert first.returncode == 0, first.out[-5000:]
        assert "4 link ends up, 0 down, 0 pending" in first.out
        hub = lab.router("hub")
        rules = lab.call(lambda: [(r.values.get("comment"), r.values.get("protocol"))
                                  for r in hub.tables["/ipv6/firewall/filter"]])
        assert ("sitelink:fleet wireguard-in", "udp") in rules
        assert ("sitelink:fleet ping-in-tunnels-ipv6", "icmpv6") in rules
        ours_v4 = lab.call(lambda: [r.values.get("comment") for r in hub.tables["/ip/firewall/filter"]
                                    if r.values.get("comment", "").startswith("sitelink:")])
        assert ours_v4 == []
        clamp = lab.call(lambda: [(r.values.get("comment"), r.values.get("action"), r.values.get("new-mss"))
                                  for r in hub.tables["/ipv6/firewall/mangle"]])
        assert clamp == [("sitelink:fleet mss-clamp-wg-sitelink-ipv6", "change-mss", "clamp-to-pmtu")]
        rerun_changes_nothing(lab, path, path)
    finally:
        lab.stop()


def tunnels(lab, name, menu):
    router = lab.router(name)
    return lab.call(lambda: sorted((t.values["name"], t.values["local-address"], t.values["remote-address"],
                                    t.values.get("mtu"), t.values.get("tunnel-id"), t.values["running"])
                                   for t in router.tables[menu]))


@pytest.mark.parametrize("version", ["7.12", "7.20"])
def test_an_ipv6_fleet_with_gre6_and_eoipv6_overlays_converges_verifies_and_reruns_with_no_write(tmp_path, version):
    lab, cert = start(tmp_path, version)
    try:
        path = inventory(tmp_path / "ipv6.yml", lab, cert, overlays={"branch-a": "gre", "branch-b": "eoip"})
        first = play(path, path)
        assert first.returncode == 0, first.out[-5000:]
        assert "4 link ends up, 0 down, 0 pending" in first.out
        # MTU: WireGuard 1420 less 44 (IPv6 40 + GRE 4) and less 56 (IPv6 40 + EtherIP 2 + Ethernet 14)
        assert tunnels(lab, "hub", "/interface/gre6") == [
            ("gre-branch-a", "fd00:255::", "fd00:255::1", "1376", None, "true")]
        assert tunnels(lab, "hub", "/interface/eoipv6") == [
            ("eoip-branch-b", "fd00:255::2", "fd00:255::3", "1364", "101", "true")]
        assert tunnels(lab, "branch-b", "/interface/eoipv6")[0][4] == "101"
        for name in SITES:
            assert tunnels(lab, name, "/interface/gre") == [] and tunnels(lab, name, "/interface/eoip") == []
        hub = lab.router("hub")
        admitted = lab.call(lambda: sorted((r.values.get("comment"), r.values.get("protocol"), r.values.get("src-address"))
                                           for r in hub.tables["/ipv6/firewall/filter"]
                                           if r.values.get("protocol") in ("gre", "etherip")))
        # each overlay protocol once, from the WireGuard pool (the peers' transit addresses)
        assert admitted == [("sitelink:fleet etherip-in-ipv6", "etherip", "fd00:255::/64"),
                            ("sitelink:fleet gre-in-ipv6", "gre", "fd00:255::/64")]
        reset(lab)
        second = play(path, path)
        assert second.returncode == 0 and second.out.count("changed=0") == 3, second.out[-3000:]
        assert "4 link ends up, 0 down, 0 pending" in second.out
        assert writes(lab) == {"hub": 0, "branch-a": 0, "branch-b": 0}
    finally:
        lab.stop()
