"""OSPF mode on the emulated fleet (a hub, an EoIP branch and a GRE branch): the role writes each router's OSPF
instance, area, interface templates and BFD configuration, admits OSPF and BFD on the tunnels' interface list, and
leaves the static LAN routes to OSPF; a second run writes nothing; back in static mode the role's OSPF entries go and
the operator's own OSPF instance stays."""

import json
import os

import yaml

from rosemu.script import run as import_script
from lab_fleet import GOOD, play, rerun_changes_nothing, start_fleet, writes
from playbook_runs import ROOT, run_playbook

STATUS = os.path.join(ROOT, "playbooks", "site_status.yml")

OSPF_MENUS = ("/routing/ospf/instance", "/routing/ospf/area", "/routing/ospf/interface-template",
              "/routing/bfd/configuration")
# the operator's own OSPF instance on the hub, which no run of the role may touch
OPERATOR_OSPF = [["/routing/ospf/instance/add", "=name=operator", "=router-id=192.0.2.1", "=comment=operator: igp"]]


def inventory(tmp_path, routing):
    with open(GOOD, encoding="utf-8") as fh:
        fleet = yaml.safe_load(fh)
    ospf = {"bfd": True, "hello_interval": 5, "dead_interval": 20}
    fleet["all"]["vars"].update({"sitelink_routing": routing, "sitelink_ospf": ospf})
    fleet["all"]["hosts"]["hub"]["sitelink_site"]["ospf_cost"] = 5
    path = tmp_path / ("%s.yml" % routing)
    path.write_text(yaml.safe_dump(fleet))
    return str(path)


def named(comment):
    """The name an entry of ours keeps after the ownership marker ("sitelink:fleet ospf-lans")."""
    return (comment or "").partition(" ")[2]


def rows(lab, name, path):
    router = lab.router(name)
    return lab.call(lambda: [dict(item.values) for item in router.tables[path]])


def neighbors(lab, name):
    """(interface, router id, state) of the router's OSPF neighbours, as the API prints them."""
    router = lab.router(name)
    printed = lab.call(lambda: router.print("/routing/ospf/neighbor", {}, [])[0])
    return sorted((n["interface"], n["router-id"], n["state"]) for n in printed)


def lan_routes(lab, name):
    return sorted(r["dst-address"] for r in rows(lab, name, "/ip/route")
                  if r["dst-address"].startswith("192.168.") and r.get("dynamic") != "true")


