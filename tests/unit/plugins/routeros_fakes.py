"""A fake RouterOS API session for the engine's unit tests: librouteros' path/select/add/update/remove/move over
in-memory tables, recording every write; `fail` makes one write raise what a session (or a bug) would raise."""


class FakeMenu(object):
    def __init__(self, session, path):
        self.session = session
        self.path = path
        self.rows = session.tables.setdefault(path, [])

    def _write(self, verb, args):
        self.session.writes.append((self.path, verb, dict(args)))
        failure = self.session.fail
        if failure is not None and failure[0] == len(self.session.writes):
            raise failure[1]

    def select(self, *fields):
        return FakeQuery([dict((k, v) for k, v in row.items() if k in fields) for row in self.rows])

    def add(self, **args):
        self._write("add", args)
        self.session.next_id += 1
        row = dict((k, v) for k, v in args.items() if k != "place-before")
        row[".id"] = "*%X" % self.session.next_id
        ids = [r[".id"] for r in self.rows]
        where = ids.index(args["place-before"]) if args.get("place-before") in ids else len(self.rows)
        self.rows.insert(where, row)
        return row[".id"]

    def update(self, **args):
        self._write("set", args)
        for row in [r for r in self.rows if r[".id"] in args[".id"].split(",")]:     # several: ids with commas
            for name, value in args.items():
                if name.startswith("!"):
                    row.pop(name[1:], None)
                elif name != ".id":
                    row[name] = value

    def remove(self, item):
        self._write("remove", {".id": item})
        self.rows[:] = [r for r in self.rows if r[".id"] != item]

    def __call__(self, command, **args):
        assert command == "move"
        self._write("move", args)
        row = [r for r in self.rows if r[".id"] == args["numbers"]][0]
        self.rows.remove(row)
        ids = [r[".id"] for r in self.rows]
        self.rows.insert(ids.index(args["destination"]) if args.get("destination") else len(self.rows), row)
        return iter(())


class FakeQuery(list):
    def where(self, *_conditions):
        return self


class FakeSession(object):
    """`tables` is {path: [row]}; `fail` = (n, exception): the n-th write (counted from 1) raises it."""

    def __init__(self, tables, fail=None):
        self.tables = tables
        self.fail = fail
        self.writes = []
        self.next_id = 0x100
        self.closed = False

    def path(self, *parts):
        return FakeMenu(self, "/" + "/".join(parts))

    def close(self):
        self.closed = True
