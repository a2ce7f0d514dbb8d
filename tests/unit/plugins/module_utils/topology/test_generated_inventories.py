"""Property-based tests over generated inventories (hypothesis): whatever an inventory holds, the fleet check either
plans it or refuses it with one clear message per problem, never with a traceback.

Four generators: `valid_fleets` (only inventories that must plan), `one_mistake` (a valid fleet with one mistake that
must be refused, and named where it was made), `mutated_fleets` (a valid fleet with up to three values replaced by
wild ones: near the line between planned and refused) and `wild_fleets` (every value drawn from a mix of valid,
wrong-typed and hostile values). Every test is derandomized (the same examples on every run, no example database),
so CI is deterministic. Bugs the properties found are tested at the end (strict xfail) and kept out of the
generators until they are fixed.
"""

import base64
import copy
import os
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings, strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from ansible_collections.sitelink.tunnels.plugins.module_utils.common import names
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model as topology
from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import validate
from ansible_collections.sitelink.tunnels.plugins.plugin_utils import inventory as fleet

# Hypothesis keeps a cache (constants of the code under test) in .hypothesis/ of the working directory: in build/
# instead, which git ignores and `make clean` removes
set_hypothesis_home_dir(os.path.join(os.path.dirname(os.path.abspath(__file__)), *([os.pardir] * 5 + ["build", "hypothesis"])))
# derandomized: the same examples on every run; no example database in the checkout; no "explain" phase (it traces
# every line on Python 3.11, minutes for a failure that shrinking already made small)
SETTINGS = dict(deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow],
                phases=[Phase.explicit, Phase.generate, Phase.shrink])
LINUX_INTERFACE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,14}$")
# HOST: VARIABLE: WHY, where VARIABLE is a setting's path (sitelink_site.lans[0], sitelink_topology.links[2].overlay)
VARIABLE = re.compile(r"(inventory host name|ansible_host|sitelink_[a-z0-9_]*([.\[].*?)?)")
PYTHON_ERROR_TEXT = ("Traceback", "Error:", "Exception", "object has no attribute", "unhashable", "NoneType",
                     "not subscriptable", "not iterable", "invalid literal", "<class ", "object is not",
                     "index out of range", "KeyError", "TypeError", "ValueError", "AttributeError", "AddrFormatError")


@pytest.fixture(autouse=True, scope="module")
def role_spec_read_once():
    """fleet.check reads the role's argument spec file on every call (once per play in a run); here it is read
    once, so that the examples' time goes to loading, validating and planning."""
    spec = fleet.role_settings_spec()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fleet, "role_settings_spec", lambda: copy.deepcopy(spec))
        yield


# ---------------------------------------------------------------------------------------------------- values

LINE_BREAKING = ("Cc", "Zl", "Zp")       # control characters, line and paragraph separators


def one_line(value):
    return not isinstance(value, str) or not any(unicodedata.category(c) in LINE_BREAKING for c in value)


# a usable site name, short enough for gre-NAME on Linux (15 characters)
SITE_NAME = st.builds(str.__add__, st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789"),
                      st.text("abcdefghijklmnopqrstuvwxyz0123456789._-", max_size=10))
HOSTILE_TEXT = st.sampled_from([
    "", " ", "a b", " hub", "hub ", "a\nb", "branch-b\nPostUp = id", "a\rb", "a\tb", "a\x00b", "a\x7fb", "a\x85b",
    "a\u2028b", 'a"b', "a'b", "a;b", "a$(id)", "a`id`", "../hub", "a/b", "a\\b", "-rf", ".hidden", "br\u00e4nch",
    "\u65e5\u672c", "a:b", "a: b", "a--b", "x" * 64, "y" * 300, "gre-hub", "wg-sitelink", "10.0.0.1", "None",
])
TEXT = st.text(max_size=20)
NOT_NONE = st.one_of(st.booleans(), st.integers(-2 ** 70, 2 ** 70), st.floats(), HOSTILE_TEXT, TEXT,
                     st.lists(st.integers(0, 3), max_size=2), st.dictionaries(st.sampled_from(["a", "id"]),
                                                                              st.integers(0, 3), max_size=2))
GARBAGE = st.none() | NOT_NONE

IDS = st.one_of(st.integers(1, 12), st.integers(-3, 70000), st.sampled_from(
    ["1", "2", "02", "three", " 4", "", "0x10", "1.5", "1e3", "\u0663", "1_0", "nan"]), GARBAGE)
PLATFORMS = st.one_of(st.sampled_from(["routeros", "linux", "external"]), st.sampled_from(
    ["RouterOS", "routerso", "linx", "Linux", "mikrotik", "", " linux", "linux\n"]), GARBAGE)
TOPOLOGY_TYPES = st.one_of(st.sampled_from(["p2p", "hub_spoke", "mesh", "links"]),
                           st.sampled_from(["star", "hub-spoke", "Mesh", "", "mesh\n"]), GARBAGE)
PREFIXES4 = st.builds("10.{}.{}.0/24".format, st.integers(0, 3), st.integers(0, 7)) | st.sampled_from(
    ["192.168.10.0/24", "192.168.0.0/16", "10.0.0.0/8", "0.0.0.0/0", "10.255.0.0/25", "10.254.0.128/25"])
