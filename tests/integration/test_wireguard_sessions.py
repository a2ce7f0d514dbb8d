"""WireGuard sessions at the role's level (issue 23): a run with a spoke missing from the inventory, allowed to purge it
(sitelink_purge_sites), purges its peer (and its link) on the hub; the next full run adds them again. The spoke never lost its session, the hub did: the
spoke goes on sending in the old one, the hub drops it, and the spoke initiates a new handshake 15 s after its first
unanswered packet (KEEPALIVE_TIMEOUT + REKEY_TIMEOUT; lab/FIDELITY.md, "Noticing the far end lost it")."""

import yaml

from lab_fleet import GOOD, play, start_fleet
from rosemu.effects import new_private_key
from rosemu.fabric import Clock, Fabric

NO_VERIFY = ("-e", "sitelink_verify=false")
# the purge guard stops a run that would remove a site the inventory lacks: these runs retire branch-b on purpose
PURGE_B = ("-e", '{"sitelink_purge_sites": ["branch-b"]}')


def without(tmp_path, site):
    """The good inventory with `site` and its link left out (a run of it purges the site's peer on the hub)."""
    with open(GOOD, encoding="utf-8") as handle:
        inventory = yaml.safe_load(handle)
    topology = inventory["all"]["vars"]["sitelink_topology"]
    topology["links"] = [link for link in topology["links"] if site not in link["sites"]]
    del inventory["all"]["hosts"][site]
    path = tmp_path / ("without-%s.yml" % site)
    path.write_text(yaml.safe_dump(inventory))
    return str(path)


def peers(lab, name):
    router = lab.router(name)
    return lab.call(lambda: [router.printed("/interface/wireguard/peers", p)
                             for p in router.items("/interface/wireguard/peers")])


def hub_peer(lab, site):
    """The hub's peer for `site` (its link's comment names it), None when there is none."""
    found = [p for p in peers(lab, "hub") if "%s--hub" % site in p.get("comment", "")]
    return found[0] if found else None


def transit(lab, site):
    """The far end's WireGuard transit address of `site`'s only peer (a spoke's peer is the hub)."""
    return peers(lab, site)[0]["allowed-address"].split("/")[0]


def ping(lab, name, address):
    """A ping from router `name` as /ping sends it (the fabric's answer): True when answered."""
    router = lab.router(name)
    return lab.call(lambda: router.fabric.ping(router, address)) is not None


def advance(lab, clock, seconds):
    lab.call(lambda: clock.advance(seconds))


def test_the_run_after_a_purge_converges_in_one_run_with_every_link_up(tmp_path):
    """At RouterOS's own pace (time scale 1): at the lab's usual ten times, the spoke's session is older than
    REKEY_AFTER_TIME (120 s) by the third run and its renewal would hide a stale session."""
    lab, connections = start_fleet(tmp_path, fabric=Fabric(Clock(1.0)))
    try:
        first = play(GOOD, connections)
        assert first.returncode == 0 and "4 link ends up, 0 down, 0 pending" in first.out, first.out[-3000:]
        purge = play(without(tmp_path, "branch-b"), connections, *PURGE_B)
        assert purge.returncode == 0 and "2 link ends up, 0 down, 0 pending" in purge.out, purge.out[-3000:]
        assert hub_peer(lab, "branch-b") is None and hub_peer(lab, "branch-a") is not None
        again = play(GOOD, connections)                             # the verification defaults
        assert again.returncode == 0, again.out[-4000:]
        assert "4 link ends up, 0 down, 0 pending" in again.out, again.out[-4000:]
    finally:
        lab.stop()


def fleet_up(tmp_path):
    """The fleet on a frozen clock, deployed by the role, its links up for 30 s. (lab, clock, connections)."""
    clock = Clock(frozen=True)
    lab, connections = start_fleet(tmp_path, fabric=Fabric(clock))
    first = play(GOOD, connections, *NO_VERIFY)
    assert first.returncode == 0, first.out[-3000:]
    # the spokes' first keepalives went out before the hub admitted WireGuard: their retries, 5 s on, are answered
    advance(lab, clock, 5)
    for site in ("branch-a", "branch-b"):
        assert ping(lab, site, transit(lab, site))
    advance(lab, clock, 30)
    return lab, clock, connections


def purged_and_added_again(tmp_path):
    """fleet_up, then branch-b purged and added again by the role (no time passes during the runs)."""
    lab, clock, connections = fleet_up(tmp_path)
    assert "last-handshake" in hub_peer(lab, "branch-b")
    for inventory, allow in ((without(tmp_path, "branch-b"), PURGE_B), (GOOD, ())):
        run = play(inventory, connections, *NO_VERIFY, *allow)
        assert run.returncode == 0, run.out[-3000:]
    return lab, clock, connections


