#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This module runs as an action plugin on the controller (plugins/action/site_apply.py);
# this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: site_apply
short_description: Apply a site's planned resources in order (RouterOS over one API session, Linux as modules)
version_added: 1.0.0
description:
  - Takes this host's plan from the role's fleet step (M(sitelink.tunnels.site_fleet), registered as the role's
    internal C(sitelink__fleet)), or plans the inventory itself when there is none, and applies the resources
    named in O(resources), with state C(overridden), always in the order of O(resources)' choices - whatever
    order the task lists them in (address lists and firewall rules before routes, so traffic moves into a tunnel
    only once the router admits it).
  - On a RouterOS site everything goes over one API session. A router whose session cannot be opened makes the
    task C(unreachable) for it (a Linux host that cannot be reached over its connection is, as for any module); a
    site that leaves the play so does not fail its peers - their verification reports their side of its links
    (M(sitelink.tunnels.site_verify)).
  - Each resource is applied exactly as its resource module would (M(sitelink.tunnels.routeros_wireguard_peers),
    M(sitelink.tunnels.routeros_firewall_rules), ...) - same ownership marker, placement before the router's own
    drop rules, rollback of that resource when one of its writes fails, redaction of secrets - and its result
    is in RV(resources). A failing resource stops the ones after it; the ones before it stay applied, as with
    one task per resource.
  - WireGuard peers need the peers' public keys from the role's key step (M(sitelink.tunnels.site_public_keys));
    a peer whose key is not known yet waits, and peers are then only added (state C(merged)), never purged.
  - Preshared keys are derived inside this action from the variable C(sitelink_psk_secret) (HKDF over each link
    id); neither the secret nor a key is ever a task argument, a result or a diff.
  - The interface list is read once per session and kept current with what the session creates.
  - On a Linux site each resource is a module run on the host, with the arguments the Linux adapter makes from
    the plan - C(wireguard_interfaces) is the key pair (M(sitelink.tunnels.wg_keypair)), C(wireguard_peers) the
    interface with its addresses and peers (M(sitelink.tunnels.linux_wireguard)), then
    M(sitelink.tunnels.linux_gre_tunnels), M(sitelink.tunnels.linux_routes) (with forwarding),
    M(sitelink.tunnels.linux_firewall) and, as C(ospf_instances), M(sitelink.tunnels.linux_frr); C(addresses),
    C(eoip_tunnels), C(gre6_tunnels) and C(eoipv6_tunnels) have no step of their own there. Before
    C(wireguard_interfaces) it looks for the tools those modules run (M(sitelink.tunnels.linux_tools)) and installs
    the missing ones when O(linux.install_packages) is on. Use C(become) on the task as the host needs.
  - Options the task leaves out come from the host's role variables when it has them - the connection from
    C(sitelink_routeros) at C(ansible_host) (TLS on unless it says C(tls=false); not when the task gives
    O(hostname)), O(owner) from C(sitelink_owner), O(linux) from the C(sitelink_linux_*) variables - so the
    role's tasks pass no templated argument (each would be compiled again for every host); O(purge) and
    O(purge_sites) from C(sitelink_purge) and C(sitelink_purge_sites), O(renumber) from C(sitelink_renumber).
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
extends_documentation_fragment:
  - sitelink.tunnels.routeros
  - sitelink.tunnels.routeros.ATTRIBUTES
attributes:
  platform:
    description: RouterOS sites through their API, Linux sites on the host.
    support: full
    platforms: [RouterOS, posix]
