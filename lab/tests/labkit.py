"""Helpers of the emulator's tests (imported by name: conftest.py is pytest's, not a module to import)."""

import json
import os
import shutil
import socket
import urllib.request

import librouteros
import pytest

from rosemu import wire
from rosemu.fabric import Clock, Fabric
from rosemu.lab import Lab, RouterSpec

DATAPLANE_TOOLS = ("wireguard-go", "wg", "ip", "nsenter")


def needs_dataplane(*tools, files=()):
    """A skip mark for tests of the data plane: root, /dev/net/tun, the data plane's tools, `tools` and `files`."""
    wanted = DATAPLANE_TOOLS + tools
    missing = [tool for tool in wanted if shutil.which(tool) is None] + [f for f in files if not os.path.exists(f)]
    return pytest.mark.skipif(os.geteuid() != 0 or bool(missing) or not os.path.exists("/dev/net/tun"),
                              reason="the data plane needs root, /dev/net/tun and %s (missing: %s)"
                              % (", ".join(wanted + tuple(files)), ", ".join(missing) or "none"))


class RawClient:
    """Speaks the wire protocol directly, for what librouteros cannot express (tags, /cancel, !empty)."""

    def __init__(self, port, host="127.0.0.1", timeout=10):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buffer = b""

    def send(self, *words):
        self.sock.sendall(wire.encode_sentence(words))

    def _read(self, count):
        while len(self.buffer) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the router")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def _length(self):
        first = self._read(1)[0]
        for limit, extra, mask in ((0x80, 0, 0), (0xC0, 1, 0x8000), (0xE0, 2, 0xC00000), (0xF0, 3, 0xE0000000)):
            if first < limit:
                return int.from_bytes(bytes([first]) + self._read(extra), "big") ^ mask if extra else first
        raise AssertionError("router sent a control byte 0x%02X" % first)

    def sentence(self):
        words = []
        while True:
            length = self._length()
            if not length:
                return words
            words.append(self._read(length).decode("latin-1"))

    def until_done(self, tag=None):
        """All reply sentences up to and including the `!done` (of `tag`, when given)."""
        out = []
        while True:
            reply = self.sentence()
            out.append(reply)
            if reply[0] == "!done" and (tag is None or ".tag=%s" % tag in reply):
                return out

    def command(self, *words):
        self.send(*words)
        return self.until_done()

    def login(self, user="admin", password=""):
        return self.command("/login", "=name=%s" % user, "=password=%s" % password)

    def close(self):
        self.sock.close()


def make_lab(specs, tls_files=None, **kw):
    if tls_files:
        kw.update(tls_cert=tls_files[0], tls_key=tls_files[1])
    return Lab(specs, control_port=0, **kw).start()


def control(lab, method, path, body=None):
    host, port = lab.control_address
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request("http://%s:%d%s" % (host, port, path), data=data, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


# ---------------------------------------------------------------- a WireGuard link on a frozen clock

def address(ip, interface="ether1"):
    return ["/ip/address/add", "=address=%s" % ip, "=interface=%s" % interface]


def accept(protocol, port=None):
    """An input rule above defconf's drops (its first rule accepts established: ours go second)."""
    words = ["/ip/firewall/filter/add", "=chain=input", "=protocol=%s" % protocol, "=place-before=*2"]
    return words + (["=dst-port=%s" % port] if port else [])


def connect(lab, name):
    return librouteros.connect("127.0.0.1", "admin", "", port=lab.port(name))


def start_wireguard_link(setup=(accept("udp", 13231), accept("gre"))):
    """hub (198.51.100.1) and branch (198.51.100.2) on a frozen clock: WireGuard peers (the branch dials the hub, no
    persistent keepalive), transit 10.255.0.0/31; `setup`: more sentences on both (by default their input chains admit
    WireGuard and GRE). (lab, {name: api}, {name: public key})."""
    specs = [RouterSpec(name, setup=[address("198.51.100.%d/24" % n)] + list(setup))
             for n, name in ((1, "hub"), (2, "branch"))]
    lab = make_lab(specs, fabric=Fabric(Clock(frozen=True)))
    apis = dict((n, connect(lab, n)) for n in ("hub", "branch"))
    keys = {}
    for name, transit in (("hub", "10.255.0.0/31"), ("branch", "10.255.0.1/31")):
        apis[name].path("interface", "wireguard").add(name="wg0", **{"listen-port": 13231})
        apis[name].path("ip", "address").add(address=transit, interface="wg0")
        keys[name] = list(apis[name].path("interface", "wireguard"))[0]["public-key"]
    apis["hub"].path("interface", "wireguard", "peers").add(
        interface="wg0", **{"public-key": keys["branch"], "allowed-address": "10.255.0.1/32"})
    apis["branch"].path("interface", "wireguard", "peers").add(
        interface="wg0", **{"public-key": keys["hub"], "allowed-address": "10.255.0.0/32",
                            "endpoint-address": "198.51.100.1", "endpoint-port": 13231})
    return lab, apis, keys


def advance(lab, seconds):
    lab.call(lambda: lab.fabric.clock.advance(seconds))


def ping(api, target):
    return list(api("/ping", address=target, count=1, interval="10ms"))[-1]["received"] == 1


def peer(api):
    return list(api.path("interface", "wireguard", "peers"))[0]


def set_peer(api, **values):
    peers = api.path("interface", "wireguard", "peers")
    peers.update(**dict({".id": list(peers)[0][".id"]}, **values))
