# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report: one row per link end from a site's plan and its verification, folded into one row per link
for the fleet's table and its files (JSON, JUnit XML, Markdown); in check mode, what each site would change."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET

from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import plan as planner
from ansible_collections.sitelink.tunnels.plugins.plugin_utils import adjacency

COLUMNS = ("site", "peer", "overlay", "address", "handshake", "ping", "status")
# the table people read: one row per link; `why` only when a link is not up
LINK_COLUMNS = ("site", "peer", "overlay", "address", "handshake", "ping", "status", "why")
# OSPF mode's columns (adjacency.py), before `status`, only when a link has them: the fleet runs OSPF (and BFD)
ROUTING_COLUMNS = ("ospf", "bfd")
SITE_COLUMNS = ("site", "adds", "changes", "removes", "pending keys")
STATES = ("up", "down", "pending")
# A link end whose peer left the play before verification (its router or host unreachable, or a step of it failed):
# not pinged, reported with this end's own last handshake toward it, and never failing this end's site. Counted
# (and in the summary line) only when there is one.
OUT_STATES = {"unreachable": "peer-unreachable", "failed": "peer-failed"}
OUT_WORDS = {"unreachable": "could not be reached", "failed": "failed"}
# the statuses that fail a site's own verification (sitelink_verify_strict): its links that are down
FAILING = ("down",)
FILES = {"json": "fleet-report.json", "junit": "fleet-report.xml", "markdown": "fleet-report.md"}
# a command's kind by the word that names its verb: a RouterOS API path's last part (/ip/route/add), a word of a
# Linux tool's line (ip link add, ip route del, wg set ... peer KEY remove); anything else changes what is there
COMMAND_KINDS = (("removes", ("remove", "del", "delete")), ("adds", ("add",)))


def link_rows(host, plan, public_keys, status):
    """The fleet table's rows of one site: each link's status from the site's own verification result (`status`:
    its peers' handshakes and its pings; {} when it did not run) and whether the peer's key is known."""
    peers, pings, out = status.get("peers", []), status.get("results", []), status.get("peers_out", {})
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
        if link["peer"] in out:
            peer = peer or peer_entry_of_link(plan, link["link"], peers)
            handshake = peer.get("last_handshake") if peer else None
            state = OUT_STATES[out[link["peer"]]["state"]]
            reason = "%s %s in this run (%s); %s's side not pinged" % (
                link["peer"], OUT_WORDS[out[link["peer"]]["state"]], out[link["peer"]]["msg"], host)
        elif not key:
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
        row = {"site": host, "peer": link["peer"], "overlay": link["overlay"],
               "address": link["verify_address"], "handshake": handshake or "never",
               "ping": "%s/%s" % (ping.get("received", 0), ping.get("sent", 0)) if ping else "-",
               "status": state, "link": link["link"], "reason": reason}
        rows.append(with_routing(row, status.get("ospf", {}).get(link["link"])))
    return rows


def with_routing(row, routing):
    """A link end's row with its OSPF and BFD state (OSPF mode: `routing` from the site's verification); a link
    whose OSPF is not Full is not up: down, with OSPF's reason after any of its own."""
    if routing is None:
        return row
    row.update(ospf=routing["ospf"], bfd=routing["bfd"] or "-")
    if routing["ospf"] != adjacency.FULL and row["status"] in ("up", "down"):
        reasons = [r for r in (row["reason"], routing["reason"]) if r]
        row.update(status="down", reason="; ".join(reasons))
    return row


def addresses(value):
    """A peer entry's allowed addresses as a set: RouterOS gives one text with commas, Linux a list."""
    return set(value.split(",") if isinstance(value, str) else value or [])


def peer_entry_of_link(plan, link_id, peers):
    """A site's peer entry for one of its links, found by the addresses it allows (WireGuard routes each address to
    one peer only) when the peer's key is not known in this run; None if it has none."""
    wanted = set()
    for planned in plan["peers"]:
        if planned["link"] == link_id:
            wanted |= addresses(planned["allowed_address"])
    return next((p for p in peers if wanted & addresses(p.get("allowed_address"))), None) if wanted else None


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
    counts = counted(rows)
    lines.append(counts_line(counts, "link ends"))
    return lines, counts


