"""The purge guard (issue 19, item 2): a run whose inventory lacks a site (an AWX job slice, an export that missed
sites, a typo in a group) stops on the router that would remove that site's tunnels, naming it, before any write;
the sites' removal goes through only when the run allows it, and `--limit` keeps every site of the inventory."""

import copy
import re

from lab_fleet import GOOD, play, reset, start_fleet, writes
from test_decommission import play as play_fleet, start, write
from test_serial_batches import SITES
from test_wireguard_sessions import hub_peer, without

NO_VERIFY = ("-e", "sitelink_verify=false")
ALLOW_B = ("-e", '{"sitelink_purge_sites": ["branch-b"]}')


def hub_overlays(lab):
    hub = lab.router("hub")
    return lab.call(lambda: sorted(hub.printed("/interface/gre", i)["name"] for i in hub.items("/interface/gre")))


def test_a_run_without_a_branch_stops_on_the_hub_and_purges_it_only_when_allowed(tmp_path):
    lab, connections = start_fleet(tmp_path)
    try:
        first = play(GOOD, connections, *NO_VERIFY)
        assert first.returncode == 0, first.out[-3000:]
        partial = without(tmp_path, "branch-b")
        for flags in (("--check",), ()):
            reset(lab)
            refused = play(partial, connections, *NO_VERIFY, *flags)
            assert refused.returncode != 0, refused.out[-3000:]
            assert "hub: this run would remove the tunnels of 1 site(s) that the inventory does not have: " \
                   "branch-b (wireguard_peers, gre_tunnels, interface_list_members, addresses, address_lists, routes)" \
                   in refused.out, refused.out[-3000:]
            assert "sitelink_purge_sites: [branch-b]" in refused.out
            # branch-a's route to branch-b's LAN through the hub and its LAN-list entry name branch-b too
            assert "branch-a: this run would remove the tunnels of 1 site(s) that the inventory does not have: " \
                   "branch-b (address_lists, routes)" in refused.out, refused.out[-3000:]
            assert writes(lab) == {"hub": 0, "branch-a": 0, "branch-b": 0}
            assert hub_peer(lab, "branch-b") is not None and hub_overlays(lab) == ["gre-branch-b"]

        reset(lab)
        allowed = play(partial, connections, *NO_VERIFY, *ALLOW_B)
        assert allowed.returncode == 0, allowed.out[-3000:]
        assert hub_peer(lab, "branch-b") is None and hub_peer(lab, "branch-a") is not None
        assert hub_overlays(lab) == [] and writes(lab)["hub"] > 0 and writes(lab)["branch-b"] == 0

        reset(lab)
        again = play(partial, connections, *NO_VERIFY)     # nothing of branch-b left: nothing to refuse
        assert again.returncode == 0, again.out[-3000:]
        assert writes(lab) == {"hub": 0, "branch-a": 0, "branch-b": 0}
    finally:
        lab.stop()


def test_limit_keeps_the_peers_of_the_sites_outside_it_and_is_never_refused(tmp_path):
    lab, connections = start_fleet(tmp_path)
    try:
        first = play(GOOD, connections, *NO_VERIFY)
        assert first.returncode == 0, first.out[-3000:]
        reset(lab)
        limited = play(GOOD, connections, *NO_VERIFY, "--limit", "hub")
        assert limited.returncode == 0, limited.out[-3000:]
        assert "would remove the tunnels" not in limited.out
        assert writes(lab)["hub"] == 0 and hub_peer(lab, "branch-b") is not None
    finally:
        lab.stop()


def test_six_sites_deployed_a_run_without_three_spokes_changes_nothing_and_names_them(tmp_path):
    """The issue's case: a hub and five spokes deployed; an inventory that lost three spokes (a slice, an export)
    stops the hub and both remaining spokes (whose routes and LAN-list entries name the missing spokes) before any
    write, each naming the three."""
    lab, inventory = start(tmp_path, SITES)
    try:
        first = play_fleet(write(tmp_path, "fleet.yml", inventory), *NO_VERIFY)
        assert first.returncode == 0, first.out[-3000:]
        missing = ("spoke-3", "spoke-4", "spoke-5")
        partial = copy.deepcopy(inventory)
        for name in missing:
            del partial["all"]["hosts"][name]
        reset(lab)
        refused = play_fleet(write(tmp_path, "partial.yml", partial), *NO_VERIFY)
        assert refused.returncode != 0, refused.out[-3000:]
        for router in ("hub", "spoke-1", "spoke-2"):
            found = re.search(r"%s: this run would remove the tunnels of 3 site\(s\) that the inventory does not have: "
                              r"([^.]*)\." % router, refused.out)
            assert found, (router, refused.out[-3000:])
            assert [part.split(" (")[0] for part in found.group(1).split("; ")] == list(missing), found.group(1)
        assert set(writes(lab).values()) == {0}, writes(lab)
    finally:
        lab.stop()
