"""The lab's `ip` on a Linux site whose kernel has no GRE (ip_gre): kernel GRE interfaces, made in user space.

LinuxLab (`user_gre`) bind-mounts a shim over the real binary in each site's mount namespace (/usr/bin/ip; on
Debian 12 /bin/ip, /sbin/ip and /usr/sbin/ip lead there too), which calls `main(argv, config)`.  It handles exactly:

  ip link add [dev|name] NAME type gre local A remote B [ttl N]
      a TUN device NAME (made by the forwarder, which holds it) and its user-space GRE forwarder
      (`rosemu.dataplane.forwarder`, kind gre without keepalives: Linux ip_gre sends none), started in the site's
      namespaces, tracked by PID in the site's state (STATE/NAME.json); MTU as ip_gre picks it (the route to B's
      device MTU less 24, 1476 without a route)
  ip link del|delete [dev] NAME       (NAME such a device) stops its forwarder: the TUN goes with it
  ip [-j] [-d] ... link|address show  the real output, each such device shown as ip_gre's (`shown_as_gre`, and
                                      in text `text_as_gre`)

Every other command execs the real `ip` (config "real_ip") with the same argv: no shell anywhere.  The standard
library only, and only os and sys before the exec: this runs for every `ip` a site runs (Python's start and these
two: about 10 ms; json and subprocess would add 20), so every other import is made where it is needed.
lab/FIDELITY.md "Linux sites' GRE (the lab's ip_gre)" says what differs from ip_gre.
"""
# the exec path imports os and sys only (see above)
# pylint: disable=import-outside-toplevel

import os
import sys

GRE_OVERHEAD = 24           # outer IPv4 header and the 4-byte GRE header (ip_tunnel_bind_dev's t_hlen)
NO_ROUTE_MTU = 1500 - GRE_OVERHEAD      # ip_tunnel_bind_dev without a route to the remote: ETH_DATA_LEN less t_hlen
MIN_MTU = 68                # IPV4_MIN_MTU
START_TIMEOUT = 15          # seconds for the forwarder's "ready" (well under 2 on an idle host)
STOP_TIMEOUT = 5
VALUED_OPTIONS = ("-family", "-rcvbuf", "-loops")      # global options that take a value (-n/-b: pass through)
ELSEWHERE = ("-netns", "-batch")                        # another namespace, or commands from a file: not ours
GRE_OPTIONS = ("local", "remote", "ttl")                # of `ip link add ... type gre`, what the lab's GRE takes
TEXT_HEADER = r"^(\d+: )([^:@\s]+)(: <.*)$"     # "4: gre-b: <POINTOPOINT,...": a device's first line (re.S)
# what ip/iptuntap.c print_opt writes for a TUN (type, pi, vnet_hdr, multi_queue, persist, user, group)
TEXT_TUN = r"\btun type tun (pi \w+ )?(vnet_hdr \w+ )?(multi_queue )?(persist \w+ )?(user \S+ )?(group \S+ )?"


class Refused(Exception):
    """A GRE command the lab's GRE does not do: said on stderr, exit status 2 (ip's for a refused request)."""


def matches(word, full):
    """iproute2's matches(): `word` abbreviates `full` (ip l, ip addr, ip link del ...)."""
    return bool(word) and full.startswith(word)


def split_options(argv):
    """(global options, the rest) of an `ip` argument list without argv[0]; None: not for the wrapper."""
    options, index = [], 0
    while index < len(argv) and argv[index].startswith("-") and argv[index] != "-":
        word = argv[index]
        if any(matches(word, o) for o in ELSEWHERE) or word in ("-n", "-b"):
            return None
        options.append(word)
        if any(matches(word, o) for o in VALUED_OPTIONS) or word == "-f":
            index += 1
        index += 1
    return options, argv[index:]


