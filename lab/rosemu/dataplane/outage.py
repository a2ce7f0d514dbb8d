"""How long a path was out, measured with packets: a continuous ping and a TCP stream between two namespaces.

`ContinuousPing(namespace, destination, interval)` runs `ping -D -O` (a timestamp per line, and a line for every
request that got no answer before the next was sent); `stop()` returns the requests sent, the replies received, and
the outage: the longest run of consecutive unanswered requests times the interval (plus how many runs there were).
`TcpStream(server_namespace, client_namespace, address)` keeps one TCP connection busy with small writes; `stop()`
says whether it survived (no reset, no timeout) and the longest time between two chunks the receiver got.
Both are started and stopped by PID; neither builds a shell string.

    python -m rosemu.dataplane.outage during --from-netns NS --to-netns NS --address ADDR [--source ADDR]
                                             [--before 2] [--settle 3] [--timeout 60] [--port 5301] -- COMMAND...

`during` starts both between two namespaces (the ping and the stream from --from-netns to ADDRESS in --to-netns),
runs COMMAND (an argument list, no shell; its output kept) after `before` seconds of traffic, then waits until
`settle` seconds of consecutive replies (or `timeout` seconds after COMMAND) and prints one JSON line: the ping's
figures, the stream's, COMMAND's exit status (and the end of its output when it failed), how long it ran
("command_s") and how long after its start the replies' last unbroken run began ("settled_s", within `settle`
seconds; null when they never came back).
Molecule's ospf_dual_hub scenario measures a killed and a drained hub with it.
"""

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time

SEQ = re.compile(r"^\[(\d+\.\d+)\].*icmp_seq=(\d+)")

TCP_RECEIVER = """
import socket, sys, time
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("0.0.0.0", int(sys.argv[1])))
server.listen(1)
print("listening", flush=True)
conn, _peer = server.accept()
conn.settimeout(120)
total, last, gap = 0, time.monotonic(), 0.0
try:
    while True:
        data = conn.recv(1 << 16)
        if not data:
            break
        now = time.monotonic()
        gap, last, total = max(gap, now - last), now, total + len(data)
    print("closed", total, round(gap, 3), flush=True)
except OSError as error:
    print("failed", total, round(gap, 3), error.__class__.__name__, flush=True)
"""
TCP_SENDER = """
import signal, socket, sys, time
sock = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
sock.settimeout(None)
stop = []
signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
try:
    while not stop:
        sock.sendall(b"x" * 1024)
        time.sleep(0.01)
    sock.shutdown(socket.SHUT_WR)
    sock.recv(1)
    print("ok", flush=True)
except OSError as error:
    print("failed", error.__class__.__name__, flush=True)
"""


def in_netns(namespace, *command):
    return ["ip", "netns", "exec", namespace, *command]


class ContinuousPing:
    def __init__(self, namespace, destination, interval=0.05, source=None):
        self.interval = interval
        self.started = time.monotonic()
        words = ["ping", "-n", "-D", "-O", "-i", str(interval), "-W", "1"]
        if source:
            words += ["-I", source]
        # a file, not a pipe: nobody reads while it runs, and a full pipe (64 KiB, ~1,100 lines: a minute at 50 ms)
        # would block ping in its write, and it would stop sending
        self.output = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        self.proc = subprocess.Popen(in_netns(namespace, *words, destination), stdout=self.output,
                                     stderr=subprocess.STDOUT, text=True)

    def answered_since(self, seconds):
        """Every request of the last `seconds` was answered (the output so far, read while ping runs)."""
        self.output.flush()
        with open(self.output.fileno(), encoding="utf-8", closefd=False) as fh:
            fh.seek(0)
            lines = [line for line in fh.read().splitlines() if SEQ.search(line)]
        recent = lines[-max(1, int(seconds / self.interval)):]
        return len(recent) * self.interval >= seconds and not any("no answer yet" in line for line in recent)

    def stop(self):
        """{"sent", "received", "lost", "outages", "outage_s"}: the outage is the longest time between two replies
        (ping's own timestamps, so a ping that paces itself slower on a busy host is still measured right), less
        one interval; outages: the runs of unanswered requests."""
        self.proc.terminate()
        self.proc.wait(timeout=30)
        with self.output:
            self.output.seek(0)
            return summarise(self.output.read(), self.interval)


