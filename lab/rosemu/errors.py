"""Replies that end a command with !trap.  Texts follow ../shared/reference/routeros-api.md (section C)."""


class Trap(Exception):
    """A RouterOS `!trap`: the command failed and nothing changed."""

    def __init__(self, message, category=None):
        super().__init__(message)
        self.message = message
        self.category = category


# category numbers from the API manual
MISSING = 0
ARGUMENT = 1
INTERRUPTED = 2
GENERAL = 4
API = 5


def unknown_parameter(name):
    return Trap("unknown parameter %s" % name)


def no_such_item():
    return Trap("no such item", MISSING)


def no_match(field):
    return Trap("input does not match any value of %s" % field, ARGUMENT)


def invalid_value(field):
    return Trap("invalid value for argument %s" % field, ARGUMENT)


def missing(names):
    return Trap("missing value(s) of argument(s) %s" % " ".join(names), ARGUMENT)


def failure(text):
    return Trap("failure: %s" % text)


NOT_ENOUGH_PERMISSIONS = "not enough permissions (9)"
BAD_LOGIN = "invalid user name or password (6)"
