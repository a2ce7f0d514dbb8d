# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of the RouterOS modules, each declared once: the connection and state options they share, and each
resource module's `config` made from the catalogue's fields.  `documented` renders an option as module
documentation (the doc fragments routeros and routeros_resources), `specified` as an argument spec (the action
plugins), so what a module documents is what it accepts."""

from __future__ import annotations

import json

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import kinds as k
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.resources import RESOURCES, Option

# How every RouterOS module reaches its router.
CONNECTION = (
    Option("hostname", (
        "Address or name of the router's API service.",
        "Defaults to the host's C(ansible_host), then its inventory name.")),
    Option("username", (
        "API user. A user of group C(read) can run C(gathered) and the info module only.",
        "Its group needs the policies C(api) and C(read); C(write) to change anything; C(sensitive) wherever "
        "preshared keys or IPsec secrets are compared (RouterOS hides them from a user without it); C(test) for "
        "ping. Each task reads the user's group once (C(/user), C(/user/group)) and fails before any write, naming "
        "the missing policy."), default="admin"),
    Option("password", "Password of O(username). Never shown in any output.", default="", secret=True),
    Option("port", "TCP port of the API service. Defaults to C(8728), or C(8729) with O(tls=true).", type="int"),
    Option("tls", (
        "Use the C(api-ssl) service (TLS). Without it the password crosses the network in clear text, and the task "
        "warns so.",
        "The modules default to C(false) (the plain API, as a factory router serves it). The role "
        "C(sitelink.tunnels.site_tunnel) defaults to C(true) (its C(sitelink_routeros.tls)) and warns once per run "
        "about every site with C(tls=false)."), type="bool", default=False),
    Option("validate_certs", (
        "With O(tls=true), check the router's certificate against O(ca_path) (or the controller's system CAs) and "
        "that it names O(hostname).",
        "When the check fails, give the router's CA with O(ca_path). C(false) skips the check, and the task warns "
        "that anyone on the path could pose as the router."), type="bool", default=True),
    Option("ca_path", "PEM file with the CA certificate(s) that signed the router's certificate; for a self-signed "
                      "router certificate, that certificate itself. Without it, the controller's system CAs are used.",
           type="path"),
    Option("timeout", "Seconds to wait for the router to answer, for the connection and for every sentence.",
           type="int", default=10),
)

# What every resource module does with its entries, and whose they are.
RESOURCE_STATE = (
    Option("state", (
        "C(merged) adds missing entries and sets the fields given; fields not given are left as they are.",
        "C(replaced) makes each given entry exactly as described; fields not given go back to RouterOS's defaults.",
        "C(overridden) is C(replaced), and removes every other managed entry of the path (only entries carrying the "
        "C(sitelink:OWNER) marker of O(owner); the user's own entries are never touched).",
        "C(deleted) removes the given managed entries, or every managed entry when O(config) is empty.",
        "C(gathered) reads the entries (managed and not) and returns them in RV(gathered); nothing changes.",
        "C(rendered) returns the API sentences and an equivalent RouterOS script in RV(rendered) and "
        "RV(rendered_script) without contacting the router."),
        choices=("merged", "replaced", "overridden", "deleted", "gathered", "rendered"), default="merged"),
    Option("owner", (
        "Ownership tag written after the marker in each entry's comment (C(sitelink:OWNER TEXT)); 1-32 ASCII "
        "letters, digits, C(.), C(_) or C(-). The role's is C(sitelink_owner), also C(fleet) by default.",
        "C(overridden) and C(deleted) only touch entries of this owner; a comment a person writes (C(sitelink backup "
        "to DC)) never carries the marker."), default="fleet"),
    Option("adopt", (
        "Take over an existing entry with the same key that has no ownership marker (it gets the marker).",
        "Without it, such an entry stops the task with a clear message and nothing is changed."),
        type="bool", default=False),
)

# Where the managed entries of an ordered resource (firewall rules) go in their list.
PLACEMENT = Option("placement", (
    "Where new or misplaced managed rules go in their chain.",
    "C(before_drop) puts them before the first drop or reject rule the collection does not own.",
    "C(top) puts them before every other rule of the chain; C(bottom) at the end of the list."),
    choices=("before_drop", "top", "bottom"), default="before_drop")

# The option type of a field's kind (first match); any other kind is a string.
KIND_TYPES = ((k.Bool, "bool", None), (k.Duration, "raw", None), (k.PrefixList, "list", "str"),
              (k.Words, "list", "str"))

# The resources that have a module of their own (routeros_NAME); the others are written by site_apply only.
MODULES = ("wireguard_interfaces", "wireguard_peers", "gre_tunnels", "eoip_tunnels", "gre6_tunnels",
           "eoipv6_tunnels", "addresses", "routes", "firewall_rules")


def kind_type(kind):
    """(type, elements) of a module option holding values of `kind`."""
    if isinstance(kind, k.Int):
        return ("raw" if kind.words else "int"), None
    for cls, type_, elements in KIND_TYPES:
        if isinstance(kind, cls):
            return type_, elements
    return "str", None


def field_option(resource, option):
    """The `config` suboption of a field: its description from the declaration that has one (a renamed field is
    declared once per API name), required when it is part of the key (a new entry's other needs are the engine's)."""
    declared = resource.declarations(option)
    first = declared[0]
    type_, elements = kind_type(first.kind)
    return Option(option, next(f.doc for f in declared if f.doc), type=type_, elements=elements,
                  choices=first.choices, secret=first.secret, required=first.required and option in resource.key)


def config_option(resource):
    """The `config` option of a resource module: the entries, one suboption per field and config-only option."""
    names = list(dict.fromkeys(f.option for f in resource.fields))    # a renamed field once
    suboptions = tuple(o for o in resource.config_only if o.name in resource.key) + \
        tuple(field_option(resource, name) for name in names) + \
        tuple(o for o in resource.config_only if o.name not in resource.key)
    keys = ["O(config[].%s)" % option for option in resource.key]
    return Option("config", ("The entries of C(%s) to manage." % " and ".join(resource.paths.values()),
                             "Entries are matched by %s." % spoken(keys)),
                  type="list", elements="dict", default=[], suboptions=suboptions)


def spoken(words):
    """`a`, `a and b`, `a, b and c`."""
    return " and ".join(part for part in (", ".join(words[:-1]), words[-1]) if part)


def config_options(resource):
    """The options of a resource module that depend on its resource: `config`, and placement where order matters."""
    return (config_option(resource),) + ((PLACEMENT,) if resource.ordered_by else ())


def resource_options(resource):
    """Every option of the resource's module."""
    return CONNECTION + RESOURCE_STATE + config_options(resource)


