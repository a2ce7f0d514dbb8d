"""A small multicast stream between two namespaces of the data plane: UDP datagrams to a 239.x group with a TTL
above 1, sent from one address and counted where another has joined the group.

    python -m rosemu.dataplane.multicast_stream receive GROUP ADDRESS COUNT TIMEOUT
    python -m rosemu.dataplane.multicast_stream send GROUP ADDRESS COUNT INTERVAL

The receiver joins GROUP on the interface of ADDRESS, prints "listening", then the number of distinct datagrams it
got (at most COUNT) once it has them all or TIMEOUT seconds passed without one.  The sender sends COUNT numbered
datagrams out of the interface of ADDRESS, INTERVAL seconds apart.  `stream()` runs both in a DataPlane's router
namespaces (the way OSPF's hellos cross a GRE or EoIP tunnel: multicast between the tunnel's two addresses).
"""

import os
import socket
import subprocess
import sys
import time

PORT = 5405
TTL = 4             # more than 1: a stream that a router could forward further, as the issue asks
GROUP = "239.20.4.1"


def receive(group, address, count, timeout):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((group, PORT))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(group) + socket.inet_aton(address))
    sock.settimeout(timeout)
    print("listening", flush=True)
    got = set()
    try:
        while len(got) < count:
            got.add(sock.recvfrom(100)[0])
    except socket.timeout:
        pass
    print(len(got), flush=True)


def send(group, address, count, interval):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(address))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, TTL)
    for number in range(count):
        sock.sendto(b"sitelink multicast %d" % number, (group, PORT))
        time.sleep(interval)


def stream(dataplane, sender, sender_address, receiver, receiver_address, count=50, interval=0.01, group=GROUP):
    """Datagrams received in router `receiver`'s namespace (joined on `receiver_address`) of `count` sent from
    router `sender`'s (out of the interface of `sender_address`)."""
    module = [sys.executable, "-m", "rosemu.dataplane.multicast_stream"]
    # this package wherever it is imported from (a checkout's lab/ or an installed rosemu)
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    listener = subprocess.Popen(["ip", "netns", "exec", dataplane.netns(receiver)] + module +
                                ["receive", group, receiver_address, str(count), "3"],
                                stdout=subprocess.PIPE, text=True, env=env)
    try:
        if listener.stdout.readline().strip() != "listening":
            return 0
        dataplane.run(sender, *module, "send", group, sender_address, str(count), str(interval),
                      timeout=30 + count * interval, env=env)
        return int(listener.stdout.readline().strip() or 0)
    finally:
        listener.kill()
        listener.wait(10)


def main(argv):
    verb, group, address, count, number = argv
    if verb == "receive":
        receive(group, address, int(count), float(number))
    else:
        send(group, address, int(count), float(number))


if __name__ == "__main__":
    main(sys.argv[1:])
