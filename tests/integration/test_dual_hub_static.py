"""Static routing with two hubs on the emulator (issue 21 items 4 and 5): a spoke that is down is dropped at the
second hub instead of bouncing between the hubs until its TTL runs out (routeros-review-3 N3); per-link keepalive
timers set how long a dead link keeps its routes (the fabric's clock gives the modelled failover time); a drained hub
carries no transit traffic, and a run without the drain puts everything back."""

import time

from rosemu.fabric import CHECK_GATEWAY_COUNT, CHECK_GATEWAY_INTERVAL
from lab_fleet import DUAL_HUB_SITES as SITES, dual_hub_lan as lan, dual_hub_lan_host as lan_host, play, reset, \
    start_dual_hub, writes

SCALE = 10          # the fabric's timers ten times faster than real time
FAST = {"interval": 2, "retries": 3}        # spoke-a's links
SLOW = {"interval": 10, "retries": 10}      # spoke-b's: RouterOS's default


def start(tmp_path, links=None):
    """The lab and its inventory; `links`: the topology's link settings (by default spoke-a's keepalive FAST, spoke-b's
    SLOW)."""
    if links is None:
        links = [{"sites": [hub, spoke], "overlay_keepalive": FAST if spoke == "spoke-a" else SLOW}
                 for hub in ("hub-1", "hub-2") for spoke in ("spoke-a", "spoke-b")]
    return start_dual_hub(tmp_path, links, time_scale=SCALE)


def routes(lab, name, dst):
    """[(distance, active)] of the router's static routes to `dst`, by distance (the fabric's timers played first,
    as before any answer of a router)."""
    router = lab.router(name)
    return lab.call(lambda: router.fabric.settle() or sorted(
        (int(r.values["distance"]), r.values["active"]) for r in router.tables["/ip/route"]
        if r.values["dst-address"] == dst and r.values.get("connect") != "true"))


def crossing(lab, name, dst, src):
    """True when a ping from `src` on `name` reaches `dst` and comes back; else which router drops it and why."""
    router = lab.router(name)
    try:
        return lab.call(lambda: router.fabric.trace(router, dst, src=src)) is not None
    except Exception as exc:        # the fabric's Blocked: which router drops it and why
        return str(exc)


def run(lab, name, path, verb, **words):
    router = lab.router(name)
    return lab.call(lambda: router.run(path, verb, words))


def rules(lab, name, chain):
    router = lab.router(name)
    return lab.call(lambda: [r.values.get("comment", "") for r in router.tables["/ip/firewall/filter"]
                             if r.values.get("chain") == chain])


def until_inactive(lab, name, dst, direct_distance, limit, started=None):
    """Modelled seconds from `started` (by default now) until the router's route to `dst` at `direct_distance` goes
    inactive (polled in real time)."""
    started = lab.fabric.clock.now() if started is None else started
    deadline = time.monotonic() + limit / SCALE + 5
    while time.monotonic() < deadline:
        found = dict(routes(lab, name, dst))
        if found.get(direct_distance) == "false" and "true" in found.values():
            return lab.fabric.clock.now() - started
        time.sleep(0.02)
    raise AssertionError("%s: the route to %s stayed active: %s" % (name, dst, routes(lab, name, dst)))