def summarise(output, interval):
    """ContinuousPing.stop()'s figures from `ping -D -O` output."""
    answered, unanswered, replies, stamps = set(), set(), [], []
    for line in output.splitlines():
        match = SEQ.search(line)
        if not match:
            continue
        seq = int(match.group(2))
        stamps.append(float(match.group(1)))
        if "no answer yet" in line:
            unanswered.add(seq)
        else:
            answered.add(seq)
            replies.append(float(match.group(1)))
    sent = max(answered | unanswered, default=0)
    missing = {seq for seq in range(1, sent + 1) if seq not in answered}
    runs = sum(1 for seq in missing if seq - 1 not in missing)
    # an outage that had not ended when ping stopped (or began with it) counts up to its last unanswered request
    edges = [min(stamps, default=0.0)] + replies + [max(stamps, default=0.0) + interval]
    gaps = [later - earlier for earlier, later in zip(edges, edges[1:])]
    longest = max(gaps, default=0.0) - interval if missing else 0.0
    return {"sent": sent, "received": len(answered), "lost": len(missing), "outages": runs,
            "outage_s": round(max(longest, 0.0), 3)}


class TcpStream:
    def __init__(self, server_namespace, client_namespace, address, port=5301):
        self.receiver = subprocess.Popen(in_netns(server_namespace, sys.executable, "-c", TCP_RECEIVER, str(port)),
                                         stdout=subprocess.PIPE, text=True)
        if self.receiver.stdout.readline().strip() != "listening":
            self.receiver.kill()
            raise RuntimeError("the TCP receiver in %s did not start" % server_namespace)
        self.sender = subprocess.Popen(in_netns(client_namespace, sys.executable, "-c", TCP_SENDER, address,
                                                str(port)), stdout=subprocess.PIPE, text=True)
        self.started = time.monotonic()

    def stop(self):
        """{"survived": bool, "bytes", "longest_gap_s"}."""
        self.sender.terminate()
        try:
            sender_said = self.sender.communicate(timeout=60)[0].split()
        except subprocess.TimeoutExpired:
            self.sender.kill()
            sender_said = ["failed", "timeout"]
        try:
            receiver_said = self.receiver.communicate(timeout=30)[0].split()
        except subprocess.TimeoutExpired:
            self.receiver.kill()
            receiver_said = ["failed", "0", "0"]
        survived = sender_said[:1] == ["ok"] and receiver_said[:1] == ["closed"]
        return {"survived": survived, "bytes": int(receiver_said[1]) if len(receiver_said) > 1 else 0,
                "longest_gap_s": float(receiver_said[2]) if len(receiver_said) > 2 else None}


def during(args):
    """The traffic's figures around one command (see the module's text)."""
    ping = ContinuousPing(args.from_netns, args.address, args.interval, args.source)
    stream = TcpStream(args.to_netns, args.from_netns, args.address, args.port)
    try:
        time.sleep(args.before)
        started = time.monotonic()
        ran = subprocess.run(args.command, check=False, capture_output=True, text=True)
        took = time.monotonic() - started
        deadline, settled = started + took + args.timeout, None
        while time.monotonic() < deadline:
            if ping.answered_since(args.settle):
                # when the replies' unbroken run began, from the command's start (0: it was never broken)
                settled = round(max(0.0, time.monotonic() - started - args.settle), 2)
                break
            time.sleep(args.interval)
    finally:
        result = ping.stop()
        result["stream"] = stream.stop()
    result.update(command_rc=ran.returncode, command_s=round(took, 2), settled_s=settled)
    if ran.returncode != 0:
        result["command_output"] = (ran.stdout + ran.stderr)[-3000:]
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m rosemu.dataplane.outage")
    commands = parser.add_subparsers(dest="what", required=True)
    run = commands.add_parser("during", help="a continuous ping and a TCP stream around one command")
    run.add_argument("--from-netns", required=True, help="the namespace that pings and sends the stream")
    run.add_argument("--to-netns", required=True, help="the namespace that receives the stream")
    run.add_argument("--address", required=True, help="the receiver's address")
    run.add_argument("--source", help="the sender's source address (a router's own LAN address)")
    run.add_argument("--interval", type=float, default=0.05, help="seconds between pings")
    run.add_argument("--before", type=float, default=2.0, help="seconds of traffic before the command")
    run.add_argument("--settle", type=float, default=3.0, help="seconds of replies that end the measurement")
    run.add_argument("--timeout", type=float, default=60.0, help="seconds after the command at most")
    run.add_argument("--port", type=int, default=5301, help="the TCP stream's port")
    run.add_argument("command", nargs="+", help="what to run while the traffic flows (after --)")
    args = parser.parse_args(argv)
    result = during(args)
    print(json.dumps(result, sort_keys=True), flush=True)
    return 0 if result["command_rc"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
