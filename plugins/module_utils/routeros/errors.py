# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error type the RouterOS code raises: a message a network engineer can act on."""

from __future__ import annotations


class RouterosError(Exception):
    """Carries a complete message: which router, what failed, why, and what was undone. `unreachable`: no API
    session could be opened (refused, no answer, TLS, login), which Ansible reports as an unreachable host."""

    def __init__(self, message, problems=None, unreachable=False):
        super(RouterosError, self).__init__(message)
        self.message = message
        self.problems = problems or []
        self.unreachable = unreachable


def error_result(exc):
    """A task's result for a RouterosError: unreachable (the recap counts the host under unreachable and it leaves
    the play) when no session could be opened, else failed, with the problems when there are several."""
    if exc.unreachable:
        return {"unreachable": True, "msg": exc.message}
    return dict({"failed": True, "msg": exc.message}, **({"problems": exc.problems} if exc.problems else {}))


def problem_report(router, what, problems):
    """One error listing every problem found before anything was written."""
    return RouterosError("%s: %d problem(s) with %s, nothing was changed:\n- %s"
                         % (router, len(problems), what, "\n- ".join(problems)), problems)
