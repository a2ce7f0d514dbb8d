"""`make demo`: the main job on the built-in lab.

First fleet: three emulated RouterOS routers (a hub and two branches, one branch on EoIP,
one on GRE; `rosemu` in a child process, reached over its API-SSL service like hardware, the
certificate verified against the lab's own CA).
Second fleet: three Linux gateways (network namespaces with sshd and real wireguard-go,
reached over SSH) in a full mesh; a ping then crosses from one gateway's LAN to another's.
For each: write the inventory, run playbooks/site_tunnel.yml twice (the second run changes
nothing), show the fleet table, tear the lab down.
Secrets audit: the first run of each fleet is at -vvv --diff with a log file and a fact cache; every
private key and preshared key the labs hold, and the inventories' PSK secret, is then searched for in
the output, the log and the cache (rosemu-audit): the demo fails on a hit.
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile

import yaml

from rosemu.lab_tools import start_rosemu
from rosemu.linuxlab import LinuxLab
from rosemu.secrets_audit import find, linux_secrets, routeros_secrets

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLEET = os.path.join(ROOT, "tests", "inventories", "good", "hub_spoke.yml")
LINUX_FLEET = os.path.join(ROOT, "tests", "inventories", "good", "linux_mesh.yml")
LINUX_LANS = {"gw-1": "192.168.51.1/24", "gw-2": "192.168.52.1/24", "gw-3": "192.168.53.1/24"}
# Each router's WAN (ether1) on one underlay, and its LAN where the inventory says it is.
LAB = """\
routers:
  - name: hub
    setup:
      - ["/ip/address/add", "=address=198.51.100.1/24", "=interface=ether1", "=comment=WAN"]
      - ["/ip/address/set", "=numbers=*1", "=address=192.168.10.1/24"]
  - name: branch-a
    setup:
      - ["/ip/address/add", "=address=198.51.100.11/24", "=interface=ether1", "=comment=WAN"]
      - ["/ip/address/set", "=numbers=*1", "=address=192.168.11.1/24"]
  - name: branch-b
    setup:
      - ["/ip/address/add", "=address=198.51.100.12/24", "=interface=ether1", "=comment=WAN"]
      - ["/ip/address/set", "=numbers=*1", "=address=192.168.12.1/24"]
"""


def playbook(inventories, label, audit=None):
    """Run site_tunnel.yml; with AUDIT (a folder) at -vvv --diff, logging and caching facts there."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"),
               ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook")]
    for inventory in inventories:
        command += ["-i", inventory]
    command.append(os.path.join(ROOT, "playbooks", "site_tunnel.yml"))
    if audit:
        command += ["-vvv", "--diff"]
        env.update(ANSIBLE_LOG_PATH=os.path.join(audit, "ansible.log"), ANSIBLE_CACHE_PLUGIN="jsonfile",
                   ANSIBLE_CACHE_PLUGIN_CONNECTION=os.path.join(audit, "facts"), ANSIBLE_GATHERING="implicit")
    shown = " ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in command[1:])
    print("\n=== %s: %s" % (label, shown), flush=True)
    proc = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if audit:
        with open(os.path.join(audit, "run-%d.out" % len(os.listdir(audit))), "w", encoding="utf-8") as fh:
            fh.write(proc.stdout + proc.stderr)
    return proc


def show(proc):
    text = proc.stdout
    # at -vvv other results carry a "msg" list too: the fleet table is the one with the header
    # (the site column is as wide as the longest site name: "site      peer" on the RouterOS fleet)
    tables = [t for t in re.finditer(r'"msg": \[\n(.*?)\n\s*\]', text, re.S) if re.search(r"site +peer", t.group(1))]
    table = tables[-1] if tables else None
    if table:
        for line in table.group(1).splitlines():
            print("  " + line.strip().rstrip(",").strip('"').rstrip())
    recap = text[text.find("PLAY RECAP"):]
    print(recap.strip())
    if proc.returncode != 0:
        print(text[-3000:] + proc.stderr[-2000:])


def twice(inventories, audit):
    first = playbook(inventories, "first run, -vvv --diff for the secrets audit", audit)
    show(first)
    second = playbook(inventories, "second run (nothing to change)")
    show(second)
    return first.returncode == 0 and second.returncode == 0 and \
        not re.search(r"changed=[1-9]", second.stdout[second.stdout.find("PLAY RECAP"):])


