"""`rosemu`: serve N emulated RouterOS routers until SIGTERM."""

import argparse
import asyncio
import datetime
import json
import os
import signal
import subprocess
import sys

import yaml

from rosemu import from_inventory, scenario, schema
from rosemu.lab import Lab, RouterSpec
from rosemu.linuxlab import sh

DATAPLANE_FILE = "dataplane.json"   # in the --dataplane directory: the run's names, for verify and --dataplane-down


def host_port(text):
    host, _sep, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


def user_entry(text):
    name, _sep, rest = text.partition(":")
    password, _sep, group = rest.partition(":")
    return name, (password, group or "full")


def group_entry(text):
    name, _sep, policies = text.partition(":")
    return name, policies


def generate_certificate(directory):
    """A self-signed certificate for 127.0.0.1/localhost, for labs that want API-SSL without a CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    os.makedirs(directory, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rosemu")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    with open(cert_path, "wb") as fh:
        fh.write(cert.public_bytes(serialization.Encoding.PEM))
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))
    return cert_path, key_path


def load_topology(args):
    if not args.topology:
        return {}
    with open(args.topology, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def load_specs(args):
    if args.from_inventory:
        specs, args.lab_password = from_inventory.specs_and_password(
            from_inventory.sites_of(from_inventory.read_hostvars(args.from_inventory, args.vault_password_file)),
            args.ros_version)
        return specs
    users = dict(args.user) if args.user else None
    groups = dict(args.group) if args.group else None
    if args.topology:
        data = load_topology(args)
        specs = []
        for entry in data.get("routers", []):
            entry = dict(entry)
            if "users" in entry:
                entry["users"] = dict(user_entry(u) for u in entry["users"])
            entry.setdefault("users", users)
            entry.setdefault("groups", groups)
            entry.setdefault("defconf", not args.no_defconf)
            entry.setdefault("version", args.ros_version)
            specs.append(RouterSpec(**entry))
        return specs
    return [RouterSpec("r%d" % (n + 1), users=users, groups=groups, defconf=not args.no_defconf, version=args.ros_version)
            for n in range(args.routers)]


def dataplane_options(topology):
    """The topology's `dataplane:` mapping: `hosts` {router: [LAN host address/len, its gateway]}, `firewall`."""
    options = topology.get("dataplane") or {}
    hosts = {name: list(entry) for name, entry in (options.get("hosts") or {}).items()}
    return hosts, bool(options.get("firewall", False))


def record_dataplane(dataplane, joined):
    """What a run made, written before it makes it: verify finds the namespaces here, and --dataplane-down removes
    them after a run that could not (SIGKILL)."""
    os.makedirs(dataplane.state, exist_ok=True)
    saved = {"prefix": dataplane.prefix, "routers": dataplane.names, "hosts": dataplane.hosts,
             "underlay": dataplane.linux.wan_ns, "joined": joined,
             "netns": {name: dataplane.netns(name) for name in dataplane.names},
             "lan_hosts": {name: {"netns": dataplane.host_netns(name), "address": address.split("/")[0]}
                           for name, (address, _gateway) in dataplane.hosts.items()}}
    with open(os.path.join(dataplane.state, DATAPLANE_FILE), "w", encoding="utf-8") as fh:
        json.dump(saved, fh, indent=1)


def join_underlay(dataplane, netns):
    """A veth between the data plane's underlay bridge and the bridge br0 of `netns` (a rosemu-linux lab's WAN
    namespace): the lab's Linux sites and the routers share one underlay.  It goes with either namespace."""
    ours, theirs = "%sj0" % dataplane.prefix, "%sj1" % dataplane.prefix
    sh("ip", "-n", dataplane.linux.wan_ns, "link", "add", ours, "type", "veth", "peer", "name", theirs,
       "netns", netns)
    sh("ip", "-n", dataplane.linux.wan_ns, "link", "set", ours, "master", "br0", "up")
    sh("ip", "-n", netns, "link", "set", theirs, "master", "br0", "up")


def log_sync_errors(dataplane, router):
    """rosemu's standard error names a change the data plane could not realise (the API write itself succeeded,
    as it would on the router), and when the router is realised again."""
    last = [None]

    def on_change(_changed, _gone):
        error = dataplane.sync_errors.get(router.name)
        if error != last[0]:
            print("dataplane %s: %s" % (router.name, error or "realised again"), file=sys.stderr, flush=True)
            last[0] = error
    router.listeners.append(on_change)      # after the data plane's own listener: its sync has run