def test_drain_moves_transit_off_a_hub_and_a_run_without_it_puts_it_back(tmp_path):
    lab, path = start(tmp_path)
    try:
        first = play(path, path)
        assert first.returncode == 0, first.out[-5000:]
        before = dict((n, routes(lab, n, lan(o))) for n in SITES for o in SITES if o != n)
        # spoke-a reaches spoke-b's LAN through hub-1 (distance 1), through hub-2 as the backup (1 + 2)
        assert routes(lab, "spoke-a", lan("spoke-b")) == [(1, "true"), (3, "false")]
        # check mode: nothing written, the distances that would move are shown
        reset(lab)
        rehearsal = play(path, path, "-e", "sitelink_drain=hub-1", "--check", "--diff")
        assert rehearsal.returncode == 0, rehearsal.out[-5000:]
        assert writes(lab) == dict((n, 0) for n in SITES)
        moved = [line for line in rehearsal.out.splitlines() if line.startswith("+dst_address=")]
        # on each spoke: the routes through hub-1 to hub-1's LAN and to the other spoke's, 1 -> 4
        assert len(moved) == 4 and all("distance=4" in line and "%gre-hub-1" in line for line in moved), moved
        # a name that is no hub: refused before any router is touched
        unknown = play(path, path, "-e", "sitelink_drain=hub-9")
        assert unknown.returncode != 0 and "sitelink_drain[0]: 'hub-9' is no site of this fleet; only a hub can be " \
            "drained (hubs: hub-1, hub-2)" in unknown.out, unknown.out[-3000:]
        assert writes(lab) == dict((n, 0) for n in SITES)
        drained = play(path, path, "-e", "sitelink_drain=hub-1")
        assert drained.returncode == 0, drained.out[-5000:]
        # the spokes take hub-2 for each other and for hub-1's LAN; hub-1's routes are still there, last
        for spoke, other in (("spoke-a", "spoke-b"), ("spoke-b", "spoke-a")):
            assert routes(lab, spoke, lan(other)) == [(3, "true"), (4, "false")]
            assert routes(lab, spoke, lan("hub-1")) == [(3, "true"), (4, "false")]
            assert routes(lab, spoke, lan("hub-2")) == [(1, "true"), (2, "false")]
        assert crossing(lab, "spoke-a", lan_host("spoke-b"), lan_host("spoke-a")) is True
        # the hub itself may stop: transit between the spokes goes on through hub-2
        run(lab, "hub-1", "/interface/wireguard", "set", numbers="wg-sitelink", disabled="yes")
        assert crossing(lab, "spoke-a", lan_host("spoke-b"), lan_host("spoke-a")) is True
        run(lab, "hub-1", "/interface/wireguard", "set", numbers="wg-sitelink", disabled="no")
        undrained = play(path, path)
        assert undrained.returncode == 0, undrained.out[-5000:]
        assert dict((n, routes(lab, n, lan(o))) for n in SITES for o in SITES if o != n) == before
    finally:
        lab.stop()


def test_a_spoke_that_is_down_is_dropped_not_bounced_between_the_hubs(tmp_path, capsys):
    lab, path = start(tmp_path)
    try:
        first = play(path, path)
        assert first.returncode == 0, first.out[-5000:]
        # each hub: the guard first among the forward rules, before the one that admits tunnel to tunnel
        for hub, other in (("hub-1", "hub-2"), ("hub-2", "hub-1")):
            forward = [c for c in rules(lab, hub, "forward") if c.startswith("sitelink:")]
            assert forward[:2] == ["sitelink:fleet no-return-gre-%s" % other, "sitelink:fleet forward-from-tunnels"]
        gre = lab.call(lambda: dict((t.values["name"], t.values["keepalive"])
                                    for t in lab.router("spoke-a").tables["/interface/gre"]))
        assert gre == {"gre-hub-1": "2s,3", "gre-hub-2": "2s,3"}
        assert crossing(lab, "spoke-b", lan_host("spoke-a"), lan_host("spoke-b")) is True

        # spoke-a goes down: its WireGuard stops, both hubs' GRE keepalives toward it go unanswered
        run(lab, "spoke-a", "/interface/wireguard", "set", numbers="wg-sitelink", disabled="yes")
        fast = until_inactive(lab, "hub-1", lan("spoke-a"), 1, 2 * FAST["interval"] * FAST["retries"])
        until_inactive(lab, "hub-2", lan("spoke-a"), 1, 2 * FAST["interval"] * FAST["retries"])
        # each hub's only usable route to spoke-a's LAN now points at the other hub
        assert routes(lab, "hub-1", lan("spoke-a")) == [(1, "false"), (2, "true")]
        assert routes(lab, "hub-2", lan("spoke-a")) == [(1, "false"), (2, "true")]
        dropped = crossing(lab, "spoke-b", lan_host("spoke-a"), lan_host("spoke-b"))
        assert dropped == "hub-2: the forward chain drops icmp %s -> %s" % (lan_host("spoke-b"), lan_host("spoke-a"))
        # without the guard, the same packet would cross between the hubs until the fabric calls it a loop
        for hub, other in (("hub-1", "hub-2"), ("hub-2", "hub-1")):
            run(lab, hub, "/ip/firewall/filter", "remove", numbers=_rule_id(lab, hub, "no-return-gre-" + other))
        looped = crossing(lab, "spoke-b", lan_host("spoke-a"), lan_host("spoke-b"))
        assert "routing loop" in looped, looped

        # the default timers, on spoke-b's links: ten missed keepalives, ten seconds apart
        run(lab, "spoke-b", "/interface/wireguard", "set", numbers="wg-sitelink", disabled="yes")
        slow = until_inactive(lab, "hub-1", lan("spoke-b"), 1, 2 * SLOW["interval"] * SLOW["retries"])
        assert (FAST["retries"] - 1) * FAST["interval"] <= fast <= FAST["retries"] * FAST["interval"] + 1, fast
        assert (SLOW["retries"] - 1) * SLOW["interval"] <= slow <= SLOW["retries"] * SLOW["interval"] + 1, slow
        with capsys.disabled():
            print("\nmodelled failover (spoke down until the hub's backup route is active): keepalive 2s,3: %.1f s; "
                  "10s,10: %.1f s" % (fast, slow))
    finally:
        lab.stop()


