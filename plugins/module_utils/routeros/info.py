# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only facts about a router: identity, version, interfaces, WireGuard keys and peer status.

Every read names its fields (`.proplist`), and no private or preshared key is among them:
they never leave the router, not even into memory here.
"""

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.connection import select
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.engine import parse_comment
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.kinds import duration_ms

SUBSETS = ("identity", "resource", "interfaces", "wireguard", "peers", "addresses", "routes")

READS = {
    "interfaces": ("/interface", ("name", "type", "mtu", "actual-mtu", "running", "disabled", "comment")),
    "wireguard": ("/interface/wireguard", ("name", "listen-port", "mtu", "public-key", "running", "disabled",
                                           "comment")),
    "peers": ("/interface/wireguard/peers", ("interface", "name", "public-key", "allowed-address",
                                             "endpoint-address", "endpoint-port", "current-endpoint-address",
                                             "current-endpoint-port", "last-handshake", "persistent-keepalive",
                                             "rx", "tx", "disabled", "comment")),
    "addresses": ("/ip/address", ("address", "network", "interface", "disabled", "invalid", "dynamic", "comment")),
    "routes": ("/ip/route", ("dst-address", "gateway", "distance", "active", "dynamic", "disabled", "comment")),
}


def _snake(row):
    out = dict((k.replace("-", "_"), v) for k, v in row.items())
    if "comment" in row:
        out["managed"] = parse_comment(row.get("comment")) is not None
    return out


def add_handshake_seconds(peer):
    """last_handshake (a RouterOS duration) also as seconds, None before the first handshake."""
    handshake = peer.get("last_handshake")
    peer["last_handshake_seconds"] = None if handshake in (None, "") else duration_ms(handshake) // 1000
    return peer


def gather(api, subsets, router):
    facts = {}
    wanted = SUBSETS if not subsets or "all" in subsets else subsets
    if "identity" in wanted:
        facts["identity"] = select(api, router, "/system/identity", ("name",))[0]["name"]
    if "resource" in wanted:
        res = select(api, router, "/system/resource", ("version", "board-name", "architecture-name", "uptime"))[0]
        facts["version"] = str(res.get("version", "")).split(" ", 1)[0]
        facts["resource"] = _snake(res)
    for subset in ("interfaces", "wireguard", "peers", "addresses", "routes"):
        if subset in wanted:
            path, fields = READS[subset]
            facts[subset] = [_snake(r) for r in select(api, router, path, fields)]
    for peer in facts.get("peers", []):
        add_handshake_seconds(peer)
        if isinstance(peer.get("allowed_address"), str):
            peer["allowed_address"] = [a for a in peer["allowed_address"].split(",") if a]
    if "wireguard" in wanted:
        facts["public_keys"] = dict((w["name"], w.get("public_key")) for w in facts["wireguard"])
    return facts