# A link's status from its ends' when they are not all up: the first of these an end has, else down.
LINK_PRECEDENCE = ("peer-unreachable", "peer-failed", "pending")


def fold(rows):
    """One row per link from its ends' rows (a link whose other end is not in the report has one end): up when
    every end is up; when an end's peer left the play, that end's peer-unreachable or peer-failed; pending when an end
    waits for a key; else down. `why` gathers the ends' reasons."""
    ends_of = {}
    for row in rows:
        ends_of.setdefault(row["link"], []).append(row)
    out = []
    for link, ends in sorted(ends_of.items()):
        ends = sorted(ends, key=lambda e: e["site"])
        states = set(e["status"] for e in ends)
        state = "up" if states == {"up"} else next((s for s in LINK_PRECEDENCE if s in states), "down")
        reasons = []
        for end in ends:
            if end["status"] != "up" and end["reason"] and end["reason"] not in reasons:
                reasons.append(end["reason"])
        folded = {"link": link, "site": ends[0]["site"], "peer": ends[0]["peer"], "overlay": ends[0]["overlay"],
                  "address": joined(e["address"] for e in ends), "handshake": joined(e["handshake"] for e in ends),
                  "ping": joined(e["ping"] for e in ends),
                  "status": state, "why": "; ".join(reasons), "ends": ends}
        folded.update((c, joined(e.get(c, "-") for e in ends)) for c in ROUTING_COLUMNS
                      if any(c in e for e in ends))
        out.append(folded)
    return out


def link_columns(links, why=False):
    """The link table's columns: OSPF's (and BFD's) before the status when a link has them, `why` when a link is not
    up (or `why`: always)."""
    routing = tuple(c for c in ROUTING_COLUMNS if any(c in link for link in links))
    if routing == ("ospf", "bfd") and all(link["bfd"] == "-" for link in links):
        routing = ("ospf",)         # OSPF without BFD
    columns = LINK_COLUMNS[:-2] + routing + LINK_COLUMNS[-2:]
    return columns if why or any(link["status"] != "up" for link in links) else columns[:-1]


def joined(values):
    """The ends' values of one column: one value when they agree."""
    values = [str(v) for v in values]
    return values[0] if len(set(values)) == 1 else ", ".join(values)


def counted(rows):
    """{status: rows}: up, down and pending always, a peer's outage only when a row has one."""
    counts = dict((s, len([r for r in rows if r["status"] == s])) for s in STATES)
    counts.update((s, len([r for r in rows if r["status"] == s])) for s in OUT_STATES.values()
                  if any(r["status"] == s for r in rows))
    return counts


def counts_line(counts, what):
    """The summary line: "2 links up, 0 down, 0 pending" and, when there are some, ", 1 peer-unreachable"."""
    return "%d %s up, %d down, %d pending" % (counts["up"], what, counts["down"], counts["pending"]) + outages(counts)


def outages(counts):
    """", 1 peer-unreachable" (and peer-failed) for the summary lines when a peer left the play, else ""."""
    return "".join(", %d %s" % (counts[s], s) for s in OUT_STATES.values() if counts.get(s))


def text_table(columns, rows):
    """Aligned lines (header, rule, rows) without trailing blanks."""
    widths = dict((c, max([len(c)] + [len(str(r[c])) for r in rows])) for c in columns)
    line = "  ".join("%-" + str(widths[c]) + "s" for c in columns)
    lines = [line % columns, line % tuple("-" * widths[c] for c in columns)]
    lines += [line % tuple(r[c] for c in columns) for r in rows]
    return [text.rstrip() for text in lines]


def link_table(rows):
    """(the fleet table's lines, {state: links}, the folded links) for the link-end rows of every site: one row per
    link, a `why` column when a link is not up, the links' count and the link ends' count."""
    links = fold(rows)
    counts = counted(links)
    lines = text_table(link_columns(links), links)
    lines.append(counts_line(counts, "links"))
    lines.append(table(rows)[0][-1])
    return lines, counts, links


