"""The user-space GRE/EoIP forwarder of one emulated router: one process in the router's network namespace.

    python -m rosemu.dataplane.forwarder CONFIG.json

CONFIG: {"status_dir": DIR, "tunnels": [{"name", "kind": "gre"|"eoip"|"gre6"|"eoipv6", "local", "remote",
"tunnel_id", "keepalive": [interval_s, retries] | null, "ttl": N (optional)}]}.  Each tunnel gets a TUN (GRE) or
TAP (EoIP) device of its name and a raw socket of its IP protocol (47; EoIPv6: 97) bound to its local address,
which keeps only the packets from its remote address (KINDS).  One selectors loop serves every tunnel.  `running`
follows the keepalives (FIDELITY.md "GRE keepalive", "EoIP keepalive"); it is written with the packet counters to
DIR/NAME.json whenever it changes, at each keepalive and every STATUS_PERIOD.  "ready" on stdout says every device
exists.  `ttl` (the Linux lab's ip_gre, linux_gre_ip.py): the outer packets' TTL or hop limit, 0 the inner
packet's (ip_gre's "inherit"); without it the system's default.
"""

import fcntl
import ipaddress
import json
import os
import selectors
import signal
import socket
import struct
import sys
import time

from rosemu.dataplane import framing

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_TAP, IFF_NO_PI = 0x0001, 0x0002, 0x1000
IP_FREEBIND = getattr(socket, "IP_FREEBIND", 15)       # linux/in.h
IPV6_FREEBIND = 78                                     # linux/in6.h


class Kind:
    """How one kind of tunnel is carried: its device, the outer family and IP protocol, its framing."""

    def __init__(self, device, family, protocol, encode, decode, frame_kind, keepalive):
        self.device, self.family, self.protocol = device | IFF_NO_PI, family, protocol
        self.encode, self.decode, self.frame_kind, self.keepalive = encode, decode, frame_kind, keepalive


def _gre(tunnel, data):
    return framing.gre_encode(data)


def _gre_keepalive(tunnel):
    return framing.gre_keepalive(tunnel.local, tunnel.remote)


KINDS = {
    "gre": Kind(IFF_TUN, socket.AF_INET, framing.IP_PROTO_GRE, _gre, framing.decode, "gre", _gre_keepalive),
    "gre6": Kind(IFF_TUN, socket.AF_INET6, framing.IP_PROTO_GRE, _gre, framing.decode, "gre", _gre_keepalive),
    "eoip": Kind(IFF_TAP, socket.AF_INET, framing.IP_PROTO_GRE, lambda t, data: framing.eoip_encode(t.tunnel_id, data),
                 framing.decode, "eoip", lambda t: framing.eoip_encode(t.tunnel_id)),
    "eoipv6": Kind(IFF_TAP, socket.AF_INET6, framing.IP_PROTO_ETHERIP,
                   lambda t, data: framing.eoipv6_encode(t.tunnel_id, data), framing.decode_etherip, "eoipv6",
                   lambda t: framing.eoipv6_encode(t.tunnel_id)),
}
UNSPECIFIED = {socket.AF_INET: "0.0.0.0", socket.AF_INET6: "::"}
FREEBIND = {socket.AF_INET: (socket.SOL_IP, IP_FREEBIND), socket.AF_INET6: (socket.IPPROTO_IPV6, IPV6_FREEBIND)}
OUTER_TTL = {socket.AF_INET: (socket.IPPROTO_IP, socket.IP_TTL),
             socket.AF_INET6: (socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS)}
INNER_TTL_OFFSET = {4: 8, 6: 7}         # the TTL (IPv4) or hop limit (IPv6) byte of an inner packet, by its version
RECEIVE_BUFFER = 4 << 20
BATCH = 64                     # packets read from one ready descriptor per wake-up
STATUS_PERIOD = 0.5            # seconds between two status writes


def open_device(name, kind):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), kind.device))
    return fd


def open_wire(kind, local):
    """A raw socket of the kind's IP protocol bound to `local` (not connected: connect() fails while no route
    leads to the far end, and a tunnel exists before its route does; from_wire drops other sources)."""
    sock = socket.socket(kind.family, socket.SOCK_RAW, kind.protocol)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
    if local != UNSPECIFIED[kind.family]:
        sock.setsockopt(*FREEBIND[kind.family], 1)     # the address may come after the tunnel, as on a router
        sock.bind((local, 0))
    sock.setblocking(False)
    return sock


def canonical(address):
    return ipaddress.ip_address(address.split("%")[0]).compressed


