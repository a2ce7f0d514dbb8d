"""One emulated router: tables of items and the generic menu verbs.

Every write is validated completely on copies before anything is stored, so
a rejected command leaves the router exactly as it was (RouterOS behaves the
same way).  Menu-specific rules live in `effects` (side effects, checks);
field rules live in `schema`.
"""

import collections
import itertools
import random
import time

from rosemu import effects, errors, ospf, pki, schema
from rosemu.values import parse_duration_ms
from rosemu.query import compile_query

PRINT_OPTIONS = frozenset(("detail", "stats", "without-paging", "terse", "count-only", "brief",
                           "value-list", "show-ids", "from", "where", "interval", "as-value"))
VERSION = "7.18.2 (stable)"


class Item:
    __slots__ = ("id", "values")

    def __init__(self, id_, values):
        self.id, self.values = id_, values

    @property
    def ref(self):
        return "*%X" % self.id


class Counters:
    def __init__(self, keep=20000):
        self.read = 0
        self.written = 0
        self.rows_sent = 0              # !re replies: what a read costs the router and the wire
        self.by_command = collections.Counter()
        self.sentences = collections.deque(maxlen=keep)

    def record(self, words, verb):
        self.read += 1
        if verb in schema.WRITE_VERBS:
            self.written += 1
        self.by_command[words[0]] += 1
        self.sentences.append(list(words))

    def as_dict(self, with_sentences=False):
        out = {"read": self.read, "written": self.written, "rows_sent": self.rows_sent, "by_command": dict(self.by_command)}
        if with_sentences:
            out["sentences"] = list(self.sentences)
        return out


class Faults:
    def __init__(self):
        self.reset()

    def reset(self):
        self.delay_ms = 0
        self.drop_after_writes = None   # writes still allowed before the connection is dropped
        self.drop_applied = False       # the dropped write is applied first (a client times out on a done change)
        self.drop_once = False          # after the drop the router is healthy again (a fresh session works)
        self.logins_left = None         # logins still accepted; then every login is refused (a password changed)
        self.hang = False               # at the drop point the router stops answering instead (every session, logins too)
        self.traps = []                 # [{"path":..., "verb":..., "message":..., "category":...}]

    def as_dict(self):
        return {"delay_ms": self.delay_ms, "drop_after_writes": self.drop_after_writes,
                "drop_applied": self.drop_applied, "drop_once": self.drop_once, "logins_left": self.logins_left,
                "hang": self.hang, "traps": self.traps}

    def trap_for(self, path, verb):
        for rule in self.traps:
            if rule.get("path") == path and rule.get("verb") in (None, verb):
                return errors.Trap(rule.get("message", "failure: injected fault"), rule.get("category"))
        return None


