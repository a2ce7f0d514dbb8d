"""The integration tests' emulated fleet: a hub and two branches (EoIP and GRE) over API-SSL, and site_tunnel.yml
run on it (imported by name)."""

import glob
import json
import os
import re

import yaml

from playbook_runs import ROOT, run_playbook
from rosemu.cli import generate_certificate
from rosemu.lab import Lab, RouterSpec

GOOD = os.path.join(ROOT, "tests", "inventories", "good", "hub_spoke.yml")
BAD = sorted(glob.glob(os.path.join(ROOT, "tests", "inventories", "bad", "*.yml")))
PLAYBOOK = os.path.join(ROOT, "playbooks", "site_tunnel.yml")
WAN = {"hub": ("198.51.100.1", "192.168.10.1"), "branch-a": ("198.51.100.11", "192.168.11.1"),
       "branch-b": ("198.51.100.12", "192.168.12.1")}

# the operator's own entries on the hub: an SSH rule above the default configuration's drops, a backup route
OPERATOR = [["/ip/firewall/filter/add", "=chain=input", "=action=accept", "=protocol=tcp", "=dst-port=22",
             "=comment=operator: ssh", "=place-before=*2"],
            ["/ip/route/add", "=dst-address=172.16.0.0/12", "=gateway=198.51.100.254", "=comment=operator: backup"]]


# The least-privilege group the README gives for the role: the fleets log in as a user of exactly that group.
with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as _readme:
    ROLE_GROUP, ROLE_POLICIES = re.search(r"/user group add name=(\S+) policy=(\S+)", _readme.read()).groups()
ROLE_USER = "ansible"


def start_fleet(tmp_path, version="7.18", hub_setup=(), password="", extra=(), policies=ROLE_POLICIES, fabric=None):
    """The routers over API-SSL, as the role's default: each inventory host gives its API-SSL port and the lab's
    self-signed certificate as ca_path (verified, host name 127.0.0.1 included). Every router has one user,
    `ansible` (with `password`), in a group with `policies` (by default the README's least-privilege group), and no
    admin. `hub_setup`: more sentences on the hub (the operator's own entries); `extra`: more RouterSpecs, not
    sites; `fabric`: one with a clock of the test's own."""
    users, groups = {ROLE_USER: (password, ROLE_GROUP)}, {ROLE_GROUP: policies}
    specs = [RouterSpec(name, version=version, users=users, groups=groups,
                        setup=[["/ip/address/add", "=address=%s/24" % wan, "=interface=ether1"],
                               ["/ip/address/set", "=numbers=*1", "=address=%s/24" % lan]]
                        + (list(hub_setup) if name == "hub" else []))
             for name, (wan, lan) in WAN.items()]
    cert, key = generate_certificate(str(tmp_path / "tls"))
    # the fabric's timers ten times faster: handshake retries every 0.5 s, GRE/EoIP keepalives every 1 s
    lab = Lab(specs + list(extra), tls_cert=cert, tls_key=key, time_scale=10, fabric=fabric).start()
    connections = tmp_path / "connections.yml"
    connections.write_text("all:\n  hosts:\n" + "".join(
        "    %s: {ansible_host: 127.0.0.1, sitelink_routeros: {port: %d, ca_path: %s, username: %s, password: %s}}\n"
        % (n, lab.port(n, "api-ssl"), json.dumps(cert), ROLE_USER, json.dumps(password)) for n in WAN))
    return lab, str(connections)


def play(inventory, connections, *flags):
    """site_tunnel.yml with the fleet's inventory and the lab's connections inventory."""
    return run_playbook(PLAYBOOK, [inventory, connections], *flags, timeout=300)


def writes(lab):
    return dict((n, lab.call(lambda r=r: r.counters.written)) for n, r in lab.routers.items())


def reset(lab):
    for router in lab.routers.values():
        lab.call(lambda r=router: r.counters.__init__())


def rerun_changes_nothing(lab, inventory, connections, *flags):
    """Run the play again: every host changed=0 and no write sentence on any router. Returns the run."""
    reset(lab)
    again = play(inventory, connections, *flags)
    assert again.returncode == 0 and again.out.count("changed=0") == len(lab.routers), again.out[-3000:]
    assert writes(lab) == dict((name, 0) for name in lab.routers)
    return again


# Two hubs and two spokes over GRE (test_dual_hub.py, test_dual_hub_static.py)
DUAL_HUB_SITES = {"hub-1": 1, "hub-2": 2, "spoke-a": 3, "spoke-b": 4}


def dual_hub_lan(name):
    return "192.168.%d.0/24" % (20 + DUAL_HUB_SITES[name])


def dual_hub_lan_host(name):
    return "192.168.%d.1" % (20 + DUAL_HUB_SITES[name])


def start_dual_hub(tmp_path, links=None, time_scale=10):
    """The four routers (the fabric's timers `time_scale` times faster: handshake retries every 0.5 s, GRE
    keepalives every 1 s at 10) and the inventory's path; `links`: the topology's link settings, if any."""
    specs = [RouterSpec(name, setup=[["/ip/address/add", "=address=198.51.100.%d/24" % (20 + i), "=interface=ether1"],
                                     ["/ip/address/set", "=numbers=*1", "=address=%s/24" % dual_hub_lan_host(name)]])
             for name, i in DUAL_HUB_SITES.items()]
    cert, key = generate_certificate(str(tmp_path / "tls"))
    lab = Lab(specs, tls_cert=cert, tls_key=key, time_scale=time_scale).start()
    hosts = {}
    for name, i in DUAL_HUB_SITES.items():
        site = {"id": i, "lans": [dual_hub_lan(name)]}
        if name.startswith("hub"):
            site["endpoint"] = "198.51.100.%d" % (20 + i)
        hosts[name] = {"ansible_host": "127.0.0.1", "sitelink_site": site,
                       "sitelink_routeros": {"port": lab.port(name, "api-ssl"), "ca_path": cert}}
    topology = {"type": "hub_spoke", "hubs": ["hub-1", "hub-2"]}
    if links is not None:
        topology["links"] = links
    fleet = {"sitelink_topology": topology,
             "sitelink_link_defaults": {"overlay": "gre", "preshared_key": True, "keepalive": 25},
             "sitelink_pools": {"wireguard": "10.255.0.0/24", "overlay": "10.254.0.0/24"},
             "sitelink_psk_secret": "lab-secret-not-for-production"}
    path = tmp_path / "dual.yml"
    path.write_text(yaml.safe_dump({"all": {"vars": fleet, "hosts": hosts}}))
    return lab, str(path)
