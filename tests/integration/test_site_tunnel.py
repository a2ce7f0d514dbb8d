"""The site_tunnel role on a lab fleet: hub and two branches (EoIP and GRE)."""

import json
import os
import re

import pytest
import yaml

from lab_fleet import BAD, GOOD, WAN, play, rerun_changes_nothing, reset, start_fleet, writes


@pytest.mark.parametrize("version", ["7.12", "7.16", "7.20"])
def test_each_release_converges_and_the_second_run_writes_nothing(tmp_path, version):
    """7.12 has neither peer names nor a responder flag, 7.16 calls it is-responder and names every peer itself:
    the first run converged before, but every second run failed (unknown parameter responder) or rewrote names."""
    lab, connections = start_fleet(tmp_path, version)
    try:
        first = play(GOOD, connections, "-e", "sitelink_verify_delay=1")
        assert first.returncode == 0, first.out[-4000:]
        assert "4 link ends up, 0 down, 0 pending" in first.out
        rerun_changes_nothing(lab, GOOD, connections, "-e", "sitelink_verify_delay=1")
    finally:
        lab.stop()


def dump(lab, name):
    """The router's stored configuration (uptime and live peer counters are not configuration)."""
    router = lab.router(name)
    return json.dumps(lab.call(lambda: dict((path, [(it.id, it.values) for it in table])
                                            for path, table in router.tables.items()
                                            if path != "/system/resource")), sort_keys=True)


def test_fleet_converges_and_the_second_run_writes_nothing(fleet):
    lab, connections = fleet
    first = play(GOOD, connections)
    assert first.returncode == 0, first.out[-5000:]
    assert "4 link ends up, 0 down, 0 pending" in first.out
    hub = lab.router("hub")
    peers = lab.call(lambda: [hub.printed("/interface/wireguard/peers", p) for p in hub.items("/interface/wireguard/peers")])
    assert sorted(p["comment"] for p in peers) == ["sitelink:fleet branch-a--hub", "sitelink:fleet branch-b--hub"]
    assert all(p.get("preshared-key") for p in peers)
    rerun_changes_nothing(lab, GOOD, connections)


def test_both_ends_derive_the_same_preshared_key_and_none_is_shown(fleet):
    lab, connections = fleet
    run = play(GOOD, connections, "-vvv", "--diff")
    assert run.returncode == 0
    keys = {}
    for name in ("hub", "branch-a"):
        router = lab.router(name)
        keys[name] = lab.call(lambda r=router: [p.values.get("preshared-key") for p in r.tables[
            "/interface/wireguard/peers"] if "branch-a--hub" in p.values.get("comment", "")])
    assert keys["hub"] == keys["branch-a"] and len(keys["hub"]) == 1
    assert keys["hub"][0] not in run.out
    assert "lab-secret-not-for-production" not in run.out
    for name in WAN:
        router = lab.router(name)
        private = lab.call(lambda r=router: r.tables["/interface/wireguard"][0].values["private-key"])
        assert private not in run.out


def test_check_mode_touches_nothing(fleet):
    lab, connections = fleet
    run = play(GOOD, connections, "--check", "--diff")
    assert run.returncode == 0, run.out[-3000:]
    assert writes(lab) == {"hub": 0, "branch-a": 0, "branch-b": 0}


def test_limit_gives_a_new_site_its_peers_and_leaves_others_untouched(fleet, tmp_path):
    lab, connections = fleet
    with open(GOOD, encoding="utf-8") as fh:
        inventory = yaml.safe_load(fh)
    two = yaml.safe_load(yaml.safe_dump(inventory))
    del two["all"]["hosts"]["branch-b"]
    links = two["all"]["vars"]["sitelink_topology"]["links"]
    two["all"]["vars"]["sitelink_topology"]["links"] = [l for l in links if "branch-b" not in l["sites"]]
    (tmp_path / "two.yml").write_text(yaml.safe_dump(two))
    assert play(str(tmp_path / "two.yml"), connections).returncode == 0
    before = dict((n, dump(lab, n)) for n in ("hub", "branch-a"))
    reset(lab)
    limited = play(GOOD, connections, "--limit", "branch-b", "-e", "sitelink_verify_strict=false")
    assert limited.returncode == 0, limited.out[-4000:]
    assert dict((n, dump(lab, n)) for n in ("hub", "branch-a")) == before        # byte for byte
    assert writes(lab)["hub"] == 0 and writes(lab)["branch-a"] == 0
    branch_b = lab.router("branch-b")
    peers = lab.call(lambda: [p.values for p in branch_b.tables["/interface/wireguard/peers"]])
    hub_key = lab.call(lambda: lab.router("hub").tables["/interface/wireguard"][0].values["public-key"])
    assert [(p["public-key"], p["endpoint-address"]) for p in peers] == [(hub_key, "198.51.100.1")]
    assert re.search(r"branch-b +hub +gre +10\.254\.0\.4 +never +0/1 +down", limited.out)  # hub has not met it
    full = play(GOOD, connections)
    assert full.returncode == 0 and "4 link ends up" in full.out


