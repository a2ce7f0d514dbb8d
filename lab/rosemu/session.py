"""One API connection: login, tags, concurrent commands, /cancel, /quit, faults."""

import asyncio
import ipaddress

from rosemu import errors, schema, wire
from rosemu.values import parse_duration_ms

# The policy a command needs (MikroTik manual, User: read lets every command that does not change the
# configuration run, write the ones that do, test runs ping; user management needs policy as well as write)
READ_VERBS = frozenset(("print", "getall", "get", "listen"))
USER_MENUS = ("/user", "/user/group")


def needed_policies(path, verb):
    if path == "/" and verb == "ping":
        return ("test",)
    if verb in READ_VERBS:
        return ("read",)
    if verb in schema.WRITE_VERBS:
        return ("write", "policy") if path in USER_MENUS else ("write",)
    return ()


PING_ARGS = frozenset(("address", "count", "interval", "size", "ttl", "src-address", "interface",
                       "do-not-fragment", "vrf", "dscp", "arp-ping"))


def parse_sentence(words):
    """-> (command, args dict, queries list, tag)."""
    args, queries, tag = {}, [], None
    for word in words[1:]:
        if word.startswith("="):
            name, _sep, value = word[1:].partition("=")
            args[name] = value
        elif word.startswith("?"):
            queries.append(word)
        elif word.startswith(".tag="):
            tag = word[5:]
        elif word.startswith(".") and "=" in word:
            name, _sep, value = word.partition("=")
            args[name] = value
    return words[0], args, queries, tag or None


HANG_MS = 3600 * 1000      # "stops answering": longer than any client waits


