#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: linux_firewall
short_description: An nftables table of its own on a Linux host, holding the tunnels' firewall rules
version_added: 0.1.0
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
        digits, C(.), C(_) or C(-). A table of the same name with a different tag is refused; one with the tag
        C(sitelink) (written by version 1.0 without an owner) is taken over.
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
from ansible_collections.sitelink.tunnels.plugins.module_utils.linux import render

CHAINS = render.NFT_CHAINS
COUNTERS = re.compile(r" counter packets \d+ bytes \d+")


def nft(module, args, data=None, check=True):
    rc, out, err = module.run_command(["nft"] + args, data=data, binary_data=True)
    if check and rc != 0:
        module.fail_json(msg="nft %s failed: %s" % (" ".join(args), (err or out).strip()))
    return rc, out


def read(module, table):
    """(table text without counters, table comment, {chain: (hook, prio, policy)}, [(chain, comment)], counters)."""
    rc, text = nft(module, ["list", "table", "inet", table], check=False)
    if rc != 0:
        return None
    comment = re.search(r'^\tcomment "([^"]*)"', text, re.M)
    _rc, out = nft(module, ["-j", "list", "table", "inet", table])
    chains, rules, counters = {}, [], {}
    for item in json.loads(out)["nftables"]:
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
    return {"text": COUNTERS.sub(" counter", text), "comment": comment.group(1) if comment else None,
            "chains": chains, "rules": rules, "counters": counters}


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
    p = module.params
    for kind, value in (("nft_table", p["table"]), ("owner", p["owner"])):
        why = names.problem(kind, value)
        if why:
            module.fail_json(msg="%s: %s" % ("table" if kind == "nft_table" else kind, why))
    seen = set()
    for index, rule in enumerate(p["rules"]):
        why = names.problem("rule", rule["name"])
        if why or rule["name"] in seen:
            module.fail_json(msg="rules[%d].name: %s" % (index, why or "%r is repeated" % rule["name"]))
        why = render.statement_problem(rule["rule"])
        if why:
            module.fail_json(msg="rules[%d].rule (%s): %s" % (index, rule["name"], why))
        seen.add(rule["name"])
    have = read(module, p["table"])
    if have and have["comment"] not in (render.nft_marker(p["owner"]), render.LEGACY_MARKER):
        module.fail_json(msg="table inet %s exists and is not ours (comment %r, expected %r); pick another table "
                             "name or remove it" % (p["table"], have["comment"], render.nft_marker(p["owner"])))
    commands = []
    want_text = render.nft_table(p["table"], p["owner"], p["rules"], p["priority"]) if p["state"] == "present" else ""
    if p["state"] == "absent":
        if have:
            commands.append("delete table inet %s" % p["table"])
    else:
        want_chains = dict((c, (c, p["priority"], "accept")) for c in CHAINS)
        want_rules = [(r["chain"], render.nft_rule_comment(p["owner"], r)) for c in CHAINS for r in p["rules"] if r["chain"] == c]
        if not have or have["chains"] != want_chains or have["rules"] != want_rules:
            script = ("table inet %s\ndelete table inet %s\n" % (p["table"], p["table"])) + want_text
            commands.append(script)
            # nft -c parses and checks the whole transaction against the kernel without committing it
            nft(module, ["-c", "-f", "-"], data=script.encode("utf-8"))
    if commands and not module.check_mode:
        if p["state"] == "absent":
            nft(module, ["delete", "table", "inet", p["table"]])
        else:
            nft(module, ["-f", "-"], data=commands[0].encode("utf-8"))
    module.exit_json(changed=bool(commands), commands=commands, counters=have["counters"] if have else {},
                     diff={"before": have["text"] if have else "", "after": want_text})


if __name__ == "__main__":
    main()