options:
  resources:
    description:
      - The resources to apply (in the order of the choices). The role applies C(wireguard_interfaces) first,
        reads every site's public key, then applies the rest.
      - C(address_lists) is the address list C(sitelink-lans) of every LAN the site's tunnels join; the forward
        rules admit only traffic between those LANs (a host on the WAN side cannot send into a remote LAN), and
        C(sitelink-local) the site's own LANs, the only sources the rules let into a tunnel from elsewhere.
      - C(interface_lists) is the RouterOS interface list C(sitelink-tunnels) and C(interface_list_members) its
        members, every tunnel interface of the site; the firewall rules name the list, so their number does not
        grow with the fleet. With O(tunnels_in_lan_list) the tunnels are also members of O(lan_interface_list).
      - C(ospf_instances), C(ospf_areas), C(ospf_interface_templates) and C(bfd_configurations) are RouterOS's
        C(/routing/ospf) and C(/routing/bfd/configuration) entries of C(sitelink_routing=ospf); in static mode they
        hold nothing, so that the role's entries go (templates and BFD first). On a Linux site C(ospf_instances) is
        FRR's block (M(sitelink.tunnels.linux_frr), after the firewall and before the routes; in static mode it removes
        the block where there is one); the other three have no step of their own there.
    type: list
    elements: str
    choices: [wireguard_interfaces, wireguard_peers, gre_tunnels, eoip_tunnels, gre6_tunnels, eoipv6_tunnels,
      interface_lists, interface_list_members, addresses, address_lists, firewall_rules, mangle_rules, ospf_instances,
      ospf_areas, ospf_interface_templates, bfd_configurations, routes]
    default: [wireguard_interfaces, wireguard_peers, gre_tunnels, eoip_tunnels, gre6_tunnels, eoipv6_tunnels,
      interface_lists, interface_list_members, addresses, address_lists, firewall_rules, mangle_rules, ospf_instances,
      ospf_areas, ospf_interface_templates, bfd_configurations, routes]
  owner:
    description: Ownership tag of the entries (as the role's C(sitelink_owner)).
    type: str
    default: fleet
  purge:
    description:
      - The purge guard - before a RouterOS site's first write, the entries its resources would remove are
        read and compared; when one of them belongs to a site the inventory does not have (a peer or an overlay by
        its link id, an address or a firewall rule by its overlay interface or rule name), the site fails naming
        those sites and nothing is written on it, in check mode too. A partial inventory (an AWX job slice, an
        export that missed sites, a typo in a group) would otherwise tear their tunnels down.
      - On a Linux site the guard holds the WireGuard peers. The link id noted above each peer in the wg-quick file
        (C(sitelink_linux_persist), on by default) names its site, and linux_wireguard removes none of a site the
        inventory does not have (its O(sitelink.tunnels.linux_wireguard#module:removable) list). Without that file
        a Linux site's peers are not guarded.
      - A site taken out on purpose (C(sitelink_site.state=absent)) is in the inventory, so the guard lets its
        entries go on the other sites; on its own router every entry of the owner goes.
      - C(true) lets the run remove the entries of every site the inventory does not have (the role's
        C(sitelink_purge)). Sites the inventory has are never in the way, in the play or not (C(--limit)).
    type: bool
    default: false
  tunnels_in_lan_list:
    description:
      - RouterOS sites - also make the site's tunnel interfaces members of the router's interface list
        O(lan_interface_list) (the role's C(sitelink_tunnels_in_lan_list)). Those members are ours (marked) and go
        when this is off; the operator's own members of that list are never touched.
    type: bool
    default: false
  lan_interface_list:
    description: The router's interface list of O(tunnels_in_lan_list) (the role's C(sitelink_lan_interface_list)).
    type: str
    default: LAN
  purge_sites:
    description:
      - Sites the inventory no longer has whose entries this run may remove (the role's C(sitelink_purge_sites));
        the guard still stops the run for any other.
    type: list
    elements: str
    default: []
  renumber:
    description:
      - The renumbering guard - before a RouterOS site's first write, the transit addresses (on the WireGuard
        interface and on each overlay) and EoIP tunnel ids of the links the router already has (its managed peers
        and overlays, by their link id) are compared with the planned ones; when one would change, the site fails
        naming the links with their old and new values and nothing is written on it, in check mode too. A fleet
        deployed with the addressing scheme C(pairs) (the only one before C(linear) became the default) keeps its
        numbers with C(sitelink_pools.scheme=pairs). A Linux site's WireGuard step compares the transit addresses
        of the peers its interface has (O(sitelink.tunnels.linux_wireguard#module:guard_renumbering)) the same way.
      - C(true) lets the run renumber the links (the role's C(sitelink_renumber)); run both ends of every link in
        the same run, or the links are cut until the other end runs.
    type: bool
    default: false
  break_lock:
    description:
      - The fleet lock (RouterOS sites) - before its first write on a router a run adds the entry
        C(sitelink-lock-OWNER) to C(/ip/firewall/address-list), its comment naming the run (controller user and
        host, ansible-playbook's pid, the time); another run that finds it fails before any write there, naming that
        holder. The role's interface step keeps it for the peers step; any other step, or a failure, releases it.
        A lock older than 30 minutes is stale and taken over (with a warning).
      - C(true) takes over a lock another run holds (the role's C(sitelink_break_lock)), for a run that died
        without releasing it.
    type: bool
    default: false
  linux:
    description: Settings of Linux sites (the role passes its C(sitelink_linux_*) variables).
    type: dict
    default: {}
    suboptions:
      key_dir:
        description: Directory of the private key (C(INTERFACE.key)) and of the C(wg-quick) file.
        type: path
        default: /etc/wireguard
      implementation:
        description: C(auto), C(kernel) or C(userspace) (M(sitelink.tunnels.linux_wireguard)).
        type: str
        default: auto
      persist:
        description: Keep a C(wg-quick) file and a sysctl file so the tunnel comes back at boot.
        type: bool
        default: true
      sysctl_file:
        description: File of the forwarding settings when O(linux.persist) is on.
        type: path
        default: /etc/sysctl.d/90-sitelink.conf
      route_protocol:
        description: Route protocol number marking the routes this collection owns.
        type: int
        default: 157
      firewall_table:
        description: nftables table (family inet) this collection owns.
        type: str
        default: sitelink
      adopt:
        description:
          - Take over a WireGuard interface (or C(wg-quick) file) of the site's interface name that this collection
            did not make, and routes of another protocol to the prefixes the plan routes
            (O(sitelink.tunnels.linux_wireguard#module:adopt), O(sitelink.tunnels.linux_routes#module:adopt)).
            Without it such an interface or route fails the step and is left as it is.
        type: bool
        default: false
      install_packages:
        description:
          - Install what the host lacks (M(sitelink.tunnels.linux_tools) - wireguard-tools, nftables, iproute2,
            iputils-ping, wireguard-go where the kernel has no WireGuard, frr and frr-pythontools in OSPF mode) with
            its package manager before the interface step. Without it a missing tool fails the site, naming it.
        type: bool
        default: false
seealso:
  - module: sitelink.tunnels.site_fleet
  - module: sitelink.tunnels.site_public_keys
  - module: sitelink.tunnels.site_verify
"""

EXAMPLES = r"""
- name: Plan the fleet once
  sitelink.tunnels.site_fleet:
  run_once: true
  register: sitelink__fleet

- name: WireGuard interface first (the router makes its private key)
  sitelink.tunnels.site_apply:
    resources: [wireguard_interfaces]

- name: Every site's public key
  sitelink.tunnels.site_public_keys:
  run_once: true
  register: sitelink__keys

- name: Peers, overlays, addresses, routes and firewall holes, over one session
  sitelink.tunnels.site_apply:
    resources:
      - wireguard_peers
      - gre_tunnels
      - eoip_tunnels
      - gre6_tunnels
      - eoipv6_tunnels
      - interface_lists
      - interface_list_members
      - addresses
      - address_lists
      - firewall_rules
      - mangle_rules
      - ospf_instances
      - ospf_areas
      - ospf_interface_templates
      - bfd_configurations
      - routes
"""

RETURN = r"""
public_key:
  description: The site's WireGuard public key, when O(resources) includes C(wireguard_interfaces) (read back from
    the router, or from the key pair on a Linux host).
  returned: when known
  type: str
changed:
  description: Whether any resource changed.
  returned: always
  type: bool
commands:
  description: Every API sentence sent (or, in check mode, that would be sent), in order; secrets redacted.
  returned: always
  type: list
  elements: str
resources:
  description:
    - Per resource, in the order applied - C(changed), C(commands), C(script) (RouterOS CLI lines), C(before)
      and C(after) (managed entries, secrets redacted), C(warnings).
  returned: always
  type: dict
  sample:
    routes:
      changed: true
      commands: ["/ip/route/add =dst-address=192.168.11.0/24 =gateway=10.254.0.1 =comment=sitelink:fleet"]
"""