def test_an_ospf_fleet_converges_rewrites_nothing_and_goes_back_to_static(tmp_path):
    lab, connections = start_fleet(tmp_path, hub_setup=OPERATOR_OSPF)
    try:
        ospf = inventory(tmp_path, "ospf")
        rehearsal = play(ospf, connections, "--check", "--diff")
        assert rehearsal.returncode == 0 and "/routing/ospf/instance" in rehearsal.out, rehearsal.out[-3000:]
        assert writes(lab) == {"hub": 0, "branch-a": 0, "branch-b": 0}
        first = play(ospf, connections)
        assert first.returncode == 0, first.out[-5000:]
        hub_templates = dict((named(t.get("comment")), t)
                             for t in rows(lab, "hub", "/routing/ospf/interface-template"))
        assert sorted(hub_templates) == ["ospf-eoip-branch-a", "ospf-gre-branch-b", "ospf-lans"], hub_templates
        gre = hub_templates["ospf-gre-branch-b"]
        # the link's cost 10 plus the hub's ospf_cost 5; the fleet's timers; point-to-point; BFD
        assert (gre["interfaces"], gre["type"], gre["cost"], gre["hello-interval"], gre["dead-interval"],
                gre["use-bfd"]) == ("gre-branch-b", "ptp", "15", "5s", "20s", "true")
        assert (hub_templates["ospf-lans"]["networks"], hub_templates["ospf-lans"]["passive"]) == \
            ("192.168.10.0/24", "true")
        instances = dict((i["name"], i) for i in rows(lab, "branch-b", "/routing/ospf/instance"))
        assert instances["sitelink"]["router-id"] == "10.253.0.3"         # the pool's first address + site id 3
        assert [b["interfaces"] for b in rows(lab, "hub", "/routing/bfd/configuration")] == \
            ["eoip-branch-a,gre-branch-b"]
        rules = dict((named(r.get("comment")), r) for r in rows(lab, "hub", "/ip/firewall/filter"))
        assert (rules["ospf-in-tunnels"]["protocol"], rules["ospf-in-tunnels"]["in-interface-list"]) == \
            ("ospf", "sitelink-tunnels")
        assert (rules["bfd-in-tunnels"]["dst-port"], rules["bfd-in-tunnels"]["in-interface-list"]) == \
            ("3784,3785", "sitelink-tunnels")
        # the LANs are OSPF's to route: no static route to a remote LAN
        assert lan_routes(lab, "branch-a") == [] and lan_routes(lab, "hub") == []
        # the fabric's modelled adjacencies: Full on both overlays of the hub, toward each branch's router id
        assert neighbors(lab, "hub") == [("eoip-branch-a", "10.253.0.2", "Full"),
                                         ("gre-branch-b", "10.253.0.3", "Full")]
        assert neighbors(lab, "branch-b") == [("gre-hub", "10.253.0.1", "Full")]

        rerun_changes_nothing(lab, ospf, connections)

        # a drain: the hub's two overlay templates take the highest cost in one sentence (one router-LSA, no moment
        # where one has it and the other not, when traffic loops between the hub and a branch); the undrain likewise
        for extra, cost in ((("-e", "sitelink_drain=hub"), "65535"), ((), "15")):
            lab.call(lambda: [lab.router(n).counters.sentences.clear() for n in ("hub", "branch-a", "branch-b")])
            run = play(ospf, connections, *extra)
            assert run.returncode == 0, run.out[-3000:]
            sets = lab.call(lambda: [list(words) for words in lab.router("hub").counters.sentences
                                     if words[0] == "/routing/ospf/interface-template/set"])
            assert len(sets) == 1 and "=cost=%s" % cost in sets[0], sets
            numbers = next(w for w in sets[0] if w.startswith("=.id="))
            assert len(numbers.split(",")) == 2, sets
            assert sorted(t["cost"] for t in rows(lab, "hub", "/routing/ospf/interface-template")
                          if named(t.get("comment")) != "ospf-lans") == [cost, cost]

        # floating static backups: the LAN routes come back 110 above their distance, below OSPF's preference
        floating = play(ospf, connections, "-e", "sitelink_ospf_static_backup=true")
        assert floating.returncode == 0, floating.out[-3000:]
        assert sorted((r["dst-address"], r["distance"]) for r in rows(lab, "branch-a", "/ip/route")
                      if r["dst-address"] in ("192.168.10.0/24", "192.168.12.0/24")) == \
            [("192.168.10.0/24", "111"), ("192.168.12.0/24", "111")]

        static = inventory(tmp_path, "static")
        back = play(static, connections)
        assert back.returncode == 0, back.out[-5000:]
        for name in ("hub", "branch-a", "branch-b"):
            left = [row for menu in OSPF_MENUS for row in rows(lab, name, menu)]
            assert left == ([] if name != "hub" else rows(lab, "hub", "/routing/ospf/instance")), (name, left)
        assert [(i["name"], i["comment"]) for i in rows(lab, "hub", "/routing/ospf/instance")] == \
            [("operator", "operator: igp")]
        assert not [r for r in rows(lab, "hub", "/ip/firewall/filter") if "ospf" in r.get("comment", "")]
        assert lan_routes(lab, "branch-a") == ["192.168.10.0/24", "192.168.12.0/24"]
        assert neighbors(lab, "hub") == []
    finally:
        lab.stop()