def alive(pid):
    """Running, as opposed to gone or a zombie (nobody may reap a forwarder whose starter has exited)."""
    try:
        with open("/proc/%d/stat" % pid, encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def device_exists(name):
    import socket
    try:
        socket.if_nametoindex(name)
    except OSError:
        return False
    return True


class Site:
    """The wrapper's view of one site: its state directory (one NAME.json per tunnel) and the real `ip`."""

    def __init__(self, config):
        self.config = config
        self.state = config["state"]

    def real(self, *args):
        import subprocess
        return subprocess.run([self.config["real_ip"]] + list(args), capture_output=True, text=True, check=False)

    def path(self, name, suffix=".json"):
        return os.path.join(self.state, name + suffix)

    def tunnels(self):
        """The site's user-space GRE tunnels whose forwarder runs, by name."""
        entries = [e for e in sorted(os.listdir(self.state)) if e.endswith(".json") and ".forwarder." not in e]
        if not entries:
            return {}       # the common case: no json to import
        import json
        found = {}
        for entry in entries:
            with open(os.path.join(self.state, entry), encoding="utf-8") as fh:
                tunnel = json.load(fh)
            if self.runs_forwarder(tunnel):
                found[tunnel["name"]] = tunnel
        return found

    def runs_forwarder(self, tunnel):
        """Its forwarder still runs: the PID is alive and runs this tunnel's configuration (not a PID reused)."""
        try:
            with open("/proc/%d/cmdline" % tunnel["pid"], "rb") as fh:
                argv = fh.read().split(b"\0")
        except OSError:
            return False
        return alive(tunnel["pid"]) and self.path(tunnel["name"], ".forwarder.json").encode() in argv

    # ----- ip link add ... type gre -------------------------------------------------
    def add(self, name, local, remote, ttl):
        import json
        same_ends = any((t["local"], t["remote"]) == (local, remote) for t in self.tunnels().values())
        if device_exists(name) or same_ends:    # ip_tunnel_newlink: one tunnel per name and per pair of ends
            raise Refused("RTNETLINK answers: File exists")
        forwarder = self.start_forwarder(name, local, remote, ttl)
        # a TUN is POINTOPOINT, NOARP and MULTICAST; an ip_gre device with a remote only the first two
        # (ip_tunnel_bind_dev, ipgre_tunnel_init)
        self.real("link", "set", "dev", name, "mtu", str(self.mtu_toward(remote)), "multicast", "off")
        tunnel = {"name": name, "local": local, "remote": remote, "ttl": ttl, "pid": forwarder.pid}
        with open(self.path(name), "w", encoding="utf-8") as fh:
            json.dump(tunnel, fh)

    def start_forwarder(self, name, local, remote, ttl):
        import json
        import subprocess
        status = os.path.join(self.state, "status")
        os.makedirs(status, exist_ok=True)
        config = self.path(name, ".forwarder.json")
        with open(config, "w", encoding="utf-8") as fh:
            json.dump({"status_dir": status, "tunnels": [
                {"name": name, "kind": "gre", "local": local, "remote": remote, "keepalive": None, "ttl": ttl}]}, fh)
        env = {"PYTHONPATH": self.config["lab_dir"], "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")}
        with open(self.path(name, ".log"), "ab") as log:
            forwarder = subprocess.Popen([self.config["python"], "-m", "rosemu.dataplane.forwarder", config],
                                         env=env, cwd="/", stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=log, start_new_session=True)   # outlives this `ip` and its SSH
        ready = wait_readable(forwarder.stdout, START_TIMEOUT) and forwarder.stdout.readline().strip() == b"ready"
        forwarder.stdout.close()
        if not ready:
            stop(forwarder.pid)
            with open(self.path(name, ".log"), encoding="utf-8", errors="replace") as fh:
                raise Refused("the lab's user-space GRE for %s did not start: %s" % (name, fh.read()[-1000:]))
        return forwarder

    def mtu_toward(self, remote):
        """ip_gre's MTU for a new tunnel: the MTU of the device the route to `remote` leaves by, less 24."""
        import json
        route = self.real("-j", "route", "get", remote)
        try:
            device = json.loads(route.stdout)[0]["dev"]
            mtu = json.loads(self.real("-j", "link", "show", "dev", device).stdout)[0]["mtu"]
        except (ValueError, IndexError, KeyError):
            return NO_ROUTE_MTU
        return max(mtu - GRE_OVERHEAD, MIN_MTU)

    # ----- ip link del NAME ----------------------------------------------------------
    def delete(self, name):
        import time
        tunnel = self.tunnels()[name]
        stop(tunnel["pid"])
        deadline = time.monotonic() + STOP_TIMEOUT
        while device_exists(name) and time.monotonic() < deadline:     # the TUN goes when its fd is closed
            time.sleep(0.02)
        for suffix in (".json", ".forwarder.json"):
            os.remove(self.path(name, suffix))


def wait_readable(stream, timeout):
    import selectors
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        return bool(selector.select(timeout))


def stop(pid):
    """SIGTERM (the forwarder exits and closes its TUN), SIGKILL after STOP_TIMEOUT."""
    import signal
    import time
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + STOP_TIMEOUT
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if not alive(pid):
            return


def parse_add(words):
    """(name, local, remote, ttl) of `add [dev|name] NAME type gre OPTIONS`; None when the type is not gre."""
    import ipaddress
    if "type" not in words or words.index("type") + 1 >= len(words) or words[words.index("type") + 1] != "gre":
        return None
    head, options = words[:words.index("type")], words[words.index("type") + 2:]
    if len(head) == 2 and head[0] in ("dev", "name"):
        head = head[1:]
    if len(head) != 1:
        raise Refused("lab ip: only `ip link add [dev] NAME type gre local A remote B [ttl N]` makes a GRE "
                      "interface here (user-space GRE; the kernel has none), not %r" % " ".join(words))
    values = {"ttl": "0"}                      # ip_gre's default: inherit
    while options:
        if options[0] not in GRE_OPTIONS or len(options) < 2:
            raise Refused("lab ip: the lab's user-space GRE takes only %s, not %r"
                          % (", ".join(GRE_OPTIONS), options[0]))
        values[options[0]] = options[1]
        options = options[2:]
    try:
        local, remote = (str(ipaddress.IPv4Address(values[k])) for k in ("local", "remote"))
        ttl = 0 if values["ttl"] == "inherit" else int(values["ttl"])
    except (KeyError, ValueError) as exc:
        raise Refused("lab ip: GRE needs IPv4 local and remote and a TTL (%s)" % exc)
    if len(head[0]) > 15 or not 0 <= ttl <= 255:
        raise Refused("lab ip: bad name %r or ttl %s" % (head[0], ttl))
    return head[0], local, remote, ttl