class Router:
    def __init__(self, name, identity=None, version=VERSION, defconf=True, users=None,
                 fabric=None, peer_overlap="reject", seed=None, groups=None):
        self.name = name
        self.version = version
        self.fabric = fabric
        self.peer_overlap = peer_overlap
        self.random = random.Random(seed if seed is not None else name)
        self.started = time.monotonic()
        self.tables = {path: [] for path in schema.CATALOGUE}
        self.next_id = collections.defaultdict(lambda: 1)
        self.counters = Counters()
        self.faults = Faults()
        self.listeners = []
        self.script_environment = {}    # /system/script/environment: the global variables scripts set (name: value)
        self.certificate_keys = {}      # a signed certificate's ref -> (private key, certificate): never printed
        self.tls_context = None         # the lab's api-ssl context when it serves the router's own certificate
        self.tls_loaded = None          # the fingerprint of the certificate that context holds
        effects.factory_reset(self, identity or "MikroTik")
        effects.add_users(self, groups or {}, users or {"admin": ("", "full")})
        if defconf:
            effects.apply_defconf(self)
        self.refresh()

    # ----- lookup -------------------------------------------------------
    @property
    def empty_reply(self):
        """RouterOS 7.18+ answers a print with no data with `!empty`."""
        return self.release >= (7, 18)

    @property
    def release(self):
        return schema.release_of(self.version)

    def menu(self, path):
        if path == "/interface":
            return schema.INTERFACE_VIEW
        return schema.menu_for(path, self.release)

    def items(self, path):
        if path == "/interface":
            merged = itertools.chain.from_iterable(self.tables[p] for p in schema.INTERFACE_MENUS)
            return sorted(merged, key=lambda it: it.id)
        if path == ospf.NEIGHBOR:
            # computed on each read: the fabric's modelled adjacencies (rosemu/ospf.py)
            rows = [] if self.fabric is None else self.fabric.ospf_neighbors(self)
            return [Item(number, row) for number, row in enumerate(rows, start=1)]
        if path == ospf.BFD_SESSION:
            # likewise: the sessions OSPF asked BFD for (the fabric's model, or FRR's bfdd on the data plane)
            rows = [] if self.fabric is None else self.fabric.bfd_sessions(self)
            return [Item(number, row) for number, row in enumerate(rows, start=1)]
        return self.tables[path]

    def owner_of(self, item):
        for path in schema.INTERFACE_MENUS:
            if item in self.tables[path]:
                return path
        raise KeyError(item.id)

    def names_in(self, path):
        return [it.values["name"] for it in self.items(path) if "name" in it.values]

    def interface(self, name):
        index = getattr(self, "interface_index", None)     # set while effects.derive runs: names are fixed then
        if index is not None:
            return index.get(name)
        for it in self.items("/interface"):
            if it.values.get("name") == name:
                return it
        return None

    def resolve(self, path, text):
        """Items named by `.id`/`numbers`: comma list of `*HEX` ids or names."""
        pool = self.items(path)
        found = []
        for part in str(text).split(","):
            part = part.strip()
            match = None
            if part.startswith("*"):
                try:
                    wanted = int(part[1:], 16)
                except ValueError:
                    raise errors.no_such_item() from None
                match = next((it for it in pool if it.id == wanted), None)
            elif self.menu(path).field("name"):
                match = next((it for it in pool if it.values.get("name") == part), None)
            if match is None:
                raise errors.no_such_item()
            found.append(match)
        return found

    def allocate_id(self, menu):
        space = menu.space
        value = self.next_id[space]
        self.next_id[space] += 1
        return value

    # ----- printing -------------------------------------------------------
    def printed(self, path, item, sensitive=True):
        """The item as print shows it; without `sensitive` (the user's group lacks that policy) the sensitive
        fields are left out, as RouterOS leaves them out of what such a user sees."""
        menu = self.menu(path)
        row = {} if menu.single else {".id": item.ref}
        if path == "/interface":
            row.update(effects.interface_view(self, item))
            return row
        for f in menu.fields:
            if f.absent_when_off and f.name in item.values and parse_duration_ms(item.values[f.name]) == 0:
                continue
            if not f.wo and f.name in item.values and (sensitive or not f.sensitive):
                row[f.name] = item.values[f.name]
        row.update(effects.live_values(self, path, item))
        return row

    def normaliser(self, path):
        menu = self.menu(path)

        def normalise(name, text):
            f = menu.field(name)
            if f is None:
                return text
            try:
                return f.type.parse(self, name, text)
            except errors.Trap:
                return text
        return normalise

    def print(self, path, args, queries, sensitive=True):
        for name in args:
            if name not in PRINT_OPTIONS and name != ".proplist":
                raise errors.unknown_parameter(name)
        predicate = compile_query(queries, self.normaliser(path))
        rows = [self.printed(path, it, sensitive) for it in self.items(path)]
        if path == ospf.ROUTES and self.fabric is not None:
            rows = ospf.with_routes(rows, self.fabric.ospf_routes(self))
        rows = [r for r in rows if predicate(r)]
        if "count-only" in args:
            return None, len(rows)
        if ".proplist" in args:
            keep = [k for k in args[".proplist"].split(",") if k]
            rows = [{k: r[k] for k in keep if k in r} for r in rows]
        return rows, None

    def get(self, path, args, sensitive=True):
        number, value_name = args.get("number"), args.get("value-name")
        menu = self.menu(path)
        if menu.single:
            row = self.printed(path, self.items(path)[0], sensitive)
        else:
            if number is None:
                raise errors.missing(["number"])
            row = self.printed(path, self.resolve(path, number)[0], sensitive)
        if value_name is None:
            return ";".join("%s=%s" % kv for kv in row.items() if kv[0] != ".id")
        if menu.field(value_name) is None and value_name not in row:
            raise errors.no_match("value-name")
        return row.get(value_name, "")

    # ----- writes -------------------------------------------------------
    def _parse_args(self, menu, args, allow_unset=False, for_add=False):
        """Canonical values for writable fields; `None` means unset."""
        out = {}
        for name, raw in args.items():
            unset = allow_unset and name.startswith("!")
            fname = name[1:] if unset else name
            f = menu.field(fname)
            if f is None or f.ro or (f.wo and not for_add):
                raise errors.unknown_parameter(fname)
            if unset or (raw == "" and f.nullable):
                out[fname] = None
            else:
                out[fname] = f.type.parse(self, fname, raw)
        return out

    def _apply(self, menu, values, changes):
        new = dict(values)
        for name, value in changes.items():
            f = menu.field(name)
            if value is None:
                if f.required:
                    raise errors.missing([name])
                if name == "name" and menu.autoname and not menu.interface_type:
                    new[name] = self._autoname(menu)      # a 7.15+ peer is never nameless: unset names it anew
                elif f.nullable or f.default is None:
                    new.pop(name, None)
                else:
                    new[name] = f.default
            else:
                new[name] = value
        return new

    def _check_unique(self, menu, candidate, item_id):
        if menu.interface_type and "name" in candidate:
            for other in self.items("/interface"):
                if other.id != item_id and other.values.get("name") == candidate["name"]:
                    raise errors.failure("already have interface with such name")
        for keys, message in menu.unique:
            if not all(k in candidate for k in keys):
                continue
            for other in self.tables[menu.path]:
                if other.id != item_id and all(other.values.get(k) == candidate[k] for k in keys):
                    raise errors.failure(message)

    def add(self, path, args):
        menu = self._writable(path, "add", adding=True)
        changes = self._parse_args(menu, args, for_add=True)
        before = changes.pop("place-before", None)
        missing = [f.name for f in menu.fields if f.required and changes.get(f.name) is None]
        if missing:
            raise errors.missing(missing)
        values = {f.name: f.default for f in menu.fields
                  if f.default is not None and not f.ro and not f.wo}
        values.update({k: val for k, val in changes.items() if val is not None})
        if menu.autoname and "name" not in values:
            values["name"] = self._autoname(menu)
        effects.on_add(self, path, values)
        self._check_unique(menu, values, None)
        effects.check(self, path, values, None)
        table = self.tables[path]
        position = len(table)
        if before is not None:
            position = table.index(self.resolve(path, before)[0])
        item = Item(self.allocate_id(menu), values)
        table.insert(position, item)
        self.refresh({(path, item.id)})
        return item.ref

    def _autoname(self, menu):
        prefix = menu.autoname
        taken = set(self.names_in("/interface" if menu.interface_type else menu.path))
        for n in itertools.count(1):
            if "%s%d" % (prefix, n) not in taken:
                return "%s%d" % (prefix, n)

    def set(self, path, args, unset_names=()):
        menu = self._writable(path, "set")
        args = dict(args)
        selector = args.pop(".id", None) or args.pop("numbers", None)
        changes = self._parse_args(menu, args, allow_unset=True)
        for name in unset_names:
            f = menu.field(name)
            if f is None or f.ro:
                raise errors.unknown_parameter(name)
            changes[name] = None
        if menu.single:
            targets = self.items(path)
        elif selector is None:
            raise errors.missing(["numbers"])
        else:
            targets = self.resolve(path, selector)
        if path == "/interface":
            # the view delegates to each interface's own menu
            for item in targets:
                self._set_items(self.owner_of(item), [item], changes)
            return
        self._set_items(path, targets, changes)

    def _set_items(self, path, targets, changes):
        menu = self.menu(path)
        staged = []
        for item in targets:
            if item.values.get("dynamic") == "true" or item.values.get("builtin") == "true":
                raise errors.failure("can not change dynamic or builtin item")
            candidate = self._apply(menu, item.values, changes)
            self._check_unique(menu, candidate, item.id)
            effects.check(self, path, candidate, item.id)
            staged.append((item, candidate))
        touched = set()
        for item, candidate in staged:
            old_name = item.values.get("name")
            item.values = candidate
            touched.add((path, item.id))
            if menu.interface_type and old_name and candidate.get("name") != old_name:
                touched |= self._cascade(lambda t, val, o=old_name, n=candidate["name"]: t.rename(val, o, n),
                                         old_name)
        self.refresh(touched)

    def _cascade(self, rewrite, name):
        """Apply `rewrite` to every field value that refers to interface `name`."""
        touched = set()
        for path, table in self.tables.items():
            menu = schema.CATALOGUE[path]
            for item in table:
                for f in menu.fields:
                    value = item.values.get(f.name)
                    if value is not None and name in f.type.references(value):
                        item.values[f.name] = rewrite(f.type, value)
                        touched.add((path, item.id))
        return touched

    def remove(self, path, args):
        menu = self._writable(path, "remove")
        selector = args.get(".id") or args.get("numbers")
        if selector is None:
            raise errors.missing(["numbers"])
        extra = set(args) - {".id", "numbers"}
        if extra:
            raise errors.unknown_parameter(sorted(extra)[0])
        targets = self.resolve(path, selector)
        for item in targets:
            if item.values.get("dynamic") == "true" or item.values.get("builtin") == "true":
                raise errors.failure("can not remove dynamic or builtin item")
        touched = set()
        for item in targets:
            self.tables[path].remove(item)
            touched.add((path, item.id))
            if menu.interface_type:
                touched |= self._cascade(lambda t, val, n=item.values["name"], r=item.ref: t.rename(val, n, r),
                                         item.values["name"])
        self.refresh(touched, removed={(path, it.id) for it in targets})

    def enable(self, path, args, disabled):
        selector = args.get(".id") or args.get("numbers")
        if selector is None:
            raise errors.missing(["numbers"])
        self.set(path, {".id": selector, "disabled": "true" if disabled else "false"})

    def unset(self, path, args):
        args = dict(args)
        value_name = args.pop("value-name", None)
        if value_name is None:
            raise errors.missing(["value-name"])
        self.set(path, args, unset_names=value_name.split(","))

    def move(self, path, args):
        menu = self._writable(path, "move")
        if not menu.ordered:
            raise errors.Trap("no such command or directory (move)", errors.MISSING)
        selector = args.get("numbers") or args.get(".id")
        if selector is None:
            raise errors.missing(["numbers"])
        extra = set(args) - {".id", "numbers", "destination"}
        if extra:
            raise errors.unknown_parameter(sorted(extra)[0])
        table = self.tables[path]
        moving = self.resolve(path, selector)
        destination = self.resolve(path, args["destination"])[0] if args.get("destination") else None
        rest = [it for it in table if it not in moving]
        position = rest.index(destination) if destination in rest else len(rest)
        table[:] = rest[:position] + moving + rest[position:]
        self.refresh({(path, it.id) for it in moving})

    def _writable(self, path, verb, adding=False):
        menu = self.menu(path)
        if menu.read_only or (adding and not menu.can_add) or (verb == "remove" and not menu.can_remove) \
                or (menu.single and verb in ("add", "remove", "move")):
            raise errors.Trap("no such command or directory (%s)" % verb, errors.MISSING)
        return menu

    # ----- derived state and listeners ----------------------------------
    def refresh(self, touched=(), removed=()):
        snapshot = self._snapshot() if self.listeners else None
        effects.derive(self)
        if snapshot is not None:
            after = self._snapshot()
            changed = set(touched) | {k for k in after if snapshot.get(k) != after[k]}
            gone = set(removed) | (set(snapshot) - set(after))
            for listener in list(self.listeners):
                listener(changed - gone, gone)
        if self.fabric is not None:
            self.fabric.changed(self)       # new peers and tunnels start their timers now

    def _snapshot(self):
        return {(p, it.id): dict(it.values) for p, t in self.tables.items() for it in t}

    # ----- users ---------------------------------------------------------------
    def login_policies(self, name, password):
        """The policies of `name`'s group when `password` is right and the user is enabled, else None."""
        user = next((it.values for it in self.tables["/user"] if it.values.get("name") == name), None)
        if user is None or user.get("disabled") == "true" or user.get("password", "") != password:
            return None
        group = next((it.values for it in self.tables["/user/group"] if it.values.get("name") == user["group"]), {})
        return schema.POLICY_LIST.granted(group.get("policy"))

    # ----- introspection for tests ----------------------------------------
    def dump(self, secrets=False):
        out = {"name": self.name, "version": self.version, "menus": {}}
        for path in schema.CATALOGUE:
            if self.menu(path) is None:
                continue            # a menu of later releases (Menu.since)
            rows = [self.printed(path, it) for it in self.items(path)]
            if not secrets:
                for row in rows:
                    for key in ("private-key", "preshared-key", "ipsec-secret", "auth-key"):
                        if key in row and row[key] not in ("none", "auto"):
                            row[key] = "<redacted>"
            out["menus"][path] = rows
        return out

    # ----- command dispatch ------------------------------------------------
    def split(self, command):
        """`/ip/address/print` -> ("/ip/address", "print"); raises RouterOS's trap for unknown paths."""
        path, _sep, verb = command.rpartition("/")
        path = path or "/"
        if path == "/" or self.menu(path) is not None:
            return path, verb
        prefix = path + "/"
        if any(p.startswith(prefix) for p in schema.CATALOGUE):
            raise errors.Trap("no such command or directory (%s)" % verb, errors.MISSING)
        raise errors.Trap("no such command prefix", errors.MISSING)

    def verbs(self, path):
        menu = self.menu(path)
        if menu.read_only:
            return {"print", "getall", "get", "listen"}
        if menu.single:
            return {"print", "getall", "get", "set", "listen"}
        verbs = {"print", "getall", "get", "listen", "set", "enable", "disable", "unset"}
        if menu.can_add:
            verbs.add("add")
        if menu.can_remove:
            verbs.add("remove")
        if menu.ordered:
            verbs.add("move")
        return verbs | schema.MENU_COMMANDS.get(path, frozenset())

    def run(self, path, verb, args, queries=(), sensitive=True):
        """Run one synchronous menu command (`sensitive`: the session may see sensitive values).

        Returns ("rows", [dict]) for print or ("ret", text) / ("done", None);
        raises Trap.  `listen` and root commands are the session's.
        """
        if verb not in self.verbs(path) or verb == "listen":
            raise errors.Trap("no such command or directory (%s)" % verb, errors.MISSING)
        if self.fabric is not None:
            self.fabric.settle()            # timers that fell due play against the configuration they saw
        if verb in ("print", "getall"):
            rows, count = self.print(path, args, queries, sensitive)
            return ("ret", str(count)) if rows is None else ("rows", rows)
        if verb == "get":
            return "ret", self.get(path, args, sensitive)
        if verb == "add":
            return "ret", self.add(path, args)
        if verb in schema.MENU_COMMANDS.get(path, ()):
            pki.COMMANDS[verb](self, args)
            self.refresh()
            return "done", None
        if verb in ("enable", "disable"):
            self.enable(path, args, verb == "disable")
        else:
            getattr(self, verb)(path, args)
        return "done", None
