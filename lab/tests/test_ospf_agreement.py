"""The fabric's modelled OSPF (rosemu/ospf.py) against real FRR on the data plane (issue 21 item 7): the star
(rosemu.dataplane.star, a hub and two spokes, GRE to s1 and EoIP to s2) in OSPF mode as the role configures it
(star.configure_ospf: ptp templates with hello 1 s and dead 4 s, BFD, a passive LAN template, input rules for OSPF and
BFD), healthy and with one fault at a time.  For every overlay end: whether its neighbour is Full, and its BFD
session's state, as the fabric models them and as FRR in the router's namespace shows them through the same menus
(/routing/ospf/neighbor, /routing/bfd/session).

One data plane serves every fault (started once, the fault written on the running fleet and undone after); the
fabric's side is a fresh fabric per fault, the fault written after a healthy start as well.  The model makes no
routes (no LSA, no SPF: lab/FIDELITY.md), so only neighbours and BFD sessions are compared.
"""

import os
import time
import types

import pytest

from labkit import needs_dataplane
from rosemu import ospf
from rosemu.dataplane import DataPlane, star
from rosemu.dataplane.routing import FRR_DIR
from rosemu.fabric import Clock, Fabric
from rosemu.lab_tools import wait_until
from rosemu.router import Router
from rosemu.values import parse_duration_ms

pytestmark = needs_dataplane("nft", "ping", "vtysh",
                             files=[os.path.join(FRR_DIR, daemon) for daemon in ("zebra", "ospfd", "bfdd")])

DEAD = parse_duration_ms(star.OSPF_TIMERS["dead-interval"]) // 1000   # a broken adjacency goes at the far end after it
# seconds at least between a fault and the verdict: the far end's dead interval (FRR's reload is done when the write
# returns: the data plane syncs an attached router within the write)
AFTER_FAULT = DEAD
QUIET = 1.0                 # ... and the data plane agreeing with the model for this long
DEADLINE = 30               # seconds at most the data plane gets to agree
# Not compared here: a ptp end and a broadcast end (the model says Full, test_ospf_model.py). On the data plane they
# took 17 s to over 90 s to become Full - the broadcast end's Wait timer (a dead interval), then the ptp end in Loading
# for one or more retransmit intervals (5 s); probably because the broadcast end, not the designated router, floods to
# AllDRouters (224.0.0.6), which a ptp end does not join, so that only the unicast retransmissions reach it (RFC 2328
# 13.3) - too long and too varied a wait for make test on a shared machine (it failed one run in three at 90 s).
FABRIC_SECONDS = 30         # emulated time played before a fault (the tunnels' keepalives)
TEMPLATES = "/routing/ospf/interface-template"
FILTERS = "/ip/firewall/filter"


def ends():
    """[(router, overlay interface)] of every overlay end of the star."""
    return [(name, interface) for name in star.SITES for interface in star.overlays_of(name)]


def observe(routers):
    """{(router, interface): (neighbour state or "none", BFD session state or "none")} as the routers' menus show."""
    seen = {}
    for name, router in routers.items():
        neighbours = {row.values["interface"]: row.values["state"] for row in router.items(ospf.NEIGHBOR)}
        sessions = {row.values["remote-address"].partition("%")[2]: row.values["state"]
                    for row in router.items(ospf.BFD_SESSION)}
        for interface in star.overlays_of(name):
            seen[(name, interface)] = (neighbours.get(interface, "none"), sessions.get(interface, "none"))
    return seen


HEALTHY = {end: ("Full", "up") for end in ends()}


# ----- faults: each writes its change with `write` and returns what undoes it -----------------------------------

def _find(router, path, **match):
    return next(it for it in router.tables[path] if all(it.values.get(k) == v for k, v in match.items()))


def setting(site, path, match, **values):
    """A fault that sets `values` on the item of `site`'s `path` matching `match`; undone by setting back (or
    unsetting) what the item held."""
    def fault(routers, write):
        router = routers[site]
        item = _find(router, path, **match)
        before = {key: item.values.get(key) for key in values}
        write(router, path, "set", dict({".id": item.ref}, **values))

        def undo():
            write(router, path, "set", dict({".id": item.ref}, **{k: v for k, v in before.items() if v is not None}))
            for key in [k for k, v in before.items() if v is None]:
                write(router, path, "unset", {"numbers": item.ref, "value-name": key})
        return undo
    return fault


def removal(site, path, match):
    """A fault that removes the item of `site`'s `path` matching `match`; undone by adding it again (its writable
    fields as they were: the order of OSPF templates does not matter here, none other names the interface)."""
    def fault(routers, write):
        router = routers[site]
        item = _find(router, path, **match)
        values = {f.name: item.values[f.name] for f in router.menu(path).fields if not f.ro and f.name in item.values}
        write(router, path, "remove", {".id": item.ref})
        return lambda: write(router, path, "add", values)
    return fault


