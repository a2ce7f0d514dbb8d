# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every RouterOS action plugin shares: arguments checked against the module's spec (argument_specs.py),
connection options, and the run of the engine for one resource."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.connection import (
    CONNECTION_OPTIONS, SESSION_ERRORS, connect, explain, select)
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import resources
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.engine import Engine
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.errors import (
    RouterosError, error_result, problem_report)
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.argument_specs import CheckedAction


# A session the password is not safe on: (is it, a module's warning for its router, the role's warning for the run
# with the number of sites and their names: drivers/routeros.py).
SESSION_WEAKNESSES = (
    (lambda options: not options.get("tls"),
     "%s: tls is false: the API password crosses the network in clear text; use the api-ssl service (tls: true, "
     "its port, ca_path)",
     "sitelink_routeros.tls is false for %d RouterOS site(s) (%s): the API password crosses the network in clear "
     "text, readable by anyone on the path. Enable api-ssl on those routers and drop tls: false (give their CA with "
     "sitelink_routeros.ca_path)."),
    (lambda options: options.get("tls") and not options.get("validate_certs"),
     "%s: validate_certs is false: the router's certificate is not checked, so anyone on the path can pose as the "
     "router and read the API password; give its CA with ca_path",
     "sitelink_routeros.validate_certs is false for %d RouterOS site(s) (%s): their certificates are not checked, so "
     "anyone on the path can pose as the router and read the API password. Give the routers' CA with "
     "sitelink_routeros.ca_path and drop validate_certs: false."),
)


