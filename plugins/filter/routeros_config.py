# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: routeros_config
short_description: A site plan as the config of one RouterOS resource module
version_added: 1.0.0
description:
  - Turns the plan of M(sitelink.tunnels.site_plan) into the C(config) option of a RouterOS resource module
    (such as O(sitelink.tunnels.routeros_wireguard_peers#module:config)). Public keys
    are filled in from O(public_keys); each link's preshared key is derived from O(psk_secret) (HKDF-SHA256 over the
    link id), so both ends agree without any stored per-link secret.
  - Used by the C(sitelink.tunnels.site_tunnel) role; the result may hold preshared keys, so pass it straight to a
    module (whose option is no_log) and never print it.
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
options:
  _input:
    description: The site plan (C(sitelink_plan)).
    type: dict
    required: true
  resource:
    description: Which module the config is for.
    type: str
    required: true
    choices: [wireguard_interfaces, wireguard_peers, gre_tunnels, eoip_tunnels, gre6_tunnels, eoipv6_tunnels,
      interface_lists, interface_list_members, addresses, address_lists, firewall_rules, mangle_rules, ospf_instances,
      ospf_areas, ospf_interface_templates, bfd_configurations, routes]
  public_keys:
    description: Public key by site name; peers without one are left out until their router has an interface.
    type: dict
  psk_secret:
    description: The fleet's preshared-key secret.
    type: str
  owner:
    description:
      - The owner the config is written for (the modules' O(owner)); an owner other than C(fleet) gets an address
        list of its own for the LANs its forward rules admit (C(sitelink-lans-OWNER), C(sitelink-local-OWNER)) and
        an interface list of its own for its tunnels (C(sitelink-tunnels-OWNER)).
    type: str
    default: fleet
  lan_interface_list:
    description:
      - The router's interface list (C(LAN)) the tunnels also join, as the role's C(sitelink_tunnels_in_lan_list);
        with it, the forward rule into the tunnels admits the site's own LANs only from that list. Without it the
        tunnels join no list but their own.
    type: str
"""

EXAMPLES = r"""
- name: Peers of this site
  sitelink.tunnels.routeros_wireguard_peers:
    state: overridden
    config: "{{ sitelink_plan | sitelink.tunnels.routeros_config('wireguard_peers', keys.public_keys, vault_psk) }}"
"""

RETURN = r"""
_value:
  description: The module config, a list of entries.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.sitelink.tunnels.plugins.module_utils.platforms import routeros as adapter


def routeros_config(plan, resource, public_keys=None, psk_secret=None, owner=None, lan_interface_list=None):
    if resource not in adapter.ADAPTERS:
        raise AnsibleFilterError("routeros_config: unknown resource %r (known: %s)"
                                 % (resource, ", ".join(adapter.ORDER)))
    return adapter.config(plan, resource, public_keys, psk_secret, owner, lan_interface_list)


class FilterModule(object):
    def filters(self):
        return {"routeros_config": routeros_config}