def command_kinds(commands):
    """{adds, changes, removes}: how many of a site's commands add, change or remove an entry."""
    out = {"adds": 0, "changes": 0, "removes": 0}
    for command in commands:
        verbs = [command.split(" ")[0].rsplit("/", 1)[-1]] if command.startswith("/") else command.split()
        kind = next((k for k, words in COMMAND_KINDS if any(w in verbs for w in words)), "changes")
        out[kind] += 1
    return out


def site_summary(host, plan, public_keys, steps):
    """What check mode found for one site: the commands of its steps (`steps`: the registered results of its
    interface and apply steps) by kind, and the peers whose key is not known yet (their peers left out)."""
    commands = [c for step in steps for c in (step.get("commands") or [])]
    pending = [link["peer"] for link in plan["links"] if not planner.peer_public_key(plan, link["peer"], public_keys)]
    row = dict(command_kinds(commands), site=host, pending=pending)
    row["pending keys"] = ", ".join(pending) or "-"
    return row


def site_table(sites):
    """The check-mode table: one row per site, and the fleet's totals."""
    lines = text_table(SITE_COLUMNS, sites)
    totals = dict((k, sum(s[k] for s in sites)) for k in ("adds", "changes", "removes"))
    waiting = len([s for s in sites if s["pending"]])
    lines.append("check mode: %d adds, %d changes, %d removes; %d site(s) with peers pending a key"
                 % (totals["adds"], totals["changes"], totals["removes"], waiting))
    return lines


def summary(check_mode, links=None, counts=None, sites=None):
    """The report as data (the JSON file, the `sitelink_report` stat): links and their counts, or in check mode
    what each site would change."""
    if check_mode:
        return {"check_mode": True, "sites": [dict((k, v) for k, v in s.items() if k != "pending keys")
                                              for s in sites]}
    return {"check_mode": False, "counts": counts, "links": links}


def junit(links):
    """JUnit XML: one test case per link, failed (with the why) when it is not up."""
    failures = len([link for link in links if link["status"] != "up"])
    suites = ET.Element("testsuites", name="sitelink fleet", tests=str(len(links)), failures=str(failures))
    suite = ET.SubElement(suites, "testsuite", name="sitelink links", tests=str(len(links)), failures=str(failures),
                          errors="0", skipped="0")
    for link in links:
        case = ET.SubElement(suite, "testcase", classname="sitelink.%s" % link["overlay"], name=link["link"])
        if link["status"] != "up":
            failure = ET.SubElement(case, "failure", type=link["status"], message=link["why"] or link["status"])
            failure.text = "\n".join("%s -> %s: %s (handshake %s, ping %s%s)" % (
                e["site"], e["peer"], e["status"], e["handshake"], e["ping"],
                ", OSPF %s, BFD %s" % (e["ospf"], e["bfd"]) if "ospf" in e else "") for e in link["ends"])
    return ET.tostring(suites, encoding="unicode") + "\n"


def markdown(report):
    """The report as a Markdown page: one table row per link (or per site in check mode)."""
    def cell(value):
        return str(value).replace("|", "\\|").replace("\n", " ") or " "
    if report["check_mode"]:
        columns, rows, title = ("site", "adds", "changes", "removes", "pending"), report["sites"], "check mode"
    else:
        columns, rows = link_columns(report["links"], why=True), report["links"]
        title = "%(up)d up, %(down)d down, %(pending)d pending" % report["counts"] + outages(report["counts"])
    lines = ["# sitelink fleet report", "", title, "", "| %s |" % " | ".join(columns),
             "|" + "---|" * len(columns)]
    lines += ["| %s |" % " | ".join(cell(", ".join(r[c]) if isinstance(r[c], list) else r[c]) for c in columns)
              for r in rows]
    return "\n".join(lines) + "\n"


def write_files(directory, report):
    """The report's files in `directory` (made when missing): JSON and Markdown, and JUnit XML when links were
    verified. {kind: path} of those written."""
    os.makedirs(directory, exist_ok=True)
    texts = {"json": json.dumps(report, indent=2, sort_keys=True) + "\n", "markdown": markdown(report)}
    if not report["check_mode"]:
        texts["junit"] = junit(report["links"])
    out = {}
    for kind, text in sorted(texts.items()):
        out[kind] = os.path.join(directory, FILES[kind])
        with open(out[kind], "w", encoding="utf-8") as fh:
            fh.write(text)
    return out
