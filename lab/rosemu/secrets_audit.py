"""`rosemu-audit`: the lab's secrets, and a search for them in everything a run wrote.

  rosemu-audit collect --out FILE [--api HOST:PORT ...] [--linux-state DIR] [--known NAME ...] [--stdin-secret LABEL ...]
  rosemu-audit scan --secrets FILE PATH ...

`collect` reads every WireGuard private key and preshared key the lab holds - from each emulated router through its
API (as `--user`, a user allowed to see them, as an auditor would; the password from `--password-secret` or
`--password-env`) and from each Linux site with `wg show all dump` inside its namespaces - plus the values of the
environment variables named with `--known` and the lines of standard input (one per `--stdin-secret`, in order:
the PSK secret, a router password), and writes them to FILE (0600). `scan` searches every file under each PATH (and
PATH itself when it is a file) for every one of them, the secrets file itself aside; it prints one line per hit and a
summary, and exits 1 on a hit. Used by `make molecule-tests` around each scenario and by `make demo`.
"""

import argparse
import json
import os
import subprocess
import sys

SECRET_FIELDS = {"/interface/wireguard": ("private-key",), "/interface/wireguard/peers": ("preshared-key", "private-key")}
NO_VALUE = ("", "(none)", "off", "none", "auto")     # "none"/"auto": a peer's private-key when unset (7.15+)


def routeros_secrets(host, port, user="admin", password=""):
    """{label: value} of the router's WireGuard private and preshared keys, read through its plain API."""
    import librouteros    # the project's venv has it (the collection's own requirement); rosemu itself does not need it
    api = librouteros.connect(host=host, port=port, username=user, password=password, timeout=15)
    try:
        found = {}
        for path, fields in SECRET_FIELDS.items():
            for row in api.path(*path.strip("/").split("/")):
                for field in fields:
                    value = str(row.get(field) or "")
                    if value not in NO_VALUE:
                        found["%s:%d %s %s %s" % (host, port, path, row.get(".id"), field)] = value
        return found
    finally:
        api.close()


def linux_secrets(state):
    """{label: value} of every private and preshared key of the Linux lab in STATE (`wg show all dump`)."""
    with open(os.path.join(state, "lab.json"), encoding="utf-8") as fh:
        lab = json.load(fh)
    found = {}
    for name in lab["names"]:
        dump = subprocess.run(["nsenter", "--net=/var/run/netns/%s-%s" % (lab["prefix"], name),
                               "--mount=%s" % os.path.join(state, "ns", "%s.mnt" % name), "wg", "show", "all", "dump"],
                              capture_output=True, text=True, check=False).stdout
        for line in dump.splitlines():
            fields = line.split("\t")
            # interface lines: iface, private key, public key, port, fwmark; peer lines: iface, public key, psk, ...
            if len(fields) == 5:
                label, secret = "%s %s private key" % (name, fields[0]), fields[1]
            elif len(fields) > 5:
                label, secret = "%s %s peer %s preshared key" % (name, fields[0], fields[1][:8]), fields[2]
            else:
                continue
            if secret not in NO_VALUE:
                found[label] = secret
    return found


def collect(args):
    secrets = {}
    for label in args.stdin_secret:
        line = sys.stdin.readline().rstrip("\n")
        if line:
            secrets[label] = line
    for name in args.known:
        if os.environ.get(name):
            secrets["$%s" % name] = os.environ[name]
    # the routers' password: one of the secrets read (it is searched for too), else an environment variable
    password = secrets.get(args.password_secret) if args.password_secret else os.environ.get(args.password_env, "")
    for endpoint in args.api:
        host, _sep, port = endpoint.rpartition(":")
        secrets.update(routeros_secrets(host, int(port), args.user, password or ""))
    if args.linux_state:
        secrets.update(linux_secrets(args.linux_state))
    fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(secrets, fh)
    print("rosemu-audit: %d secrets collected" % len(secrets))
    return 0


def files_under(paths, skip):
    for path in paths:
        if os.path.isfile(path):
            yield path
        for folder, _dirs, names in os.walk(path):
            for name in names:
                full = os.path.join(folder, name)
                if os.path.realpath(full) != skip and os.path.isfile(full):
                    yield full


def find(secrets, paths, skip=None):
    """[(label, file)] for every secret found in a file under PATHS, and the number of files searched."""
    hits, searched = [], 0
    for path in files_under(paths, os.path.realpath(skip) if skip else None):
        with open(path, "rb") as fh:
            text = fh.read()
        searched += 1
        hits += [(label, path) for label, value in secrets.items() if value.encode() in text]
    return hits, searched


def scan(args):
    with open(args.secrets, encoding="utf-8") as fh:
        secrets = json.load(fh)
    hits, searched = find(secrets, args.paths, args.secrets)
    for label, path in hits:
        print("rosemu-audit: %s found in %s" % (label, path))
    print("rosemu-audit: %d secrets, %d files searched, %d hits" % (len(secrets), searched, len(hits)))
    return 1 if hits or not secrets or not searched else 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="rosemu-audit", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    gather = commands.add_parser("collect")
    gather.add_argument("--out", required=True)
    gather.add_argument("--api", action="append", default=[], metavar="HOST:PORT", help="a router's plain API (repeat)")
    gather.add_argument("--user", default="admin")
    gather.add_argument("--password-env", default="SITELINK_AUDIT_ROUTER_PASSWORD",
                        help="environment variable holding the routers' password (default: empty)")
    gather.add_argument("--password-secret", metavar="LABEL",
                        help="log in with the secret read from standard input under this label")
    gather.add_argument("--linux-state", help="a rosemu-linux lab directory")
    gather.add_argument("--known", action="append", default=[], metavar="VARIABLE",
                        help="an environment variable whose value is a secret too (repeat)")
    gather.add_argument("--stdin-secret", action="append", default=[], metavar="LABEL",
                        help="read a secret from the next line of standard input (repeat)")
    search = commands.add_parser("scan")
    search.add_argument("--secrets", required=True)
    search.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    return collect(args) if args.command == "collect" else scan(args)


if __name__ == "__main__":
    sys.exit(main())
