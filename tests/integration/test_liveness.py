"""Verify against routers that keep time: a first handshake only when traffic needs it, retried every 5 s, and a
GRE/EoIP overlay running only from its first answered keepalive. Verify must make the traffic, retry, and say
clearly, in bounded time, which link never came up."""

import re
import threading
import time

from rosemu.fabric import Clock, Fabric
from lab_fleet import GOOD, play, start_fleet


def pings(lab):
    """{router: [address of every /ping it was sent]}."""
    return dict((name, lab.call(lambda r=router: [w[len("=address="):] for s in r.counters.sentences
                                                  if s[0] == "/ping" for w in s if w.startswith("=address=")]))
                for name, router in lab.routers.items())


def test_verify_retries_until_the_handshakes_and_keepalives_are_answered(tmp_path):
    """The lab's clock stands still until verify's first pings: the branches' first initiations (sent when their
    peers were added, before the hub was ready) and the first keepalive of one end of each overlay (sent before
    the other end existed) went unanswered, and their retries are due 5 and 10 s on. So verify's first pings find
    no overlay running: verify waits, the clock moves 20 s, and the next pings are answered."""
    clock = Clock(frozen=True)
    lab, connections = start_fleet(tmp_path, fabric=Fabric(clock))
    stop = threading.Event()

    def move_the_clock_after_the_first_pings():
        while not stop.is_set() and not any(pings(lab).values()):
            time.sleep(0.05)
        time.sleep(0.3)
        lab.call(lambda: clock.advance(20))

    watcher = threading.Thread(target=move_the_clock_after_the_first_pings, daemon=True)
    watcher.start()
    try:
        run = play(GOOD, connections)
        assert run.returncode == 0, run.out[-4000:]
        assert "4 link ends up, 0 down, 0 pending" in run.out
        sent = pings(lab)
        # a router that pinged an address more than once retried it; the transit addresses were pinged as traffic
        assert any(len(addresses) > len(set(addresses)) for addresses in sent.values()), sent
        # a silent overlay link's retries pinged the peer's WireGuard transit address too, as traffic
        assert any(a.startswith("10.255.") for addresses in sent.values() for a in addresses), sent
        hub = lab.router("hub")
        peers = lab.call(lambda: [hub.printed("/interface/wireguard/peers", p)
                                  for p in hub.items("/interface/wireguard/peers")])
        assert all(p["last-handshake"] in ("5s", "10s", "15s", "20s") for p in peers), peers
    finally:
        stop.set()
        watcher.join(10)
        lab.stop()


def test_a_link_that_never_handshakes_fails_verify_naming_both_sites_in_bounded_time(tmp_path):
    """branch-b's WAN is on another network, with no route to the hub's endpoint (an operator's change the role
    does not own): branch-a's link comes up, branch-b's never does. Verify retries (3 times, 1 s apart) and then
    fails, naming both ends and how long it waited."""
    lab, connections = start_fleet(tmp_path)
    branch_b = lab.router("branch-b")

    def move_the_wan():
        wan = [it for it in branch_b.tables["/ip/address"] if it.values.get("address") == "198.51.100.12/24"][0]
        branch_b.run("/ip/address", "set", {".id": wan.ref, "address": "203.0.113.12/24"})
    lab.call(move_the_wan)
    try:
        started = time.monotonic()
        run = play(GOOD, connections, "-e", "sitelink_verify_retries=3", "-e", "sitelink_verify_delay=1")
        elapsed = time.monotonic() - started
        assert run.returncode != 0
        assert "2 link ends up, 2 down, 0 pending" in run.out, run.out[-3000:]
        waited = re.search(r"branch-b: link\(s\) not up: branch-b--hub\s+\(no handshake between branch-b and hub in "
                           r"(\d+)s of pings and retries", run.out)
        assert waited, run.out[-3000:]
        assert "hub: link(s) not up: branch-b--hub" in run.out
        assert int(waited.group(1)) <= 15            # 4 attempts of 3 pings 100 ms apart, 1 s between: about 5 s
        assert elapsed < 120, elapsed
    finally:
        lab.stop()