class Tunnel:
    def __init__(self, spec, status_dir):
        self.name, self.kind = spec["name"], KINDS[spec["kind"]]
        self.local = canonical(spec.get("local") or UNSPECIFIED[self.kind.family])
        self.remote = canonical(spec["remote"])
        self.tunnel_id = spec.get("tunnel_id")
        self.ttl = spec.get("ttl")                      # None: the system's default; 0: the inner packet's
        self.keepalive = spec.get("keepalive")           # [interval seconds, retries] or None: always running
        self.status_path = os.path.join(status_dir, "%s.json" % self.name)
        self.device = open_device(self.name, self.kind)
        self.wire = open_wire(self.kind, self.local)
        if self.ttl:
            self.wire.setsockopt(*OUTER_TTL[self.kind.family], self.ttl)
        self.running = self.keepalive is None               # with keepalive: not running until answered
        self.unanswered = 0
        self.next_keepalive = time.monotonic()             # the first one at once
        self.counters = {"rx-packet": 0, "tx-packet": 0, "rx-byte": 0, "tx-byte": 0, "keepalives-sent": 0,
                         "keepalives-heard": 0}

    # ----- the two directions ------------------------------------------------
    def from_device(self):
        data = os.read(self.device, 65535)
        if self.ttl == 0 and data[0] >> 4 in INNER_TTL_OFFSET:
            self.wire.setsockopt(*OUTER_TTL[self.kind.family], max(1, data[INNER_TTL_OFFSET[data[0] >> 4]]))
        self._send(self.kind.encode(self, data))
        self.counters["tx-packet"] += 1
        self.counters["tx-byte"] += len(data)

    def from_wire(self):
        data, address = self.wire.recvfrom(65535)
        if canonical(address[0]) != self.remote:
            return          # another tunnel's far end
        if self.kind.family == socket.AF_INET:
            data = framing.strip_ipv4(data)[0]      # an IPv4 raw socket hands the IP header over, IPv6 does not
        frame = self.kind.decode(data)
        if frame is None or frame.kind != self.kind.frame_kind or frame.tunnel_id != self.tunnel_id:
            return          # the other kind on the same address pair, or another EoIP tunnel id
        if frame.keepalive:
            self.counters["keepalives-heard"] += 1
            self.heard()
            return
        if frame.kind != "gre":
            self.heard()    # any packet of the far end's EoIP tunnel shows it is there
        elif frame.protocol not in (framing.GRE_IPV4, framing.GRE_IPV6):
            return
        try:
            os.write(self.device, frame.payload)
        except OSError:
            return          # the device is down, or the kernel refused a malformed packet: dropped
        self.counters["rx-packet"] += 1
        self.counters["rx-byte"] += len(frame.payload)

    def _send(self, wire):
        try:
            self.wire.sendto(wire, (self.remote, 0))
        except OSError:
            pass            # no route to the far end (yet): the packet is lost, as on a router

    # ----- keepalives ------------------------------------------------------------
    def heard(self):
        self.unanswered = 0
        self._set_running(True)

    def tick(self, now):
        """Send a keepalive when one is due; `retries` unanswered in a row take `running` away."""
        if self.keepalive is None or now < self.next_keepalive:
            return
        interval, retries = self.keepalive
        if self.unanswered >= retries:
            self._set_running(False)
        self.unanswered += 1
        self._send(self.kind.keepalive(self))
        self.counters["keepalives-sent"] += 1
        self.next_keepalive = now + interval
        self.write_status()

    def _set_running(self, running):
        if running != self.running:
            self.running = running
            self.write_status()

    def write_status(self):
        temporary = self.status_path + ".tmp"
        with open(temporary, "w", encoding="utf-8") as fh:
            json.dump(dict(self.counters, running=self.running), fh)
        os.replace(temporary, self.status_path)


def serve(tunnels):
    selector = selectors.DefaultSelector()
    for tunnel in tunnels:
        selector.register(tunnel.device, selectors.EVENT_READ, tunnel.from_device)
        selector.register(tunnel.wire, selectors.EVENT_READ, tunnel.from_wire)
    next_status = time.monotonic() + STATUS_PERIOD
    while True:
        now = time.monotonic()
        for tunnel in tunnels:
            tunnel.tick(now)
        if now >= next_status:          # the counters, for rx/tx as the router prints them
            for tunnel in tunnels:
                tunnel.write_status()
            next_status = now + STATUS_PERIOD
        due = [t.next_keepalive for t in tunnels if t.keepalive is not None] + [next_status]
        for key, _events in selector.select(max(0.0, min(due) - time.monotonic())):
            for _packet in range(BATCH):    # what is queued, up to BATCH, before asking select again
                try:
                    key.data()
                except BlockingIOError:
                    break


def main(argv):
    with open(argv[1], encoding="utf-8") as fh:
        config = json.load(fh)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    tunnels = [Tunnel(spec, config["status_dir"]) for spec in config["tunnels"]]
    for tunnel in tunnels:
        tunnel.write_status()
    print("ready", flush=True)
    serve(tunnels)


if __name__ == "__main__":
    main(sys.argv)
