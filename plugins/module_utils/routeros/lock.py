# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run at a time per fleet (security review 3, N5): an advisory lock on each router, taken before a run's first
write there and released after its last.

The lock is an entry of the address list `sitelink-lock-OWNER` (address 127.0.0.1, which no rule refers to) whose
comment names the holder: `sitelink-lock: USER@CONTROLLER pid PID since 2026-12-05T01:20:00Z`. RouterOS refuses a
second entry of one list and address ("already have such entry"), so of two runs that add it at once exactly one
succeeds: the other is refused naming the holder. It lives on the router, so two controllers (AWX nodes, a laptop)
exclude each other as well; one controller's own batches (serial, several plays) share it (same pid). The comment
does not start with `sitelink:`, so no resource module ever takes the entry for one of its own.

A lock whose run cannot release it (killed, or the router unreachable at the end) is taken over by the next run that
writes there: at once when that run is on the same controller (user and host) and the holder's pid has ended; after
STALE_AFTER otherwise; or at once with sitelink_break_lock.
"""

from __future__ import annotations

import calendar
import getpass
import os
import re
import socket
import time

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.connection import SESSION_ERRORS, select
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.errors import RouterosError

PATH = "/ip/firewall/address-list"
ADDRESS = "127.0.0.1"
LIST = "sitelink-lock-%s"                         # per owner: two fleets on one router do not exclude each other
COMMENT = re.compile(r"^sitelink-lock: (?P<holder>.+) since (?P<since>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)$")
# A lock older than this is stale and taken over: a run that died (SIGKILL, a lost controller) between its first
# and its last write; a healthy run holds a router for seconds to minutes.
STALE_AFTER = 30 * 60
UNSAFE = re.compile(r"[^A-Za-z0-9._-]")           # the comment is one plain ASCII line whatever the user's name


def holder(pid=None):
    """This run: the controller's user and host, and the pid of ansible-playbook (the parent of the worker that runs
    an action, the same for all tasks and hosts of the run)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "uid%d" % os.getuid()
    return "%s@%s pid %d" % (UNSAFE.sub("_", user), UNSAFE.sub("_", socket.gethostname()),
                             os.getppid() if pid is None else pid)


HOLDER = re.compile(r"^(?P<who>\S+@(?P<host>\S+)) pid (?P<pid>\d+)$")


def died_here(other, me):
    """Whether `other` was a run on this controller (same user and host as `me`) whose ansible-playbook is gone: its
    lock is stale at once (a run killed or cut off from the router could not release it; the next run here must not
    wait for the age limit)."""
    theirs, mine = HOLDER.match(other or ""), HOLDER.match(me)
    if not (theirs and mine and theirs.group("who") == mine.group("who")):
        return False
    try:
        os.kill(int(theirs.group("pid")), 0)
    except ProcessLookupError:
        return True
    except OSError:                 # alive, another user's process
        return False
    return False


def _since(text):
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


def _entries(api, router, owner):
    """[(id, holder, since seconds)] of the lock's entries (an entry of that list with another comment: holder
    None, since 0 - stale at once)."""
    rows = select(api, router, PATH, (".id", "comment"), {"list": LIST % owner})
    out = []
    for row in rows:
        found = COMMENT.match(row.get("comment") or "")
        out.append((row[".id"], found and found.group("holder"), _since(found.group("since")) if found else 0))
    return out


def _call(router, what, action):
    try:
        return action()
    except SESSION_ERRORS as exc:
        raise RouterosError("%s: %s the fleet lock (%s %s) failed: %s" % (router, what, PATH, LIST, exc))


def held_message(router, owner, other, since, now):
    return ("%s: another run holds the fleet lock of owner %s on this router: %s, since %s (%ds ago); nothing was "
            "changed. Wait for it to end and run again; if it died, run with -e sitelink_break_lock=true (a lock "
            "older than %d minutes is taken over by itself)" % (
                router, owner, other, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(since)), now - since,
                STALE_AFTER // 60))


def take(api, router, owner, me, break_lock=False, now=None):
    """Take (or keep, when `me` holds it) the lock; RouterosError naming the holder when another run holds it.
    Returns ([the stale or broken holders it removed], whether it was taken now rather than already held)."""
    now = int(time.time() if now is None else now)
    menu = api.path(*PATH.strip("/").split("/"))
    removed = []
    for entry_id, other, since in _entries(api, router, owner):
        if other == me:
            return removed, False
        dead = died_here(other, me)
        if not break_lock and not dead and now - since < STALE_AFTER:
            raise RouterosError(held_message(router, owner, other, since, now))
        _call(router, "removing a stale", lambda: menu.remove(entry_id))
        removed.append("%s (%ds old%s)" % (other or "an entry without a holder", now - since,
                                           ", its run has ended" if dead else ""))
    comment = "sitelink-lock: %s since %s" % (me, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)))
    try:
        menu.add(**{"list": LIST % owner, "address": ADDRESS, "comment": comment})
    except SESSION_ERRORS as exc:
        # "already have such entry": another run added it since the read above
        taken = [(other, since) for _id, other, since in _entries(api, router, owner) if other != me]
        if taken:
            raise RouterosError(held_message(router, owner, taken[0][0] or "unknown", taken[0][1], now))
        raise RouterosError("%s: taking the fleet lock (%s %s) failed: %s" % (router, PATH, LIST % owner, exc))
    return removed, True


def release(api, router, owner, me):
    """Remove this run's lock entry, and one an ended run of this controller left (it could not release it: cut off
    from the router at its last write); another live run's is left alone."""
    menu = api.path(*PATH.strip("/").split("/"))
    for entry_id, other, _since in _entries(api, router, owner):
        if other == me or died_here(other, me):
            _call(router, "releasing", lambda: menu.remove(entry_id))
