# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report's topology picture: sites as nodes (platform, hub or spoke), links as edges (overlay kind,
status as the edge's colour, last-handshake age, OSPF and BFD state in OSPF mode), written as Graphviz DOT text and
drawn by Graphviz's `dot` (https://graphviz.org/doc/info/lang.html) into SVG and PNG. Without `dot` on the controller
only the DOT file is written, and a warning says so."""

from __future__ import annotations

import os
import shutil
import subprocess

FILES = {"dot": "topology.dot", "svg": "topology.svg", "png": "topology.png"}
# the edge's colour and line per link status (the report's STATES)
STATUS_STYLES = {"up": ("#2e7d32", "solid"), "down": ("#c62828", "bold"), "pending": ("#ef6c00", "dashed"),
                 "peer-unreachable": ("#757575", "dotted"), "peer-failed": ("#757575", "dotted")}     # one end left
UNKNOWN_STYLE = ("#757575", "dotted")
# a hub stands out from its spokes
ROLE_SHAPES = {"hub": "doubleoctagon", "spoke": "box", "peer": "box"}
DOT_TIMEOUT = 60        # seconds: `dot` draws a fleet of hundreds of sites in a few


def quoted(text):
    """A DOT double-quoted string (backslash and quote escaped; a newline becomes DOT's centred line break)."""
    return '"%s"' % str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def site_roles(topology, sites):
    """{site: hub, spoke or peer}: in a hub_spoke topology its hubs and their spokes, elsewhere every site a peer."""
    topology = topology if isinstance(topology, dict) else {}
    if topology.get("type") != "hub_spoke":
        return dict((site, "peer") for site in sites)
    hubs = set(topology.get("hubs") or [])
    return dict((site, "hub" if site in hubs else "spoke") for site in sites)


def site_nodes(plans, topology, links):
    """{site: {"platform", "role"}} of every site a link names (a peer outside the inventory: platform unknown)."""
    names = sorted(set(name for link in links for name in (link["site"], link["peer"])))
    roles = site_roles(topology, names)
    return dict((name, {"platform": plans.get(name, {}).get("platform", "unknown"), "role": roles[name]})
                for name in names)


def routing_label(link):
    """OSPF mode's line of an edge's label ("OSPF Full, BFD up": BFD when the fleet runs it); "" in static mode."""
    if "ospf" not in link:
        return ""
    return "\nOSPF %s" % link["ospf"] + (", BFD %s" % link["bfd"] if link.get("bfd", "-") != "-" else "")


def dot_source(nodes, links):
    """The picture as DOT text: one node per site, one undirected edge per link (the report's folded links)."""
    lines = ["graph sitelink {", '  graph [label="sitelink fleet", labelloc=t, fontname="sans-serif"];',
             '  node [fontname="sans-serif", style=filled, fillcolor="#eceff1"];',
             '  edge [fontname="sans-serif", fontsize=10, penwidth=2];']
    for name in sorted(nodes):
        node = nodes[name]
        lines.append("  %s [label=%s, shape=%s, tooltip=%s];" % (
            quoted(name), quoted("%s\n%s, %s" % (name, node["platform"], node["role"])),
            ROLE_SHAPES.get(node["role"], "box"), quoted("%s: %s %s" % (name, node["platform"], node["role"]))))
    for link in links:
        colour, style = STATUS_STYLES.get(link["status"], UNKNOWN_STYLE)
        label = "%s\n%s\nhandshake %s" % (link["overlay"], link["status"], link["handshake"]) + routing_label(link)
        # id: the SVG element of the edge is named after the link (branch-a--hub)
        lines.append("  %s -- %s [id=%s, label=%s, color=%s, fontcolor=%s, style=%s, tooltip=%s];" % (
            quoted(link["site"]), quoted(link["peer"]), quoted(link["link"]), quoted(label), quoted(colour),
            quoted(colour), style,
            quoted("%s: %s" % (link["link"], link.get("why") or link["status"]))))
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_picture(directory, nodes, links, dot=None):
    """topology.dot in `directory`, and topology.svg and topology.png drawn from it by `dot` (`dot`: its path; by
    default the one on PATH). ({kind: path} of the files written, [warnings]): without `dot`, or when it fails,
    the DOT file only and a warning that says why."""
    os.makedirs(directory, exist_ok=True)
    paths = dict((kind, os.path.join(directory, name)) for kind, name in FILES.items())
    with open(paths["dot"], "w", encoding="utf-8") as handle:
        handle.write(dot_source(nodes, links))
    for kind in ("svg", "png"):     # never one left from an earlier run beside a DOT file it does not show
        if os.path.exists(paths[kind]):
            os.remove(paths[kind])
    dot = dot or shutil.which("dot")
    if not dot:
        return {"dot": paths["dot"]}, ["Graphviz's dot is not installed on the controller: the topology picture is "
                                       "%s only (no SVG or PNG); install Graphviz (Debian: graphviz) to have it "
                                       "drawn" % paths["dot"]]
    written = {"dot": paths["dot"]}
    for kind in ("svg", "png"):
        try:
            subprocess.run([dot, "-T" + kind, "-o", paths[kind], paths["dot"]], check=True, capture_output=True,
                           text=True, timeout=DOT_TIMEOUT)
        except (OSError, subprocess.SubprocessError) as error:
            detail = getattr(error, "stderr", None) or error
            return written, ["Graphviz's dot could not draw %s: %s" % (paths[kind], str(detail).strip())]
        written[kind] = paths[kind]
    return written, []
