"""Taking a site out (issue 19, item 3): `sitelink_site.state: absent` removes the site's tunnels at both ends - every
entry of the owner on the site itself, its WireGuard interface included, and its peer, overlay, addresses, routes,
rules and LAN-list entries on every other site - shown first by --check --diff, without sitelink_purge; a second run
writes nothing, and neither does the run after the host left the inventory."""

import yaml

from rosemu.cli import generate_certificate
from rosemu.lab import Lab, RouterSpec
from lab_fleet import PLAYBOOK, reset, writes
from playbook_runs import run_playbook

# a hub and four spokes; spoke-2 is the one taken out (EoIP to it, GRE to the others)
SITES = {"hub": 1, "spoke-1": 2, "spoke-2": 3, "spoke-3": 4, "spoke-4": 5}
GONE = "spoke-2"
NO_VERIFY = ("-e", "sitelink_verify=false")
MARKER = "sitelink:fleet"


def lan(name):
    return "192.168.%d.0/24" % (30 + SITES[name])


def start(tmp_path, sites=None):
    sites = sites or SITES
    specs = [RouterSpec(name, setup=[["/ip/address/add", "=address=198.51.100.%d/24" % (30 + i), "=interface=ether1"],
                                     ["/ip/address/set", "=numbers=*1", "=address=192.168.%d.1/24" % (30 + i)]])
             for name, i in sites.items()]
    cert, key = generate_certificate(str(tmp_path / "tls"))
    lab = Lab(specs, tls_cert=cert, tls_key=key, time_scale=10).start()
    hosts = {}
    for name, i in sites.items():
        site = {"id": i, "lans": ["192.168.%d.0/24" % (30 + i)]}
        if name == "hub":
            site["endpoint"] = "198.51.100.%d" % (30 + i)
        hosts[name] = {"ansible_host": "127.0.0.1", "sitelink_site": site,
                       "sitelink_routeros": {"port": lab.port(name, "api-ssl"), "ca_path": cert}}
    fleet = {"sitelink_topology": {"type": "hub_spoke", "hubs": ["hub"],
                                   "links": [{"sites": ["hub", GONE], "overlay": "eoip"}]},
             "sitelink_link_defaults": {"overlay": "gre", "preshared_key": True, "keepalive": 25},
             "sitelink_pools": {"wireguard": "10.255.0.0/24", "overlay": "10.254.0.0/24"},
             "sitelink_psk_secret": "lab-secret-not-for-production"}
    return lab, {"all": {"vars": fleet, "hosts": hosts}}


def write(tmp_path, name, inventory):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(inventory))
    return str(path)


def play(path, *flags):
    return run_playbook(PLAYBOOK, path, *flags, timeout=300)


def owned(lab, name):
    """{menu: [comment]} of the entries of ours on router `name` (the owner's marker in the comment)."""
    router = lab.router(name)

    def read():
        out = {}
        for path, rows in router.tables.items():
            comments = [r.values.get("comment", "") for r in rows if MARKER in (r.values.get("comment") or "")]
            if comments:
                out[path] = comments
        return out
    return lab.call(read)


def wireguard_interfaces(lab, name):
    router = lab.router(name)
    return lab.call(lambda: [r.values.get("name") for r in router.tables["/interface/wireguard"]])


def naming(lab, name, words):
    """The entries of ours on router `name` whose comment or values name one of `words` (a site, its LAN)."""
    router = lab.router(name)

    def read():
        ours = [(path, dict(r.values)) for path, rows in router.tables.items() for r in rows
                if MARKER in (r.values.get("comment") or "")]
        return [(path, values) for path, values in ours if any(w in str(v) for v in values.values() for w in words)]
    return lab.call(read)


def test_state_absent_takes_a_site_out_at_both_ends_then_the_host_leaves_the_inventory(tmp_path):
    lab, inventory = start(tmp_path)
    try:
        full = write(tmp_path, "full.yml", inventory)
        first = play(full, *NO_VERIFY)
        assert first.returncode == 0, first.out[-3000:]
        assert owned(lab, GONE) and naming(lab, "hub", [GONE]) and naming(lab, "spoke-1", [lan(GONE)])

        inventory["all"]["hosts"][GONE]["sitelink_site"]["state"] = "absent"
        absent = write(tmp_path, "absent.yml", inventory)
        reset(lab)
        rehearsal = play(absent, *NO_VERIFY, "--check", "--diff")
        assert rehearsal.returncode == 0, rehearsal.out[-3000:]
        assert set(writes(lab).values()) == {0}
        assert "would remove the tunnels" not in rehearsal.out
        # the diff shows the removals at both ends: the hub's peer and overlay, the site's own interface
        assert "hub--%s" % GONE in rehearsal.out and "eoip-%s" % GONE in rehearsal.out, rehearsal.out[-3000:]
        assert "--- before: %s /interface/wireguard\n" % GONE in rehearsal.out

        reset(lab)
        taken_out = play(absent)        # verification on: every remaining link is up
        assert taken_out.returncode == 0, taken_out.out[-3000:]
        assert "would remove the tunnels" not in taken_out.out
        assert owned(lab, GONE) == {} and wireguard_interfaces(lab, GONE) == []
        for other in SITES:
            if other != GONE:
                assert naming(lab, other, [GONE, lan(GONE)]) == [], other
        assert "6 link ends up, 0 down, 0 pending" in taken_out.out, taken_out.out[-3000:]     # 3 spokes' links left
        counted = writes(lab)
        assert counted[GONE] > 0 and counted["hub"] > 0 and counted["spoke-1"] > 0

        reset(lab)
        again = play(absent, *NO_VERIFY)
        assert again.returncode == 0, again.out[-3000:]
        assert set(writes(lab).values()) == {0}, writes(lab)

        del inventory["all"]["hosts"][GONE]
        inventory["all"]["vars"]["sitelink_topology"]["links"] = []
        left = write(tmp_path, "left.yml", inventory)
        reset(lab)
        gone = play(left, *NO_VERIFY)
        assert gone.returncode == 0, gone.out[-3000:]
        assert "would remove the tunnels" not in gone.out
        assert set(writes(lab).values()) == {0}, writes(lab)
    finally:
        lab.stop()
