# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A router made ready for the collection, once, over the plain API as its admin: the least-privilege group and
user, a CA and a certificate naming the API address (made and signed on the router), and api-ssl serving it.
Each step reads first and writes only what differs, so a second run sends no write sentence."""

from __future__ import annotations

import ipaddress

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.connection import (
    SESSION_ERRORS, explain, select)
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.errors import RouterosError

# The policies the collection's API user needs, no more (README, RouterOS connection, user rights).
ROLE_POLICIES = ("api", "read", "write", "sensitive", "test")
CA_KEY_USAGE = "key-cert-sign,crl-sign"
# sentence words never shown
SECRET_WORDS = ("password",)


class Session(object):
    """One API session's writes: sent unless in check mode, and recorded (secrets redacted) either way."""

    def __init__(self, api, router, check_mode):
        self.api, self.router, self.check_mode = api, router, check_mode
        self.commands = []

    def read(self, path, fields, where=None):
        return select(self.api, self.router, path, fields, where)

    def write(self, command, **words):
        self.commands.append(" ".join([command] + ["=%s=%s" % (k, "********" if k in SECRET_WORDS else v)
                                                   for k, v in sorted(words.items())]))
        if self.check_mode:
            return
        try:
            list(self.api(command, **words))
        except SESSION_ERRORS as exc:
            raise RouterosError("%s: %s failed: %s" % (self.router, command, explain(exc)))


def granted(policy):
    """The policies a group's `policy` text grants (RouterOS prints the refused ones too, with !)."""
    text = ",".join(policy) if isinstance(policy, list) else str(policy or "")
    return set(p for p in text.split(",") if p and not p.startswith("!"))


def ensure_group(session, name):
    rows = session.read("/user/group", (".id", "name", "policy"), {"name": name})
    wanted = ",".join(ROLE_POLICIES)
    if not rows:
        session.write("/user/group/add", name=name, policy=wanted)
    elif granted(rows[0].get("policy")) != set(ROLE_POLICIES):
        session.write("/user/group/set", **{".id": rows[0][".id"], "policy": wanted})


def ensure_user(session, name, group, password, update_password):
    rows = session.read("/user", (".id", "name", "group"), {"name": name})
    if not rows:
        session.write("/user/add", name=name, group=group, password=password)
        return
    changes = {"group": group} if rows[0].get("group") != group else {}
    if update_password == "always":
        changes["password"] = password
    if changes:
        session.write("/user/set", **dict(changes, **{".id": rows[0][".id"]}))


def alt_name(address):
    """The subject-alt-name that names the API address: IP:... for an address, DNS:... for a name."""
    try:
        return "IP:%s" % ipaddress.ip_address(address)
    except ValueError:
        return "DNS:%s" % address


def ensure_certificate(session, name, template, ca=None):
    """A signed certificate `name` as `template` gives it (common-name, subject-alt-name, key-usage, key-size),
    signed by `ca` (else self-signed); one that differs or is not signed is made again. True when it was made."""
    fields = (".id", "name", "common-name", "subject-alt-name", "key-usage", "private-key", "ca")
    rows = session.read("/certificate", fields, {"name": name})
    row = rows[0] if rows else None
    same = row is not None and all(str(row.get(k) or "") == v for k, v in template.items() if k != "key-size") \
        and str(row.get("private-key")).lower() == "true" and (ca is None or row.get("ca") == ca)
    if same:
        return False
    if row is not None:
        session.write("/certificate/remove", **{".id": row[".id"]})
    session.write("/certificate/add", name=name, **template)
    session.write("/certificate/sign", **dict({"numbers": name}, **({"ca": ca} if ca else {})))
    return True


def ca_certificate(session, ca_name, made):
    """The CA's certificate (PEM) from its export file, exported when the CA was made or no export is there."""
    file_name = "%s.crt" % ca_name
    rows = session.read("/file", (".id", "name", "contents"), {"name": file_name})
    if rows and made:
        session.write("/file/remove", **{".id": rows[0][".id"]})
    if made or not rows:
        session.write("/certificate/export-certificate", **{"numbers": ca_name, "file-name": ca_name})
        if session.check_mode:
            return None
        rows = session.read("/file", (".id", "name", "contents"), {"name": file_name})
    return rows[0].get("contents") if rows else None


def ensure_services(session, certificate, disable_api):
    """api-ssl on, serving `certificate`; the plain api off when asked (last: the session itself uses it)."""
    services = dict((s["name"], s) for s in session.read("/ip/service", (".id", "name", "disabled", "certificate")))
    ssl_service = services["api-ssl"]
    if ssl_service.get("certificate") != certificate or str(ssl_service.get("disabled")).lower() == "true":
        session.write("/ip/service/set", **{".id": ssl_service[".id"], "certificate": certificate, "disabled": "no"})
    if disable_api and str(services["api"].get("disabled")).lower() != "true":
        session.write("/ip/service/set", **{".id": services["api"][".id"], "disabled": "yes"})


def bootstrap(session, params):
    """Every step in order; the CA certificate's PEM (None in check mode before the CA exists)."""
    ensure_group(session, params["group"])
    ensure_user(session, params["user"], params["group"], params["user_password"], params["update_password"])
    address = params["certificate_address"] or params["hostname"]
    made = ensure_certificate(session, params["ca_name"], {"common-name": params["ca_name"],
                                                           "key-usage": CA_KEY_USAGE, "key-size": params["key_size"]})
    server = {"common-name": address, "subject-alt-name": alt_name(address), "key-size": params["key_size"]}
    ensure_certificate(session, params["certificate_name"], server, ca=params["ca_name"])
    pem = ca_certificate(session, params["ca_name"], made)
    ensure_services(session, params["certificate_name"], params["disable_plain_api"])
    return pem
