"""Linux sites for the lab: network namespaces on a shared underlay, reached by Ansible over SSH.

Each site is a network namespace with a mount namespace of its own, held by a process in the site (private tmpfs
on /run/wireguard and /etc/wireguard, so every site has its own `wg-sitelink` UAPI socket and keys).  Its WAN interface is a veth
into a bridge that lives in a separate underlay namespace, so nothing is added to the host's own
network.  SSH reaches a site through `ProxyCommand`: each connection starts `sshd -i` inside the
site's namespaces, so there is no daemon to keep alive and no management address anywhere.
`down()` removes every namespace, mount and process it made, also after a failure.

Two labs on one machine never meet: the namespace prefix is drawn per lab (`draw_prefix`), `up()` refuses a name
that exists already (before it makes anything, so its `down()` cannot touch another run's), and every interface
name outside a site's own namespace carries the prefix.  A site's SSH session runs root's login shell, which reads
the start-up files in root's home (bash: ~/.bashrc even for `ssh site command`, so also every Ansible task): in a
site's mount namespace /etc/passwd is the lab's copy, where root's home is an empty directory of the site's own, so
a host whose ~/.bashrc hangs does not hang the lab (the host's /root stays visible: its tools may live there).
GRE: where the kernel has no ip_gre (`kernel_makes_gre()`, tried once per lab; `user_gre=None`, the default) or with
`user_gre=True`, a site's `ip` is the lab's wrapper (linux_gre_ip.py: `ip link add NAME type gre ...` makes a TUN
device and a user-space GRE forwarder; everything else is the real `ip`); `user_gre=False`: the real `ip` alone.
"""

import ipaddress
import json
import os
import pwd
import secrets
import shlex
import shutil
import subprocess
import sys
import time

PRIVATE_DIRS = ("/run/wireguard", "/etc/wireguard", "/etc/sysctl.d")
# FRR's directories (Debian's frr), each site's own where the host has FRR: configuration, PID files and vty sockets
# (/var/run/frr is /run/frr), logs, state - owned by FRR's user and group with the package's modes, /etc/frr seeded
# with the host's daemons file (every daemon off, as Debian ships it) and vtysh.conf and an empty frr.conf
FRR_DIRS = (("/etc/frr", 0o750), ("/run/frr", 0o755), ("/var/log/frr", 0o750), ("/var/lib/frr", 0o750))
FRR_SEED = ("daemons", "vtysh.conf")
FRR_CONF = "frr defaults traditional\nservice integrated-vtysh-config\n!\n"
PREFIX_TAG = "sl"
IFNAME_MAX = 15             # Linux's limit on an interface name (IFNAMSIZ - 1)
MADE_PREFIXES = set()       # the prefixes of the labs this process made: leftover_namespaces() looks for those only
START_TIMEOUT = 10          # seconds: a site's mount namespace holder is running in well under 1 on an idle host
LAB_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))     # where `rosemu` is imported from
GRE_WRAPPER = os.path.join(LAB_DIR, "rosemu", "linux_gre_ip.py")
# a site's `ip`: the wrapper, with the site's configuration; -I -S: no environment, no site-packages (stdlib only)
GRE_SHIM = """#!{python} -IS
import importlib.util
import sys
spec = importlib.util.spec_from_file_location("linux_gre_ip", {wrapper!r})
wrapper = importlib.util.module_from_spec(spec)
spec.loader.exec_module(wrapper)
wrapper.main(sys.argv, {config!r})
"""
SSHD_CONFIG = """\
HostKey {state}/ssh_host_ed25519_key
AuthorizedKeysFile {state}/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile none
PermitUserEnvironment no
PermitUserRC no
Subsystem sftp internal-sftp
"""


