"""A multicast stream inside the data plane's namespaces: a sender and a receiver, and `stream()` that runs both.

    python -m rosemu.dataplane.multicast send --group 239.1.2.3 --count 20 [--source ADDR] [--interface IF]
                                              [--port 5405] [--ttl 8] [--interval 0.01] [--stream ID]
    python -m rosemu.dataplane.multicast recv --group 239.1.2.3 --count 20 [--interface IF | --address ADDR]
                                              [--port 5405] [--timeout 10] [--stream ID]
    python -m rosemu.dataplane.multicast across --from-netns NS --source ADDR --to-netns NS --address ADDR
                                                [--count 20] [--group 239.1.2.3]

The sender sends `count` UDP datagrams "rosemu-mcast STREAM SEQ" to the group, out of `interface` (or the one
holding `source`), from `source`, with the TTL given (more than 1: a router may forward them).  The receiver joins
the group on `interface` (or the one holding `address`), prints "listening" once joined, counts the distinct
sequence numbers of its stream (another stream's datagrams and repeats do not count), and stops at `count` or
after `timeout` seconds of the whole run; it prints one JSON line {"received", "duplicates", "foreign"} and exits
0 when it got them all, 1 otherwise.  `across` runs one stream from a namespace to another (`stream()`) and prints
{"sent", "received"}.  IPv4 only (the overlays' inner addresses in the lab are IPv4).
"""

import argparse
import json
import os
import secrets
import selectors
import socket
import struct
import subprocess
import sys
import time

import rosemu

DEFAULT_GROUP, DEFAULT_PORT = "239.1.2.3", 5405
MAGIC = b"rosemu-mcast"
READY_TIMEOUT = 15          # seconds for a receiver to start and join (a Python start-up on a loaded host)


def datagram(stream, sequence):
    return b"%s %s %d" % (MAGIC, stream.encode(), sequence)


def parse(data, stream):
    """The sequence number of one of `stream`'s datagrams, or None for anything else."""
    words = data.split(b" ")
    if len(words) != 3 or words[0] != MAGIC or words[1] != stream.encode() or not words[2].isdigit():
        return None
    return int(words[2])


def membership(group, interface=None, address=None):
    """struct ip_mreqn: the group, the local address, the interface index (0: the kernel picks by address)."""
    index = socket.if_nametoindex(interface) if interface else 0
    return struct.pack("=4s4si", socket.inet_aton(group), socket.inet_aton(address or "0.0.0.0"), index)


def send(group, count, port=DEFAULT_PORT, source=None, interface=None, ttl=8, interval=0.01, stream="0"):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with sock:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ttl)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, membership(group, interface, source))
        if source:
            sock.bind((source, 0))
        for sequence in range(count):
            sock.sendto(datagram(stream, sequence), (group, port))
            time.sleep(interval)
    return count


def receive(group, count, port=DEFAULT_PORT, interface=None, address=None, timeout=10.0, stream="0",
            ready=lambda: None):
    """{"received": distinct sequence numbers of `stream`, "duplicates", "foreign": other datagrams}."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with sock, selectors.DefaultSelector() as selector:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((group, port))        # the group's datagrams only, not other traffic to the port
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership(group, interface, address))
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
        ready()
        seen, result = set(), {"received": 0, "duplicates": 0, "foreign": 0}
        deadline = time.monotonic() + timeout
        while len(seen) < count and selector.select(max(0.0, deadline - time.monotonic())):
            sequence = parse(sock.recv(2048), stream)
            if sequence is None:
                result["foreign"] += 1
            elif sequence in seen:
                result["duplicates"] += 1
            else:
                seen.add(sequence)
    result["received"] = len(seen)
    return result


# ----- running them in namespaces ----------------------------------------------------------

def command(action, **options):
    """The argument list that runs `action` ("send" or "recv") with `options` (None: left out)."""
    words = [sys.executable, "-m", "rosemu.dataplane.multicast", action]
    for name, value in options.items():
        if value is not None:
            words += ["--" + name.replace("_", "-"), str(value)]
    return words


def stream(sender, receivers, count=20, group=DEFAULT_GROUP, interval=0.01, timeout=None):
    """One stream of `count` datagrams: `sender` = (argv prefix that enters a namespace, source address, interface),
    `receivers` = {label: (argv prefix, interface[, address to join on instead])}; returns {label: datagrams
    received}.  The receivers have
    joined before the first datagram leaves; each waits `timeout` (default: the stream's time plus 3 s)."""
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(rosemu.__file__))))
    token = secrets.token_hex(4)        # datagrams of another run's stream are not counted
    timeout = timeout if timeout is not None else count * interval + 3
    started = {}
    try:
        for label, (prefix, interface, *address) in receivers.items():
            started[label] = subprocess.Popen(
                list(prefix) + command("recv", group=group, count=count, interface=interface, timeout=timeout,
                                       stream=token, address=(address or [None])[0]),
                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for label, proc in started.items():
            _await_line(proc, "listening", label)
        prefix, source, interface = sender
        subprocess.run(list(prefix) + command("send", group=group, count=count, source=source, interface=interface,
                                              interval=interval, stream=token),
                       env=env, check=True, capture_output=True, timeout=count * interval * 3 + 30)
        return {label: json.loads(proc.communicate(timeout=timeout + 30)[0].splitlines()[-1])["received"]
                for label, proc in started.items()}
    finally:
        for proc in started.values():
            if proc.poll() is None:
                proc.kill()
            proc.wait(READY_TIMEOUT)


def _await_line(proc, expected, label):
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        line = proc.stdout.readline().strip() if selector.select(READY_TIMEOUT) else ""
    if line != expected:
        proc.kill()
        raise RuntimeError("multicast receiver %s did not start: %r %s" % (label, line, proc.stderr.read()[-2000:]))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m rosemu.dataplane.multicast")
    parser.add_argument("action", choices=("send", "recv", "across"))
    parser.add_argument("--from-netns", help="across: the sender's network namespace")
    parser.add_argument("--to-netns", help="across: the receiver's network namespace")
    parser.add_argument("--group", default=DEFAULT_GROUP)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--interface")
    parser.add_argument("--source", help="send: the source address")
    parser.add_argument("--address", help="recv: join on the interface holding this address")
    parser.add_argument("--ttl", type=int, default=8)
    parser.add_argument("--interval", type=float, default=0.01)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--stream", default="0")
    args = parser.parse_args(argv)
    if args.action == "send":
        send(args.group, args.count, args.port, args.source, args.interface, args.ttl, args.interval, args.stream)
        return 0
    if args.action == "across":
        received = stream((("ip", "netns", "exec", args.from_netns), args.source, args.interface),
                          {"to": (("ip", "netns", "exec", args.to_netns), None, args.address)},
                          count=args.count, group=args.group, interval=args.interval)["to"]
        print(json.dumps({"sent": args.count, "received": received}), flush=True)
        return 0 if received >= args.count else 1
    result = receive(args.group, args.count, args.port, args.interface, args.address, args.timeout, args.stream,
                     ready=lambda: print("listening", flush=True))
    print(json.dumps(result), flush=True)
    return 0 if result["received"] >= args.count else 1


if __name__ == "__main__":
    sys.exit(main())
