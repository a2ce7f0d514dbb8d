"""The renumbering guard (issue 19, item 1: existing fleets keep their addresses): a fleet deployed with the old
addressing scheme (pairs) that runs with the default (linear) would get new transit addresses and EoIP tunnel ids on
every link; each router stops before any write, naming its links with their old and new values, unless the run asks
for the renumbering (sitelink_renumber), which then converges in one run."""

import yaml

from lab_fleet import GOOD, play, reset, start_fleet, writes

NO_VERIFY = ("-e", "sitelink_verify=false")
RENUMBER = ("-e", "sitelink_renumber=true")
TUNNELS = ("wg-", "gre-", "eoip-")      # the interfaces the fleet makes (the LAN and WAN addresses are the lab's)


def inventory_on(tmp_path, scheme):
    """The demo fleet (a hub, branch-a on EoIP, branch-b on GRE) on `scheme` (None: the default)."""
    with open(GOOD, encoding="utf-8") as handle:
        inventory = yaml.safe_load(handle)
    if scheme:
        inventory["all"]["vars"]["sitelink_pools"]["scheme"] = scheme
    path = tmp_path / ("fleet-%s.yml" % (scheme or "default"))
    path.write_text(yaml.safe_dump(inventory))
    return str(path)


def numbers(lab, name):
    """(the router's addresses on the tunnels, its EoIP tunnel ids): what a renumbering moves."""
    router = lab.router(name)

    def read():
        addresses = sorted(router.printed("/ip/address", i)["address"] for i in router.items("/ip/address")
                           if router.printed("/ip/address", i)["interface"].startswith(TUNNELS))
        tunnel_ids = sorted(router.printed("/interface/eoip", i)["tunnel-id"] for i in router.items("/interface/eoip"))
        return addresses, tunnel_ids
    return lab.call(read)


def test_a_fleet_on_pairs_is_not_renumbered_unless_asked_and_then_converges(tmp_path):
    lab, connections = start_fleet(tmp_path)
    try:
        first = play(inventory_on(tmp_path, "pairs"), connections, *NO_VERIFY)
        assert first.returncode == 0, first.out[-3000:]
        before = dict((name, numbers(lab, name)) for name in lab.routers)
        assert before["hub"] == (["10.254.0.0/31", "10.254.0.2/31", "10.255.0.0/31", "10.255.0.2/31"], ["100"])

        default = inventory_on(tmp_path, None)
        for flags in (("--check",), ()):
            reset(lab)
            refused = play(default, connections, *NO_VERIFY, *flags)
            assert refused.returncode != 0, refused.out[-3000:]
            out = " ".join(refused.out.split())          # Ansible's message may wrap
            assert "hub: this run would renumber 2 existing link(s): branch-a--hub (address on eoip-branch-a " \
                   "10.254.0.0/31 -> 10.254.0.2/31, address on wg-sitelink 10.255.0.0/31 -> 10.255.0.2/31, tunnel " \
                   "id of eoip-branch-a 100 -> 101); branch-b--hub (address on gre-branch-b 10.254.0.2/31 -> " \
                   "10.254.0.4/31, address on wg-sitelink 10.255.0.2/31 -> 10.255.0.4/31)" in out, out[-3000:]
            assert "branch-a: this run would renumber 1 existing link(s): branch-a--hub" in out
            assert "branch-b: this run would renumber 1 existing link(s): branch-b--hub" in out
            assert "sitelink_pools.scheme: pairs" in out and "sitelink_renumber: true" in out
            assert writes(lab) == {"hub": 0, "branch-a": 0, "branch-b": 0}
            assert dict((name, numbers(lab, name)) for name in lab.routers) == before

        reset(lab)
        renumbered = play(default, connections, *RENUMBER)
        assert renumbered.returncode == 0, renumbered.out
        assert "4 link ends up, 0 down, 0 pending" in renumbered.out, renumbered.out[-3000:]
        assert numbers(lab, "hub") == (["10.254.0.2/31", "10.254.0.4/31", "10.255.0.2/31", "10.255.0.4/31"], ["101"])
        assert all(writes(lab)[name] > 0 for name in lab.routers)

        reset(lab)
        again = play(default, connections, *NO_VERIFY)      # renumbered: nothing left to refuse or write
        assert again.returncode == 0, again.out[-3000:]
        assert writes(lab) == {"hub": 0, "branch-a": 0, "branch-b": 0}
    finally:
        lab.stop()


def test_the_old_scheme_chosen_explicitly_keeps_every_number_and_writes_nothing(tmp_path):
    lab, connections = start_fleet(tmp_path)
    try:
        pairs = inventory_on(tmp_path, "pairs")
        first = play(pairs, connections, *NO_VERIFY)
        assert first.returncode == 0, first.out[-3000:]
        before = dict((name, numbers(lab, name)) for name in lab.routers)
        reset(lab)
        again = play(pairs, connections, *NO_VERIFY)
        assert again.returncode == 0 and "would renumber" not in again.out, again.out[-3000:]
        assert writes(lab) == {"hub": 0, "branch-a": 0, "branch-b": 0}
        assert dict((name, numbers(lab, name)) for name in lab.routers) == before
    finally:
        lab.stop()
