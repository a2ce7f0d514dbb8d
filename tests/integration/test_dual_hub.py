"""Two hubs: each spoke keeps a backup route through the second hub, each hub a backup to every spoke through the
other hub (at a higher distance, over the GRE overlays); when a spoke's link to its first hub goes down, LAN traffic
between spokes crosses the second hub. The emulator makes only the smallest-distance usable route active."""

from lab_fleet import DUAL_HUB_SITES as SITES, dual_hub_lan as lan, play, reset, start_dual_hub as start, writes


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