def alive(pid):
    """Running, as opposed to gone or a zombie (PID 1 here may never reap orphans)."""
    try:
        with open("/proc/%s/stat" % pid, encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def command_of(pid):
    try:
        with open("/proc/%s/comm" % pid, encoding="utf-8") as fh:
            return fh.read().strip()
    except OSError:
        return None


def draw_prefix(tag=PREFIX_TAG):
    """A prefix no concurrent lab on this machine holds: the tag and 24 random bits (8 characters for "sl")."""
    return "%s%s" % (tag, secrets.token_hex(3))


def kernel_makes_gre():
    """Whether this kernel makes GRE links (ip_gre): tried in a scratch namespace of a drawn name, then removed."""
    scratch = draw_prefix("slgre")
    sh("ip", "netns", "add", scratch)
    try:
        return sh("ip", "-n", scratch, "link", "add", "probe", "type", "gre", "local", "192.0.2.1", "remote",
                  "192.0.2.2", check=False).returncode == 0
    finally:
        sh("ip", "netns", "del", scratch, check=False)


def existing_namespaces():
    return set(sh("ip", "netns", "list").stdout.split())


def leftover_namespaces():
    """Namespaces of labs this process made that still exist (another process's labs are none of its business)."""
    return sorted(ns for ns in existing_namespaces() if ns.partition("-")[0] in MADE_PREFIXES)


def sh(*args, check=True, **kw):
    return subprocess.run(args, check=check, capture_output=True, text=True, **kw)


class LinuxLab:
    def __init__(self, names, state_dir, prefix=None, underlay="198.51.100.0/24", first_host=101, lans=None,
                 user_gre=None):
        """`prefix`: of every namespace and outer veth name; drawn per lab when not given (draw_prefix).
        `user_gre`: the sites' `ip` makes GRE interfaces in user space (True), not (False), or where the kernel
        has no GRE (None: decided in up())."""
        self.user_gre = user_gre
        self.names = list(names)
        self.lans = dict(lans or {})        # name -> address/prefix of the site's LAN bridge (lan0)
        self.state = os.path.abspath(state_dir)
        self.prefix = prefix or draw_prefix()
        if len(self.outer_veth(max(len(self.names) - 1, 0))) > IFNAME_MAX:
            raise ValueError("prefix %r is too long for the interface names (%d characters at most)"
                             % (self.prefix, IFNAME_MAX))
        self.owned = False                  # up() got past its check: the lab's names are this object's
        self.holders = []                   # Popen of each site's mount namespace holder this object started
        self.underlay = ipaddress.ip_network(underlay)
        self.first_host = first_host
        self.wan_ns = "%s-wan" % self.prefix

    @classmethod
    def from_state(cls, state_dir):
        """The lab whose up() wrote `state_dir`/lab.json (after its names were checked free: they are its own), for
        a process of its own (`rosemu-linux down`, `proxy`); None when there is no such lab."""
        try:
            with open(os.path.join(state_dir, "lab.json"), encoding="utf-8") as fh:
                saved = json.load(fh)
        except FileNotFoundError:
            return None
        lab = cls(saved["names"], state_dir, prefix=saved["prefix"], lans=saved.get("lans"),
                  user_gre=saved.get("user_gre", False))
        lab.owned = True
        return lab

    # ----- names ---------------------------------------------------------
    def netns(self, name):
        return "%s-%s" % (self.prefix, name)

    def outer_veth(self, index):
        """The underlay end of site number `index`'s WAN veth (in the lab's own underlay namespace)."""
        return "%sw%d" % (self.prefix, index)

    def namespaces(self):
        return [self.wan_ns] + [self.netns(name) for name in self.names]

    def home(self, name):
        """root's home in site `name` (empty: no start-up files), and the passwd file that says so there."""
        return os.path.join(self.state, "home", name)

    def mntns(self, name):
        return os.path.join(self.state, "ns", "%s.mnt" % name)

    def wan_address(self, name):
        return self.underlay.network_address + self.first_host + self.names.index(name)

    def proxy_command(self, name):
        return "nsenter --net=/var/run/netns/%s --mount=%s /usr/sbin/sshd -i -f %s" % (
            self.netns(name), self.mntns(name), os.path.join(self.state, "sshd_config"))

    def ssh_options(self, name):
        return ["-o", "ProxyCommand=%s" % self.proxy_command(name), "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes",
                "-i", os.path.join(self.state, "id_ed25519")]

    def inventory_vars(self, name):
        """Host variables that let Ansible reach the site."""
        return {"ansible_host": self.netns(name), "ansible_user": "root",
                "ansible_ssh_private_key_file": os.path.join(self.state, "id_ed25519"),
                "ansible_ssh_common_args": " ".join(shlex.quote(o) for o in self.ssh_options(name)[:-2]),
                "ansible_python_interpreter": "/usr/bin/python3",
                "ansible_pipelining": True}         # one SSH round trip per task instead of four

    # ----- life cycle ------------------------------------------------------
    def up(self):
        try:
            self._up()
        except Exception:
            self.down()
            raise
        return self

    def _up(self):
        taken = set(self.namespaces()) & existing_namespaces()
        if taken:       # another run's: refused before anything is made, so down() cannot touch them
            raise RuntimeError("namespaces %s exist already (another lab's?): refusing to share them"
                               % ", ".join(sorted(taken)))
        self.owned = True
        MADE_PREFIXES.add(self.prefix)
        os.makedirs(os.path.join(self.state, "ns"), exist_ok=True)
        self._save()
        for path in PRIVATE_DIRS:
            os.makedirs(path, exist_ok=True)
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)     # sshd's privilege separation directory
        self._keys()
        sh("ip", "netns", "add", self.wan_ns)
        if self.user_gre is None:
            self.user_gre = not kernel_makes_gre()
            self._save()
        self._in(self.wan_ns, "ip", "link", "add", "br0", "type", "bridge")
        self._in(self.wan_ns, "ip", "link", "set", "br0", "up")
        self._in(self.wan_ns, "ip", "link", "set", "lo", "up")
        for index, name in enumerate(self.names):
            ns = self.netns(name)
            sh("ip", "netns", "add", ns)
            self._in(ns, "ip", "link", "set", "lo", "up")
            outer = self.outer_veth(index)
            self._in(ns, "ip", "link", "add", "eth0", "type", "veth", "peer", "name", outer)
            self._in(ns, "ip", "link", "set", outer, "netns", self.wan_ns)
            self._in(self.wan_ns, "ip", "link", "set", outer, "master", "br0", "up")
            nodad = ["nodad"] if self.underlay.version == 6 else []     # usable at once, as on a real uplink
            self._in(ns, "ip", "addr", "add", "%s/%d" % (self.wan_address(name), self.underlay.prefixlen),
                     "dev", "eth0", *nodad)
            self._in(ns, "ip", "link", "set", "eth0", "up")
            if name in self.lans:          # a bridge with no ports: its address answers, like a LAN gateway's
                self._in(ns, "ip", "link", "add", "lan0", "type", "bridge")
                # nodad: an IPv6 address on a bridge without ports would stay tentative (unusable as a source)
                self._in(ns, "ip", "addr", "add", self.lans[name], "dev", "lan0", *(["nodad"] if ":" in self.lans[name] else []))
                self._in(ns, "ip", "link", "set", "lan0", "up")
            self._mount_namespace(name)
            for path in PRIVATE_DIRS:      # the UAPI sockets and key files of one site only
                sh("nsenter", "--mount=%s" % self.mntns(name), "mount", "-t", "tmpfs", "-o", "mode=0700",
                   "sitelink-%s" % os.path.basename(path), path)
            self._root_home(name)
            self._frr_dirs(name)
            if self.user_gre:
                self._gre_wrapper(name)

    def _save(self):
        with open(os.path.join(self.state, "lab.json"), "w", encoding="utf-8") as fh:
            json.dump({"names": self.names, "prefix": self.prefix, "lans": self.lans, "user_gre": self.user_gre}, fh)

    def gre_state(self, name):
        """Site `name`'s user-space GRE tunnels: NAME.json (its forwarder's PID), the forwarder's files."""
        return os.path.join(self.state, "gre", name)

    def _gre_wrapper(self, name):
        """In the site's mount namespace, `ip` (the real binary every path to it leads to) is the wrapper, and the
        real binary stays reachable, as `ip`, under the site's GRE state (the wrapper execs it)."""
        real_ip = os.path.realpath(shutil.which("ip"))
        state = self.gre_state(name)
        os.makedirs(os.path.join(state, "real"))
        moved = os.path.join(state, "real", "ip")       # named `ip`: ip reads its own name (ipaddr, iplink ...)
        open(moved, "w", encoding="utf-8").close()      # the mount point
        shim = os.path.join(self.state, "gre", "%s-ip" % name)
        config = {"state": state, "real_ip": moved, "python": sys.executable, "lab_dir": LAB_DIR}
        with open(shim, "w", encoding="utf-8") as fh:
            fh.write(GRE_SHIM.format(python=sys.executable, wrapper=GRE_WRAPPER, config=config))
        os.chmod(shim, 0o755)
        enter = ["nsenter", "--mount=%s" % self.mntns(name)]
        sh(*enter, "mount", "--bind", real_ip, moved)
        sh(*enter, "mount", "--bind", shim, real_ip)

    def gre_forwarders(self, name):
        """The PIDs of site `name`'s user-space GRE forwarders, by tunnel (from the site's state)."""
        found = {}
        state = self.gre_state(name)
        for entry in sorted(os.listdir(state)) if os.path.isdir(state) else ():
            if entry.endswith(".json") and not entry.endswith(".forwarder.json"):
                with open(os.path.join(state, entry), encoding="utf-8") as fh:
                    tunnel = json.load(fh)
                found[tunnel["name"]] = tunnel["pid"]
        return found

    def _mount_namespace(self, name):
        """A mount namespace of the site's own, held by a process in the site's network namespace (down() stops it
        with the site's other processes), reached through mntns(name): a link to the holder's /proc/PID/ns/mnt.
        Not an nsfs bind mount (`unshare --mount=FILE`): when the lab itself runs in a mount namespace other than
        the host's (a container, a test's), the kernel refuses those now and then (EINVAL, about 1 in 10 here)."""
        holder = subprocess.Popen(["ip", "netns", "exec", self.netns(name), "unshare", "--mount", "--propagation",
                                   "private", "sleep", "infinity"], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.holders.append(holder)
        deadline = time.monotonic() + START_TIMEOUT
        while command_of(holder.pid) != "sleep":         # unshare execs sleep once it has its namespace
            if holder.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("no mount namespace for site %s (exit status %s)" % (name, holder.poll()))
            time.sleep(0.01)
        os.symlink("/proc/%d/ns/mnt" % holder.pid, self.mntns(name))

    def _root_home(self, name):
        """In the site's mount namespace only: root's home is an empty directory of the lab's (see the docstring)."""
        home = self.home(name)
        os.makedirs(home, mode=0o700)
        with open("/etc/passwd", encoding="utf-8") as fh:
            entries = [line.split(":") for line in fh.read().splitlines()]
        with open(home + ".passwd", "w", encoding="utf-8") as fh:
            fh.writelines(":".join(fields[:5] + [home] + fields[6:] if fields[0] == "root" else fields) + "\n"
                          for fields in entries)
        os.chmod(home + ".passwd", 0o644)
        sh("nsenter", "--mount=%s" % self.mntns(name), "mount", "--bind", home + ".passwd", "/etc/passwd")

    def _frr_dirs(self, name):
        """The site's own FRR directories (FRR_DIRS), when the host has FRR (its user and /etc/frr/daemons)."""
        try:
            frr_user = pwd.getpwnam("frr")
        except KeyError:
            return
        if not os.path.exists("/etc/frr/daemons"):
            return
        seed = os.path.join(self.state, "frr-seed")
        if not os.path.isdir(seed):
            os.makedirs(seed)
            for file_name in FRR_SEED:
                shutil.copy("/etc/frr/" + file_name, os.path.join(seed, file_name))
            with open(os.path.join(seed, "frr.conf"), "w", encoding="utf-8") as fh:
                fh.write(FRR_CONF)
        enter = ["nsenter", "--mount=%s" % self.mntns(name)]
        for path, mode in FRR_DIRS:
            os.makedirs(path, exist_ok=True)        # the mount point (the host's own is not touched)
            options = "mode=%o,uid=%d,gid=%d" % (mode, frr_user.pw_uid, frr_user.pw_gid)
            sh(*enter, "mount", "-t", "tmpfs", "-o", options, "sitelink-frr", path)
        for file_name in FRR_SEED + ("frr.conf",):
            sh(*enter, "install", "-o", "frr", "-g", "frr", "-m", "0640", os.path.join(seed, file_name),
               "/etc/frr/" + file_name)

    def _keys(self):
        key = os.path.join(self.state, "id_ed25519")
        host = os.path.join(self.state, "ssh_host_ed25519_key")
        for path in (key, host):
            if not os.path.exists(path):
                sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path)
        shutil.copy(key + ".pub", os.path.join(self.state, "authorized_keys"))
        with open(os.path.join(self.state, "sshd_config"), "w", encoding="utf-8") as fh:
            fh.write(SSHD_CONFIG.format(state=self.state))

    def _in(self, ns, *command, check=True):
        return sh("ip", "netns", "exec", ns, *command, check=check)

    def ssh(self, name, command, check=True, timeout=60):
        return sh("ssh", *self.ssh_options(name), "root@%s" % self.netns(name), command, check=check,
                  timeout=timeout)

    def down(self):
        """Remove everything up() made, whatever state it reached; safe to call twice; nothing when up() refused."""
        if not self.owned:
            return
        for name in self.names + [None]:
            ns = self.netns(name) if name else self.wan_ns
            pids = sh("ip", "netns", "pids", ns, check=False).stdout.split()
            for pid in pids:
                sh("kill", "-KILL", pid, check=False)
            deadline = time.monotonic() + 5
            while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
                time.sleep(0.05)
            sh("ip", "netns", "del", ns, check=False)
            if name and os.path.lexists(self.mntns(name)):
                os.remove(self.mntns(name))
        for holder in self.holders:     # killed above with their site's processes (if up() got that far): reaped
            holder.kill()
            holder.wait(5)
        self.holders.clear()
        shutil.rmtree(self.state, ignore_errors=True)
        self.owned = False

    def __enter__(self):
        return self.up()

    def __exit__(self, *exc):
        self.down()
