"""GRE/EoIP tunnels, IPv4/IPv6 addresses and routes."""


def test_gre_keepalive_off_and_back_to_default(ansible):
    base = """
        - sitelink.tunnels.routeros_gre_tunnels:
            state: %s
            config:
              - {name: gre-hub, local_address: 10.255.0.1, remote_address: 10.255.0.0%s}
        """
    assert ansible.run(base % ("merged", ", keepalive: ''")).rc == 0
    row = ansible.rows("/interface/gre")[0]
    assert "keepalive" not in row and row["actual-mtu"] == "1476"
    again = ansible.run(base % ("merged", ", keepalive: ''"))
    assert again.changed() == 0
    replaced = ansible.run(base % ("replaced", ""))
    assert replaced.changed() == 1 and ansible.rows("/interface/gre")[0]["keepalive"] == "10s,10"


def test_eoip_generated_mac_survives_replaced(ansible):
    play = """
        - sitelink.tunnels.routeros_eoip_tunnels:
            state: replaced
            config:
              - {name: eoip-hub, tunnel_id: 101, local_address: 10.255.0.3, remote_address: 10.255.0.2, mtu: 1500}
          register: out
        - ansible.builtin.assert:
            that: out.after[0].actual_mtu == 1500
        """
    assert ansible.run(play).rc == 0
    mac = ansible.rows("/interface/eoip")[0]["mac-address"]
    ansible.reset_counters()
    assert ansible.run(play).changed() == 0 and ansible.writes() == 0
    assert ansible.rows("/interface/eoip")[0]["mac-address"] == mac


def test_eoip_needs_tunnel_id_for_a_new_tunnel(ansible):
    run = ansible.run("""
        - sitelink.tunnels.routeros_eoip_tunnels:
            config: [{name: eoip-hub, remote_address: 10.255.0.2}]
        """)
    assert run.rc != 0 and "new entry needs tunnel_id" in run.out
    assert ansible.writes() == 0


def test_gre6_and_eoipv6_tunnels_between_ipv6_addresses(ansible):
    play = """
        - sitelink.tunnels.routeros_gre6_tunnels:
            config:
              - {name: gre-hub, local_address: "fd00:255::1", remote_address: "fd00:255::", keepalive: ''}
        - sitelink.tunnels.routeros_eoipv6_tunnels:
            config:
              - {name: eoip-hub, tunnel_id: 4095, local_address: "fd00:255::3", remote_address: "fd00:255::2"}
        """
    run = ansible.run(play)
    assert run.rc == 0, run.out[-2000:]
    gre6, eoipv6 = ansible.rows("/interface/gre6")[0], ansible.rows("/interface/eoipv6")[0]
    assert (gre6["remote-address"], gre6["actual-mtu"], "keepalive" in gre6) == ("fd00:255::", "1456", False)
    assert (eoipv6["tunnel-id"], eoipv6["actual-mtu"], eoipv6["comment"]) == ("4095", "1444", "sitelink:fleet")
    assert ansible.rows("/interface/gre") == [] and ansible.rows("/interface/eoip") == []
    ansible.reset_counters()
    assert ansible.run(play).changed() == 0 and ansible.writes() == 0
    # the IPv4 menu refuses an IPv6 far end, and the router says so by name
    bad = ansible.run("""
        - sitelink.tunnels.routeros_gre_tunnels:
            config: [{name: gre-x, remote_address: "fd00:255::9"}]
        """)
    assert bad.rc != 0 and "invalid value for argument remote-address" in bad.out, bad.out[-2000:]


def test_addresses_by_family_and_unknown_interface(ansible):
    play = """
        - sitelink.tunnels.routeros_addresses:
            config:
              - {address: 10.255.0.1/31, interface: ether1}
              - {address: "fd00:255::1/127", interface: ether1}
        """
    assert ansible.run(play).rc == 0
    assert [r["address"] for r in ansible.rows("/ip/address") if r.get("comment") == "sitelink:fleet"] == ["10.255.0.1/31"]
    assert [r["address"] for r in ansible.rows("/ipv6/address")] == ["fd00:255::1/127"]
    ansible.reset_counters()
    assert ansible.run(play).changed() == 0 and ansible.writes() == 0
    bad = ansible.run("""
        - sitelink.tunnels.routeros_addresses:
            config:
              - {address: 10.255.0.3/31, interface: ether1}
              - {address: 10.255.0.5/31, interface: wg-missing}
        """)
    assert bad.rc != 0 and "interface 'wg-missing' does not exist on the router" in bad.out
    assert ansible.writes() == 0
    assert "10.255.0.3/31" not in [r["address"] for r in ansible.rows("/ip/address")]


def test_overridden_addresses_keep_defconf(ansible):
    assert ansible.run("""
        - sitelink.tunnels.routeros_addresses:
            config:
              - {address: 10.255.0.1/31, interface: ether1}
              - {address: 10.255.0.3/31, interface: ether1}
        """).rc == 0
    run = ansible.run("""
        - sitelink.tunnels.routeros_addresses:
            state: overridden
            config: [{address: 10.255.0.3/31, interface: ether1}]
        """)
    assert run.rc == 0 and run.changed() == 1
    assert sorted(r["address"] for r in ansible.rows("/ip/address")) == ["10.255.0.3/31", "192.168.88.1/24"]


