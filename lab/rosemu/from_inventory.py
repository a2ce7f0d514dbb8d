"""`rosemu --from-inventory INVENTORY`: one emulated router per RouterOS site of a real inventory.

A user rehearses their own fleet in CI: rosemu reads the inventory the way ansible-playbook would (through
`ansible-inventory --list`, so group_vars, host_vars, INI, YAML and inventory plugins all count), starts one
router per host whose `sitelink_site` is a RouterOS site, each with its WAN address (the site's endpoint when it
is an address; else one of 198.18.0.0/15, the benchmarking range) on ether1 and a default route out of it, and
its LANs' first addresses on the bridge; then writes a connection inventory that points each of those hosts at
its emulated router (API-SSL on 127.0.0.1, the lab's certificate as CA, a lab user with the role's five
policies). Give both inventories to the run, the lab's last, so its connection settings win:

    ansible-playbook sitelink.tunnels.site_tunnel -i inventory/ -i CONNECTIONS

Linux sites are not emulated here: an inventory with Linux sites is refused, naming them.
"""

import ipaddress
import json
import os
import secrets
import shutil
import subprocess
import sys

import yaml

from rosemu.lab import RouterSpec

LAB_USER = "sitelink"
LAB_GROUP_POLICIES = "api,read,write,sensitive,test"     # what playbooks/router_bootstrap.yml grants
SPARE_WAN = ipaddress.ip_network("198.18.0.0/15")         # RFC 2544: never a real site's address


class InventoryError(Exception):
    """The inventory cannot be emulated; the message says why, naming hosts."""


def ansible_inventory_command():
    """ansible-inventory of the venv rosemu runs in, else the one on PATH."""
    beside = os.path.join(os.path.dirname(sys.executable), "ansible-inventory")
    found = beside if os.access(beside, os.X_OK) else shutil.which("ansible-inventory")
    if not found:
        raise InventoryError("ansible-inventory not found (install ansible-core next to rosemu)")
    return found


def read_hostvars(inventories, vault_password_file=None):
    """{host: its variables} as Ansible resolves them (templates are not rendered: sitelink_site must be literal)."""
    command = [ansible_inventory_command(), "--list"]
    for inventory in inventories:
        command += ["-i", inventory]
    if vault_password_file:
        command += ["--vault-password-file", vault_password_file]
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise InventoryError("ansible-inventory failed: %s" % (proc.stderr.strip() or proc.stdout.strip()))
    return json.loads(proc.stdout).get("_meta", {}).get("hostvars", {})


def sites_of(hostvars):
    """[(host, sitelink_site)] of the RouterOS sites; refuses Linux sites and sites that are not mappings."""
    routeros, refused = [], []
    for host in sorted(hostvars):
        site = hostvars[host].get("sitelink_site")
        if site is None:
            continue
        if not isinstance(site, dict):
            refused.append("%s: sitelink_site is not a mapping" % host)
        elif site.get("platform", "routeros") != "routeros":
            refused.append("%s: a %s site (rosemu emulates RouterOS sites only)" % (host, site.get("platform")))
        else:
            routeros.append((host, site))
    if refused:
        raise InventoryError("cannot emulate: " + "; ".join(refused))
    if not routeros:
        raise InventoryError("the inventory has no RouterOS site (no host with sitelink_site)")
    return routeros


def _address(text):
    try:
        return ipaddress.ip_address(str(text).partition("%")[0])
    except ValueError:
        return None             # a host name, or nothing


def setup_of(site, spare):
    """The API sentences that give an emulated router the site's WAN and LANs (`spare`: its 198.18/15 address)."""
    wan = _address(site.get("endpoint", "")) or spare
    family = "ip" if wan.version == 4 else "ipv6"
    setup = [["/%s/address/add" % family, "=address=%s/%d" % (wan, wan.max_prefixlen), "=interface=ether1",
              "=comment=WAN (rosemu --from-inventory)"],
             ["/%s/route/add" % family, "=dst-address=%s" % ("0.0.0.0/0" if wan.version == 4 else "::/0"),
              "=gateway=ether1", "=comment=WAN (rosemu --from-inventory)"]]
    first_v4 = True
    for lan in site.get("lans") or ():
        net = ipaddress.ip_network(str(lan), strict=False)
        gateway = "%s/%d" % (next(net.hosts()) if net.num_addresses > 1 else net.network_address, net.prefixlen)
        if net.version == 4 and first_v4:
            setup.append(["/ip/address/set", "=numbers=*1", "=address=%s" % gateway])   # the defconf bridge's
            first_v4 = False
        else:
            setup.append(["/%s/address/add" % ("ip" if net.version == 4 else "ipv6"), "=address=%s" % gateway,
                          "=interface=bridge"])
    return setup


def specs_and_password(sites, version):
    """RouterSpecs for the sites (each with the lab user, a fresh password) and that password."""
    password = secrets.token_urlsafe(18)
    spares = SPARE_WAN.hosts()
    specs = [RouterSpec(host, users={LAB_USER: (password, "sitelink")}, groups={"sitelink": LAB_GROUP_POLICIES},
                        version=version, setup=setup_of(site, next(spares)))
             for host, site in sites]
    return specs, password


def write_connections(path, lab, password, ca_path):
    """The connection inventory (0600: it holds the lab user's password)."""
    hosts = {}
    for name in lab.routers:
        hosts[name] = {"ansible_host": lab.host,
                       "sitelink_routeros": {"port": lab.port(name, "api-ssl"), "tls": True, "ca_path": ca_path,
                                             "username": LAB_USER, "password": password}}
    text = "# written by rosemu --from-inventory: the emulated routers of this lab\n" + \
        yaml.safe_dump({"all": {"children": {"rosemu_routers": {"hosts": hosts}}}}, sort_keys=True)
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(path + ".tmp", path)        # whoever waits for the file sees it whole