PREFIXES6 = st.builds("fd00:{:x}::/64".format, st.integers(0, 7)) | st.sampled_from(
    ["fd00::/48", "2001:db8:10::/64", "::/0", "fd00:255::/64"])
BAD_PREFIXES = st.sampled_from([
    "10.1.2.3/24", "fd00::1/64", "10.0.0.0/33", "fd00::/129", "not-a-prefix", "", " 10.1.0.0/24", "10.1.0.0/24 ",
    "10.1.0.0/24\n", "10.1.0.0 /24", "10.1.0.0/24,10.2.0.0/24", "10.1.0.0", "1.2.3", "10.1.0.0/-1", "fd00::/64/64",
    "10.1.0.0/24\x00", "10.0.0.0/0x8", "192.168.010.0/24"])
LANS = st.one_of(
    st.lists(st.one_of(PREFIXES4, PREFIXES6, BAD_PREFIXES, GARBAGE), max_size=3),
    PREFIXES4, BAD_PREFIXES, st.none(),
    st.dictionaries(st.sampled_from(["a", "lan", "10.1.0.0/24"]), PREFIXES4, min_size=1, max_size=2),
)
ADDRESSES = st.one_of(
    st.builds("198.51.100.{}".format, st.integers(0, 255)), st.builds("2001:db8:ffff::{:x}".format, st.integers(1, 99)),
    st.sampled_from(["203.0.113.9", "10.1.0.5", "192.168.10.7", "fd00:1::9", "::ffff:192.0.2.1", "0.0.0.0", "::"]))
HOST_NAMES = st.sampled_from(["gw.example.net", "hub", "a-b.example", "xn--bcher-kva.example", "x" * 63 + ".net",
                              "vpn.example.net.", "1e100.net"])
BAD_ADDRESSES = st.sampled_from([
    "198.51.100.300", "1.2.3", "1.2.3.4.5", "010.1.1.1", "0x7f.0.0.1", "10.0.0.1/24", "fe80::1%eth0", "::g",
    "2001:db8::1::2", "host name", "-bad-.example", "a..b", "x" * 64 + ".net", " 198.51.100.1", "198.51.100.1\n",
    "198.51.100.1:13231", "[2001:db8::1]", "http://hub", "192.0.2.1 ", "\u0661.\u0662.\u0663.\u0664"])
ENDPOINTS = st.one_of(ADDRESSES, HOST_NAMES, BAD_ADDRESSES, GARBAGE)
PORTS = st.one_of(st.integers(1, 65535), st.integers(-5, 70000), st.sampled_from(["13231", "port", " 51820", ""]),
                  GARBAGE)
INTERFACES = st.one_of(st.sampled_from(["wg-sitelink", "wg0", "wg-sites", "tun.7", "gre-hub", "eoip-hub"]),
                       st.sampled_from(["wg sitelink", "wg-sitelink-primary", "", "wg\n0", "wg/0", "w\u00e4g"]), GARBAGE)
KEYS = st.binary(min_size=32, max_size=32).map(lambda raw: base64.b64encode(raw).decode())
PUBLIC_KEYS = st.one_of(KEYS, KEYS.map(lambda k: k + "\n"), KEYS.map(lambda k: " " + k), KEYS.map(lambda k: k[:-2]),
                        GARBAGE)
BOOLEANS = st.one_of(st.booleans(), st.sampled_from(["false", "no", "yes", "true", "False", "0", 0, 1]), GARBAGE)
OVERLAYS = st.one_of(st.sampled_from(["none", "gre", "eoip"]), st.sampled_from(["GRE", "ger", "eiop", "", "vxlan"]),
                     GARBAGE)
KEEPALIVES = st.one_of(st.integers(0, 65535), st.integers(-1, 70000), st.sampled_from(["25", "often", "25s"]),
                       GARBAGE)
SITE_TYPOS = st.sampled_from(["lan", "lans_", "endpiont", "gateway", "underlay_gatway", "ID", "platfrom", "port",
                              "interfaces", "publickey", "x"]) | HOSTILE_TEXT | st.integers(0, 3) | st.none()
# sitelink_* variables besides sitelink_site: typos (refused with a suggestion) and role settings of a valid type
ROLE_SETTINGS = {
    "sitelink_verify": st.booleans(), "sitelink_verify_count": st.integers(1, 9),
    "sitelink_verify_strict": st.booleans(), "sitelink_owner": st.sampled_from(["fleet", "ops", "net-ops.2"]),
    "sitelink_linux_firewall_table": st.sampled_from(["sitelink", "wg_fleet"]), "sitelink_linux_persist": st.booleans(),
}
VARIABLE_TYPOS = st.sampled_from(["sitelink_verfy", "sitelink_verify_cout", "sitelink_topolgy", "sitelink_sites",
                                  "sitelink_psk", "sitelink_link_defualts", "sitelink_pool", "sitelink_", "sitelink_x"])


def pools(family):
    if family == 4:
        return {"wireguard": "10.255.0.0/20", "overlay": "10.254.0.0/20"}
    return {"wireguard": "fd00:255::/64", "overlay": "fd00:254::/64"}


POOL_VALUES = st.one_of(st.sampled_from(["10.255.0.0/24", "10.254.0.0/24", "10.255.0.0/30", "fd00:255::/64",
                                         "fd00:254::/120", "10.0.0.0/8"]), BAD_PREFIXES, GARBAGE)
