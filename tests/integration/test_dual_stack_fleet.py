"""A dual-stack RouterOS fleet on the emulator (issue 19 item 4, routeros-review-3 N7): every site has an IPv4 and an
IPv6 LAN; the second-family pools give each link transit addresses of both families, so each LAN is routed in
/ip/route or /ipv6/route to the peer's next hop of its own family, on a plain WireGuard link and over GRE (or EoIP).
The fabric then carries a LAN-to-LAN ping in both families, and a second run writes nothing.

Validation used to refuse such a site: "fd01::/64 is IPv6 but the RouterOS site ... would route it to an IPv4 next
hop"."""

import pytest
import yaml

from rosemu.cli import generate_certificate
from rosemu.lab import Lab, RouterSpec
from lab_fleet import play, rerun_changes_nothing

# name: (id, WAN address, IPv4 LAN gateway, IPv6 LAN gateway)
SITES = {"hub": (1, "198.51.100.1", "192.168.10.1", "2001:db8:10::1"),
         "branch-a": (2, "198.51.100.11", "192.168.11.1", "2001:db8:11::1"),
         "branch-b": (3, "198.51.100.12", "192.168.12.1", "2001:db8:12::1")}
POOLS = {"wireguard": "10.255.0.0/24", "wireguard_second": "fd00:255::/64", "overlay": "10.254.0.0/24",
         "overlay_second": "fd00:254::/64"}


# an IPv6 underlay: the primary pools IPv6 (the overlays are gre6 and eoipv6), the second ones IPv4
POOLS_OVER_IPV6 = {"wireguard": "fd00:255::/64", "wireguard_second": "10.255.0.0/24", "overlay": "fd00:254::/64",
                   "overlay_second": "10.254.0.0/24", "overlay_prefix_length": 127}
WAN_IPV6 = {"hub": "2001:db8:ff::1", "branch-a": "2001:db8:ff::11", "branch-b": "2001:db8:ff::12"}


def start(tmp_path, overlay, version="7.18", ipv6_underlay=False):
    def wan_setup(name, wan):
        if ipv6_underlay:
            return ["/ipv6/address/add", "=address=%s/64" % WAN_IPV6[name], "=interface=ether1", "=advertise=no"]
        return ["/ip/address/add", "=address=%s/24" % wan, "=interface=ether1"]
    specs = [RouterSpec(name, version=version,
                        setup=[wan_setup(name, wan),
                               ["/ip/address/set", "=numbers=*1", "=address=%s/24" % lan4],
                               ["/ipv6/address/add", "=address=%s/64" % lan6, "=interface=bridge", "=advertise=no"]])
             for name, (_id, wan, lan4, lan6) in SITES.items()]
    cert, key = generate_certificate(str(tmp_path / "tls"))
    # the fabric's timers ten times faster: handshake retries every 0.5 s, GRE/EoIP keepalives every 1 s
    lab = Lab(specs, tls_cert=cert, tls_key=key, time_scale=10).start()
    hosts = {}
    for name, (site_id, wan, lan4, lan6) in SITES.items():
        site = {"id": site_id, "lans": [lan4.rsplit(".", 1)[0] + ".0/24", lan6.rsplit(":", 1)[0] + ":/64"]}
        if name == "hub":
            site["endpoint"] = WAN_IPV6[name] if ipv6_underlay else wan
        hosts[name] = {"ansible_host": "127.0.0.1", "sitelink_site": site,
                       "sitelink_routeros": {"port": lab.port(name, "api-ssl"), "ca_path": cert}}
    fleet = {"sitelink_topology": {"type": "hub_spoke", "hubs": ["hub"],
                                   "links": [{"sites": ["hub", "branch-b"], "overlay": overlay}]},
             "sitelink_link_defaults": {"overlay": "none", "preshared_key": True, "keepalive": 25},
             "sitelink_pools": POOLS_OVER_IPV6 if ipv6_underlay else POOLS,
             "sitelink_psk_secret": "lab-secret-not-for-production"}
    path = tmp_path / "dual-stack.yml"
    path.write_text(yaml.safe_dump({"all": {"vars": fleet, "hosts": hosts}}))
    return lab, str(path)