def test_render_only_contacts_no_router(tmp_path):
    connections = tmp_path / "nowhere.yml"
    connections.write_text("all:\n  hosts:\n" + "".join(
        "    %s: {ansible_host: 127.0.0.1, sitelink_routeros: {port: 1}}\n" % n for n in WAN))
    out = tmp_path / "rendered"
    run = play(GOOD, str(connections), "-e", "sitelink_render_dir=%s" % out)
    assert run.returncode == 0, run.out[-3000:]
    expected = ["%s.%s" % (n, ext) for n in WAN for ext in ("plan.json", "plan.yml", "rsc")]
    assert sorted(os.listdir(out)) == sorted(expected)
    script = (out / "branch-a.rsc").read_text()
    assert "/interface eoip add" in script and "tunnel-id=101" in script
    # only routers know the keys: the file refers to variables (set at its top, or by the 0600 file when asked)
    assert "public-key=$sitelinkKeyHub" in script and "preshared-key=$sitelinkPskHub" in script
    assert ':global sitelinkKeyHub ""' in script
    plan = json.loads((out / "hub.plan.json").read_text())
    assert [l["peer"] for l in plan["links"]] == ["branch-a", "branch-b"]
    assert "lab-secret" not in script + (out / "hub.plan.yml").read_text()


@pytest.mark.parametrize("path", BAD, ids=[os.path.basename(p)[:-4] for p in BAD])
def test_bad_inventory_fails_before_any_write(fleet, path):
    lab, connections = fleet
    with open(path, encoding="utf-8") as fh:
        expected = yaml.safe_load(fh)["all"]["vars"]["expected_problems"]
    run = play(path, connections)
    assert run.returncode != 0
    for message in expected:
        assert message.replace("'", "'") in run.out.replace("\\'", "'").replace('\\"', '"'), message
    assert writes(lab) == {"hub": 0, "branch-a": 0, "branch-b": 0}
    assert "no router was touched" in run.out


def test_a_jump_into_a_dropping_chain_is_an_anchor_the_next_run_goes_before_it(fleet):
    """An operator's jump into a chain that drops WireGuard, above our rules: the links are down (the lab says
    why); the next run puts our rules before the jump (a drop reached through a jump was missed)."""
    lab, connections = fleet
    assert play(GOOD, connections).returncode == 0
    hub = lab.router("hub")

    def block():
        hub.run("/ip/firewall/filter", "add", {"chain": "operator-block", "action": "drop", "protocol": "udp",
                                               "dst-port": "13231", "comment": "operator: no WireGuard"})
        hub.run("/ip/firewall/filter", "add", {"chain": "input", "action": "jump", "jump-target": "operator-block",
                                               "comment": "operator: checks", "place-before": "*1"})
    lab.call(block)
    branch_a = lab.router("branch-a")
    why = lab.call(lambda: branch_a.fabric.why(branch_a, "10.254.0.2"))
    assert "hub: the input chain drops udp 198.51.100.11 -> 198.51.100.1:13231" in why
    fixed = play(GOOD, connections)
    assert fixed.returncode == 0 and "4 link ends up, 0 down" in fixed.out, fixed.out[-3000:]
    rules = lab.call(lambda: [r.values.get("comment") for r in hub.tables["/ip/firewall/filter"]
                              if r.values.get("chain") == "input"])
    assert rules.index("sitelink:fleet wireguard-in") < rules.index("operator: checks")   # the operator's kept


def test_one_failing_router_does_not_stop_the_key_read_for_the_others(fleet):
    """--limit hub,branch-a: branch-b is outside the play and only read for its key; it refuses the read. The
    play goes on for the others (the key read used to fail for the whole fleet), the hub keeps its peer for
    branch-b (not purged while its key is unknown), and the warning names branch-b and the path."""
    lab, connections = fleet
    assert play(GOOD, connections, "-e", "sitelink_verify=false").returncode == 0
    hub = lab.router("hub")
    peers_before = lab.call(lambda: [p.values.get("comment") for p in hub.tables["/interface/wireguard/peers"]])
    branch_b = lab.router("branch-b")
    trap = {"path": "/interface/wireguard", "verb": "print", "message": "failure: injected"}
    lab.call(lambda: branch_b.faults.traps.append(trap))
    run = play(GOOD, connections, "--limit", "hub,branch-a", "-e", "sitelink_verify=false")
    assert run.returncode == 0, run.out[-3000:]
    assert "branch-b: reading /interface/wireguard failed: failure: injected; its links wait" in run.out
    assert lab.call(lambda: [p.values.get("comment") for p in hub.tables["/interface/wireguard/peers"]]) \
        == peers_before


def test_a_link_the_role_cannot_bring_up_is_reported_down(fleet):
    """The hub's WAN address is gone (an operator's change the role does not own): the handshakes cannot happen,
    the play fails after the retries and the table says which links are down."""
    lab, connections = fleet
    hub = lab.router("hub")

    def unplug():
        wan = [it for it in hub.tables["/ip/address"] if it.values.get("address") == "198.51.100.1/24"][0]
        hub.run("/ip/address", "remove", {".id": wan.ref})
    lab.call(unplug)
    run = play(GOOD, connections, "-e", "sitelink_verify_retries=0", "-e", "sitelink_verify_delay=0")
    assert run.returncode != 0
    assert "0 link ends up, 4 down" in run.out, run.out[-3000:]
    assert "hub: link(s) not up: branch-a--hub, branch-b--hub" in run.out