POOL_KEYS = {"wireguard": POOL_VALUES, "overlay": POOL_VALUES,
             "overlay_prefix_length": st.one_of(st.sampled_from([31, 30, 127, 126, 32, 24, "31", 31.0]), GARBAGE),
             "tunnel_id_base": st.one_of(st.integers(-100, 70000), st.sampled_from(["100", 1.5, True]), GARBAGE),
             "scheme": st.one_of(st.sampled_from(["linear", "pairs", "lineer", "PAIRS"]), GARBAGE),
             "hub_slots": st.one_of(st.integers(-1, 70), st.sampled_from(["2", 1.5, True]), GARBAGE),
             "wireguad": POOL_VALUES, "overlay_prefix_len": st.just(31)}
POOL_SETTINGS = st.one_of(st.fixed_dictionaries({}, optional=POOL_KEYS), GARBAGE)
LINK_SETTINGS = {"overlay": OVERLAYS, "preshared_key": BOOLEANS, "keepalive": KEEPALIVES,
                 "tunnel_id": st.one_of(st.integers(-1, 70000), st.sampled_from(["7", "id"]), GARBAGE),
                 "slot": st.one_of(st.integers(-1, 3000), st.sampled_from(["7", 2.5]), GARBAGE),
                 "overlya": st.just("gre"), "keepalvie": st.just(25)}
LINK_DEFAULTS = st.one_of(st.fixed_dictionaries({}, optional=LINK_SETTINGS), GARBAGE)
SECRETS = st.one_of(st.sampled_from(["lab-secret", "s" * 200, "", " spaced secret \n"]), TEXT,
                    st.dictionaries(st.just("value"), st.just("lab-secret"), min_size=1), st.lists(TEXT, max_size=2),
                    st.integers(), st.none())


# ---------------------------------------------------------------------------------------------------- fleets

VALID_INTERFACES = st.sampled_from(["wg-sitelink", "wg0", "wg-sites", "tun.7", "wg_9"])
VALID_LINK_SETTINGS = st.fixed_dictionaries({}, optional={"preshared_key": st.booleans(),
                                                          "keepalive": st.integers(0, 65535)})


def inventory(sites_vars, fleet_settings, play_hosts):
    """(every host's variables, group variables included as in the role's hostvars, the fleet settings, play)"""
    hosts = dict((host, dict(fleet_settings, **own)) for host, own in sites_vars.items())
    return hosts, fleet_settings, play_hosts


@st.composite
def valid_fleets(draw):
    """Inventories that must plan: unique ids and names, disjoint LANs of one family, an endpoint on every hub and on
    at least one side of every link, overlays only where they are supported, sizes within the pools, management
    addresses (ansible_host) that are names."""
    count = draw(st.integers(2, 6))
    hosts = draw(st.lists(SITE_NAME, min_size=count, max_size=count, unique=True))
    ids = draw(st.lists(st.integers(1, 40), min_size=count, max_size=count, unique=True))
    family = draw(st.sampled_from([4, 6]))
    kind = draw(st.sampled_from(["p2p", "hub_spoke", "mesh", "links"]))
    platforms = draw(st.lists(st.sampled_from(["routeros", "routeros", "linux", "external"]), min_size=count,
                              max_size=count))
    hubs = []
    if kind == "hub_spoke":
        hubs = hosts[:draw(st.integers(1, min(2, count - 1)))]
    unreachable = draw(st.sampled_from([None] + [h for h in hosts if h not in hubs]))   # the one without endpoint
    sites_vars = {}
    for index, (host, site_id, platform) in enumerate(zip(hosts, ids, platforms)):
        site = {"id": str(site_id) if draw(st.booleans()) else site_id, "platform": platform}
        if platform == "routeros" and draw(st.booleans()):
            del site["platform"]
        if family == 4:
            site["lans"] = ["192.0.2.%d/29" % (8 * (index * 4 + j)) for j in range(draw(st.integers(1, 3)))]
            if platform == "linux" and draw(st.booleans()):
                site["lans"].append("192.0.2.%d/29" % (8 * (index * 4 + 3)))
        else:
            site["lans"] = ["fd10:%x::/64" % (index * 4 + j) for j in range(draw(st.integers(1, 3)))]
        if draw(st.booleans()) and len(site["lans"]) == 1:
            site["lans"] = site["lans"][0]
        if host != unreachable:
            if draw(st.booleans()):
                site["endpoint"] = "gw%d.example.net" % index
            elif family == 4:
                site["endpoint"] = "198.51.100.%d" % (index + 1)
            else:
                site["endpoint"] = "2001:db8:%x::1" % (index + 1)
        if draw(st.booleans()):
            site["listen_port"] = draw(st.integers(1, 65535))
        if platform != "external" and draw(st.booleans()):
            site["interface"] = draw(VALID_INTERFACES)
        if draw(st.booleans()):
            site["underlay_gateway"] = "198.51.100.254" if family == 4 else "2001:db8:ffff::1"
            site["default_route"] = draw(st.booleans())
        if platform == "external":
            # a valid fleet's external keys are real ones, each its own (all zeros and a repeated key are refused)
            site["public_key"] = base64.b64encode(bytes([index + 1]) + draw(st.binary(min_size=31, max_size=31))).decode()
        # a name, not an address: the lockout guard (a LAN must not cover the controller's own address toward a
        # site) would make the outcome depend on this machine's addresses
        own = {"sitelink_site": site, "ansible_host": "%s.mgmt.example" % host}
        for variable in draw(st.lists(st.sampled_from(sorted(ROLE_SETTINGS)), max_size=2, unique=True)):
            own[variable] = draw(ROLE_SETTINGS[variable])
        sites_vars[host] = own
    every_pair = [(a, b) for i, a in enumerate(hosts) for b in hosts[i + 1:]]
    if kind == "hub_spoke":
        pairs = [(a, b) for a, b in every_pair if a in hubs or b in hubs]
    elif kind == "p2p":
        pairs = [draw(st.sampled_from(every_pair))] if count > 2 else every_pair
    elif kind == "links":
        pairs = draw(st.lists(st.sampled_from(every_pair), min_size=1, unique=True))
    else:
        pairs = every_pair
    links = []
    for number, (a, b) in enumerate(pairs):
        platforms_ab = [sites_vars[s]["sitelink_site"].get("platform", "routeros") for s in (a, b)]
        overlays = ["none"]
        if family == 4 and "external" not in platforms_ab:
            overlays = ["none", "gre"] if "linux" in platforms_ab else ["none", "gre", "eoip"]
        declared = kind == "links" or (kind == "p2p" and count > 2)
        if declared or draw(st.booleans()):
            link = {"sites": list(draw(st.permutations([a, b])))}
            link.update(draw(VALID_LINK_SETTINGS))
            overlay = draw(st.sampled_from(overlays))
            if overlay != "none" or draw(st.booleans()):
                link["overlay"] = overlay
            if overlay == "eoip" and draw(st.booleans()):
                link["tunnel_id"] = 1000 + number            # automatic ones are 100 + a slot below 900
            links.append(link)
    defaults = draw(VALID_LINK_SETTINGS)
    if draw(st.booleans()):
        defaults["overlay"] = "none"
    topology_settings = {"type": kind}
    if hubs:
        topology_settings["hubs"] = hubs
    if links or kind == "links":
        topology_settings["links"] = links
    if kind == "hub_spoke" and len(hosts) > len(hubs) and draw(st.booleans()):
        topology_settings["aggregates"] = ["192.0.2.0/24" if family == 4 else "fd10::/16"]
    pool_settings = dict(pools(family), overlay_prefix_length=draw(
        st.sampled_from([31, 30] if family == 4 else [127, 126])), scheme=draw(st.sampled_from(["linear", "pairs"])))
    fleet_settings = {"sitelink_topology": topology_settings, "sitelink_link_defaults": defaults,
                      "sitelink_pools": pool_settings, "sitelink_psk_secret": draw(st.sampled_from(
                          ["lab-secret-not-for-production", "\u00e9t\u00e9 secret, seize+", "a" * 100]))}
    play = draw(st.sampled_from([hosts, hosts[:1], []]))
    return inventory(sites_vars, fleet_settings, play)


