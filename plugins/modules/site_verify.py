#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This module runs as an action plugin on the controller (plugins/action/site_verify.py);
# this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: site_verify
short_description: Ping every link's far end from a site, then read its peers' handshakes
version_added: 1.0.0
description:
  - Takes this host's plan from the role's fleet step (or plans the inventory itself) and pings every link's
    verify address (the peer's overlay or transit address) with the router's own C(/ping), so the packets go
    through the tunnels.
  - While some address does not answer, waits O(delay) seconds and pings the ones that did not, up to
    O(retries) more times. A first WireGuard handshake is only made when traffic or a keepalive needs it, an
    unanswered initiation is retried only every 5 seconds, and a GRE/EoIP overlay with keepalive (every 10
    seconds by default) runs only from its first answered keepalive, so the defaults wait up to about 35 seconds.
  - When a GRE/EoIP overlay link stays silent, its retries ping the peer's WireGuard transit address as well
    (traffic for the handshake); only the overlay address's answers are reported.
  - Then reads the WireGuard peers (last handshake, endpoints; never a key other than the public one), after
    the pings that may have brought the handshakes about - unless every link answered and the role's apply step
    of this run (registered as C(sitelink__apply)) read every link's peer with a handshake already; its reading
    is then taken, so that a no-change run reads each router's peers once.
  - On a Linux site it runs M(sitelink.tunnels.linux_tunnel_status) on the host (use C(become) as the host
    needs), again after O(delay) while some address is silent, up to O(retries) times.
  - A link whose far end was a site of the play (this batch's) and left it before verification - its router or
    host could not be reached (Ansible's C(unreachable) result), or one of its steps failed - is not pinged; its
    status says why (RV(peers_out)), the site's own last handshake toward that peer is reported from its peer
    entry, a warning names the link, and it never fails this site (a spoke's outage leaves the hub green). The
    peer's own result is what goes red.
  - A router whose API session cannot be opened (connection refused, no answer, TLS, login) makes this task
    C(unreachable) for it, with a message naming the host, its address and port, and why.
  - In OSPF mode (C(sitelink_routing=ospf)) a RouterOS site then reads C(/routing/ospf/neighbor), and with BFD
    C(/routing/bfd/session), for each overlay link (RV(ospf)); a link whose OSPF is not Full is not up.
  - Changes nothing. M(sitelink.tunnels.site_report) turns the results of every site into one table.
  - Options the task leaves out come from the host's role variables when it has them - the connection from
    C(sitelink_routeros) at C(ansible_host) (TLS on unless it says C(tls=false); not when the task gives
    O(hostname)), O(count), O(retries), O(delay) and O(strict) from C(sitelink_verify_count),
    C(sitelink_verify_retries), C(sitelink_verify_delay) and C(sitelink_verify_strict).
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
extends_documentation_fragment:
  - sitelink.tunnels.routeros
  - sitelink.tunnels.routeros.READ_ONLY
attributes:
  platform:
    description: RouterOS sites through their API, Linux sites on the host.
    support: full
    platforms: [RouterOS, posix]
options:
  count:
    description:
      - Probes per address and attempt. One is enough to tell that a link is up; a lost probe is sent again by
        the O(retries).
    type: int
    default: 1
  interval:
    description:
      - Time between probes (RouterOS duration). RouterOS counts a reply that comes after the interval as a
        timeout, so it is also the longest round trip that passes - keep it above the links' round-trip time.
    type: str
    default: 1s
  retries:
    description: Further attempts for the addresses that have not answered.
    type: int
    default: 15
  delay:
    description: Seconds between attempts.
    type: int
    default: 2
  strict:
    description:
      - Fail when a link of this site is down after the retries, naming the links and why (the fleet table's
        reasons); the results are returned as without it, so M(sitelink.tunnels.site_report) still shows them.
        A link that is pending (its peer's key not known yet) or whose peer left the play (RV(peers_out)) does
        not fail the site.
    type: bool
    default: false
  parallel:
    description:
      - API sessions used at once for the pings (RouterOS's API service allows 20 by default). A hub pings every
        spoke, so its share of the verification decides how long the step takes.
    type: int
    default: 16
seealso:
  - module: sitelink.tunnels.routeros_ping
  - module: sitelink.tunnels.routeros_info
  - module: sitelink.tunnels.site_report
"""

EXAMPLES = r"""
- name: Every link of this site, from the router itself
  sitelink.tunnels.site_verify:
    retries: 5
  register: verified
"""

RETURN = r"""
results:
  description: Per link's verify address - C(address), C(sent), C(received), C(packet_loss), C(avg_rtt), of the
    last attempt made for it.
  returned: always
  type: list
  elements: dict
all_answered:
  description: Whether every address answered at least once.
  returned: always
  type: bool
attempts:
  description: Attempts made (1 when everything answered at once).
  returned: always
  type: int
waited:
  description: Seconds from the first ping to the last answer or the last retry.
  returned: always
  type: int
peers:
  description: The router's WireGuard peers as M(sitelink.tunnels.routeros_info) returns them (C(public_key),
    C(last_handshake), C(last_handshake_seconds), endpoints, C(managed), ...).
  returned: always
  type: list
  elements: dict
peers_out:
  description: The peers of this site that were sites of the play and left it before verification, by name -
    C(state) (C(unreachable) or C(failed)) and C(msg) (their own result's message). Their links were not pinged.
  returned: when a peer left the play
  type: dict
  sample: {"branch-b": {"state": "unreachable", "msg": "branch-b (203.0.113.12:8729, TLS): connection refused; is
    the api-ssl service enabled on port 8729?"}}
ospf:
  description:
    - OSPF mode (C(sitelink_routing=ospf)), per verified overlay link id - C(interface) (this site's overlay),
      C(ospf) (C(Full), the neighbour's state as C(/routing/ospf/neighbor) shows it, or C(no neighbour)), C(reason)
      (why it is not Full - the state seen; no enabled interface template names the overlay, the template is passive,
      the overlay is not running, or else what the far end may have different), and C(bfd) (the state of the
      C(/routing/bfd/session) toward the far end, C(up), C(down), ...; C(none) without one; null when the fleet runs no
      BFD).
    - While an overlay is not Full it is read again after O(delay), up to the O(retries) the pings left. The fleet
      table reports a link whose OSPF is not Full as down, with the reason.
  returned: on RouterOS sites in OSPF mode
  type: dict
  sample: {"branch-a--hub": {"interface": "eoip-hub", "ospf": "Full", "reason": null, "bfd": "up"}}
peers_read_by:
  description: C(site_verify) when it read the peers after its pings, C(site_apply) when it took the apply step's
    reading (RouterOS sites).
  returned: on RouterOS sites
  type: str
"""