def crossing(lab, name, dst, src):
    """Hops of a ping from `src` (an address of `name`'s LAN) to `dst`, or why the fabric drops it."""
    router = lab.router(name)
    try:
        return lab.call(lambda: router.fabric.trace(router, dst, src=src))
    except Exception as exc:        # rosemu's Blocked: which router drops it and why
        return str(exc)


def routes(lab, name, menu):
    router = lab.router(name)
    return lab.call(lambda: sorted((r.values["dst-address"], r.values["gateway"]) for r in router.tables[menu]
                                   if r.values.get("comment", "").startswith("sitelink:")))


@pytest.mark.parametrize("overlay", ["gre", "eoip"])
def test_a_dual_stack_fleet_pings_lan_to_lan_in_both_families_and_reruns_with_no_write(tmp_path, overlay):
    lab, path = start(tmp_path, overlay)
    try:
        first = play(path, path)
        assert first.returncode == 0, first.out[-5000:]
        assert "4 link ends up, 0 down, 0 pending" in first.out
        # each family in its own menu, to the next hop of its family: plain toward branch-a, the overlay to branch-b
        # (linear slots: hub--branch-a takes slot 1, hub--branch-b slot 2)
        assert routes(lab, "hub", "/ipv6/route") == [("2001:db8:11::/64", "fd00:255::3"),
                                                     ("2001:db8:12::/64", "fd00:254::5")]
        assert routes(lab, "hub", "/ip/route") == [("192.168.11.0/24", "10.255.0.3"),
                                                   ("192.168.12.0/24", "10.254.0.5")]
        # branch-a (plain link) to branch-b (overlay link) through the hub, and back: both families cross
        assert isinstance(crossing(lab, "branch-a", "192.168.12.1", "192.168.11.1"), int)
        hops = crossing(lab, "branch-a", "2001:db8:12::1", "2001:db8:11::1")
        assert isinstance(hops, int) and hops > 0, hops
        hops = crossing(lab, "branch-b", "2001:db8:10::1", "2001:db8:12::1")
        assert isinstance(hops, int) and hops > 0, hops
        # the IPv6 next hops answer too (WireGuard admits the peer's IPv6 transit address, the overlay carries IPv6)
        for name, hop in (("hub", "fd00:255::3"), ("hub", "fd00:254::5"), ("branch-a", "fd00:255::2")):
            hops = crossing(lab, name, hop, None)
            assert isinstance(hops, int) and hops > 0, (name, hop, hops)
        rerun_changes_nothing(lab, path, path)
    finally:
        lab.stop()


@pytest.mark.parametrize("overlay, menu", [("gre", "/interface/gre6"), ("eoip", "/interface/eoipv6")])
def test_a_dual_stack_fleet_over_an_ipv6_underlay_routes_ipv4_through_the_second_pools(tmp_path, overlay, menu):
    lab, path = start(tmp_path, overlay, ipv6_underlay=True)
    try:
        first = play(path, path)
        assert first.returncode == 0, first.out[-5000:]
        assert "4 link ends up, 0 down, 0 pending" in first.out
        # the overlay rides the IPv6 transit; the IPv4 LANs take the IPv4 addresses on it and on WireGuard
        hub = lab.router("hub")
        assert lab.call(lambda: [t.values["name"] for t in hub.tables[menu]]) == ["%s-branch-b" % overlay]
        assert routes(lab, "hub", "/ip/route") == [("192.168.11.0/24", "10.255.0.3"),
                                                   ("192.168.12.0/24", "10.254.0.5")]
        assert routes(lab, "hub", "/ipv6/route") == [("2001:db8:11::/64", "fd00:255::3"),
                                                     ("2001:db8:12::/64", "fd00:254::5")]
        for dst, src in (("192.168.12.1", "192.168.11.1"), ("2001:db8:12::1", "2001:db8:11::1")):
            hops = crossing(lab, "branch-a", dst, src)
            assert isinstance(hops, int) and hops > 0, (dst, hops)
        rerun_changes_nothing(lab, path, path)
    finally:
        lab.stop()
