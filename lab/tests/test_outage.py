"""The outage a continuous ping reports (rosemu.dataplane.outage.summarise), from ping -D -O output."""

import os
import secrets
import shutil
import subprocess
import time

import pytest

from rosemu.dataplane.outage import ContinuousPing, summarise


def reply(at, seq):
    return "[%.6f] 64 bytes from 192.168.89.10: icmp_seq=%d ttl=62 time=1.02 ms" % (at, seq)


def test_the_longest_time_between_replies_less_one_interval():
    lines = [reply(100.0, 1), reply(100.05, 2), "[100.100000] no answer yet for icmp_seq=3",
             "[100.150000] no answer yet for icmp_seq=4", reply(102.05, 5), reply(102.10, 6),
             "[102.150000] no answer yet for icmp_seq=7", reply(102.30, 8)]
    assert summarise("\n".join(lines), 0.05) == {"sent": 8, "received": 5, "lost": 3, "outages": 2,
                                                 "outage_s": 1.95}


def test_a_ping_that_paces_itself_slower_is_no_outage():
    lines = [reply(100.0 + 0.4 * n, n + 1) for n in range(10)]      # a busy host: 400 ms apart, nothing lost
    assert summarise("\n".join(lines), 0.05)["outage_s"] == 0.0
    assert summarise("", 0.05) == {"sent": 0, "received": 0, "lost": 0, "outages": 0, "outage_s": 0.0}


def test_a_late_reply_counts_as_answered():
    lines = [reply(100.0, 1), "[100.050000] no answer yet for icmp_seq=2", reply(100.06, 2), reply(100.1, 3)]
    assert summarise("\n".join(lines), 0.05)["lost"] == 0


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("ping") is None, reason="a namespace of its own needs root")
def test_a_long_ping_keeps_sending_past_a_pipes_worth_of_output():
    """More than 64 KiB of output (a pipe's buffer, ~840 lines): ping must not block in its write and stop sending."""
    namespace = "outage-test-%s" % secrets.token_hex(3)
    subprocess.run(["ip", "netns", "add", namespace], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", namespace, "ip", "link", "set", "lo", "up"], check=True)
        ping = ContinuousPing(namespace, "127.0.0.1", interval=0.002)
        time.sleep(10)          # ~5,000 requests at full pace; 1,200 on a host four times too busy
        assert ping.stop()["received"] > 1200
    finally:
        subprocess.run(["ip", "netns", "del", namespace], check=False)
