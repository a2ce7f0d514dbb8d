"""A fake Linux host for the engine and the Linux modules' unit tests."""


class FakeHost(object):
    """run_command for a Runner: answers reads from `replies` (argv tuple -> (rc, out, err)), says yes to every
    other command, records every call as (argv, data); `during(argv)` looks at the host while a command runs."""

    def __init__(self, replies=None, fails=(), during=None):
        self.replies = dict(replies or {})
        self.fails = dict(fails)
        self.during = during
        self.ran = []

    def __call__(self, argv, data=None):
        assert isinstance(argv, list) and all(isinstance(a, str) for a in argv), argv
        self.ran.append((list(argv), data))
        if self.during:
            self.during(argv)
        if tuple(argv) in self.replies:
            return self.replies[tuple(argv)]
        if argv[0] in self.fails:
            return 2, "", self.fails[argv[0]]
        return 0, "", ""

    def argvs(self):
        return [argv for argv, _data in self.ran]
