"""Two hubs: each spoke keeps a backup route through the second hub, each hub a backup to every spoke through the
other hub (at a higher distance, over the GRE overlays); when a spoke's link to its first hub goes down, LAN traffic
between spokes crosses the second hub. The emulator makes only the smallest-distance usable route active."""

import yaml

from rosemu.cli import generate_certificate
from rosemu.lab import Lab, RouterSpec
from lab_fleet import play, reset, writes

SITES = {"hub-1": 1, "hub-2": 2, "spoke-a": 3, "spoke-b": 4}


def lan(name):
    return "192.168.%d.0/24" % (20 + SITES[name])


def start(tmp_path):
    specs = [RouterSpec(name, setup=[["/ip/address/add", "=address=198.51.100.%d/24" % (20 + i), "=interface=ether1"],
                                     ["/ip/address/set", "=numbers=*1", "=address=192.168.%d.1/24" % (20 + i)]])
             for name, i in SITES.items()]
    cert, key = generate_certificate(str(tmp_path / "tls"))
    # the fabric's timers ten times faster: handshake retries every 0.5 s, GRE keepalives every 1 s
    lab = Lab(specs, tls_cert=cert, tls_key=key, time_scale=10).start()
    hosts = {}
    for name, i in SITES.items():
        site = {"id": i, "lans": [lan(name)]}
        if name.startswith("hub"):
            site["endpoint"] = "198.51.100.%d" % (20 + i)
        hosts[name] = {"ansible_host": "127.0.0.1", "sitelink_site": site,
                       "sitelink_routeros": {"port": lab.port(name, "api-ssl"), "ca_path": cert}}
    fleet = {"sitelink_topology": {"type": "hub_spoke", "hubs": ["hub-1", "hub-2"]},
             "sitelink_link_defaults": {"overlay": "gre", "preshared_key": True, "keepalive": 25},
             "sitelink_pools": {"wireguard": "10.255.0.0/24", "overlay": "10.254.0.0/24"},
             "sitelink_psk_secret": "lab-secret-not-for-production"}
    path = tmp_path / "dual.yml"
    path.write_text(yaml.safe_dump({"all": {"vars": fleet, "hosts": hosts}}))
    return lab, str(path)


def routes(lab, name, dst):
    router = lab.router(name)
    return lab.call(lambda: sorted((int(r.values["distance"]), r.values["gateway"], r.values["active"])
                                   for r in router.tables["/ip/route"] if r.values["dst-address"] == dst))


def crossing(lab, name, dst, src):
    router = lab.router(name)
    try:
        return lab.call(lambda: router.fabric.trace(router, dst, src=src)) is not None
    except Exception as exc:        # the fabric says which router drops it and why
        return str(exc)


def test_a_dual_hub_fleet_keeps_backups_and_fails_over_to_the_second_hub(tmp_path):
    lab, path = start(tmp_path)
    try:
        first = play(path, path)
        assert first.returncode == 0, first.out[-5000:]
        # spoke-a: spoke-b's LAN through hub-1 (its first hub), and through hub-2 at distance 1 + 2 as a backup
        assert [(d, a) for d, _gw, a in routes(lab, "spoke-a", lan("spoke-b"))] == [(1, "true"), (3, "false")]
        # hub-1: spoke-a's LAN straight to spoke-a, and through hub-2 at distance 1 + 1
        assert [(d, a) for d, _gw, a in routes(lab, "hub-1", lan("spoke-a"))] == [(1, "true"), (2, "false")]
        reset(lab)
        second = play(path, path)
        assert second.returncode == 0 and second.out.count("changed=0") == 4, second.out[-3000:]
        assert writes(lab) == dict((n, 0) for n in SITES)
        assert crossing(lab, "spoke-a", "192.168.24.1", "192.168.23.1") is True
        # spoke-a's link to hub-1 goes down, at both ends
        for name, tunnel in (("spoke-a", "gre-hub-1"), ("hub-1", "gre-spoke-a")):
            router = lab.router(name)
            lab.call(lambda r=router, t=tunnel: r.run("/interface/gre", "set", {"numbers": t, "disabled": "yes"}))
        assert [(d, a) for d, _gw, a in routes(lab, "spoke-a", lan("spoke-b"))] == [(1, "false"), (3, "true")]
        assert [(d, a) for d, _gw, a in routes(lab, "hub-1", lan("spoke-a"))] == [(1, "false"), (2, "true")]
        # both ways: spoke-a -> hub-2 -> spoke-b, and spoke-b -> hub-1 -> hub-2 -> spoke-a
        assert crossing(lab, "spoke-a", "192.168.24.1", "192.168.23.1") is True
        assert crossing(lab, "spoke-b", "192.168.23.1", "192.168.24.1") is True
    finally:
        lab.stop()