class Session:
    def __init__(self, router, reader, writer):
        self.router = router
        self.reader, self.writer = reader, writer
        self.user = None
        self.policies = frozenset()     # the user's group's policies, as they were at login
        self.tasks = {}   # tag (or object()) -> task for long-running commands
        self.closed = False

    # ----- output ---------------------------------------------------------
    def send(self, words, tag=None):
        if self.closed:
            return
        if tag is not None:
            words = list(words) + [".tag=%s" % tag]
        self.writer.write(wire.encode_sentence(words))

    def send_trap(self, trap, tag):
        words = ["!trap"]
        if trap.category is not None:
            words.append("=category=%d" % trap.category)
        words.append("=message=%s" % trap.message)
        self.send(words, tag)

    def send_rows(self, rows, tag):
        self.router.counters.rows_sent += len(rows)
        for row in rows:
            self.send(["!re"] + ["=%s=%s" % kv for kv in row.items()], tag)
        if not rows and self.router.empty_reply:
            self.send(["!empty"], tag)

    # ----- main loop ----------------------------------------------------------
    async def run(self):
        try:
            while not self.closed:
                words = await wire.read_sentence(self.reader)
                if words:
                    await self.dispatch(words)
                    await self.writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, wire.WireError):
            pass
        finally:
            await self.close()

    async def close(self):
        self.closed = True
        for task in list(self.tasks.values()):
            task.cancel()
        try:
            self.writer.close()
            await self.writer.wait_closed()
        except (ConnectionError, OSError):
            pass

    async def dispatch(self, words):
        router = self.router
        command, args, queries, tag = parse_sentence(words)
        verb = command.rpartition("/")[2]
        router.counters.record(words, verb)
        if router.faults.delay_ms:
            await asyncio.sleep(router.faults.delay_ms / 1000.0)
        if command == "/login":
            return self.login(args, tag)
        if command == "/quit":
            self.send(["!fatal", "session terminated on request"])
            await self.writer.drain()
            self.closed = True
            return None
        if self.user is None:
            self.send_trap(errors.Trap("not logged in", errors.API), tag)
            return self.send(["!done"], tag)
        if command == "/cancel":
            return self.cancel(args, tag)
        try:
            path, verb = router.split(command)
            if not self.policies.issuperset(needed_policies(path, verb)):
                raise errors.Trap(errors.NOT_ENOUGH_PERMISSIONS)
            if verb in schema.WRITE_VERBS and router.faults.drop_after_writes is not None:
                faults = router.faults
                if faults.drop_after_writes <= 0:
                    if faults.drop_once:
                        faults.drop_after_writes = None      # the next session finds a healthy router
                    if faults.drop_applied:
                        router.run(path, verb, args, queries)   # applied, but the answer never comes back
                    if faults.hang:
                        faults.delay_ms = HANG_MS                # every later command of every session waits too
                        await asyncio.sleep(HANG_MS / 1000.0)
                        return None
                    return await self.close()     # the connection dies (by default before the write is applied)
                faults.drop_after_writes -= 1
            injected = router.faults.trap_for(path, verb)
            if injected:
                raise injected
            if path == "/" and verb == "ping":
                return self.start_task(self.ping(args, tag), tag)
            if path == "/":
                raise errors.Trap("no such command or directory (%s)" % verb, errors.MISSING)
            if verb == "listen":
                if verb not in router.verbs(path):
                    raise errors.Trap("no such command or directory (listen)", errors.MISSING)
                return self.start_task(self.listen(path, args, queries, tag), tag)
            kind, result = router.run(path, verb, args, queries, self.sensitive)
        except errors.Trap as trap:
            self.send_trap(trap, tag)
            return self.send(["!done"], tag)
        if kind == "rows":
            self.send_rows(result, tag)
            return self.send(["!done"], tag)
        if kind == "ret":
            return self.send(["!done", "=ret=%s" % result], tag)
        return self.send(["!done"], tag)

    @property
    def sensitive(self):
        return "sensitive" in self.policies

    def login(self, args, tag):
        policies = self.router.login_policies(args.get("name", ""), args.get("password", ""))
        faults = self.router.faults
        refused = faults.logins_left is not None and faults.logins_left <= 0
        if faults.logins_left is not None:
            faults.logins_left -= 1
        # a group without the api policy may not use the API: RouterOS answers as to a wrong password
        if refused or policies is None or "api" not in policies:
            self.send_trap(errors.Trap(errors.BAD_LOGIN), tag)
        else:
            self.user, self.policies = args["name"], policies
        self.send(["!done"], tag)

    # ----- long-running commands ----------------------------------------------
    def start_task(self, coro, tag):
        key = tag if tag is not None else object()
        task = asyncio.ensure_future(self._guard(coro, tag))
        self.tasks[key] = task
        task.add_done_callback(lambda _t: self.tasks.pop(key, None))

    async def _guard(self, coro, tag):
        try:
            await coro
        except asyncio.CancelledError:
            self.send_trap(errors.Trap("interrupted", errors.INTERRUPTED), tag)
        except errors.Trap as trap:
            self.send_trap(trap, tag)
        self.send(["!done"], tag)
        try:
            await self.writer.drain()
        except (ConnectionError, OSError):
            pass

    def cancel(self, args, tag):
        wanted = args.get("tag")
        extra = set(args) - {"tag"}
        if extra:
            self.send_trap(errors.unknown_parameter(sorted(extra)[0]), tag)
            return self.send(["!done"], tag)
        # the cancel's own !done goes out before the interrupted command's replies
        self.send(["!done"], tag)
        for key, task in list(self.tasks.items()):
            if wanted is None or key == wanted:
                task.cancel()
        return None

    async def ping(self, args, tag):
        for name in args:
            if name not in PING_ARGS:
                raise errors.unknown_parameter(name)
        if "address" not in args:
            raise errors.missing(["address"])
        try:
            address = str(ipaddress.ip_address(args["address"]))
        except ValueError:
            raise errors.invalid_value("address") from None
        count = int(args["count"]) if args.get("count", "").isdigit() else None
        interval_ms = parse_duration_ms(args.get("interval", "1s"))
        if interval_ms is None:
            raise errors.invalid_value("interval")
        size = args.get("size", "56")
        fabric = self.router.fabric
        sent = received = 0
        rtts = []
        while count is None or sent < count:
            if sent:
                await asyncio.sleep(max(interval_ms, 10) / 1000.0)
            rtt = fabric.ping(self.router, address, args.get("src-address"), args.get("interface"))
            if rtt is not None and rtt > max(interval_ms, 10):
                rtt = None                # a reply after the interval is a timeout (FIDELITY.md)
            sent += 1
            row = {"seq": str(sent - 1), "host": address}
            if rtt is None:
                row["status"] = "timeout"
            else:
                received += 1
                rtts.append(rtt)
                row.update({"size": size, "ttl": args.get("ttl", "64"), "time": _ms(rtt)})
            row.update({"sent": str(sent), "received": str(received),
                        "packet-loss": str(100 * (sent - received) // sent)})
            if rtts:
                row.update({"min-rtt": _ms(min(rtts)), "avg-rtt": _ms(sum(rtts) / len(rtts)),
                            "max-rtt": _ms(max(rtts))})
            self.send(["!re"] + ["=%s=%s" % kv for kv in row.items()], tag)
            await self.writer.drain()

    async def listen(self, path, args, queries, tag):
        queue = asyncio.Queue()
        interface_view = path == "/interface"

        def on_change(changed, gone):
            for key in sorted(changed | gone):
                if key[0] == path or (interface_view and key[0] in schema.INTERFACE_MENUS):
                    queue.put_nowait((key, key in gone))

        self.router.listeners.append(on_change)
        try:
            while True:
                (item_path, item_id), dead = await queue.get()
                if dead:
                    self.send(["!re", "=.id=*%X" % item_id, "=.dead=yes"], tag)
                    continue
                item = next((it for it in self.router.items(path) if it.id == item_id), None)
                if item is not None:
                    row = self.router.printed(path, item, self.sensitive)
                    self.send(["!re"] + ["=%s=%s" % kv for kv in row.items()], tag)
                await self.writer.drain()
        finally:
            self.router.listeners.remove(on_change)


def _ms(value):
    whole = int(value)
    micro = int(round((value - whole) * 1000))
    return "%dms%dus" % (whole, micro) if micro else "%dms" % whole
