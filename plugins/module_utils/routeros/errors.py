# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error type the RouterOS code raises: a message a network engineer can act on."""

from __future__ import annotations


class RouterosError(Exception):
    """Carries a complete message: which router, what failed, why, and what was undone."""

    def __init__(self, message, problems=None):
        super(RouterosError, self).__init__(message)
        self.message = message
        self.problems = problems or []


def problem_report(router, what, problems):
    """One error listing every problem found before anything was written."""
    return RouterosError("%s: %d problem(s) with %s, nothing was changed:\n- %s"
                         % (router, len(problems), what, "\n- ".join(problems)), problems)