def _site(host_vars):
    return host_vars["sitelink_site"]


# One mistake each, applied to a valid fleet: (what it does to (hosts, settings), the host or "fleet" and the
# variable a message must name). Each must be refused whatever the rest of the fleet is.
def _set_site(key, value):
    def apply(hosts, _settings, host):
        _site(hosts[host])[key] = value
        return host, "sitelink_site." + key
    return apply


def _set_setting(variable, key, value):
    def apply(hosts, fleet_settings, _host):
        fleet_settings[variable][key] = value
        for host_vars in hosts.values():
            host_vars[variable] = fleet_settings[variable]
        return "fleet", "%s.%s" % (variable, key)
    return apply


def _rename(new):
    def apply(hosts, _settings, host):
        hosts[new] = hosts.pop(host)
        return names.shown(new), "inventory host name"
    return apply


def _duplicate_id(hosts, _settings, host):
    other = sorted(h for h in hosts if h != host)[0]
    _site(hosts[host])["id"] = _site(hosts[other])["id"]
    return None, "sitelink_site.id"


def _duplicate_lan(hosts, _settings, host):
    other = sorted(h for h in hosts if h != host)[0]
    lans = _site(hosts[other])["lans"]
    _site(hosts[host])["lans"] = [lans if isinstance(lans, str) else lans[0]]
    return None, "sitelink_site.lans"


def _variable(variable, value):
    def apply(hosts, _settings, host):
        if _site(hosts[host]).get("platform") == "external":     # the role's settings of an external peer are unused
            _site(hosts[host]).pop("public_key")
            _site(hosts[host])["platform"] = "linux"
        hosts[host][variable] = value
        return host, variable
    return apply


def _no_sites(hosts, _settings, _host):
    for host_vars in hosts.values():
        del host_vars["sitelink_site"]
    hosts.clear()
    return "fleet", "sitelink_site"


