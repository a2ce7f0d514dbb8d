"""How long a path was out, measured with packets: a continuous ping and a TCP stream between two namespaces.

`ContinuousPing(namespace, destination, interval)` runs `ping -D -O` (a timestamp per line, and a line for every
request that got no answer before the next was sent); `stop()` returns the requests sent, the replies received, and
the outage: the longest run of consecutive unanswered requests times the interval (plus how many runs there were).
`TcpStream(server_namespace, client_namespace, address)` keeps one TCP connection busy with small writes; `stop()`
says whether it survived (no reset, no timeout) and the longest time between two chunks the receiver got.
Both are started and stopped by PID; neither builds a shell string.
"""

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
        words = ["ping", "-n", "-D", "-O", "-i", str(interval), "-W", "1"]
        if source:
            words += ["-I", source]
        # a file, not a pipe: nobody reads while it runs, and a full pipe (64 KiB, ~1,100 lines: a minute at 50 ms)
        # would block ping in its write, and it would stop sending
        self.output = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        self.proc = subprocess.Popen(in_netns(namespace, *words, destination), stdout=self.output,
                                     stderr=subprocess.STDOUT, text=True)

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
    answered, unanswered, replies = set(), set(), []
    for line in output.splitlines():
        match = SEQ.search(line)
        if not match:
            continue
        seq = int(match.group(2))
        if "no answer yet" in line:
            unanswered.add(seq)
        else:
            answered.add(seq)
            replies.append(float(match.group(1)))
    sent = max(answered | unanswered, default=0)
    missing = {seq for seq in range(1, sent + 1) if seq not in answered}
    runs = sum(1 for seq in missing if seq - 1 not in missing)
    gaps = [later - earlier for earlier, later in zip(replies, replies[1:])]
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
