# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FRR on a Linux site (Debian's frr and frr-pythontools): the block of /etc/frr/frr.conf an owner owns, the
daemons it needs in /etc/frr/daemons, and FRR told of a change the least disruptive way.

The block lies between two FRR comment lines naming its owner (render.frr_marker); everything outside it is the
administrator's and is written back as it was.  A changed block is applied with FRR's reload (`frrinit.sh reload`,
which `systemctl reload frr` runs): frr-reload.py compares the file with the running configuration and sends only
the difference, so adjacencies whose interfaces did not change stay up.  A daemon newly enabled in the daemons file
needs one FRR restart (every daemon, the administrator's too, starts again).
"""

from __future__ import annotations

import grp
import os
import re
import tempfile

from ansible_collections.sitelink.tunnels.plugins.module_utils.linux import engine, files, render
from ansible_collections.sitelink.tunnels.plugins.module_utils.linux.engine import LinuxError, Step

FRR_INIT = "/usr/lib/frr/frrinit.sh"            # what Debian's frr.service runs (ExecStart/ExecReload)
FRR_RELOAD = "/usr/lib/frr/frr-reload.py"       # frr-pythontools: frrinit.sh reload needs it
FRR_GROUP = "frr"
MODE = 0o640            # FRR's own (frrcommon.sh FRR_CONFIG_MODE): the frr group reads, nobody else
DAEMONS = ("ospfd", "bfdd")
# how FRR is told, by service manager: systemd when the host runs it, else the init script the unit calls
SERVICE = {"systemd": {"start": ["systemctl", "start", "frr"], "reload": ["systemctl", "reload", "frr"],
                       "restart": ["systemctl", "restart", "frr"],
                       "status": ["systemctl", "is-active", "--quiet", "frr"]},
           "frrinit": {"start": [FRR_INIT, "start"], "reload": [FRR_INIT, "reload"],
                       "restart": [FRR_INIT, "restart"], "status": [FRR_INIT, "status"]}}


def service_manager():
    """systemd when it is the host's init (sd_booted(3): /run/systemd/system exists), else frrinit."""
    return "systemd" if os.path.isdir("/run/systemd/system") else "frrinit"


def split(text, owner):
    """(lines before the block, its lines or None, lines after it) of frr.conf's text; a file whose markers of
    `owner` are not one begin followed by one end is refused (LinuxError): an edit cut the block."""
    lines = text.splitlines()
    begin, end = render.frr_marker(owner, "begin"), render.frr_marker(owner, "end")
    starts = [i for i, line in enumerate(lines) if line.strip() == begin]
    stops = [i for i, line in enumerate(lines) if line.strip() == end]
    if not starts and not stops:
        return lines, None, []
    if len(starts) != 1 or len(stops) != 1 or stops[0] < starts[0]:
        counts = (owner, len(starts), begin, len(stops), end)
        raise LinuxError("the block of owner %s in frr.conf is broken (%d %r and %d %r lines, expected one of each, "
                         "in that order); mend or remove its marker lines" % counts)
    return lines[:starts[0]], lines[starts[0] + 1:stops[0]], lines[stops[0] + 1:]


def with_block(text, owner, config):
    """frr.conf's text with the owner's block holding `config` (appended where there was none), or without the
    block when `config` is None; every line outside it as it was."""
    before, _block, after = split(text, owner)
    if config is None:
        lines = before + after
    else:
        lines = before + [render.frr_marker(owner, "begin")] + config.splitlines() + \
            [render.frr_marker(owner, "end")] + after
    return "\n".join(lines) + "\n" if lines else ""


def block_text(text, owner):
    """The owner's block (without markers) as text, "" when there is none (the diff's before and after)."""
    _before, block, _after = split(text, owner)
    return "\n".join(block) + "\n" if block else ""


def with_daemons(text, daemons):
    """The daemons file's text with each of `daemons` set to yes (a line appended where it has none)."""
    for daemon in daemons:
        line = "%s=yes" % daemon
        pattern = re.compile(r"^%s=.*$" % re.escape(daemon), re.M)
        text = pattern.sub(line, text, count=1) if pattern.search(text) else text.rstrip("\n") + "\n" + line + "\n"
    return text


def config_problem(config, owner):
    """Why `config` cannot be the block's text, or None: a marker line in it would end or open a block."""
    for line in config.splitlines():
        if line.strip().startswith("! %s:" % render.MARKER):
            return "line %r looks like a block marker (! %s:OWNER begin/end)" % (line.strip(), render.MARKER)
    return None


def read_text(path):
    """The file's text, or None when there is none."""
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except FileNotFoundError:
        return None


def file_owner(path):
    """(uid, gid) the file keeps; a new one is root's, group frr where there is such a group (FRR's daemons read
    it as that group)."""
    try:
        st = os.stat(path)
        return st.st_uid, st.st_gid
    except FileNotFoundError:
        try:
            return 0, grp.getgrnam(FRR_GROUP).gr_gid
        except KeyError:
            return 0, 0


def write_step(path, text, label):
    """A step that writes `text` to `path` atomically, owner kept, mode 0640 or the file's own when tighter."""
    def write(_runner):
        try:
            mode = os.stat(path).st_mode & MODE
        except FileNotFoundError:
            mode = MODE
        files.write_atomically(path, text, mode, file_owner(path))
    return Step(action=write, shown="write %s (%s)" % (path, label))


def checked(runner, text):
    """vtysh's dry run (-C) of the whole new frr.conf, before it is written (in check mode too): a line FRR does
    not know fails the task with FRR's own message and the file as it was."""
    fd, path = tempfile.mkstemp(prefix=".sitelink-frr-", suffix=".conf")
    try:
        os.write(fd, text.encode("utf-8"))
        os.close(fd)
        rc, out, err = runner.query(["vtysh", "-C", "-f", path])
    finally:
        os.remove(path)
    if rc != 0:
        raise LinuxError("FRR refuses the new frr.conf (vtysh -C): %s" % (err or out).strip(), list(runner.commands))


def service_step(runner, manager, changed_conf, changed_daemons, present):
    """(the service verb or None, why): restart when the daemons file changed (and FRR runs), reload when only the
    configuration did, start when FRR is not running and the block should be."""
    rc, _out, _err = runner.query(SERVICE[manager]["status"])
    running = rc == 0
    if not running:
        return ("start", "FRR was not running") if present else (None, "FRR is not running")
    if changed_daemons:
        return "restart", "the daemons file enables %s: every FRR daemon restarts" % ", ".join(changed_daemons)
    if changed_conf:
        return "reload", "frr-reload.py applies the difference; unchanged adjacencies stay up"
    return None, "nothing changed"


def converge(p, runner):
    """linux_frr's work (p: its parameters): the block, the daemons, the service; the module's result."""
    present = p["state"] == "present"
    if present:
        why = config_problem(p["config"] or "", p["owner"])
        if why or not (p["config"] or "").strip():
            raise LinuxError("config: %s" % (why or "is empty; state=absent removes the block"))
    conf = read_text(p["path"])
    daemons_text = read_text(p["daemons_path"])
    missing = [path for path, needed in ((p["daemons_path"], daemons_text is None), (FRR_RELOAD, p["apply"]))
               if needed and not os.path.exists(path)]
    if present and missing:
        raise LinuxError("FRR is not installed here (no %s): install the Debian packages frr and frr-pythontools "
                         "(sitelink_linux_install_packages: true does)" % " or ".join(missing))
    if conf is None and not present:
        return {"changed": False, "diff": engine.diff("", ""), "service": None}
    old = conf or ""
    new = with_block(old, p["owner"], p["config"] if present else None)
    enabled = [d for d in p["daemons"] if present and not re.search(r"^%s=yes\s*$" % d, daemons_text or "", re.M)]
    steps = []
    if enabled:
        steps.append(write_step(p["daemons_path"], with_daemons(daemons_text, enabled), "enable " + ", ".join(enabled)))
    if new != old:
        checked(runner, new)
        steps.append(write_step(p["path"], new, "block of owner %s" % p["owner"]))
    if not p["apply"] or (new == old and not present):
        verb, why = None, "apply is off" if not p["apply"] else "no block to remove"
    else:
        verb, why = service_step(runner, p["service_manager"] or service_manager(), new != old, enabled, present)
    if verb:
        steps.append(Step(SERVICE[p["service_manager"] or service_manager()][verb], label="FRR %s" % verb))
    runner.apply(steps)
    return {"diff": engine.diff(block_text(old, p["owner"]), block_text(new, p["owner"])),
            "service": verb, "service_reason": why, "daemons_enabled": enabled}
