# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired vs actual for one resource on a Linux host: read, compare, apply, diff text.

The Linux counterpart of routeros/engine.py. A module declares a Resource (how an entry is keyed, which of its
fields decide that it needs a change, how it is shown in a diff), reads the host through a Runner, and hands
compare() what it wants; the Plan names what to remove and what to put. The module turns that into Steps, each
an argument list (never a shell line) or an action of its own (a file write), and the Runner applies them - or,
in check mode, only lists them. Nothing here knows AnsibleModule: the unit tests drive it with a fake runner.
"""

from __future__ import annotations

import os
import tempfile

STATES = ("merged", "overridden", "deleted")


class LinuxError(Exception):
    """A failed read or step; `commands` are the steps of the run so far (shown text, never a secret)."""

    def __init__(self, msg, commands=None):
        super(LinuxError, self).__init__(msg)
        self.msg = msg
        self.commands = commands


class SecretFile(object):
    """An argument that is a secret (a preshared key): the command gets the name of a file only root can read,
    holding it, made just before the command runs and removed right after; `commands` show `shown`."""

    def __init__(self, text, shown="<secret file>"):
        self.text = text
        self.shown = shown

    def __repr__(self):
        return self.shown


class Step(object):
    """One change. `argv`: the command, an argument list (a SecretFile for a secret); `shown`: how it is listed in
    `commands` (by default the arguments joined, each secret as its placeholder); `data`: bytes for its standard
    input; `action`: a callable (runner) -> None run instead of a command, for what is not a command (a file
    written atomically, a daemon started); `label` (what it is about) and `hint` (what to do) frame the message
    when the command fails."""

    def __init__(self, argv=None, shown=None, data=None, action=None, label=None, hint=""):
        if action is None and not isinstance(argv, list):
            raise TypeError("a command must be an argument list, not %r" % (argv,))
        self.argv = argv
        self.shown = shown if shown is not None else " ".join(
            a.shown if isinstance(a, SecretFile) else a for a in argv)
        self.data = data
        self.action = action
        self.label = label
        self.hint = hint


class Runner(object):
    """Runs argument lists through `run_command(argv, data)` -> (rc, stdout, stderr). Reads run in check mode too;
    steps do not."""

    def __init__(self, run_command, check_mode):
        self.run_command = run_command
        self.check_mode = check_mode
        self.commands = []          # shown text of every step applied (in check mode: that would be)

    @classmethod
    def for_module(cls, module):
        def run_command(argv, data=None):
            if data is None:
                return module.run_command(argv)
            return module.run_command(argv, data=data, binary_data=True)
        return cls(run_command, module.check_mode)

    def query(self, argv, data=None):
        """(rc, stdout, stderr) of a command that changes nothing; a failure is the caller's to judge."""
        if not isinstance(argv, list):
            raise LinuxError("internal error: a command must be an argument list, not %r" % (argv,))
        return self.run_command(argv, data)

    def read(self, argv, data=None, label=None):
        """Standard output of a command that changes nothing; a failure fails the task."""
        rc, out, err = self.query(argv, data)
        if rc != 0:
            raise LinuxError(failure(argv, out, err, label), list(self.commands))
        return out

    def apply(self, steps):
        """List every step, then run them in order (not in check mode). A failure stops at that step and names
        every step listed, so the result says what was meant."""
        steps = list(steps)
        self.commands += [s.shown for s in steps]
        if self.check_mode:
            return
        for step in steps:
            if step.action is not None:
                step.action(self)
                continue
            paths = {}
            try:
                for index, arg in enumerate(step.argv):
                    if isinstance(arg, SecretFile):
                        paths[index] = secret_file(arg.text)
                argv = [paths.get(i, a) for i, a in enumerate(step.argv)]
                rc, out, err = self.query(argv, step.data)
            finally:
                for path in paths.values():
                    os.remove(path)
            if rc != 0:
                raise LinuxError(failure(argv, out, err, step.label) + step.hint, list(self.commands))

    def ran(self, shown):
        """A change the module made itself, outside apply() (a probe that is also the change)."""
        self.commands.append(shown)


def secret_file(text):
    """A new file only root can read (mkstemp makes it 0600) holding `text`, in /run (memory) where there is one."""
    fd, path = tempfile.mkstemp(prefix=".sitelink-secret-", dir="/run" if os.path.isdir("/run") else None)
    try:
        os.write(fd, (text + "\n").encode("ascii"))
    finally:
        os.close(fd)
    return path


def failure(argv, out, err, label=None):
    text = "%s failed: %s" % (" ".join(argv), (err or out).strip())
    return "%s: %s" % (label, text) if label else text


class Resource(object):
    """A declaration: entries are dicts keyed by `key`; `fields` decide whether an entry needs a change, except
    that a `loose` field the task leaves unset (None) is the host's choice; `line(entry)` shows one entry."""

    def __init__(self, key, fields, line, loose=()):
        self.key = key
        self.fields = tuple(fields)
        self.loose = frozenset(loose)
        self.line = line

    def same(self, have, want):
        return all(have.get(f) == want.get(f) for f in self.fields
                   if not (f in self.loose and want.get(f) is None))

    def text(self, entries, extra=()):
        """Diff text: one line per entry, by key, then the `extra` lines."""
        lines = [self.line(e) for e in sorted(entries.values(), key=lambda e: e[self.key])] + list(extra)
        return "".join(line + "\n" for line in lines)


class Plan(object):
    """What compare() found: `remove` (entries of ours, by key), `put` (key -> (entry as read or None, wanted)
    in the order wanted) and `after` (ours once applied)."""

    def __init__(self):
        self.remove = []
        self.put = {}
        self.after = {}


def compare(resource, ours, wanted, state):
    """`ours`: key -> entry read from the host (only what the module owns); `wanted`: key -> entry. merged keeps
    ours not wanted, overridden removes them, deleted removes the wanted ones (all of ours when none are)."""
    if state not in STATES:
        raise ValueError("state must be one of %s" % ", ".join(STATES))
    plan = Plan()
    if state == "deleted":
        gone = [k for k in sorted(ours) if not wanted or k in wanted]
    else:
        gone = sorted(set(ours) - set(wanted)) if state == "overridden" else []
    plan.remove = [ours[k] for k in gone]
    plan.after = dict((k, e) for k, e in ours.items() if k not in gone)
    if state == "deleted":
        return plan
    for key, want in wanted.items():
        have = ours.get(key)
        if have is None or not resource.same(have, want):
            plan.put[key] = (have, want)
            plan.after[key] = dict(have or {}, **dict((f, v) for f, v in want.items() if v is not None))
    return plan


def set_changes(have, want):
    """(to remove, to add) between two collections of plain values (addresses), each sorted."""
    return sorted(set(have) - set(want)), sorted(set(want) - set(have))


def diff(before, after):
    return {"before": before, "after": after}


def run(module, body):
    """Call `body(runner)` and end the task with the result it returns (plus `commands` and `changed` unless given),
    or fail it with the message and commands of a LinuxError."""
    runner = Runner.for_module(module)
    try:
        result = body(runner)
    except LinuxError as exc:
        module.fail_json(msg=exc.msg, commands=exc.commands if exc.commands is not None else runner.commands)
    result.setdefault("commands", runner.commands)
    result.setdefault("changed", bool(result["commands"]))
    module.exit_json(**result)