def declared(option):
    """What an option's documentation and its argument spec both say: type, required, default, choices, elements."""
    out = {"type": option.type}
    for name in ("required", "default", "choices", "elements"):
        value = getattr(option, name)
        if value or (name == "default" and value is not None):
            out[name] = list(value) if isinstance(value, tuple) else value
    return out


def documented(options):
    """{name: documentation} of options, as a module's DOCUMENTATION has them."""
    out = {}
    for option in options:
        doc = dict(declared(option), description=[option.doc] if isinstance(option.doc, str) else list(option.doc))
        if option.suboptions:
            doc["suboptions"] = documented(option.suboptions)
        out[option.name] = doc
    return out


def specified(options):
    """An argument spec of options: what they document, and no_log for the secret ones."""
    out = {}
    for option in options:
        spec = declared(option)
        if option.suboptions:
            spec["options"] = specified(option.suboptions)
        if option.secret:
            spec["no_log"] = True
        out[option.name] = spec
    return out


def fragment(options):
    """Documentation fragment text of options: JSON is YAML, so the text loads as the fragment's `options`."""
    return "options: %s\n" % json.dumps(documented(options), indent=2)


def argument_spec(resource_name):
    """The argument spec of the module of a resource of the catalogue."""
    return specified(resource_options(RESOURCES[resource_name]))