def psk_secret(inventory):
    with open(inventory, encoding="utf-8") as fh:
        return {"PSK secret of %s" % os.path.basename(inventory): yaml.safe_load(fh)["all"]["vars"]["sitelink_psk_secret"]}


def audited(audit, secrets):
    hits, searched = find(secrets, [audit])
    for label, path in hits:
        print("secrets audit: %s found in %s" % (label, os.path.relpath(path, audit)))
    print("\nsecrets audit (-vvv --diff output, log, fact cache): %d secrets, %d files searched, %d hits"
          % (len(secrets), searched, len(hits)))
    return not hits and len(secrets) > 1 and searched >= 3     # two outputs and the log at least


def linux_fleet(tmp, audit, secrets):
    print("\n##### Linux gateways: namespaces with sshd and wireguard-go, reached over SSH", flush=True)
    lab = LinuxLab(list(LINUX_LANS), os.path.join(tmp, "linuxlab"), lans=LINUX_LANS).up()
    try:
        connections = os.path.join(tmp, "linux-connections.json")
        with open(connections, "w", encoding="utf-8") as fh:
            json.dump({"all": {"hosts": dict((n, lab.inventory_vars(n)) for n in LINUX_LANS)}}, fh)
        sites = ["%s (WAN %s, LAN %s)" % (n, lab.wan_address(n), LINUX_LANS[n]) for n in LINUX_LANS]
        print("lab up: %s" % ", ".join(sites))
        print("inventory: %s (+ the lab's SSH settings)" % os.path.relpath(LINUX_FLEET, ROOT))
        ok = twice([LINUX_FLEET, connections], audit)
        secrets.update(linux_secrets(lab.state))
        secrets.update(psk_secret(LINUX_FLEET))
        ping = lab.ssh("gw-3", "ping -c 3 -i 0.2 -W 2 -I 192.168.53.1 192.168.51.1", check=False)
        summary = [line for line in ping.stdout.splitlines() if "packets transmitted" in line]
        print("\nLAN to LAN through the tunnel, gw-3 192.168.53.1 -> gw-1 192.168.51.1: %s"
              % (summary[0] if summary else ping.stdout + ping.stderr))
        return ok and ping.returncode == 0
    finally:
        lab.down()


def main():
    with tempfile.TemporaryDirectory(prefix="sitelink-demo-") as tmp:
        audit, secrets = os.path.join(tmp, "audit"), {}
        os.makedirs(audit)
        print("##### RouterOS fleet: emulated routers, reached over the RouterOS API", flush=True)
        topology = os.path.join(tmp, "lab.yml")
        with open(topology, "w", encoding="utf-8") as fh:
            fh.write(LAB)
        # API-SSL, as the role uses by default: rosemu writes a self-signed certificate for 127.0.0.1 (tls/cert.pem),
        # which the inventory gives as the routers' CA (ca_path), so the certificate and host name are verified
        proc, routers = start_rosemu(["--topology", topology, "--tls-generate", os.path.join(tmp, "tls")])
        try:
            names = ", ".join("%s (api-ssl %s:%d)" % (n, e["api-ssl"][0], e["api-ssl"][1]) for n, e in routers.items())
            print("lab up: %s" % names)
            connections = os.path.join(tmp, "connections.yml")
            with open(connections, "w", encoding="utf-8") as fh:
                fh.write("all:\n  hosts:\n")
                for name, ends in routers.items():
                    host, port = ends["api-ssl"]
                    fh.write("    %s: {ansible_host: %s, sitelink_routeros: {port: %d, ca_path: %s}}\n"
                             % (name, host, port, json.dumps(os.path.join(tmp, "tls", "cert.pem"))))
            print("inventory: %s (+ the lab's API-SSL ports and CA)" % os.path.relpath(FLEET, ROOT))
            ok = twice([FLEET, connections], audit)
            for ends in routers.values():
                secrets.update(routeros_secrets(*ends["api"]))
            secrets.update(psk_secret(FLEET))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(15)
        ok = linux_fleet(tmp, audit, secrets) and ok
        ok = audited(audit, secrets) and ok
        print("\nlabs down; %s" % ("both fleets healthy, second runs changed nothing" if ok else "DEMO FAILED"))
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