MISTAKES = {
    "id as a word": _set_site("id", "three"), "id zero": _set_site("id", 0), "id too big": _set_site("id", 65536),
    "id as a boolean": _set_site("id", True), "id as a list": _set_site("id", [1]), "duplicate id": _duplicate_id,
    "unknown platform": _set_site("platform", "routerso"), "platform as a list": _set_site("platform", ["linux"]),
    "lan with host bits": _set_site("lans", ["192.168.200.1/24"]), "lan garbage": _set_site("lans", ["lan-a"]),
    "lan with spaces": _set_site("lans", [" 192.168.200.0/24"]), "lans as mapping": _set_site("lans", {"a": 1}),
    "lan is a pool": lambda h, s, host: _set_site("lans", [s["sitelink_pools"]["wireguard"]])(h, s, host),
    "duplicate lan": _duplicate_lan,
    "endpoint address-looking": _set_site("endpoint", "198.51.100.300"),
    "endpoint with a newline": _set_site("endpoint", "198.51.100.1\n"), "endpoint as a list": _set_site("endpoint", ["a"]),
    "endpoint with a port": _set_site("endpoint", "198.51.100.1:13231"),
    "port as a word": _set_site("listen_port", "port"), "port zero": _set_site("listen_port", 0),
    "port too big": _set_site("listen_port", 65536), "interface with a space": _set_site("interface", "wg 0"),
    "interface too long": _set_site("interface", "wg-sitelink-primary"), "interface as a number": _set_site("interface", 7),
    "gateway garbage": _set_site("underlay_gateway", "gw"), "quoted default_route": _set_site("default_route", "false"),
    "unknown site key": _set_site("lan", ["192.168.200.0/24"]), "missing id": lambda h, s, host: (
        _site(h[host]).pop("id"), (host, "sitelink_site.id"))[1],
    "site as a list": lambda h, s, host: (h[host].__setitem__("sitelink_site", [{"id": 1}]), (host, "sitelink_site"))[1],
    "host name with a newline": _rename("gw\nPostUp = id"), "host name with a path": _rename("../hub"),
    "host name with a quote": _rename("gw'x"), "host name non-ASCII": _rename("br\u00e4nch"),
    "host name with a space": _rename("gw 1"), "host name too long": _rename("h" * 64),
    "overlay typo": _set_setting("sitelink_link_defaults", "overlay", "ger"),
    "quoted preshared_key": _set_setting("sitelink_link_defaults", "preshared_key", "no"),
    "keepalive as a word": _set_setting("sitelink_link_defaults", "keepalive", "often"),
    "link defaults typo": _set_setting("sitelink_link_defaults", "keepalvie", 25),
    "pool garbage": _set_setting("sitelink_pools", "wireguard", "10.255.0.0/33"),
    "pool typo": _set_setting("sitelink_pools", "wireguad", "10.255.0.0/24"),
    "overlay prefix length": _set_setting("sitelink_pools", "overlay_prefix_length", 24),
    "topology type typo": _set_setting("sitelink_topology", "type", "hub_spokes"),
    "topology typo": _set_setting("sitelink_topology", "aggregate", ["10.0.0.0/8"]),
    "aggregate garbage": _set_setting("sitelink_topology", "aggregates", ["agg"]),
    "variable typo": _variable("sitelink_verify_cout", 5), "owner with a space": _variable("sitelink_owner", "net ops"),
    "nft table with a dash": _variable("sitelink_linux_firewall_table", "site-link"),
    "no sites": _no_sites,
}


def _secret(value):
    def apply(hosts, fleet_settings, _host):
        fleet_settings["sitelink_psk_secret"] = value
        return "fleet", "sitelink_psk_secret"
    return apply


MISTAKES.update({"secret as a mapping": _secret({"value": "s"}), "secret as a list": _secret(["s"]),
                 "secret as a number": _secret(7)})


def _link(*entry_sites, **settings_of_link):
    def apply(hosts, fleet_settings, host):
        links = fleet_settings["sitelink_topology"].setdefault("links", [])
        links.append(dict(settings_of_link, sites=[host if s is None else s for s in entry_sites]))
        return "fleet", "sitelink_topology.links[%d]" % (len(links) - 1)
    return apply


def _external(**site):
    def apply(hosts, _settings, host):
        _site(hosts[host]).update(site)
        if "public_key" not in site:
            _site(hosts[host]).pop("public_key", None)
        return host, "sitelink_site.public_key"
    return apply


KEY = base64.b64encode(b"k" * 32).decode()
MISTAKES.update({
    "unknown site in a link": _link(None, "no-such-site"), "site peers with itself": _link(None, None),
    "link with three sites": _link(None, "a", "b"), "quoted boolean in a link": _link(None, "no-such", preshared_key="no"),
    "external key with a newline": _external(platform="external", public_key=KEY + "\n"),
    "external key truncated": _external(platform="external", public_key=KEY[:-4]),
    "external without a key": _external(platform="external"),
    "key on a managed site": _external(platform="linux", public_key=KEY),
})


@st.composite
def one_mistake(draw):
    hosts, fleet_settings, play = draw(valid_fleets())
    name = draw(st.sampled_from(sorted(MISTAKES)))
    host = draw(st.sampled_from(sorted(hosts)))
    where = MISTAKES[name](hosts, fleet_settings, host)
    play = sorted(hosts)                # the play's hosts have their role settings checked too
    return name, where, (hosts, fleet_settings, play)


@st.composite
def wild_sites(draw, hosts):
    site = {}
    for key, values in (("id", IDS), ("platform", PLATFORMS), ("lans", LANS), ("endpoint", ENDPOINTS),
                        ("listen_port", PORTS), ("interface", INTERFACES), ("underlay_gateway", ENDPOINTS),
                        ("default_route", BOOLEANS), ("public_key", PUBLIC_KEYS)):
        if draw(st.integers(0, 9)) < (9 if key == "id" else 4):
            site[key] = draw(values)
    for key in draw(st.lists(SITE_TYPOS, max_size=2)):
        site[key] = draw(GARBAGE)
    return draw(st.one_of(st.just(site), st.just(site), st.just(site), NOT_NONE,
                          st.lists(st.just(site), max_size=1)))