def test_an_imported_ospf_render_makes_the_ospf_entries_the_api_run_makes(tmp_path):
    """The hub's .rsc in OSPF mode (keys read from the applied fleet), imported into a fresh router: its OSPF and BFD
    entries and its OSPF/BFD input rules are those the API run wrote."""
    applied, connections = start_fleet(tmp_path / "api")
    imported, _unused = start_fleet(tmp_path / "import")
    rendered = tmp_path / "rendered"
    try:
        ospf = inventory(tmp_path, "ospf")
        run = play(ospf, connections)
        assert run.returncode == 0, run.out[-3000:]
        run = play(ospf, connections, "-e", "sitelink_render_dir=%s" % rendered, "-e", "sitelink_render_read_keys=true",
                   "-e", "sitelink_render_preshared_keys=true", "-e", "sitelink_render_release=7.18")
        assert run.returncode == 0, run.out[-3000:]
        hub = imported.router("hub")
        psk, script = (rendered / "hub.psk.rsc").read_text(), (rendered / "hub.rsc").read_text()
        imported.call(lambda: (import_script(hub, psk), import_script(hub, script)))

        def ours(lab):
            menus = [sorted(tuple(sorted(r.items())) for r in rows(lab, "hub", menu)) for menu in OSPF_MENUS]
            rules = [(r.get("protocol"), r.get("dst-port"), r.get("in-interface-list"))
                     for r in rows(lab, "hub", "/ip/firewall/filter") if "-in-tunnels" in r.get("comment", "")]
            return menus, sorted(rules)
        assert ours(imported) == ours(applied)
        assert len(ours(imported)[0][2]) == 3        # the two overlays' templates and the LANs'
    finally:
        applied.stop()
        imported.stop()


def report(directory):
    with open(directory / "fleet-report.json", encoding="utf-8") as handle:
        return dict((link["link"], link) for link in json.load(handle)["links"])


def test_the_fleet_table_shows_ospf_full_and_bfd_up_and_the_status_run_a_broken_hello_as_not_up(tmp_path):
    """The table, the JSON and the picture show each overlay link's adjacency; a spoke's template whose hello
    interval differs from the hub's (set through the API) leaves that link without a neighbour: the status playbook
    fails, and reports it down with OSPF's reason, the other link still up."""
    lab, connections = start_fleet(tmp_path)
    try:
        ospf = inventory(tmp_path, "ospf")
        first = play(ospf, connections, "-e", json.dumps({"sitelink_verify_delay": 1,
                                                          "sitelink_report_dir": str(tmp_path / "first")}))
        assert first.returncode == 0, first.out[-5000:]
        table = [line.strip(' ",') for line in first.out.splitlines()
                 if line.strip(' "').startswith("site ") or "Full" in line]
        assert table[0].split() == ["site", "peer", "overlay", "address", "handshake", "ping", "ospf", "bfd",
                                    "status"], table
        assert [line.split()[-3:] for line in table[1:]] == [["Full", "up", "up"], ["Full", "up", "up"]], table
        links = report(tmp_path / "first")
        assert [(name, link["status"], link["ospf"], link["bfd"]) for name, link in sorted(links.items())] == \
            [("branch-a--hub", "up", "Full", "up"), ("branch-b--hub", "up", "Full", "up")]
        assert "OSPF Full, BFD up" in (tmp_path / "first" / "topology.dot").read_text()

        branch_a = lab.router("branch-a")

        def slower_hellos():
            template = [it for it in branch_a.tables["/routing/ospf/interface-template"]
                        if named(it.values.get("comment")) == "ospf-eoip-hub"][0]
            branch_a.run("/routing/ospf/interface-template", "set", {".id": template.ref, "hello-interval": "7s"})
        lab.call(slower_hellos)
        status = run_playbook(STATUS, [ospf, connections], "-e", json.dumps({
            "sitelink_verify_delay": 1, "sitelink_verify_retries": 1, "sitelink_report_dir": str(tmp_path / "status")}),
            timeout=300)
        assert status.returncode != 0, status.out[-5000:]
        assert "1 links up, 1 down, 0 pending" in status.out, status.out[-5000:]
        links = report(tmp_path / "status")
        broken = links["branch-a--hub"]
        assert (broken["status"], broken["ospf"], broken["bfd"]) == ("down", "no neighbour", "none")
        assert "no OSPF neighbour on eoip-hub" in broken["why"] and "hello or dead interval" in broken["why"], broken
        assert (links["branch-b--hub"]["status"], links["branch-b--hub"]["ospf"]) == ("up", "Full")
        assert "no OSPF neighbour on eoip-hub" in status.out
    finally:
        lab.stop()
