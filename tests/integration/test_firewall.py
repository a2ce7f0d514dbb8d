"""Firewall rules: placement before the router's drop rules, stable order, ownership."""

RULES = """
- sitelink.tunnels.routeros_firewall_rules:
    config:
%s
"""
WG_IN = "      - {name: wireguard-in, chain: input, protocol: udp, dst_port: '13231'}"
GRE_IN = "      - {name: gre-in, chain: input, protocol: gre, src_address: 10.255.0.0/31}"
FWD = "      - {name: lan-to-tunnel, chain: forward, in_interface: bridge, out_interface: ether1}"


def chain(ansible, name):
    return [r.get("comment") for r in ansible.rows("/ip/firewall/filter") if r["chain"] == name]


def test_rules_go_before_the_first_drop_and_stay(ansible):
    run = ansible.run(RULES % "\n".join((WG_IN, GRE_IN, FWD)))
    assert run.rc == 0, run
    assert chain(ansible, "input") == [
        "defconf: accept established,related,untracked", "sitelink:fleet wireguard-in", "sitelink:fleet gre-in",
        "defconf: drop invalid", "defconf: accept ICMP", "defconf: accept to local loopback (for CAPsMAN)",
        "defconf: drop all not coming from LAN"]
    forward = chain(ansible, "forward")
    assert forward.index("sitelink:fleet lan-to-tunnel") < forward.index("defconf: drop invalid")
    ansible.reset_counters()
    assert ansible.run(RULES % "\n".join((WG_IN, GRE_IN, FWD))).changed() == 0
    assert ansible.writes() == 0


def test_changing_config_order_reorders_and_user_rules_stay(ansible):
    assert ansible.run(RULES % "\n".join((WG_IN, GRE_IN))).rc == 0
    api = ansible.api()
    filters = api.path("ip", "firewall", "filter")
    gre = [r[".id"] for r in filters if r.get("comment") == "sitelink:fleet gre-in"][0]
    filters.add(chain="input", action="accept", protocol="tcp", **{"dst-port": "22", "comment": "ssh from ops",
                                                                   "place-before": gre})
    api.close()
    run = ansible.run(RULES % "\n".join((GRE_IN, WG_IN)))
    assert run.rc == 0 and run.changed() == 1
    order = chain(ansible, "input")
    assert order.index("sitelink:fleet gre-in") < order.index("sitelink:fleet wireguard-in") < order.index("defconf: drop invalid")
    assert "ssh from ops" in order
    assert ansible.run(RULES % "\n".join((GRE_IN, WG_IN))).changed() == 0


def test_rule_moved_after_the_drop_by_hand_comes_back(ansible):
    assert ansible.run(RULES % WG_IN).rc == 0
    api = ansible.api()
    filters = api.path("ip", "firewall", "filter")
    ours = [r[".id"] for r in filters if r.get("comment") == "sitelink:fleet wireguard-in"][0]
    tuple(filters("move", numbers=ours))            # to the end of the list
    api.close()
    assert chain(ansible, "input")[-1] == "sitelink:fleet wireguard-in"
    run = ansible.run(RULES % WG_IN)
    assert run.changed() == 1
    order = chain(ansible, "input")
    assert order.index("sitelink:fleet wireguard-in") < order.index("defconf: drop invalid")


def test_placement_top_and_ipv6(ansible):
    run = ansible.run("""
        - sitelink.tunnels.routeros_firewall_rules:
            placement: top
            config:
              - {name: wg6-in, family: ipv6, chain: input, protocol: udp, dst_port: '13231'}
        """)
    assert run.rc == 0, run
    assert [r.get("comment") for r in ansible.rows("/ipv6/firewall/filter")][0] == "sitelink:fleet wg6-in"


def test_overridden_with_owner_removes_only_that_owner(ansible):
    assert ansible.run("""
        - sitelink.tunnels.routeros_firewall_rules:
            owner: fleet
            config: [{name: a, chain: input, protocol: udp, dst_port: '1'}, {name: b, chain: input, protocol: udp, dst_port: '2'}]
        - sitelink.tunnels.routeros_firewall_rules:
            owner: lab
            config: [{name: c, chain: input, protocol: udp, dst_port: '3'}]
        """).rc == 0
    run = ansible.run("""
        - sitelink.tunnels.routeros_firewall_rules:
            owner: fleet
            state: overridden
            config: [{name: b, chain: input, protocol: udp, dst_port: '2'}]
        """)
    assert run.rc == 0 and run.changed() == 1
    managed = [c for c in chain(ansible, "input") if c.startswith("sitelink")]
    assert managed == ["sitelink:fleet b", "sitelink:lab c"]
    assert len([c for c in chain(ansible, "input") if c.startswith("defconf")]) == 5


def test_port_without_protocol_is_refused_by_the_router_and_rolled_back(ansible):
    run = ansible.run("""
        - sitelink.tunnels.routeros_firewall_rules:
            config:
              - {name: fine, chain: input, protocol: udp, dst_port: '13231'}
              - {name: broken, chain: input, dst_port: '13231'}
        """)
    assert run.rc != 0
    assert "port can be specified only for tcp" in run.out and "rolled back 1 change(s)" in run.out
    assert not [c for c in chain(ansible, "input") if c.startswith("sitelink")]


def test_a_rule_a_person_commented_sitelink_survives_overridden(ansible):
    """'sitelink backup to DC' carried the old owner-less marker and was removed by overridden."""
    api = ansible.api()
    tuple(api.path("ip", "firewall", "filter")("add", chain="input", action="accept", protocol="tcp",
                                               **{"dst-port": "179", "comment": "sitelink backup to DC"}))
    api.close()
    run = ansible.run(RULES.replace("config:", "state: overridden\n    config:") % WG_IN)
    assert run.rc == 0, run
    assert "sitelink backup to DC" in chain(ansible, "input")
    assert ansible.run(RULES.replace("config:", "state: overridden\n    config:") % WG_IN).changed() == 0


def test_a_non_ascii_comment_of_the_router_is_read_and_left_as_it_is(ansible):
    """RouterOS keeps bytes: a comment written in UTF-8 (here 'Zürich – office') must neither crash the read (the
    API client's default encoding is ASCII) nor change; a non-ASCII value of ours is refused before any write."""
    raw = "Z\u00fcrich \u2013 office".encode("utf-8").decode("latin-1")     # the bytes, as the emulator holds them
    router = ansible.lab.router("r1")
    ansible.lab.call(lambda: router.run("/ip/firewall/filter", "add", {
        "chain": "input", "action": "accept", "protocol": "tcp", "dst-port": "22", "comment": raw, "place-before": "*1"}))
    run = ansible.run(RULES % WG_IN)
    assert run.rc == 0, run
    assert raw in chain(ansible, "input")
    ansible.reset_counters()
    bad = ansible.run("""
        - sitelink.tunnels.routeros_addresses:
            config: [{address: 10.255.0.1/31, interface: ether1, comment: "Z\u00fcrich office"}]
        """)
    assert bad.rc != 0 and "non-ASCII character" in bad.out, bad
    assert ansible.writes() == 0
