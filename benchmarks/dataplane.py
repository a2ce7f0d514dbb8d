"""Throughput and loss of the data plane (lab/rosemu/dataplane) between two emulated RouterOS sites.

For each path (plain WireGuard; GRE, EoIP, gre6 and eoipv6 over WireGuard): a TCP stream from one site's LAN host to
the other's for --seconds (bytes the receiver got / its time), --pings pings at 10 ms (received, rtt), and a multicast
stream of --datagrams datagrams at 1 ms sent by router a on that interface to router b's (rosemu.dataplane.multicast;
on plain WireGuard none arrive: the peer's allowed-address does not hold the group).
Needs root, wireguard-go and wg.  Prints a table and writes JSON.  Usage:
  .venv/bin/python benchmarks/dataplane.py --seconds 5 --pings 1000 --json build/bench/dataplane.json
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from rosemu.dataplane import multicast
from rosemu.dataplane.pair import OVERLAY_GATEWAYS, SitePair, host_address

OVERLAYS = ("wireguard", "gre", "eoip", "gre6", "eoipv6")

RECEIVER = """
import socket, sys, time
server = socket.socket()
server.bind(("0.0.0.0", 5201))
server.listen(1)
print("listening", flush=True)
conn, _peer = server.accept()
total, started = 0, time.monotonic()
while True:
    data = conn.recv(1 << 16)
    if not data:
        break
    total += len(data)
print(total, time.monotonic() - started, flush=True)
"""
SENDER = """
import socket, sys, time
sock = socket.create_connection((sys.argv[1], 5201), timeout=10)
chunk, deadline = b"x" * (1 << 16), time.monotonic() + float(sys.argv[2])
while time.monotonic() < deadline:
    sock.sendall(chunk)
sock.close()
"""


def tcp_stream(sites, seconds):
    """Mbit/s of one TCP stream from a's LAN host to b's."""
    receiver = subprocess.Popen(["ip", "netns", "exec", sites.dataplane.host_netns("b"), sys.executable, "-c",
                                 RECEIVER], stdout=subprocess.PIPE, text=True)
    try:
        assert receiver.stdout.readline().strip() == "listening"
        sites.dataplane.run_host("a", sys.executable, "-c", SENDER, host_address("b"), str(seconds),
                                 timeout=seconds * 3 + 30)
        total, elapsed = receiver.stdout.readline().split()
    finally:
        receiver.kill()
        receiver.wait(10)
    return int(total) * 8 / float(elapsed) / 1e6


def multicast_stream(sites, overlay, datagrams):
    """Datagrams router b got of `datagrams` router a sent on the path's interface (1 ms apart)."""
    interface = "wg-site" if overlay == "wireguard" else "%s-x" % overlay
    inside = {name: ["ip", "netns", "exec", sites.dataplane.netns(name)] for name in ("a", "b")}
    return multicast.stream((inside["a"], OVERLAY_GATEWAYS[overlay]["b"], interface), {"b": (inside["b"], interface)},
                            count=datagrams, interval=0.001)["b"]


def measure(sites, overlay, seconds, pings, datagrams):
    sites.route_lans_over(overlay)
    deadline = time.monotonic() + 15
    while sites.ping("a", host_address("b"), count=1)[0] != 1:
        if time.monotonic() > deadline:
            raise RuntimeError("no ping over %s within 15 s" % overlay)
    got, output = sites.ping("a", host_address("b"), count=pings, interval="0.01")
    rtt = next((line.split("=")[1].strip() for line in output.splitlines() if line.startswith("rtt")), "")
    return {"overlay": overlay, "tcp_mbit_s": round(tcp_stream(sites, seconds), 1), "pings": pings,
            "received": got, "rtt_min_avg_max_mdev": rtt, "datagrams": datagrams,
            "datagrams_received": multicast_stream(sites, overlay, datagrams)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--pings", type=int, default=1000)
    parser.add_argument("--datagrams", type=int, default=1000)
    parser.add_argument("--json", default="build/bench/dataplane.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as state, SitePair(os.path.join(state, "pair")) as sites:
        rows = [measure(sites, overlay, args.seconds, args.pings, args.datagrams) for overlay in OVERLAYS]
    print("%-10s %10s %12s %12s  %s" % ("path", "TCP Mbit/s", "pings", "multicast", "rtt min/avg/max/mdev"))
    for row in rows:
        print("%-10s %10.1f %5d/%-6d %5d/%-6d  %s" % (
            row["overlay"], row["tcp_mbit_s"], row["received"], row["pings"], row["datagrams_received"],
            row["datagrams"], row["rtt_min_avg_max_mdev"]))
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as fh:
        json.dump({"cpus": os.cpu_count(), "load": os.getloadavg(), "rows": rows}, fh, indent=1)


if __name__ == "__main__":
    main()
