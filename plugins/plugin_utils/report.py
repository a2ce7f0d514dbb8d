# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report: one row per link end from a site's plan and its verification, and the fleet's table."""

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import plan as planner

COLUMNS = ("site", "peer", "overlay", "address", "handshake", "ping", "status")
STATES = ("up", "down", "pending")


def link_rows(host, plan, public_keys, status):
    """The fleet table's rows of one site: each link's status from the site's own verification result (`status`:
    its peers' handshakes and its pings; {} when it did not run) and whether the peer's key is known."""
    peers, pings = status.get("peers", []), status.get("results", [])
    waited = " in %ss of pings and retries" % status["waited"] if "waited" in status else ""
    by_key = dict((p.get("public_key"), p) for p in peers)
    by_address = dict((p["address"], p) for p in pings)
    rows = []
    for link in plan["links"]:
        key = planner.peer_public_key(plan, link["peer"], public_keys)
        peer = by_key.get(key) if key else None
        ping = by_address.get(link["verify_address"], {})
        handshake = peer.get("last_handshake") if peer else None
        state, reason = "down", None
        if not key:
            state, reason = "pending", "%s's public key is not known yet" % link["peer"]
        elif handshake and ping.get("received"):
            state = "up"
        elif not peer:
            reason = "%s has no peer entry for %s" % (host, link["peer"])
        elif not handshake:
            reason = "no handshake between %s and %s%s (its WireGuard port blocked, or its endpoint unreachable?)" \
                % (host, link["peer"], waited)
        else:
            reason = "handshake %s ago but no answer from %s through the tunnel" % (handshake, link["verify_address"])
        rows.append({"site": host, "peer": link["peer"], "overlay": link["overlay"],
                     "address": link["verify_address"], "handshake": handshake or "never",
                     "ping": "%s/%s" % (ping.get("received", 0), ping.get("sent", 0)) if ping else "-",
                     "status": state, "link": link["link"], "reason": reason})
    return rows


def not_up_message(host, rows):
    """Why a site fails with sitelink_verify_strict: its links that are not up, and the reasons; None if all are."""
    down = [r for r in rows if r["status"] != "up"]
    if not down:
        return None
    links, reasons = ", ".join(r["link"] for r in down), "; ".join(str(r["reason"]) for r in down)
    return "%s: link(s) not up: %s (%s)" % (host, links, reasons)


def table(rows):
    """(the fleet table's lines, {state: link ends}) for the rows of every site."""
    widths = dict((c, max([len(c)] + [len(str(r[c])) for r in rows])) for c in COLUMNS)
    line = "  ".join("%-" + str(widths[c]) + "s" for c in COLUMNS)
    lines = [line % COLUMNS, line % tuple("-" * widths[c] for c in COLUMNS)]
    lines += [line % tuple(r[c] for c in COLUMNS) for r in rows]
    counts = dict((s, len([r for r in rows if r["status"] == s])) for s in STATES)
    lines.append("%d link ends up, %d down, %d pending" % (counts["up"], counts["down"], counts["pending"]))
    return lines, counts
