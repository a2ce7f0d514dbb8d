# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):

    # How every RouterOS module reaches its router.
    DOCUMENTATION = r"""
options:
  hostname:
    description:
      - Address or name of the router's API service.
      - Defaults to the host's C(ansible_host), then its inventory name.
    type: str
  username:
    description:
      - API user. A user of group C(read) can run C(gathered) and the info module only.
      - Its group needs the policies C(api) and C(read); C(write) to change anything; C(sensitive) wherever
        preshared keys or IPsec secrets are compared (RouterOS hides them from a user without it); C(test) for
        ping. Each task reads the user's group once (C(/user), C(/user/group)) and fails before any write, naming
        the missing policy.
    type: str
    default: admin
  password:
    description:
      - Password of O(username). Never shown in any output.
    type: str
    default: ""
  port:
    description:
      - TCP port of the API service. Defaults to C(8728), or C(8729) with O(tls=true).
    type: int
  tls:
    description:
      - Use the C(api-ssl) service (TLS). Without it the password crosses the network in clear text.
      - The modules default to C(false) (the plain API, as a factory router serves it). The role
        C(sitelink.tunnels.site_tunnel) defaults to C(true) (its C(sitelink_routeros.tls)) and warns once per run
        about every site with C(tls=false).
    type: bool
    default: false
  validate_certs:
    description:
      - With O(tls=true), check the router's certificate against O(ca_path) (or the controller's system CAs) and
        that it names O(hostname).
      - When the check fails, give the router's CA with O(ca_path).
    type: bool
    default: true
  ca_path:
    description:
      - PEM file with the CA certificate(s) that signed the router's certificate; for a self-signed router
        certificate, that certificate itself. Without it, the controller's system CAs are used.
    type: path
  timeout:
    description:
      - Seconds to wait for the router to answer, for the connection and for every sentence.
    type: int
    default: 10
notes:
  - Runs on the controller as an action plugin, with one API session per task, one read per path, and
    writes only for differences, so a run that changes nothing sends no write sentence at all.
  - Connection options can be set once for every module of the collection with
    C(module_defaults) and the group C(group/sitelink.tunnels.routeros).
requirements:
  - librouteros >= 3.4.1 on the controller
"""

    # The options of the resource modules (state, ownership).
    RESOURCE = r"""
options:
  state:
    description:
      - C(merged) adds missing entries and sets the fields given; fields not given are left as they are.
      - C(replaced) makes each given entry exactly as described; fields not given go back to RouterOS's
        defaults.
      - C(overridden) is C(replaced), and removes every other managed entry of the path (only entries carrying
        the C(sitelink:OWNER) marker of O(owner); the user's own entries are never touched).
      - C(deleted) removes the given managed entries, or every managed entry when O(config) is empty.
      - C(gathered) reads the entries (managed and not) and returns them in RV(gathered); nothing changes.
      - C(rendered) returns the API sentences and an equivalent RouterOS script in RV(rendered) and
        RV(rendered_script) without contacting the router.
    type: str
    choices: [merged, replaced, overridden, deleted, gathered, rendered]
    default: merged
  owner:
    description:
      - Ownership tag written after the marker in each entry's comment (C(sitelink:OWNER TEXT)); 1-32 ASCII
        letters, digits, C(.), C(_) or C(-). The role's is C(sitelink_owner), also C(fleet) by default.
      - C(overridden) and C(deleted) only touch entries of this owner; a comment a person writes (C(sitelink backup
        to DC)) never carries the marker.
    type: str
    default: fleet
  adopt:
    description:
      - Take over an existing entry with the same key that has no ownership marker (it gets the marker).
      - Without it, such an entry stops the task with a clear message and nothing is changed.
    type: bool
    default: false
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
  action_group:
    description: Use C(group/sitelink.tunnels.routeros) in C(module_defaults) to set connection options once.
    support: full
    membership:
      - sitelink.tunnels.routeros
  platform:
    description: Target platform.
    support: full
    platforms: RouterOS
"""

    ATTRIBUTES = r"""
attributes:
  check_mode:
    description: Can run in check mode and return the changes it would make; nothing is written.
    support: full
  diff_mode:
    description: Returns export-style before and after text of the entries it manages, secrets redacted.
    support: full
  action_group:
    description: Use C(group/sitelink.tunnels.routeros) in C(module_defaults) to set connection options once.
    support: full
    membership:
      - sitelink.tunnels.routeros
  platform:
    description: Target platform.
    support: full
    platforms: RouterOS
"""