@st.composite
def wild_fleets(draw):
    """Every value from a mix of valid, wrong-typed and hostile values."""
    hosts = draw(st.lists(st.one_of(SITE_NAME, SITE_NAME, HOSTILE_TEXT, TEXT), min_size=0, max_size=5, unique=True))
    sites_vars = {}
    for host in hosts:
        own = {"sitelink_site": draw(wild_sites(hosts))}
        for variable in draw(st.lists(st.sampled_from(sorted(ROLE_SETTINGS)), max_size=2, unique=True)):
            own[variable] = draw(ROLE_SETTINGS[variable])
        for variable in draw(st.lists(VARIABLE_TYPOS, max_size=1)):
            own[variable] = draw(GARBAGE)
        sites_vars[host] = own
    site_names = st.one_of(st.sampled_from(hosts), SITE_NAME, HOSTILE_TEXT, GARBAGE) if hosts else GARBAGE
    link = st.fixed_dictionaries({"sites": st.one_of(st.lists(site_names, min_size=2, max_size=2),
                                                     st.lists(site_names, max_size=3), GARBAGE)},
                                 optional=LINK_SETTINGS)
    topology_settings = st.one_of(st.fixed_dictionaries({}, optional={
        "type": TOPOLOGY_TYPES,
        "hubs": st.one_of(st.lists(site_names, max_size=3), site_names),
        "links": st.one_of(st.lists(st.one_of(link, link, link, GARBAGE), max_size=4), GARBAGE),
        "aggregates": st.one_of(st.lists(st.one_of(PREFIXES4, PREFIXES6, BAD_PREFIXES), max_size=2), GARBAGE),
        "hub": site_names, "link": st.just([])}), GARBAGE)
    fleet_settings = draw(st.fixed_dictionaries({}, optional={
        "sitelink_topology": topology_settings, "sitelink_link_defaults": LINK_DEFAULTS,
        "sitelink_pools": POOL_SETTINGS, "sitelink_psk_secret": SECRETS}))
    play = draw(st.lists(st.sampled_from(hosts), unique=True)) if hosts else []
    hosts_vars, fleet_settings, play = inventory(sites_vars, fleet_settings, play)
    return hosts_vars, fleet_settings, play


SITE_VALUES = {"id": IDS, "platform": PLATFORMS, "lans": LANS, "endpoint": ENDPOINTS, "listen_port": PORTS,
               "interface": INTERFACES, "underlay_gateway": ENDPOINTS, "default_route": BOOLEANS,
               "public_key": PUBLIC_KEYS}
TOPOLOGY_KEYS = {"type": TOPOLOGY_TYPES,
                 "aggregates": st.one_of(st.lists(st.one_of(PREFIXES4, PREFIXES6, BAD_PREFIXES), max_size=2), GARBAGE),
                 "link": st.just([])}


@st.composite
def mutation(draw, hosts, fleet_settings):
    """One change of a valid fleet to a value drawn from the wild values (which may happen to be valid)."""
    host = draw(st.sampled_from(sorted(hosts)))
    site = hosts[host]["sitelink_site"]
    kind = draw(st.sampled_from(["site", "site", "site", "site key", "drop", "whole site", "rename", "variable", "pools",
                                 "link defaults", "topology", "link", "secret", "management"]))
    if kind in ("site", "site key", "drop") and not isinstance(site, dict):
        return
    if kind == "whole site":
        hosts[host]["sitelink_site"] = draw(NOT_NONE)
    elif kind == "site":
        key = draw(st.sampled_from(sorted(SITE_VALUES)))
        site[key] = draw(SITE_VALUES[key])
    elif kind == "site key":
        site[draw(SITE_TYPOS)] = draw(GARBAGE)
    elif kind == "drop":
        if site:
            del site[draw(st.sampled_from(sorted(site, key=repr)))]
    elif kind == "rename":
        new = draw(st.one_of(SITE_NAME, HOSTILE_TEXT, TEXT))
        if new not in hosts:
            hosts[new] = hosts.pop(host)
    elif kind == "management":
        hosts[host]["ansible_host"] = draw(st.one_of(ADDRESSES, HOST_NAMES, GARBAGE))
    elif kind == "variable":
        hosts[host][draw(VARIABLE_TYPOS)] = draw(GARBAGE)
    elif kind == "secret":
        fleet_settings["sitelink_psk_secret"] = draw(SECRETS)
    elif kind == "link":
        links = fleet_settings["sitelink_topology"].setdefault("links", [])
        if links:
            entry = draw(st.sampled_from(links))
            key = draw(st.sampled_from(sorted(LINK_SETTINGS) + ["sites"]))
            entry[key] = draw(LINK_SETTINGS[key] if key != "sites" else st.lists(
                st.one_of(st.sampled_from(sorted(hosts)), HOSTILE_TEXT), max_size=3))
        else:
            links.append({"sites": sorted(hosts)[:2], "overlay": draw(OVERLAYS)})
    else:
        variable, keys = {"pools": ("sitelink_pools", POOL_KEYS), "link defaults": ("sitelink_link_defaults", LINK_SETTINGS),
                          "topology": ("sitelink_topology", TOPOLOGY_KEYS)}[kind]
        key = draw(st.sampled_from(sorted(keys)))
        fleet_settings[variable][key] = draw(keys[key])


