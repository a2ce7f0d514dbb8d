"""Helpers for scripts and tests that run `rosemu` as a separate process."""

import ssl
import subprocess
import sys
import time

import yaml


def wait_until(condition, timeout, what, interval=0.1):
    """The first true value `condition()` returns within `timeout` seconds, polled every `interval`; TimeoutError
    naming `what` when none came (tests and scripts wait on conditions, not sleeps)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("no %s within %s s" % (what, timeout))
        time.sleep(interval)


def expected_routers(args):
    """How many `router` lines a `rosemu` command line will print."""
    if "--topology" in args:
        with open(args[args.index("--topology") + 1], encoding="utf-8") as fh:
            return len((yaml.safe_load(fh) or {}).get("routers", []))
    if "--routers" in args:
        return int(args[args.index("--routers") + 1])
    return 1


def start_rosemu(args, listen="127.0.0.1:0"):
    """Start `rosemu` and wait until every router is listening.

    Returns (process, {name: {"api": (host, port), "api-ssl": (host, port)}}).
    With port 0 every router gets a free port of its own.
    """
    proc = subprocess.Popen([sys.executable, "-m", "rosemu.cli", "--listen", listen, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    routers = {}
    while len(routers) < expected_routers(args):
        line = proc.stdout.readline()
        if not line:
            proc.wait(10)
            raise RuntimeError("rosemu did not start: %s" % proc.stderr.read().strip())
        words = line.split()
        if words[0] != "router":
            continue
        ends = {}
        for word in words[2:]:
            kind, _sep, address = word.partition("=")
            host, _sep, port = address.rpartition(":")
            ends[kind] = (host, int(port))
        routers[words[1]] = ends
    return proc, routers


def tls_wrapper(cafile, hostname="127.0.0.1"):
    """An ssl_wrapper for librouteros.connect that verifies the lab's certificate."""
    context = ssl.create_default_context(cafile=cafile)

    def wrap(sock):
        return context.wrap_socket(sock, server_hostname=hostname)
    return wrap
