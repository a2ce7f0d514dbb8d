"""`/import` of a RouterOS script (.rsc), for the subset the collection renders.

What it understands, as RouterOS does: one command per line (`;` separates more); `#` comment lines; menu commands
`/ip firewall filter add k=v ...`, `set`, `remove`, `move` on the menu's items, with `[ find where EXPR ]`
selecting them; `:local NAME VALUE`, `:global NAME [VALUE]`, `$NAME`, `:if (COND) do={ ... } else={ ... }`,
`:do { ... }`, `[:len $x]`, `[:pick $x N]`, `:error MESSAGE` (stops the import); `/system script environment`
`find`/`remove` over the router's global variables; strings with RouterOS's escapes (`\\"`, `\\\\`, `\\$`, `\\?`,
`\\n`, `\\r`, `\\t`, `\\XX`).

Variables are strict, the narrower reading of the manual: a line's `:local` ends with its line, and a global is
seen only on a line that declares it (`:global NAME`); the router keeps globals from one import to the next.
EXPR is `field=value`, `field~"regex"`, `!(...)`, `(...)`, joined by `and` / `or`. Anything else is refused with
the line it is on, so a rendered script that needs more fails its test instead of passing by accident.
"""

import re

from rosemu import errors

ESCAPES = {'"': '"', "\\": "\\", "$": "$", "?": "?", "n": "\n", "r": "\r", "t": "\t"}
TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<op>[\[\]{}();]|!=|!)|(?P<word>[^\s\[\]{}();"]+))')


class ScriptError(Exception):
    pass


ENVIRONMENT = "/system/script/environment"
GLOBAL = object()       # a scope's entry for a declared global: its value is the router's


def unquote(text):
    out, i = [], 1
    while i < len(text) - 1:
        char = text[i]
        if char == "\\":
            nxt = text[i + 1]
            if nxt in ESCAPES:
                out.append(ESCAPES[nxt])
                i += 2
                continue
            out.append(bytes([int(text[i + 1:i + 3], 16)]).decode("latin-1"))
            i += 3
            continue
        out.append(char)
        i += 1
    raw = "".join(out)
    try:
        return raw.encode("latin-1").decode("utf-8")       # \XX escapes are UTF-8 bytes
    except (UnicodeDecodeError, UnicodeEncodeError):
        return raw


def tokens(text):
    out, pos = [], 0
    while pos < len(text):
        if text[pos] == "\n":
            out.append(("op", ";"))
            pos += 1
            continue
        if text[pos] in " \t\r":
            pos += 1
            continue
        if text[pos] == "#" and (not out or out[-1] == ("op", ";")):
            end = text.find("\n", pos)
            pos = len(text) if end < 0 else end
            continue
        match = TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ScriptError("cannot read %r" % text[pos:pos + 20])
        kind = match.lastgroup
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


class Interpreter:
    def __init__(self, router):
        self.router = router
        self.scopes = [{}]

    # ----------------------------------------------------------- structure
    def run(self, text):
        toks = tokens(text)
        self.block(toks, 0, len(toks))

    def block(self, toks, start, end):
        pos = start
        while pos < end:
            if toks[pos] == ("op", ";"):
                pos += 1
                continue
            stop = self.statement_end(toks, pos, end)
            self.command(toks[pos:stop])
            pos = stop

    @staticmethod
    def statement_end(toks, pos, end):
        depth = 0
        while pos < end:
            kind, text = toks[pos]
            if kind == "op" and text in "[{(":
                depth += 1
            elif kind == "op" and text in "]})":
                depth -= 1
            elif kind == "op" and text == ";" and depth == 0:
                return pos
            pos += 1
        return end

    @staticmethod
    def closing(toks, pos):
        """Index of the bracket closing the one at `pos`."""
        pairs = {"[": "]", "{": "}", "(": ")"}
        want, depth = pairs[toks[pos][1]], 0
        for index in range(pos, len(toks)):
            kind, text = toks[index]
            if kind == "op" and text in pairs:
                depth += 1
            elif kind == "op" and text in pairs.values():
                depth -= 1
                if depth == 0:
                    if text != want:
                        break
                    return index
        raise ScriptError("unbalanced %s" % toks[pos][1])

    # ----------------------------------------------------------- commands
    def command(self, toks):
        head = toks[0][1]
        if head == ":local":
            self.scopes[-1][toks[1][1]] = self.value(toks, 2)[0]
            return None
        if head == ":global":
            self.scopes[-1][toks[1][1]] = GLOBAL
            if len(toks) > 2:
                self.router.script_environment[toks[1][1]] = self.value(toks, 2)[0]
            return None
        if head == ":error":
            raise ScriptError("error: %s" % self.value(toks, 1)[0])
        if head == ":do":
            close = self.closing(toks, 1)
            self.scopes.append({})
            try:
                self.block(toks, 2, close)
            finally:
                self.scopes.pop()
            return None
        if head == ":if":
            close = self.closing(toks, 1)
            condition = self.condition(toks[2:close])
            rest = toks[close + 1:]
            branches = {}
            index = 0
            while index < len(rest):
                word = rest[index][1]
                if word in ("do=", "else="):
                    end = self.closing(rest, index + 1)
                    branches[word] = rest[index + 2:end]
                    index = end + 1
                else:
                    raise ScriptError("unexpected %r in :if" % word)
            chosen = branches.get("do=" if condition else "else=", [])
            self.scopes.append({})
            try:
                self.block(chosen, 0, len(chosen))
            finally:
                self.scopes.pop()
            return None
        if head == ":len":
            return len(self.value(toks, 1)[0])
        if head == ":pick":
            items, nxt = self.value(toks, 1)
            index = int(self.value(toks, nxt)[0])
            return items[index] if 0 <= index < len(items) else None
        if head.startswith("/"):
            return self.menu_command(toks)
        raise ScriptError("unknown command %s" % head)

    def menu_command(self, toks):
        words = []
        index = 0
        while index < len(toks) and toks[index][0] == "word" and "=" not in toks[index][1] \
                and toks[index][1] not in ("add", "set", "remove", "move", "find", "print"):
            words.append(toks[index][1].strip("/"))
            index += 1
        path = "/" + "/".join(w for word in words for w in word.split("/") if w)
        verb = toks[index][1]
        index += 1
        if verb == "find":
            return self.find(path, toks[index:])
        if path == ENVIRONMENT:
            return self.environment(verb, toks[index:])
        targets, args, selected = [], {}, False
        while index < len(toks):
            kind, text = toks[index]
            if kind == "op" and text == "[":
                end = self.closing(toks, index)
                inner = toks[index + 1:end]
                # `[ find ... ]` inside a menu command looks in that menu
                found = self.find(path, inner[1:]) if inner and inner[0][1] == "find" else self.command(inner)
                targets.extend(found if isinstance(found, list) else [found])
                selected, index = True, end + 1
            elif kind == "word" and "=" in text:
                name, _sep, raw = text.partition("=")
                if raw:
                    args[name] = self.literal(raw)
                    index += 1
                else:
                    args[name], index = self.value(toks, index + 1)
            else:
                raise ScriptError("unexpected %r in %s %s" % (text, path, verb))
        for name, value in list(args.items()):
            if isinstance(value, list):
                args[name] = ",".join(value)
        if verb == "add":
            return self.router.run(path, "add", args)[1]
        if selected:
            args["numbers"] = ",".join(t for t in targets if t)
            if not args["numbers"]:
                return None             # RouterOS: set/remove on nothing found does nothing
        self.router.run(path, verb, args)
        return None

    def find(self, path, toks):
        if toks and toks[0][1] == "where":
            toks = toks[1:]
        if path == ENVIRONMENT:        # the globals, each its own id (its name)
            rows = [{".id": name, "name": name} for name in self.router.script_environment]
        else:
            rows = self.router.run(path, "print", {})[1]
        return [row[".id"] for row in rows if not toks or self.matches(row, toks)]

    def environment(self, verb, toks):
        """`remove [ find ... ]` of the router's global variables (nothing else is rendered)."""
        if verb != "remove" or not toks or toks[0] != ("op", "[") or toks[1][1] != "find":
            raise ScriptError("unexpected %s in %s" % (verb, ENVIRONMENT))
        end = self.closing(toks, 0)
        if end != len(toks) - 1:
            raise ScriptError("unexpected %r in %s remove" % (toks[end + 1][1], ENVIRONMENT))
        for name in self.find(ENVIRONMENT, toks[2:end]):
            self.router.script_environment.pop(name, None)

    # ----------------------------------------------------------- values
    def literal(self, raw):
        if raw.startswith("$"):
            return self.variable(raw[1:])
        return raw

    def variable(self, name):
        for scope in reversed(self.scopes):
            if name in scope:
                # a declared global that was never set is nothing, which :len counts as 0
                return self.router.script_environment.get(name, "") if scope[name] is GLOBAL else scope[name]
        raise ScriptError("no variable %s (a global is seen only on a line that declares it)" % name)

    def value(self, toks, index):
        """(value, next index) of the expression at toks[index]."""
        kind, text = toks[index]
        if kind == "str":
            return unquote(text), index + 1
        if kind == "op" and text in "[(":
            end = self.closing(toks, index)
            inner = toks[index + 1:end]
            return (self.command(inner) if text == "[" else self.value(inner, 0)[0]), end + 1
        return self.literal(text), index + 1

    def condition(self, toks):
        """`A > B`, `A = B` with values on both sides (the forms :if needs here)."""
        left, index = self.value(toks, 0)
        operator = toks[index][1]
        right = self.value(toks, index + 1)[0]
        compare = {">": lambda a, b: int(a) > int(b), "<": lambda a, b: int(a) < int(b),
                   "=": lambda a, b: str(a) == str(b)}
        if operator not in compare:
            raise ScriptError("unknown comparison %s" % operator)
        return compare[operator](left, right)

    # ----------------------------------------------------------- find where
    def matches(self, row, toks):
        result, index = self.disjunction(row, toks, 0)
        if index != len(toks):
            raise ScriptError("unexpected %r in find" % toks[index][1])
        return result

    def disjunction(self, row, toks, index):
        result, index = self.conjunction(row, toks, index)
        while index < len(toks) and toks[index][1] == "or":
            right, index = self.conjunction(row, toks, index + 1)
            result = result or right
        return result, index

    def conjunction(self, row, toks, index):
        result, index = self.term(row, toks, index)
        while index < len(toks) and toks[index][1] == "and":
            right, index = self.term(row, toks, index + 1)
            result = result and right
        return result, index

    def term(self, row, toks, index):
        kind, text = toks[index]
        if kind == "op" and text == "!":
            value, index = self.term(row, toks, index + 1)
            return not value, index
        if kind == "op" and text == "(":
            end = self.closing(toks, index)
            value, inner = self.disjunction(row, toks[:end], index + 1)
            if inner != end:
                raise ScriptError("unexpected %r in find" % toks[inner][1])
            return value, end + 1
        if re.match(r"^[a-z0-9-]+$", text):
            # a bare flag (`dynamic`, `!disabled`): true when the row's flag is set (lab/FIDELITY.md)
            return _same(row.get(text), "true") if row.get(text) is not None else False, index + 1
        match = re.match(r"^([a-z0-9-]+)(=|~)(.*)$", text)
        if not match:
            raise ScriptError("cannot read %r in find" % text)
        field, operator, raw = match.groups()
        if raw:
            wanted, index = self.literal(raw), index + 1
        else:
            wanted, index = self.value(toks, index + 1)
        have = row.get(field)
        if operator == "~":
            return have is not None and re.search(wanted, str(have)) is not None, index
        return have is not None and _same(have, wanted), index


def _same(have, wanted):
    if isinstance(have, bool):
        return have == (str(wanted).lower() in ("yes", "true"))
    return str(have) == str(wanted)


def run(router, text):
    """Import `text` into `router`; raises ScriptError (or the router's Trap) naming the line."""
    interpreter = Interpreter(router)
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        interpreter.scopes = [{}]     # each line its own scope: nothing but globals outlives it
        try:
            interpreter.run(line)
        except (ScriptError, errors.Trap, IndexError, ValueError, KeyError) as exc:      # a malformed line too
            raise ScriptError("line %d: %s: %s" % (number, exc, line.strip()[:120])) from exc