def test_routes_and_connected_routes_untouched(ansible):
    play = """
        - sitelink.tunnels.routeros_addresses:
            config: [{address: 10.255.0.1/31, interface: ether1}]
        - sitelink.tunnels.routeros_routes:
            config:
              - {dst_address: 192.168.20.0/24, gateway: 10.255.0.0}
              - {dst_address: "fd00:20::/64", gateway: ether1}
          register: routes
        - ansible.builtin.assert:
            that: routes.after | selectattr('dst_address', 'equalto', '192.168.20.0/24') | map(attribute='active') | first
        """
    assert ansible.run(play).rc == 0
    assert ansible.run(play).changed() == 0
    run = ansible.run("""
        - sitelink.tunnels.routeros_routes:
            state: overridden
        """)
    assert run.rc == 0 and run.changed() == 1
    statics = [r for r in ansible.rows("/ip/route") if r.get("static") == "true"]
    assert statics == [] and [r for r in ansible.rows("/ip/route") if r.get("connect") == "true"]
    assert [r for r in ansible.rows("/ipv6/route") if r.get("static") == "true"] == []


def test_route_distance_change_and_delete(ansible):
    assert ansible.run("""
        - sitelink.tunnels.routeros_routes:
            config: [{dst_address: 10.9.0.0/16, gateway: ether1, distance: 5}]
        """).rc == 0
    assert [r["distance"] for r in ansible.rows("/ip/route") if r["dst-address"] == "10.9.0.0/16"] == ["5"]
    run = ansible.run("""
        - sitelink.tunnels.routeros_routes:
            state: deleted
            config: [{dst_address: 10.9.0.0/16, gateway: ether1}]
        """)
    assert run.changed() == 1 and not [r for r in ansible.rows("/ip/route") if r["dst-address"] == "10.9.0.0/16"]


def test_ping_many_addresses_over_parallel_sessions(ansible):
    run = ansible.run("""
        - sitelink.tunnels.routeros_ping:
            addresses: [192.168.88.1, 198.51.100.77, 127.0.0.1, 192.168.88.1, 203.0.113.9]
            count: 2
            interval: 10ms
            parallel: 3
          register: pings
        - ansible.builtin.assert:
            that:
              - pings.results | map(attribute='address') | list ==
                ['192.168.88.1', '198.51.100.77', '127.0.0.1', '192.168.88.1', '203.0.113.9']
              - pings.results | map(attribute='received') | list == [2, 0, 2, 2, 0]
              - not pings.all_answered
        """)
    assert run.rc == 0, run
    logins = [s for s in ansible.sentences() if s[0] == "/login"]
    assert len(logins) == 3                          # three sessions, each with its share


def test_a_full_bgp_table_never_crosses_the_wire(ansible):
    """overridden on routes read the whole route table; with 100,000 dynamic (BGP) routes on the router, a
    no-change run now receives only the static rows (the router filters: ?=dynamic=no)."""
    from rosemu.router import Item
    router = ansible.lab.router("r1")
    menu = router.menu("/ip/route")

    def full_table():
        table = router.tables["/ip/route"]
        for n in range(100000):
            table.append(Item(router.allocate_id(menu), {
                "dst-address": "%d.%d.%d.0/24" % (11 + n // 65536, (n // 256) % 256, n % 256),
                "gateway": "192.168.88.254", "distance": "20", "routing-table": "main", "scope": "40",
                "target-scope": "10", "dynamic": "true", "bgp": "true"}))
    ansible.lab.call(full_table)
    routes = """
        - sitelink.tunnels.routeros_routes:
            state: overridden
            config:
              - {dst_address: 10.20.0.0/16, gateway: 192.168.88.2}
              - {dst_address: 10.21.0.0/16, gateway: 192.168.88.2}
        """
    assert ansible.run(routes).rc == 0
    ansible.reset_counters()
    second = ansible.run(routes)
    assert second.rc == 0 and second.changed() == 0, second
    sent = ansible.lab.call(lambda: router.counters.rows_sent)
    static = len([r for r in ansible.rows("/ip/route") if r.get("dynamic") != "true"])
    assert static == 2 and sent <= static + 10, sent       # ours, and a few rows of /system/resource, /interface


def test_a_route_through_a_link_local_gateway_names_its_interface(ansible):
    play = """
        - sitelink.tunnels.routeros_routes:
            config:
              - {dst_address: "2001:db8:ffff::1/128", gateway: "fe80::1%ether1"}
        """
    run = ansible.run(play)
    assert run.rc == 0, run.out[-2000:]
    assert [r["gateway"] for r in ansible.rows("/ipv6/route") if r.get("comment") == "sitelink:fleet"] == ["fe80::1%ether1"]
    ansible.reset_counters()
    assert ansible.run(play).changed() == 0 and ansible.writes() == 0