def start_dataplane(lab, args, topology):
    """Every router of the started lab in a namespace of the data plane, attached: each API write is realised
    before its reply (the lab's loop is this thread, so attach runs here directly)."""
    from rosemu.dataplane import DataPlane      # only --dataplane needs it (and root)

    hosts, firewall = dataplane_options(topology)
    dataplane = DataPlane(list(lab.routers), args.dataplane, hosts=hosts, firewall=firewall,
                          prefix=args.dataplane_prefix)
    record_dataplane(dataplane, args.dataplane_join)
    dataplane.up()
    try:
        if args.dataplane_join:
            join_underlay(dataplane, args.dataplane_join)
        for router in lab.routers.values():
            dataplane.attach(router)
            log_sync_errors(dataplane, router)
    except BaseException:
        dataplane.down()
        raise
    return dataplane


SETTLE_INTERVAL = 0.5      # seconds between looks at the forwarders' `running`


async def keep_settled(lab, dataplane):
    """A router reacts by itself when a tunnel starts or stops running (its routes over it go active or inactive);
    the emulator's tables follow the forwarders lazily (DataPlane.settle), so a served lab looks every
    SETTLE_INTERVAL, in the lab's loop, and a route flips within that of its tunnel."""
    while True:
        await asyncio.sleep(SETTLE_INTERVAL)
        for router in lab.routers.values():
            dataplane.settle(router)


def dataplane_down(state_dir):
    """Remove what `rosemu --dataplane STATE_DIR` recorded and left (its processes, namespaces, mounts)."""
    from rosemu.dataplane import DataPlane

    path = os.path.join(state_dir, DATAPLANE_FILE)
    if not os.path.exists(path):
        return False
    with open(path, encoding="utf-8") as fh:
        saved = json.load(fh)
    dataplane = DataPlane(saved["routers"], state_dir, hosts=saved["hosts"], prefix=saved["prefix"])
    dataplane.made = True           # the names are this run's (recorded), so down() may remove them
    dataplane.linux.owned = True    # likewise its routers' and underlay namespaces (LinuxLab.down() checks)
    dataplane.down()
    return True


def parser():
    p = argparse.ArgumentParser(prog="rosemu", description=__doc__)
    p.add_argument("--routers", type=int, default=1, help="number of routers r1..rN (ignored with --topology)")
    p.add_argument("--topology", help="YAML file: routers: [{name, identity, users, groups, defconf, version, setup}]; "
                                      "users: [NAME:PASSWORD:GROUP], groups: {NAME: POLICIES}")
    p.add_argument("--listen", type=host_port, default=("127.0.0.1", 8728),
                   help="HOST:PORT of the first router's API; the others use the next ports (0: any free port)")
    p.add_argument("--ssl-listen", type=host_port, help="HOST:PORT of the first API-SSL port (default: after the API range)")
    p.add_argument("--tls-cert", help="PEM certificate (chain) for API-SSL")
    p.add_argument("--tls-key", help="PEM private key for --tls-cert (default: in the certificate file)")
    p.add_argument("--tls-generate", metavar="DIR", help="write a self-signed certificate to DIR and serve API-SSL with it")
    p.add_argument("--router-certificates", action="store_true",
                   help="without --tls-*: each router's api-ssl serves the certificate its /ip/service api-ssl names "
                        "(made with /certificate add and sign), none at first")
    p.add_argument("--control", type=host_port, help="HOST:PORT of the HTTP/JSON control endpoint (port 0: any)")
    p.add_argument("--user", type=user_entry, action="append",
                   help="NAME:PASSWORD[:GROUP] (full, write, read or a --group); replaces the factory admin with "
                        "empty password")
    p.add_argument("--group", type=group_entry, action="append",
                   help="NAME:POLICY,POLICY,... a user group beside the built-in read, write and full "
                        "(e.g. sitelink:api,read,write,sensitive,test)")
    p.add_argument("--no-defconf", action="store_true", help="start without the default configuration")
    p.add_argument("--routeros-version", "--ros-version", dest="ros_version", default="7.18",
                   help="RouterOS release to behave as: a profile (%s) or a version such as 7.16.2; the menus "
                        "have the fields that release has, and /system/resource reports it"
                        % ", ".join(sorted(schema.PROFILES)))
    p.add_argument("--peer-overlap", choices=("reject", "allow"), default="reject",
                   help="identical allowed-address on two peers of one interface")
    p.add_argument("--time-scale", type=float, default=1.0,
                   help="emulated seconds per real second for the fabric's timers (handshake retries, tunnel "
                        "keepalives, last-handshake ages); 1 is RouterOS's own pace")
    p.add_argument("--from-inventory", metavar="INVENTORY", action="append",
                   help="one router per RouterOS site of an Ansible inventory (repeat for several sources); "
                        "needs --connections")
    p.add_argument("--connections", metavar="FILE",
                   help="with --from-inventory: write the inventory that points the sites at their emulated "
                        "routers here (API-SSL; the certificate goes beside it unless --tls-* say otherwise)")
    p.add_argument("--vault-password-file", help="with --from-inventory: for an inventory with vaulted values")
    p.add_argument("--write-scenario", metavar="DIR",
                   help="write the Molecule scenario that rehearses your own inventory on emulated routers to DIR "
                        "(e.g. molecule/sitelink) and exit")
    p.add_argument("--pidfile", help="write the process id here once every router listens and its ports are printed; "
                                     "removed on exit")
    p.add_argument("--dataplane", metavar="STATE_DIR",
                   help="also realise the routers' tables in network namespaces (needs root): real wireguard-go, "
                        "GRE/EoIP, addresses, routes and, with the topology's dataplane: firewall: true, the filter "
                        "chains; each router's ether1 on one underlay (198.51.100.101 on), the LAN hosts the "
                        "topology's dataplane: hosts: names behind ether2. The names go to STATE_DIR/%s; all is "
                        "removed on exit" % DATAPLANE_FILE)
    p.add_argument("--dataplane-prefix", metavar="PREFIX",
                   help="with --dataplane: the namespaces' prefix (default: drawn per run, `dp` and 6 hex digits)")
    p.add_argument("--dataplane-join", metavar="NETNS",
                   help="with --dataplane: bridge the underlay into NETNS's br0 (a rosemu-linux lab's PREFIX-wan)")
    p.add_argument("--dataplane-down", metavar="STATE_DIR",
                   help="remove what a rosemu --dataplane STATE_DIR left (it was killed), then exit")
    return p


