"""The outage a continuous ping reports (rosemu.dataplane.outage.summarise), from ping -D -O output."""

import json
import os
import secrets
import shutil
import subprocess
import time

import pytest

from rosemu.dataplane import outage
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


def test_an_outage_that_had_not_ended_counts_to_the_last_request():
    lines = [reply(100.0, 1), reply(100.05, 2)] + ["[%.6f] no answer yet for icmp_seq=%d" % (100.05 + 0.05 * n, n + 2)
                                                   for n in range(1, 41)]
    assert summarise("\n".join(lines), 0.05) == {"sent": 42, "received": 2, "lost": 40, "outages": 1,
                                                 "outage_s": 2.0}


needs_namespace = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("ping") is None,
                                     reason="a namespace of its own needs root")


@pytest.fixture
def namespace():
    name = "outage-test-%s" % secrets.token_hex(3)
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)


@needs_namespace
def test_during_measures_the_outage_a_command_makes_and_waits_for_the_replies(namespace, capsys):
    """`during`: lo goes down for a second under the traffic; the ping's outage says about that second, the replies
    come back (settled), the stream survives it."""
    down_a_second = ["sh", "-c", 'ip link set lo down && sleep 1 && ip link set lo up', "--"]
    status = outage.main(["during", "--from-netns", namespace, "--to-netns", namespace, "--address", "127.0.0.1",
                          "--before", "0.5", "--settle", "0.5", "--timeout", "30", "--", "ip", "netns", "exec",
                          namespace] + down_a_second)
    result = json.loads(capsys.readouterr().out)
    assert status == 0 and result["command_rc"] == 0
    assert 0.8 <= result["outage_s"] <= 3.0 and result["lost"] >= 10
    assert result["settled_s"] is not None and result["stream"]["survived"]


@needs_namespace
def test_a_long_ping_keeps_sending_past_a_pipes_worth_of_output(namespace):
    """More than 64 KiB of output (a pipe's buffer, ~840 lines): ping must not block in its write and stop sending."""
    ping = ContinuousPing(namespace, "127.0.0.1", interval=0.002)
    time.sleep(10)          # ~5,000 requests at full pace; 1,200 on a host four times too busy
    assert ping.stop()["received"] > 1200
