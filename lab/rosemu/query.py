"""Print queries: a stack of booleans over an endless supply of `true` (API manual, "Queries").

An item matches when no `false` is left on the stack after every query word.
"""

from rosemu import errors


class Stack:
    def __init__(self):
        self.items = []  # top is the end; below the bottom: endless `true`

    def push(self, value):
        self.items.append(bool(value))

    def pop(self):
        return self.items.pop() if self.items else True

    def peek(self, index=0):
        return self.items[-1 - index] if index < len(self.items) else True

    def matched(self):
        return all(self.items)


def _as_number(text):
    try:
        return int(text, 0)
    except (TypeError, ValueError):
        return None


def _compare(have, want, op):
    if op == "=":
        return have is not None and have == want
    if have is None:
        return False
    a, b = _as_number(have), _as_number(want)
    if a is None or b is None:
        a, b = have, want
    return a < b if op == "<" else a > b


def _stack_ops(ops, stack):
    i = 0
    while i < len(ops):
        ch = ops[i]
        if ch.isdigit():
            j = i
            while j < len(ops) and ops[j].isdigit():
                j += 1
            entry = stack.peek(int(ops[i:j]))
            if j == len(ops):
                stack.items = [entry]
            else:
                stack.push(entry)
                if ops[j] == ".":
                    j += 1
            i = j
            continue
        if ch == "|":
            a, b = stack.pop(), stack.pop()
            stack.push(a or b)
        elif ch == "&":
            a, b = stack.pop(), stack.pop()
            stack.push(a and b)
        elif ch == "!":
            stack.push(not stack.pop())
        elif ch == ".":
            stack.push(stack.peek())
        else:
            raise errors.Trap("unknown query operation %s" % ch, errors.API)
        i += 1


def compile_query(words, normalise):
    """Turn query words into a predicate over printed items (dicts of text).

    `normalise(name, text)` maps a query value to the canonical text of that
    field, so `?=disabled=no` matches `disabled=false`.
    """
    steps = []
    for word in words:
        body = word[1:]
        if body.startswith("#"):
            steps.append(("ops", body[1:], None))
        elif body[:1] in ("=", "<", ">"):
            name, _sep, value = body[1:].partition("=")
            steps.append((body[0], name, normalise(name, value)))
        elif body.startswith("-"):
            steps.append(("absent", body[1:], None))
        elif "=" in body:
            name, _sep, value = body.partition("=")
            steps.append(("=", name, normalise(name, value)))
        else:
            steps.append(("present", body, None))

    def predicate(item):
        stack = Stack()
        for op, name, value in steps:
            if op == "ops":
                _stack_ops(name, stack)
            elif op == "present":
                stack.push(name in item)
            elif op == "absent":
                stack.push(name not in item)
            else:
                stack.push(_compare(item.get(name), value, op))
        return stack.matched()

    return predicate