async def serve(args):
    host, port = args.listen
    tls_cert, tls_key = args.tls_cert, args.tls_key
    if args.from_inventory and not tls_cert and not args.tls_generate:
        args.tls_generate = os.path.join(os.path.dirname(os.path.abspath(args.connections)), "rosemu-tls")
    if args.tls_generate:
        tls_cert, tls_key = generate_certificate(args.tls_generate)
    ssl_port = args.ssl_listen[1] if args.ssl_listen else None
    lab = Lab(load_specs(args), host=host, port=port, ssl_port=ssl_port, tls_cert=tls_cert, tls_key=tls_key,
              control_port=args.control[1] if args.control else None, peer_overlap=args.peer_overlap,
              time_scale=args.time_scale, router_certificates=args.router_certificates)
    await lab.astart()
    if args.from_inventory:
        from_inventory.write_connections(args.connections, lab, args.lab_password, os.path.abspath(tls_cert))
    dataplane = start_dataplane(lab, args, load_topology(args)) if args.dataplane else None
    settling = asyncio.get_running_loop().create_task(keep_settled(lab, dataplane)) if dataplane else None
    try:
        print("\n".join(lab.lines()), flush=True)
        if dataplane is not None:
            print("dataplane prefix=%s state=%s" % (dataplane.prefix, dataplane.state), flush=True)
        if args.pidfile:        # after the lines: a reader that waits for the file finds every router's ports printed
            with open(args.pidfile, "w", encoding="utf-8") as fh:
                fh.write("%d\n" % os.getpid())
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        if settling is not None:
            settling.cancel()
        if dataplane is not None:
            dataplane.down()
    await lab.astop()
    if args.pidfile and os.path.exists(args.pidfile):
        os.remove(args.pidfile)


def main(argv=None):
    args = parser().parse_args(argv)
    if args.write_scenario:
        return scenario.write(args.write_scenario)
    if args.from_inventory and not args.connections:
        parser().error("--from-inventory needs --connections FILE")
    if args.dataplane_down:
        print("removed" if dataplane_down(args.dataplane_down) else "nothing recorded")
        return 0
    try:
        asyncio.run(serve(args))
    except from_inventory.InventoryError as exc:
        print("rosemu: %s" % exc, file=sys.stderr)
        return 2
    except (OSError, subprocess.SubprocessError) as exc:
        print("rosemu: %s" % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