FAULTS = {
    "healthy": lambda routers, write: lambda: None,
    "hello interval differs at s1": setting("s1", TEMPLATES, {"interfaces": "gre-hub"}, **{"hello-interval": "2s"}),
    "dead interval differs at s2": setting("s2", TEMPLATES, {"interfaces": "eoip-hub"}, **{"dead-interval": "8s"}),
    "area id differs at s1": setting("s1", "/routing/ospf/area", {"name": star.OSPF_AREA}, **{"area-id": "0.0.0.1"}),
    "s2's end passive": setting("s2", TEMPLATES, {"interfaces": "eoip-hub"}, passive="yes"),
    "s1's template missing": removal("s1", TEMPLATES, {"interfaces": "gre-hub"}),
    "s1's input chain drops OSPF": setting("s1", FILTERS, {"comment": "sitelink ospf-in-tunnels"}, disabled="yes"),
    "s2's overlay disabled": setting("s2", "/interface/eoip", {"name": "eoip-hub"}, disabled="yes"),
    "MTU differs on the GRE overlay": setting("s1", "/interface/gre", {"name": "gre-hub"}, mtu="1400"),
    "BFD at the hub's end only (GRE)": setting("s1", TEMPLATES, {"interfaces": "gre-hub"}, **{"use-bfd": "no"}),
    "s2's input chain drops BFD": setting("s2", FILTERS, {"comment": "sitelink bfd-in-tunnels"}, disabled="yes"),
}


# ----- the fabric ------------------------------------------------------------------------------------------------

def play(fabric, seconds):
    for _second in range(seconds):
        fabric.clock.advance(1)
        fabric.settle()


def on_the_fabric(keys, wan, fault):
    """observe() of the star in OSPF mode on a fresh fabric, `fault` written after a healthy start."""
    routers = {name: Router(name) for name in star.SITES}
    star.configure(routers, keys, wan)
    star.configure_ospf(routers)
    fabric = Fabric(Clock(frozen=True))
    fabric.attach(types.SimpleNamespace(routers=routers))
    for router in routers.values():
        router.fabric = fabric
        router.refresh()
    play(fabric, FABRIC_SECONDS)
    FAULTS[fault](routers, star.write_directly)
    play(fabric, AFTER_FAULT)
    return observe(routers)


# ----- the data plane --------------------------------------------------------------------------------------------


def settled(routers, since, modelled, deadline=DEADLINE):
    """observe() once it has agreed with `modelled` for QUIET seconds, at least AFTER_FAULT seconds after `since`
    (a transient agreement before a dead interval has passed proves nothing); or what it shows at `deadline`."""
    agreeing = None
    while True:
        seen, moment = observe(routers), time.monotonic()
        if mismatches("", modelled, seen):
            agreeing = None
        elif agreeing is None:
            agreeing = moment
        if (agreeing is not None and moment - since >= AFTER_FAULT and moment - agreeing >= QUIET) \
                or moment - since > deadline:
            return seen
        time.sleep(0.3)


@pytest.fixture(name="ospf_star", scope="module")
def fixture_ospf_star(tmp_path_factory):
    """The star in OSPF mode on one data plane for the whole module: (dataplane, routers, keys, wan)."""
    keys = star.new_keys()
    with DataPlane(list(star.SITES), str(tmp_path_factory.mktemp("ospf") / "plane"), firewall=True) as dataplane:
        wan = {name: str(dataplane.wan_address(name)) for name in star.SITES}
        routers = {name: Router(name) for name in star.SITES}
        star.configure(routers, keys, wan)
        star.configure_ospf(routers)
        for router in routers.values():
            dataplane.attach(router)
        assert set(dataplane.routing) == set(star.SITES), dataplane.sync_errors
        yield dataplane, routers, keys, wan
    assert dataplane.leftovers() == []


def mismatches(fault, modelled, seen):
    """One line per overlay end where the fabric and FRR differ: Full or not, and the BFD session's state."""
    out = []
    for end in sorted(modelled):
        (model_state, model_bfd), (real_state, real_bfd) = modelled[end], seen[end]
        if (model_state == "Full") != (real_state == "Full") or model_bfd != real_bfd:
            out.append("%s: %s's %s: fabric neighbour %s, BFD %s; data plane neighbour %s, BFD %s"
                       % ((fault,) + end + (model_state, model_bfd, real_state, real_bfd)))
    return out


@pytest.mark.parametrize("fault", list(FAULTS))
def test_the_fabric_and_frr_agree_on_neighbours_and_bfd(ospf_star, fault):
    dataplane, routers, keys, wan = ospf_star
    modelled = on_the_fabric(keys, wan, fault)
    wait_until(lambda: observe(routers) == HEALTHY, DEADLINE, "healthy star (every end Full, BFD up) before the fault")
    undo = FAULTS[fault](routers, star.write_directly)
    try:
        since = time.monotonic()
        assert dataplane.sync_errors == {}
        seen = settled(routers, since, modelled, DEADLINE)
        took = time.monotonic() - since
    finally:
        undo()
    print("%s: after %.1f s the data plane shows %s" % (fault, took, seen))
    differences = mismatches(fault, modelled, seen)
    if differences:
        pytest.fail("the fabric and FRR disagree:\n" + "\n".join(differences), pytrace=False)


def test_a_mismatch_names_the_fault_the_end_and_both_verdicts():
    modelled = {("hub", "gre-s1"): ("Full", "up"), ("s1", "gre-hub"): ("Full", "up")}
    seen = {("hub", "gre-s1"): ("ExStart", "none"), ("s1", "gre-hub"): ("Full", "up")}
    assert mismatches("MTU", modelled, seen) == [
        "MTU: hub's gre-s1: fabric neighbour Full, BFD up; data plane neighbour ExStart, BFD none"]