@st.composite
def mutated_fleets(draw):
    """A valid fleet with zero to three changes: near the boundary between planned and refused."""
    hosts, fleet_settings, play = draw(valid_fleets())
    for _change in range(draw(st.integers(0, 3))):
        draw(mutation(hosts, fleet_settings))
    for host_vars in hosts.values():       # the group variables follow the settings
        host_vars.update((k, v) for k, v in fleet_settings.items())
    return hosts, fleet_settings, [h for h in play if h in hosts]


# ---------------------------------------------------------------------------------------------------- properties

def texts_of(value):
    """Every text in a generated inventory (keys and values)."""
    found = set()

    def walk(item):
        if isinstance(item, str):
            found.add(item)
        elif isinstance(item, dict):
            for key, sub in item.items():
                walk(key)
                walk(sub)
        elif isinstance(item, (list, tuple)):
            for sub in item:
                walk(sub)
    walk(value)
    return found


def checked(hosts, fleet_settings, play):
    """fleet.check, with the properties every answer has: it never raises, leaves its input alone, and either plans
    (no problems) or refuses with problems, each once, each a single line 'HOST: VARIABLE: WHY' in plain words."""
    before = copy.deepcopy((hosts, fleet_settings, play))
    model, plans = fleet.check(hosts, fleet_settings, play)
    assert (hosts, fleet_settings, play) == before, "fleet.check changed its input"
    problems = [str(p) for p in model.problems]
    assert (plans is None) == bool(problems), (plans, problems)
    assert len(set(problems)) == len(problems), "a message given twice: %s" % problems
    # a host name as it is when usable, quoted (repr) when not
    prefixes = ["fleet"] + [h for h in hosts if not names.problem("site", h)] + [names.shown(h) for h in hosts]
    # a marker the inventory itself holds (a host named NoneType) may be quoted back: only the others are errors
    quoted = texts_of((hosts, fleet_settings))
    markers = [m for m in PYTHON_ERROR_TEXT if not any(m in text for text in quoted)]
    for message in problems:
        assert len(message.splitlines()) == 1 and one_line(message), "not a single line: %r" % message
        assert not any(marker in message for marker in markers), "Python error text: %r" % message
        assert any(message.startswith(prefix + ": ") and re.match(VARIABLE.pattern + ": .", message[len(prefix) + 2:])
                   for prefix in prefixes), "not 'HOST: VARIABLE: WHY': %r" % message
    if plans is not None:
        check_plans(hosts, plans)
        again = fleet.check(copy.deepcopy(hosts), copy.deepcopy(fleet_settings), list(play))[1]
        assert again == plans, "the same inventory planned twice gives different plans"
    return problems, plans


def check_plans(hosts, plans):
    sites = dict((host, _site(host_vars)) for host, host_vars in hosts.items())
    assert set(plans) == set(h for h, s in sites.items() if s.get("platform") != "external")
    for name, plan in plans.items():
        assert plan["site"] == name
        if plan["platform"] == "linux":
            for interface in [plan["wireguard"]["name"]] + [o["name"] for o in plan["overlays"]]:
                assert LINUX_INTERFACE.match(interface), (name, interface)
        link_ids = [peer["link"] for peer in plan["peers"]]
        assert len(set(link_ids)) == len(link_ids), (name, link_ids)
        for peer in plan["peers"]:
            assert peer["peer"] in sites and peer["peer"] != name
            if peer["peer"] not in plans:
                continue                # an external peer: no plan of its own
            other = plans[peer["peer"]]
            back = [p for p in other["peers"] if p["peer"] == name]
            assert len(back) == 1 and back[0]["link"] == peer["link"], (name, peer["peer"])
            assert back[0]["preshared_key"] == peer["preshared_key"]
            ours = [l for l in plan["links"] if l["peer"] == peer["peer"]][0]
            theirs = [l for l in other["links"] if l["peer"] == name][0]
            assert ours["overlay"] == theirs["overlay"] and ours["link"] == theirs["link"]
            # the address we allow for the peer is the one the peer puts on its WireGuard interface
            peer_address = peer["allowed_address"][0].split("/")[0]
            assert peer_address in [a["address"].split("/")[0] for a in other["addresses"]
                                    if a["interface"] == other["wireguard"]["name"]], (name, peer["peer"])


@settings(max_examples=100, **SETTINGS)
@given(valid_fleets())
def test_a_valid_fleet_always_plans(fleet_inventory):
    problems, plans = checked(*fleet_inventory)
    assert problems == [] and plans is not None


@settings(max_examples=120, **SETTINGS)
@given(one_mistake())
def test_one_mistake_is_always_refused_naming_where_it_is(case):
    name, (host, variable), fleet_inventory = case
    problems, plans = checked(*fleet_inventory)
    assert plans is None, "%s: accepted" % name
    assert any((host is None or p.startswith(host + ": ")) and (": %s" % variable) in p for p in problems), \
        "%s: no message names %s %s: %s" % (name, host, variable, problems)


@settings(max_examples=200, **SETTINGS)
@given(mutated_fleets())
def test_a_fleet_near_the_boundary_is_planned_or_refused_cleanly(fleet_inventory):
    _problems, plans = checked(*fleet_inventory)
    event("planned" if plans is not None else "refused")