class RouterosAction(CheckedAction):
    """Checks the arguments against the module's argument spec, then calls `self.work`."""

    def run(self, tmp=None, task_vars=None):
        result = super(RouterosAction, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        router = task_vars.get("inventory_hostname", "router")
        params, failure = self.checked(dict(self._task.args), router)
        if failure:
            result.update(failure)
            return result
        if not params.get("hostname"):
            params["hostname"] = task_vars.get("ansible_host") or router
        warnings = [words % router for weak, words, _run_words in SESSION_WEAKNESSES if weak(params)]
        try:
            result.update(self.work(params, router))
        except RouterosError as exc:
            result.update(error_result(exc))
        if warnings:
            result["warnings"] = warnings + list(result.get("warnings") or [])
        return result

    def open(self, params, router):
        return connect(dict((k, params.get(k)) for k in CONNECTION_OPTIONS), router)

    def work(self, params, router):
        raise NotImplementedError


class ResourceAction(RouterosAction):
    """A resource module: `config` + `state` for one Resource of the catalogue."""

    RESOURCE = None

    def work(self, params, router):
        resource = self.RESOURCE
        state = params["state"]
        config = [dict((k, v) for k, v in entry.items()) for entry in (params.get("config") or [])]
        options = dict((k, params.get(k)) for k in ("owner", "adopt", "placement"))
        if state == "rendered":
            engine = engine_for(resource, router, options)
            engine.remember_secrets(config)
            problems = engine.validate(config, state, None)
            if problems:
                raise problem_report(router, resource.name, problems)
            ops = engine.render(config)
            return {"changed": False, "rendered": [engine.sentence(op) for op in ops],
                    "rendered_script": "\n".join(engine.script(op) for op in ops)}
        api = self.open(params, router)
        try:
            return run_resource(api, resource, router, config, state, options, bool(self._task.check_mode),
                                bool(self._task.diff), SessionFacts(api, router, params.get("username")),
                                lambda: self.open(params, router))
        finally:
            api.close()


def ping_addresses(open_session, addresses, count, interval, parallel, src_address=None, router="router"):
    """The router's own /ping to each address: [{address, sent, received, packet_loss, avg_rtt}] in order.
    librouteros is one request at a time per session, so the addresses are spread over `parallel` sessions.
    A failed ping names the router and the address."""
    def ping_share(share):
        if not share:
            return []
        api = open_session()
        out = []
        try:
            for address in share:
                args = {"address": address, "count": count, "interval": interval}
                if src_address:
                    args["src-address"] = src_address
                try:
                    rows = list(api("/ping", **args))
                except SESSION_ERRORS as exc:
                    if "not enough permissions" in str(exc):
                        raise RouterosError("%s: /ping %s refused: the API user's group lacks the policy test, which "
                                            "RouterOS needs for ping (%s)" % (router, address, exc))
                    raise RouterosError("%s: /ping %s failed: %s" % (router, address, explain(exc)))
                last = rows[-1] if rows else {}
                out.append((address, {"address": address, "sent": last.get("sent", 0),
                                      "received": last.get("received", 0),
                                      "packet_loss": last.get("packet-loss", 100), "avg_rtt": last.get("avg-rtt")}))
        finally:
            api.close()
        return out

    sessions = max(1, min(parallel, len(addresses)))
    shares = [addresses[i::sessions] for i in range(sessions)]
    with ThreadPoolExecutor(max_workers=sessions) as pool:
        answers = dict(pair for share in pool.map(ping_share, shares) for pair in share)
    return [answers[a] for a in addresses]


def engine_for(resource, router, options, release=None):
    return Engine(resource, router, owner=options.get("owner"), adopt=options.get("adopt"),
                  placement=options.get("placement") or "before_drop", release=release)


# Why the collection needs each policy of the API user's group (RouterOS manual, User), for the failure message.
POLICY_USE = {
    "read": "needed to read the configuration",
    "write": "needed to change the configuration",
    "sensitive": "RouterOS leaves preshared keys and IPsec secrets out of what a user without it reads, so they "
                 "could be neither compared nor left alone: every run would rewrite them",
}
_UNREAD = object()


def needed_policies(resource, config, state):
    """The group policies a run of `resource` needs: read always; write unless it only reads; sensitive when a
    value the router would hide is compared (a secret the config sets, or one replaced/overridden clears)."""
    if state in ("gathered", "rendered"):
        return ("read",)
    secrets = resource.secrets()
    compared = state in ("replaced", "overridden") or any(entry.get(f.option) is not None
                                                          for entry in config for f in secrets)
    return ("read", "write") + (("sensitive",) if secrets and config and compared and state != "deleted" else ())


class SessionFacts(object):
    """What one API session knows about its router: its RouterOS release (read once: the field table is cut to it),
    the policies of the session user's group (read once), and its interfaces (name -> type) for reference checks,
    read once and kept current with what the session itself creates, removes or (in check mode) would create."""

    def __init__(self, api, router, user=None):
        self.api = api
        self.router = router
        self.user = user or "admin"
        self.by_name = None
        self._release = None
        self._group = _UNREAD

    def group(self):
        """(group name, granted policies) of the session's user, read once per session; None when the router cannot
        say (a RADIUS user has no /user entry). Read from /user and /user/group rather than guessed from rows: a
        hidden secret looks exactly like an absent one, and the check must come before the first write."""
        if self._group is _UNREAD:
            self._group = None
            try:
                users = select(self.api, self.router, "/user", ("name", "group"), {"name": self.user})
                name = users[0].get("group") if users else None
                groups = select(self.api, self.router, "/user/group", ("name", "policy"), {"name": name}) if name else []
            except RouterosError as exc:
                # read is taken to show /user (FIDELITY.md); a router that refuses it is not checked: the writes'
                # own traps then explain
                if "not enough permissions" not in exc.message:
                    raise
                groups = []
            if groups:
                policy = str(groups[0].get("policy") or "")
                self._group = (name, frozenset(p for p in policy.split(",") if p and not p.startswith("!")))
        return self._group

    def require(self, policies):
        """RouterosError naming the router, the user, the group and each missing policy, before anything is written
        (check mode too: its report would be wrong without them)."""
        if set(policies) <= {"read"}:
            return            # a read-only task: a refused read names the router and the path itself
        group = self.group()
        missing = [p for p in policies if group is not None and p not in group[1]]
        if missing:
            raise RouterosError("%s: the API user %r (group %r) lacks the polic%s %s; nothing was changed. Give the "
                                "group %s (README: user rights)"
                                % (self.router, self.user, group[0], "ies" if len(missing) > 1 else "y",
                                   ", ".join("%s (%s)" % (p, POLICY_USE[p]) for p in missing), ", ".join(missing)))

    def release(self):
        """The router's RouterOS release, (major, minor), read once per session; RouterosError below the minimum."""
        if self._release is None:
            rows = select(self.api, self.router, "/system/resource", ("version",))
            version = str(rows[0].get("version", "")) if rows else ""
            try:
                self._release = resources.release(version)
            except ValueError:
                raise RouterosError("%s: cannot tell the RouterOS version from %r" % (self.router, version))
            if self._release < resources.MINIMUM:
                raise RouterosError("%s: RouterOS %s is not supported: sitelink.tunnels needs RouterOS %s or later "
                                    "(WireGuard came with RouterOS 7)"
                                    % (self.router, version.split(" ", maxsplit=1)[0], resources.shown(resources.MINIMUM)))
        return self._release

    def get(self):
        if self.by_name is None:
            rows = select(self.api, self.router, "/interface", ("name", "type"))
            self.by_name = dict((r.get("name"), r.get("type")) for r in rows)
        return self.by_name

    def update(self, resource, before, after):
        if resource.interface_type and self.by_name is not None:
            for entry in before:
                self.by_name.pop(entry.get("name"), None)
            for entry in after:
                self.by_name[entry.get("name")] = resource.interface_type


def paths_to_read(resource, config, state):
    if state in ("overridden", "gathered") or (state == "deleted" and not config):
        return list(resource.paths.values())
    return sorted(set(resource.path_for(e) for e in config))


def planned_removals(api, resource, router, config, state, options, facts):
    """(the rows read, the managed entries as the engine reports them that applying `config` under `state` would
    remove): read and compared as run_resource does, nothing written (the purge guard looks at them before a site's
    first write; run_resource may take the rows while nothing was written since)."""
    engine = engine_for(resource, router, options, facts.release())
    rows = dict((path, engine.read(api, path)) for path in paths_to_read(resource, config, state))
    try:
        ops = engine.plan(config, state, copied(rows))
    except RouterosError:
        # a collision the resource's own step reports, with what was applied before it: that step removes nothing
        return rows, []
    removed = {}
    for op in ops:
        if op.verb == "remove" and op.before is not None:
            removed.setdefault(op.path, []).append(op.before)
    return rows, engine.entries(removed)


def copied(rows_by_path):
    return dict((path, [dict(row) for row in rows]) for path, rows in rows_by_path.items())


def run_resource(api, resource, router, config, state, options, check_mode, want_diff, facts, reopen=None,
                 read=None, before_write=None):
    """Reads, compares and (outside check mode) applies one resource over an open API session: the engine's
    guarantees (ownership, placement, rollback of this resource on failure, redaction) hold as in its module.
    `facts` is the session's SessionFacts (release, interfaces); `reopen()` opens a fresh session for the undo
    after a failure; `read`: the resource's rows as this session read them, when nothing was written since;
    `before_write()`: called before the first write (the fleet lock), True when what was read before it must be read
    again (another run may have written until then)."""
    facts.require(needed_policies(resource, config, state))
    engine = engine_for(resource, router, options, facts.release())
    engine.remember_secrets(config)
    paths = paths_to_read(resource, config, state)
    rows = copied(read) if read is not None else dict((path, engine.read(api, path)) for path in paths)
    if state == "gathered":
        return {"changed": False, "gathered": engine.entries(rows, managed_only=False)}
    known = facts.get() if resource.interface_type or any(f.ref for f in resource.fields) else None
    problems = engine.validate(config, state, known, check_mode)
    if problems:
        raise problem_report(router, resource.name, problems)
    ops = engine.plan(config, state, rows)
    if ops and not check_mode and before_write is not None and before_write():
        rows = dict((path, engine.read(api, path)) for path in paths)
        ops = engine.plan(config, state, rows)
    if ops and not check_mode:
        engine.apply(api, ops, reopen)
        after_rows = dict((path, engine.read(api, path)) for path in paths)
    else:
        after_rows = engine.predict(rows, ops)
    before, after = engine.entries(rows), engine.entries(after_rows)
    if ops:
        facts.update(resource, before, after)
    out = {"changed": bool(ops), "commands": [engine.sentence(op) for op in ops], "warnings": engine.warnings,
           "script": [engine.script(op) for op in ops], "before": before, "after": after}
    if want_diff and ops:
        out["diff"] = {"before": export(before, resource), "after": export(after, resource),
                       "before_header": "%s %s" % (router, "+".join(paths)),
                       "after_header": "%s %s" % (router, "+".join(paths))}
    return out


def export(entries, resource):
    """Entries as export-style lines (`key=value ...`) for --diff; secrets are already redacted."""
    lines = []
    live = set(name.replace("-", "_") for name in resource.status)
    for entry in sorted(entries, key=lambda e: [str(e.get(k)) for k in resource.key]):
        keys = [k for k in resource.key if k in entry]
        rest = sorted(k for k in entry if k not in keys and k not in ("id", "managed") and k not in live
                      and not (k in ("comment", "owner") and entry[k] == ""))
        words = ["%s=%s" % (k, _text(entry[k])) for k in keys + rest]
        lines.append(" ".join(words))
    return "\n".join(lines) + ("\n" if lines else "")


def _text(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)
