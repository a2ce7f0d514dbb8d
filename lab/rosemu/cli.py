"""`rosemu`: serve N emulated RouterOS routers until SIGTERM."""

import argparse
import asyncio
import datetime
import os
import signal
import sys

import yaml

from rosemu import schema
from rosemu.lab import Lab, RouterSpec


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


def load_specs(args):
    users = dict(args.user) if args.user else None
    groups = dict(args.group) if args.group else None
    if args.topology:
        with open(args.topology, encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
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
    p.add_argument("--pidfile", help="write the process id here once every router listens and its ports are printed; "
                                     "removed on exit")
    return p


async def serve(args):
    host, port = args.listen
    tls_cert, tls_key = args.tls_cert, args.tls_key
    if args.tls_generate:
        tls_cert, tls_key = generate_certificate(args.tls_generate)
    ssl_port = args.ssl_listen[1] if args.ssl_listen else None
    lab = Lab(load_specs(args), host=host, port=port, ssl_port=ssl_port, tls_cert=tls_cert, tls_key=tls_key,
              control_port=args.control[1] if args.control else None, peer_overlap=args.peer_overlap,
              time_scale=args.time_scale, router_certificates=args.router_certificates)
    await lab.astart()
    print("\n".join(lab.lines()), flush=True)
    if args.pidfile:        # after the lines: a reader that waits for the file finds every router's ports printed
        with open(args.pidfile, "w", encoding="utf-8") as fh:
            fh.write("%d\n" % os.getpid())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await lab.astop()
    if args.pidfile and os.path.exists(args.pidfile):
        os.remove(args.pidfile)


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        asyncio.run(serve(args))
    except OSError as exc:
        print("rosemu: %s" % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