@settings(max_examples=150, **SETTINGS)
@given(wild_fleets())
def test_any_inventory_is_planned_or_refused_cleanly(fleet_inventory):
    _problems, plans = checked(*fleet_inventory)
    event("planned" if plans is not None else "refused")


@settings(max_examples=40, **SETTINGS)
@given(wild_fleets())
def test_model_and_validation_alone_never_raise(fleet_inventory):
    """load() + plan_fleet() without the fleet step hold on their own: plans exactly when there is no problem."""
    hosts, fleet_settings, _play = fleet_inventory
    loaded = topology.load(dict((h, v["sitelink_site"]) for h, v in hosts.items()), fleet_settings)
    plans = validate.plan_fleet(loaded)
    assert (plans is None) == bool(loaded.problems)


# ---------------------------------------------------------------------------------------------------- found bugs
# Each found by the properties above (and fixed): kept as plain examples, and the generators include them again.

def two_sites(**hub):
    """A valid two-site fleet (hub with an endpoint, one branch); `hub` adds to the hub's host variables."""
    hosts = {"hub": dict({"sitelink_site": {"id": 1, "lans": ["192.168.10.0/24"], "endpoint": "198.51.100.1"}}, **hub),
             "branch": {"sitelink_site": {"id": 2, "lans": ["192.168.11.0/24"]}}}
    return hosts, {"sitelink_psk_secret": "lab-secret-not-for-production"}, sorted(hosts)


def renamed(hosts, new):
    hosts[new] = hosts.pop("hub")
    return hosts


@pytest.mark.parametrize("variable,value", [("sitelink_verfy", 1), ("sitelink_verify_count", "three")])
def test_a_refused_host_name_is_shown_quoted_in_every_message(variable, value):
    hosts, fleet_settings, _play = two_sites(**{variable: value})
    renamed(hosts, "a\nb")
    checked(hosts, fleet_settings, sorted(hosts))


@pytest.mark.parametrize("key", ["sitelink_site", "interface"])
def test_null_values_are_refused_in_plain_words(key):
    hosts, fleet_settings, play = two_sites()
    if key == "sitelink_site":
        hosts["hub"]["sitelink_site"] = None          # `sitelink_site:` with nothing after it
    else:
        hosts["hub"]["sitelink_site"][key] = None
    checked(hosts, fleet_settings, play)


@pytest.mark.parametrize("where", ["sitelink_site", "sitelink_pools", "sitelink_link_defaults", "sitelink_topology"])
def test_an_unknown_key_with_a_line_break_is_shown_quoted(where):
    hosts, fleet_settings, play = two_sites()
    if where == "sitelink_site":
        hosts["hub"]["sitelink_site"]["a\nb"] = 1
    else:
        fleet_settings[where] = {"a\nb": 1}
    checked(hosts, fleet_settings, play)


@pytest.mark.parametrize("mistake", ["platform", "topology type"])
def test_a_refused_value_is_not_echoed_in_other_messages(mistake):
    hosts, fleet_settings, play = two_sites()
    if mistake == "platform":
        hosts["hub"]["sitelink_site"].update(platform="linux\n", public_key=base64.b64encode(b"k" * 32).decode())
    else:
        fleet_settings["sitelink_topology"] = {"type": "mesh\n", "aggregates": ["192.168.0.0/16"]}
    problems, _plans = checked(hosts, fleet_settings, play)
    assert len(problems) == 1, problems


@pytest.mark.parametrize("value", ["base", [100], None])
def test_a_tunnel_id_base_that_is_not_a_number_is_refused(value):
    hosts, fleet_settings, play = two_sites()
    fleet_settings.update(sitelink_link_defaults={"overlay": "eoip"}, sitelink_pools={"tunnel_id_base": value})
    problems, _plans = checked(hosts, fleet_settings, play)
    assert any(p.startswith("fleet: sitelink_pools.tunnel_id_base: ") for p in problems), problems


ROLE_TYPES = {"bool": ["maybe", [True], {"a": 1}, None], "int": ["three", [1], 1.5, None], "str": [[1], {"a": 1}, None],
              "path": [["x"], None], "dict": ["x", [1], None]}


@settings(max_examples=20, **SETTINGS)
@given(st.data())
def test_a_role_setting_of_the_wrong_type_is_refused_as_host_variable_why(data):
    spec = fleet.role_settings_spec()
    variable = data.draw(st.sampled_from(sorted(v for v in spec if spec[v]["type"] in ("int", "bool"))))
    value = data.draw(st.sampled_from(ROLE_TYPES[spec[variable]["type"]]))
    hosts, fleet_settings, play = two_sites(**{variable: value})
    _problems, plans = checked(hosts, fleet_settings, play)
    assert plans is None


@pytest.mark.parametrize("variable,value", [("sitelink_owner", ["ops"]), ("sitelink_owner", {"name": "ops"}),
                                            ("sitelink_linux_firewall_table", ["sitelink"]),
                                            ("sitelink_routeros", {"password": {"vault": "x"}}),
                                            ("sitelink_routeros", {"password": ["x"]})])
def test_a_name_or_password_given_as_a_list_or_mapping_is_refused(variable, value):
    hosts, fleet_settings, play = two_sites(**{variable: value})
    problems, plans = checked(hosts, fleet_settings, play)
    assert plans is None and any(variable in p for p in problems), problems
