#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This module runs as an action plugin on the controller (plugins/action/routeros_bootstrap.py);
# this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: routeros_bootstrap
short_description: Make a RouterOS router ready for the collection - API user, group, certificate, api-ssl
version_added: 1.0.0
description:
  - Run once per router, as its admin over the plain API (or later over API-SSL), before the role
    C(sitelink.tunnels.site_tunnel) manages it; C(playbooks/router_bootstrap.yml) runs it for every RouterOS site.
  - Creates the user group O(group) with exactly the policies C(api,read,write,sensitive,test) (and gives an
    existing one exactly those), the user O(user) in it with O(user_password).
  - Makes a CA (O(ca_name)) and a certificate (O(certificate_name)) naming the API address (common name and
    subject alternative name, C(IP:) or C(DNS:)) on the router with C(/certificate add) and C(sign), exports the
    CA's certificate and returns it (and writes it to O(ca_file) on the controller) for the role's C(ca_path).
  - Turns C(api-ssl) on with that certificate, and with O(disable_plain_api) turns the plain C(api) off, last.
  - Reads before it writes; a second run sends no write sentence. The private keys never leave the router.
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
extends_documentation_fragment:
  - sitelink.tunnels.routeros
  - sitelink.tunnels.routeros.ATTRIBUTES
options:
  group:
    description: The user group for the collection's API user.
    type: str
    default: sitelink
  user:
    description: The collection's API user.
    type: str
    default: ansible
  user_password:
    description: Its password (keep it in a vault); never logged.
    type: str
    required: true
  update_password:
    description:
      - C(on_create) sets the password only when the user is made; C(always) sets it on every run (RouterOS
        never shows a password, so it cannot be compared, and the task always reports a change).
    type: str
    choices: [on_create, always]
    default: on_create
  certificate_address:
    description: The address or DNS name the certificate names; the API address (O(hostname)) when not given.
    type: str
  ca_name:
    description: The name of the CA certificate on the router (its common name too).
    type: str
    default: sitelink-ca
  certificate_name:
    description: The name of api-ssl's certificate on the router; made again when it names another address.
    type: str
    default: sitelink-api
  key_size:
    description: Key size or curve of both certificates (RouterOS C(key-size)).
    type: str
    choices: ["2048", "4096", prime256v1, secp384r1]
    default: prime256v1
  ca_file:
    description: A file on the controller to write the CA's certificate to (PEM), for C(sitelink_routeros.ca_path).
    type: path
  disable_plain_api:
    description: Turn the plain API service (8728) off at the end; later runs must then use O(tls).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: The collection's API user, group, certificate and api-ssl, as admin over the plain API
  sitelink.tunnels.routeros_bootstrap:
    hostname: "{{ ansible_host }}"
    username: admin
    password: "{{ vault_routeros_admin_password }}"
    tls: false
    user_password: "{{ vault_routeros_password }}"
    ca_file: "files/{{ inventory_hostname }}-ca.pem"
"""

RETURN = r"""
commands:
  description: The API sentences sent (in check mode, that would be sent); passwords hidden.
  returned: always
  type: list
  elements: str
ca_certificate:
  description: The CA's certificate (PEM); null in check mode before the CA exists.
  returned: always
  type: str
ca_file:
  description: Where the CA's certificate was written.
  returned: with O(ca_file)
  type: str
"""