def test_a_plain_wireguard_link_fails_over_by_checking_its_gateway(tmp_path, capsys):
    # spoke-a reaches hub-1 over plain WireGuard (a WireGuard interface keeps running whatever its peer does) and hub-2
    # over GRE: the routes through the plain link check their gateway by ping, and give way to the GRE backups
    lab, path = start(tmp_path, links=[{"sites": ["hub-1", "spoke-a"], "overlay": "none"}])
    try:
        first = play(path, path)
        assert first.returncode == 0, first.out[-5000:]
        checked = lab.call(lambda: sorted((r.values["dst-address"], r.values["distance"])
                                          for r in lab.router("spoke-a").tables["/ip/route"]
                                          if r.values.get("check-gateway") == "ping"))
        assert checked == [(lan("hub-1"), "1"), (lan("spoke-b"), "1")]
        assert crossing(lab, "spoke-b", lan_host("spoke-a"), lan_host("spoke-b")) is True
        # the link dies at spoke-a's end: its peer for hub-1 goes
        peer = lab.call(lambda: next("*%X" % p.id for p in lab.router("spoke-a").tables["/interface/wireguard/peers"]
                                     if p.values.get("comment", "").endswith("hub-1--spoke-a")))
        died = lab.fabric.clock.now()
        run(lab, "spoke-a", "/interface/wireguard/peers", "set", numbers=peer, disabled="yes")
        limit = 2 * CHECK_GATEWAY_INTERVAL * CHECK_GATEWAY_COUNT
        spoke = until_inactive(lab, "spoke-a", lan("spoke-b"), 1, limit, died)
        hub = until_inactive(lab, "hub-1", lan("spoke-a"), 1, limit, died)
        assert routes(lab, "spoke-a", lan("spoke-b")) == [(1, "false"), (3, "true")]
        assert routes(lab, "hub-1", lan("spoke-a")) == [(1, "false"), (2, "true")]
        # both ways through hub-2: spoke-b -> hub-1 -> hub-2 -> spoke-a, and spoke-a -> hub-2 -> spoke-b
        assert crossing(lab, "spoke-b", lan_host("spoke-a"), lan_host("spoke-b")) is True
        assert crossing(lab, "spoke-a", lan_host("spoke-b"), lan_host("spoke-a")) is True
        assert spoke <= CHECK_GATEWAY_INTERVAL * CHECK_GATEWAY_COUNT + 1 and hub <= CHECK_GATEWAY_INTERVAL * \
            CHECK_GATEWAY_COUNT + 1, (spoke, hub)
        # the link comes back: one answered ping and the plain route is active again
        run(lab, "spoke-a", "/interface/wireguard/peers", "set", numbers=peer, disabled="no")
        deadline = time.monotonic() + 2 * CHECK_GATEWAY_INTERVAL / SCALE + 5
        while routes(lab, "spoke-a", lan("spoke-b")) != [(1, "true"), (3, "false")] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert routes(lab, "spoke-a", lan("spoke-b")) == [(1, "true"), (3, "false")]
        with capsys.disabled():
            print("\nmodelled failover over plain WireGuard (check-gateway=ping, 10 s x 2): spoke %.1f s, hub %.1f s"
                  % (spoke, hub))
    finally:
        lab.stop()


def _rule_id(lab, name, rule):
    router = lab.router(name)
    return lab.call(lambda: next("*%X" % r.id for r in router.tables["/ip/firewall/filter"]
                                 if r.values.get("comment") == "sitelink:fleet " + rule))