def shown_as_gre(link, tunnel):
    """A device of `ip -j [-d] link|address show` as iproute2 shows an ip_gre one (ip/ipaddress.c print_linkinfo:
    `link` null for IFLA_LINK 0, `link_type` gre, its 4-byte address and, POINTOPOINT, `link_pointtopoint` and the
    peer as `broadcast`; ip/link_gre.c gre_print_opt: info_data remote, local, ttl, pmtudisc)."""
    shown = {}
    for key, value in link.items():
        if key == "link_type":
            shown.update(link_type="gre", address=tunnel["local"], link_pointtopoint=True,
                         broadcast=tunnel["remote"])
        elif key == "linkinfo":
            shown["linkinfo"] = {"info_kind": "gre", "info_data": {
                "remote": tunnel["remote"], "local": tunnel["local"], "ttl": tunnel["ttl"], "pmtudisc": True}}
        elif key not in ("address", "broadcast", "link_pointtopoint"):
            shown[key] = value
        if key == "ifindex":
            shown["link"] = None            # before ifname, as iproute2 prints it
    return shown


def text_as_gre(text, tunnels):
    """The text of `ip [-d] link|address show` with our tunnels' lines as ip_gre's: NAME@NONE, `link/gre LOCAL peer
    REMOTE`, and with -d `gre remote REMOTE local LOCAL ttl TTL|inherit` (link_gre.c) in place of the TUN's."""
    import re
    lines, tunnel = [], None
    for line in text.splitlines(True):
        header = re.match(TEXT_HEADER, line, re.S)
        if header:
            tunnel = tunnels.get(header.group(2))
            if tunnel:
                line = "%s%s@NONE%s" % header.groups()
        if tunnel:          # also on the header's line: `ip -o` puts a device on one line
            line = line.replace("link/none", "link/gre %s peer %s" % (tunnel["local"], tunnel["remote"]), 1)
            gre = "gre remote %s local %s ttl %s " % (tunnel["remote"], tunnel["local"], tunnel["ttl"] or "inherit")
            line = re.sub(TEXT_TUN, gre, line, count=1)
        lines.append(line)
    return "".join(lines)


def rewritten_read(site, argv, options):
    """The real output of a link/address read with our tunnels shown as ip_gre's; None: exec the real ip."""
    tunnels = site.tunnels()
    if not tunnels:
        return None
    import json
    real = site.real(*argv[1:])
    if not any(o in ("-j", "-json") for o in options):
        real.stdout = text_as_gre(real.stdout, tunnels)
        return real
    try:
        links = json.loads(real.stdout)
    except ValueError:
        return real
    shown = [shown_as_gre(link, tunnels[link["ifname"]]) if link.get("ifname") in tunnels else link
             for link in links]
    pretty = any(o in ("-p", "-pretty") for o in options)
    real.stdout = json.dumps(shown, indent=4 if pretty else None, separators=None if pretty else (",", ":")) + "\n"
    return real


class Result:
    """What ip printed and returned (a subprocess.CompletedProcess has the same three)."""

    def __init__(self, returncode=0, stdout="", stderr=""):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def handle(site, argv):
    """What the wrapper does with `argv`: a Result (or CompletedProcess), or None to exec the real ip."""
    split = split_options(argv[1:])
    if split is None or not split[1]:
        return None
    options, words = split
    obj, verb = words[0], (words[1] if len(words) > 1 else "show")
    if matches(obj, "link") and matches(verb, "add"):
        parsed = parse_add(words[2:])
        if parsed:
            site.add(*parsed)
            return Result()
    elif matches(obj, "link") and matches(verb, "delete"):
        rest = words[2:]
        name = rest[1] if len(rest) == 2 and rest[0] == "dev" else (rest[0] if len(rest) == 1 else None)
        if name in site.tunnels():
            site.delete(name)
            return Result()
    elif (matches(obj, "link") or matches(obj, "address")) and any(matches(verb, v) for v in ("show", "list", "lst")):
        return rewritten_read(site, argv, options)
    return None


def main(argv, config):
    site = Site(config)
    try:
        result = handle(site, argv)
    except Refused as exc:
        sys.stderr.write("%s\n" % exc)
        sys.exit(2)
    if result is None:
        os.execv(config["real_ip"], argv)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    sys.exit(result.returncode)
