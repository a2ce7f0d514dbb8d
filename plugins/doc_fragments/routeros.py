# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import options


class ModuleDocFragment(object):

    # How every RouterOS module reaches its router.
    DOCUMENTATION = r"""
notes:
  - Runs on the controller as an action plugin, with one API session per task, one read per path, and
    writes only for differences, so a run that changes nothing sends no write sentence at all.
  - Connection options can be set once for every module of the collection with
    C(module_defaults) and the group C(group/sitelink.tunnels.routeros).
  - A router whose API session cannot be opened (connection refused, no answer within the timeout, a TLS
    handshake or certificate that fails, a login refused) is reported C(unreachable), as Ansible reports a host
    it cannot reach - the recap counts it under C(unreachable) and it leaves the play - with a message naming the
    host, its address and port, and why. Anything that fails once the session is open is a failure.
requirements:
  - librouteros >= 3.4.1 on the controller
"""

    # Modules that read (and ping) but never write.
    READ_ONLY = r"""
attributes:
  check_mode:
    description: Changes nothing; runs the same in check mode.
    support: full
  diff_mode:
    description: Changes nothing, so there is no diff.
    support: none
"""

    ATTRIBUTES = r"""
attributes:
  check_mode:
    description: Can run in check mode and return the changes it would make; nothing is written.
    support: full
  diff_mode:
    description: Returns export-style before and after text of the entries it manages, secrets redacted.
    support: full
"""


# The connection options are declared once, in module_utils/routeros/options.py, which the argument specs are made
# from too; added after the class, as ansible-test's yamllint reads the class body's assignments as YAML literals.
# The resource modules' own options: routeros_resources.py.
ModuleDocFragment.DOCUMENTATION += options.fragment(options.CONNECTION)

# The attributes every RouterOS module has, after those that tell a reading module from a writing one.
SHARED_ATTRIBUTES = r"""  action_group:
    description: Use C(group/sitelink.tunnels.routeros) in C(module_defaults) to set connection options once.
    support: full
    membership:
      - sitelink.tunnels.routeros
  platform:
    description: Target platform.
    support: full
    platforms: RouterOS
"""
ModuleDocFragment.READ_ONLY += SHARED_ATTRIBUTES
ModuleDocFragment.ATTRIBUTES += SHARED_ATTRIBUTES