def test_a_purged_and_readded_spoke_comes_back_15s_after_its_first_unanswered_packet(tmp_path):
    lab, clock, connections = purged_and_added_again(tmp_path)
    try:
        hub, branch = transit(lab, "branch-b"), lab.router("branch-b")
        spoke = hub_peer(lab, "branch-b")["allowed-address"].split("/")[0]
        assert "last-handshake" not in hub_peer(lab, "branch-b")  # a new peer: no session
        before = peers(lab, "branch-b")[0]["last-handshake"]      # the spoke still believes in its session
        assert before in ("30s", "35s"), before                      # made by its first keepalive or its retry
        assert not ping(lab, "branch-b", hub) and not ping(lab, "hub", spoke)
        why = lab.call(lambda: branch.fabric.why(branch, hub))
        assert "hub: drops branch-b's packets: they are in a session hub does not have" in why, why
        advance(lab, clock, 14.9)
        assert not ping(lab, "branch-b", hub) and not ping(lab, "hub", spoke)
        assert "last-handshake" not in hub_peer(lab, "branch-b")
        assert peers(lab, "branch-b")[0]["last-handshake"] == "%ds" % (int(before[:-1]) + 14)   # the same, older
        advance(lab, clock, 0.1)
        assert hub_peer(lab, "branch-b")["last-handshake"] == "0s"
        assert ping(lab, "branch-b", hub) and ping(lab, "hub", spoke)
        advance(lab, clock, 5)                                      # the hub's new GRE tunnel's keepalive: answered
        verified = play(GOOD, connections)
        assert verified.returncode == 0, verified.out[-4000:]
        assert "4 link ends up, 0 down, 0 pending" in verified.out, verified.out[-3000:]
    finally:
        lab.stop()


def test_a_purged_and_readded_spoke_that_cannot_reach_the_hub_fails_verification(tmp_path):
    """branch-b's WAN moves to another network after the runs (an operator's change the role does not own): its
    new handshake at 15 s cannot reach the hub, nor can any retry."""
    lab, clock, connections = purged_and_added_again(tmp_path)
    branch = lab.router("branch-b")

    def move_the_wan():
        wan = [it for it in branch.tables["/ip/address"] if it.values.get("address") == "198.51.100.12/24"][0]
        branch.run("/ip/address", "set", {".id": wan.ref, "address": "203.0.113.12/24"})
    try:
        lab.call(move_the_wan)
        hub = transit(lab, "branch-b")
        assert not ping(lab, "branch-b", hub)
        for _step in range(6):
            advance(lab, clock, 5)
            assert not ping(lab, "branch-b", hub)
        advance(lab, clock, 90)
        assert not ping(lab, "branch-b", hub)
        assert "last-handshake" not in hub_peer(lab, "branch-b")
        run = play(GOOD, connections, "-e", "sitelink_verify_retries=1", "-e", "sitelink_verify_delay=1")
        assert run.returncode != 0
        assert "2 link ends up, 2 down, 0 pending" in run.out, run.out[-3000:]
        assert "hub: link(s) not up: branch-b--hub" in run.out and "branch-b: link(s) not up: branch-b--hub" \
            in run.out, run.out[-3000:]
    finally:
        lab.stop()


def test_after_a_hub_restart_the_spokes_come_back_15s_after_their_first_unanswered_packet(tmp_path):
    """The hub keeps its configuration and loses every session (and the endpoints it learnt: it cannot dial a
    spoke); the spokes keep theirs. A run right after changes nothing; its verification finds the links up once
    the spokes have initiated again."""
    lab, clock, connections = fleet_up(tmp_path)
    try:
        lab.call(lambda: lab.restart("hub"))
        spokes = ("branch-a", "branch-b")
        hub = dict((site, transit(lab, site)) for site in spokes)
        assert all("last-handshake" not in p for p in peers(lab, "hub"))
        assert not any(ping(lab, site, hub[site]) for site in spokes)
        advance(lab, clock, 14.9)
        assert not any(ping(lab, site, hub[site]) for site in spokes)
        assert all("last-handshake" not in p for p in peers(lab, "hub"))
        advance(lab, clock, 0.1)
        assert [p["last-handshake"] for p in peers(lab, "hub")] == ["0s", "0s"]
        assert all(ping(lab, site, hub[site]) for site in spokes)
        advance(lab, clock, 5)                      # the hub's overlays' keepalives of 20 s after the restart: answered
        run = play(GOOD, connections)
        assert run.returncode == 0 and "4 link ends up, 0 down, 0 pending" in run.out, run.out[-3000:]
        assert "changed=0" in [line for line in run.out.splitlines() if line.startswith("hub ")][0]
    finally:
        lab.stop()


def test_a_spoke_whose_key_changed_by_hand_is_peered_again_in_one_run(tmp_path):
    """branch-b's private key is changed on the router (by hand, or a router replaced from a backup without its
    key): the next run reads its new public key and replaces the hub's peer for it (the old one removed first: both
    carry the same allowed addresses), and the branch's next handshake attempt brings the link up."""
    lab, clock, connections = fleet_up(tmp_path)
    branch = lab.router("branch-b")

    def new_key():
        interface = branch.tables["/interface/wireguard"][0]
        branch.run("/interface/wireguard", "set", {".id": interface.ref, "private-key": new_private_key()})
    try:
        old = hub_peer(lab, "branch-b")["public-key"]
        lab.call(new_key)
        rekeyed = play(GOOD, connections, *NO_VERIFY)
        assert rekeyed.returncode == 0, rekeyed.out[-4000:]
        assert hub_peer(lab, "branch-b")["public-key"] not in (None, old)
        assert [p["public-key"] for p in peers(lab, "hub")].count(old) == 0
        # the branch's initiations since its new key went unanswered (the hub knew only the old one): its next try,
        # REKEY_TIMEOUT on, is answered; then the GRE tunnel's next keepalive
        advance(lab, clock, 5)
        assert ping(lab, "branch-b", transit(lab, "branch-b"))
        advance(lab, clock, 10)
        verified = play(GOOD, connections)
        assert verified.returncode == 0, verified.out[-4000:]
        assert "4 link ends up, 0 down, 0 pending" in verified.out, verified.out[-3000:]
    finally:
        lab.stop()
