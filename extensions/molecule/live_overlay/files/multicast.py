"""Multicast across one of the lab's overlays, as OSPF would use it: prints {"sent": N, "received": M} as JSON.

    python3 multicast.py FROM_NETNS FROM_ADDRESS TO_NETNS TO_ADDRESS [--count N] [--group GROUP]

A receiver in TO_NETNS joins GROUP on TO_ADDRESS (the receiving router's overlay address); once it listens, a
sender in FROM_NETNS sends N datagrams 10 ms apart out of FROM_ADDRESS (TTL 4), and the receiver counts the distinct
ones that arrive within 10 s. A minimal stand-in for the data plane's own multicast tool.
"""

import argparse
import json
import socket
import subprocess
import sys
import time

PORT = 5405
RECEIVE_TIMEOUT = 10        # seconds after the last datagram the receiver waits for the rest


def receive(group, address, count):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((group, PORT))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(group) + socket.inet_aton(address))
    sock.settimeout(RECEIVE_TIMEOUT)
    print("listening", flush=True)
    got = set()
    try:
        while len(got) < count:
            got.add(sock.recvfrom(100)[0])
    except socket.timeout:
        pass
    print(len(got), flush=True)


def send(group, address, count):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(address))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 4)
    for number in range(count):
        sock.sendto(b"datagram %d" % number, (group, PORT))
        time.sleep(0.01)


def in_netns(netns, role, group, address, count):
    return ["ip", "netns", "exec", netns, sys.executable, __file__, "--role", role, "--group", group,
            "--count", str(count), netns, address, netns, address]


def across(args):
    with subprocess.Popen(in_netns(args.to_netns, "receive", args.group, args.to_address, args.count),
                          stdout=subprocess.PIPE, text=True) as receiver:
        try:
            if receiver.stdout.readline().strip() != "listening":
                sys.exit("the receiver in %s did not start" % args.to_netns)
            subprocess.run(in_netns(args.from_netns, "send", args.group, args.from_address, args.count),
                           check=True, timeout=60)
            received = int(receiver.stdout.readline().strip() or 0)
        finally:
            receiver.kill()
    print(json.dumps({"sent": args.count, "received": received}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("from_netns")
    parser.add_argument("from_address")
    parser.add_argument("to_netns")
    parser.add_argument("to_address")
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--group", default="239.1.2.3")
    parser.add_argument("--role", choices=["across", "receive", "send"], default="across",
                        help=argparse.SUPPRESS)     # receive and send: the halves, run in their namespaces
    args = parser.parse_args()
    if args.role == "receive":
        receive(args.group, args.to_address, args.count)
    elif args.role == "send":
        send(args.group, args.from_address, args.count)
    else:
        across(args)


if __name__ == "__main__":
    main()
