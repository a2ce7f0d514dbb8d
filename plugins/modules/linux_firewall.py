#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: linux_firewall
short_description: An nftables table of its own on a Linux host, holding the tunnels' firewall rules
version_added: 1.0.0
description:
  - Keeps one nftables table (by default C(inet sitelink)) exactly as described - base chains C(input),
    C(forward) and C(output) with the listed rules, in order. The whole table is the module's; no other table,
    and no rule of another table, is ever read for changes or touched.
  - Each rule's comment is C(sitelink:OWNER NAME) and a short hash of its chain and statement, so a rule
    changed by hand is found and put back. The table is replaced in one atomic C(nft -f) transaction
    when anything differs; nothing is written when nothing differs.
  - nftables evaluates every table's base chains - an C(accept) here does not override a C(drop) in another
    table. On a host that filters with its own drop-policy table, that table must admit the WireGuard port and
    the tunnels' traffic too; the site_tunnel role's verification reports a link down when it does not.
author:
  - Sitelink Tunnels maintainers (@sitelink-tunnels)
options:
  table:
    description: Name of the table (family C(inet)).
    type: str
    default: sitelink
  owner:
    description:
      - Ownership tag written in the table's and every rule's comment (C(sitelink:OWNER)); 1-32 ASCII letters,
        digits, C(.), C(_) or C(-). A table of the same name with a different tag is refused.
    type: str
    default: fleet
  rules:
    description: The rules, in order within each chain.
    type: list
    elements: dict
    default: []
    suboptions:
      chain:
        description: Base chain.
        type: str
        choices: [input, forward, output]
        required: true
      name:
        description: Short unique name of the rule, kept in its comment.
        type: str
        required: true
      rule:
        description:
          - The nftables statement (C(udp dport 13231 counter accept)). One statement - a line break, C(;), C(#),
            or an unbalanced brace or quote is refused, since it would end the rule inside the generated script.
        type: str
        required: true
  priority:
    description: Priority of the base chains (C(filter) is 0; lower runs earlier).
    type: int
    default: -10
  state:
    description: C(present) keeps the table as described; C(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    description: Compares and checks the new table with C(nft -c); changes nothing.
    support: full
  diff_mode:
    description: The table before and after, in nftables syntax (counters left out).
    support: full
  platform:
    description: Linux with nftables.
    support: full
    platforms: posix
requirements:
  - nftables (C(nft)) 0.9.7 or newer (rule and table comments, JSON listing)
seealso:
  - module: sitelink.tunnels.linux_routes
  - module: sitelink.tunnels.routeros_firewall_rules
"""

EXAMPLES = r"""
- name: Admit WireGuard and forward through the tunnel
  sitelink.tunnels.linux_firewall:
    owner: fleet
    rules:
      - {chain: input, name: wireguard-in, rule: udp dport 13231 counter accept}
      - {chain: forward, name: forward-from-wg-sitelink, rule: iifname "wg-sitelink" counter accept}
      - {chain: forward, name: forward-to-wg-sitelink, rule: oifname "wg-sitelink" counter accept}
"""

RETURN = r"""
commands:
  description: What was (or in check mode would be) done, in nftables syntax.
  returned: always
  type: list
  elements: str
counters:
  description: Packets counted by each rule before this run, by rule name (rules with a C(counter) statement).
  returned: always
  type: dict
"""

import json
import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sitelink.tunnels.plugins.module_utils.common import names
from ansible_collections.sitelink.tunnels.plugins.module_utils.linux import engine, render
from ansible_collections.sitelink.tunnels.plugins.module_utils.linux.engine import LinuxError, Step

CHAINS = render.NFT_CHAINS
COUNTERS = re.compile(r" counter packets \d+ bytes \d+")
# the whole table is one entry: its base chains and its rules (by comment, in order) decide whether it is rewritten;
# the diff shows it in nftables syntax (no line renderer: the table's own text is shown)
TABLE = engine.Resource(key="table", fields=("chains", "rules"), line=None)


def read(runner, table):
    """The table as {text without counters, comment, chains: {chain: (hook, prio, policy)}, rules: [(chain,
    comment)], counters}, or None when there is none."""
    rc, text, _err = runner.query(["nft", "list", "table", "inet", table])
    if rc != 0:
        return None
    comment = re.search(r'^\tcomment "([^"]*)"', text, re.M)
    chains, rules, counters = {}, [], {}
    for item in json.loads(runner.read(["nft", "-j", "list", "table", "inet", table]))["nftables"]:
        if "chain" in item:
            c = item["chain"]
            chains[c["name"]] = (c.get("hook"), c.get("prio"), c.get("policy"))
        elif "rule" in item:
            r = item["rule"]
            rules.append((r["chain"], r.get("comment")))
            for expr in r.get("expr", []):
                if "counter" in expr and r.get("comment"):
                    counters[r["comment"].split(" ")[1] if " " in r["comment"] else r["comment"]] = \
                        expr["counter"].get("packets", 0)
    return {"table": table, "text": COUNTERS.sub(" counter", text), "comment": comment.group(1) if comment else None,
            "chains": chains, "rules": rules, "counters": counters}


def check_arguments(p):
    for kind, value in (("nft_table", p["table"]), ("owner", p["owner"])):
        why = names.problem(kind, value)
        if why:
            raise LinuxError("%s: %s" % ("table" if kind == "nft_table" else kind, why))
    seen = set()
    for index, rule in enumerate(p["rules"]):
        why = names.problem("rule", rule["name"])
        if why or rule["name"] in seen:
            raise LinuxError("rules[%d].name: %s" % (index, why or "%r is repeated" % rule["name"]))
        why = render.statement_problem(rule["rule"])
        if why:
            raise LinuxError("rules[%d].rule (%s): %s" % (index, rule["name"], why))
        seen.add(rule["name"])


def converge(p, runner):
    check_arguments(p)
    table = p["table"]
    have = read(runner, table)
    if have and have["comment"] != render.nft_marker(p["owner"]):
        raise LinuxError("table inet %s exists and is not ours (comment %r, expected %r); pick another table "
                         "name or remove it" % (table, have["comment"], render.nft_marker(p["owner"])))
    wanted = {}
    if p["state"] == "present":
        wanted[table] = {"table": table, "text": render.nft_table(table, p["owner"], p["rules"], p["priority"]),
                         "chains": dict((c, (c, p["priority"], "accept")) for c in CHAINS),
                         "rules": [(r["chain"], render.nft_rule_comment(p["owner"], r))
                                   for c in CHAINS for r in p["rules"] if r["chain"] == c]}
    plan = engine.compare(TABLE, {table: have} if have else {}, wanted, "overridden")
    steps = [Step(["nft", "delete", "table", "inet", table], shown="delete table inet %s" % table)
             for _gone in plan.remove]
    if plan.put:
        script = ("table inet %s\ndelete table inet %s\n" % (table, table)) + wanted[table]["text"]
        # nft -c parses and checks the whole transaction against the kernel without committing it (check mode too)
        runner.read(["nft", "-c", "-f", "-"], data=script.encode("utf-8"))
        steps.append(Step(["nft", "-f", "-"], shown=script, data=script.encode("utf-8")))
    runner.apply(steps)
    return {"counters": have["counters"] if have else {},
            "diff": engine.diff(have["text"] if have else "", wanted[table]["text"] if wanted else "")}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            table=dict(type="str", default="sitelink"),
            owner=dict(type="str", default=render.DEFAULT_OWNER),
            rules=dict(type="list", elements="dict", default=[], options=dict(
                chain=dict(type="str", choices=list(CHAINS), required=True),
                name=dict(type="str", required=True),
                rule=dict(type="str", required=True),
            )),
            priority=dict(type="int", default=-10),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        supports_check_mode=True,
    )
    engine.run(module, lambda runner: converge(module.params, runner))


if __name__ == "__main__":
    main()
