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
        "defconf: accept established,related,untracked", "sitelink wireguard-in", "sitelink gre-in",
        "defconf: drop invalid", "defconf: accept ICMP", "defconf: accept to local loopback (for CAPsMAN)",
        "defconf: drop all not coming from LAN"]
    forward = chain(ansible, "forward")
    assert forward.index("sitelink lan-to-tunnel") < forward.index("defconf: drop invalid")
    ansible.reset_counters()
    assert ansible.run(RULES % "\n".join((WG_IN, GRE_IN, FWD))).changed() == 0
    assert ansible.writes() == 0


def test_changing_config_order_reorders_and_user_rules_stay(ansible):
    assert ansible.run(RULES % "\n".join((WG_IN, GRE_IN))).rc == 0
    api = ansible.api()
    filters = api.path("ip", "firewall", "filter")
    gre = [r[".id"] for r in filters if r.get("comment") == "sitelink gre-in"][0]
    filters.add(chain="input", action="accept", protocol="tcp", **{"dst-port": "22", "comment": "ssh from ops",
                                                                   "place-before": gre})
    api.close()
    run = ansible.run(RULES % "\n".join((GRE_IN, WG_IN)))
    assert run.rc == 0 and run.changed() == 1
    order = chain(ansible, "input")
    assert order.index("sitelink gre-in") < order.index("sitelink wireguard-in") < order.index("defconf: drop invalid")
    assert "ssh from ops" in order
    assert ansible.run(RULES % "\n".join((GRE_IN, WG_IN))).changed() == 0


def test_rule_moved_after_the_drop_by_hand_comes_back(ansible):
    assert ansible.run(RULES % WG_IN).rc == 0
    api = ansible.api()
    filters = api.path("ip", "firewall", "filter")
    ours = [r[".id"] for r in filters if r.get("comment") == "sitelink wireguard-in"][0]
    tuple(filters("move", numbers=ours))            # to the end of the list
    api.close()
    assert chain(ansible, "input")[-1] == "sitelink wireguard-in"
    run = ansible.run(RULES % WG_IN)
    assert run.changed() == 1
    order = chain(ansible, "input")
    assert order.index("sitelink wireguard-in") < order.index("defconf: drop invalid")


def test_placement_top_and_ipv6(ansible):
    run = ansible.run("""
        - sitelink.tunnels.routeros_firewall_rules:
            placement: top
            config:
              - {name: wg6-in, family: ipv6, chain: input, protocol: udp, dst_port: '13231'}
        """)
    assert run.rc == 0, run
    assert [r.get("comment") for r in ansible.rows("/ipv6/firewall/filter")][0] == "sitelink wg6-in"


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
    assert "port can be specified only for tcp" in run.out and "rolled back 1 earlier change" in run.out
    assert not [c for c in chain(ansible, "input") if c.startswith("sitelink")]
