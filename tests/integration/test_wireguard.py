"""WireGuard interfaces and peers: create, idempotency, check mode, states, diff, rendered."""

PEER_KEY = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
PEER_KEY2 = "UJtOAfT7RAtmawzVvV+mwj+aoVwZYDGloC/jwMVVVjE="
PSK = "hHp7k4vVQyTRbRXkq0Cdm8Hzn7nhoTsm1UVLWE5mJCI="

WG = """
- sitelink.tunnels.routeros_wireguard_interfaces:
    config:
      - name: wg-sites
        listen_port: 13300
  register: wg
- ansible.builtin.copy:
    content: "{{ wg.after[0].public_key }}"
    dest: "%s"
  delegate_to: localhost
"""


def test_create_then_nothing_to_do(ansible, tmp_path):
    first = ansible.run(WG % (tmp_path / "pub"))
    assert first.rc == 0, first
    assert "r1: tls is false: the API password crosses the network in clear text" in first.out, first.out[-2000:]
    rows = ansible.rows("/interface/wireguard")
    assert [(r["name"], r["listen-port"], r["comment"]) for r in rows] == [("wg-sites", "13300", "sitelink:fleet")]
    assert (tmp_path / "pub").read_text() == rows[0]["public-key"]     # the router's own public key
    ansible.reset_counters()
    second = ansible.run(WG % (tmp_path / "pub"))
    assert second.rc == 0 and second.changed() == 0, second
    assert ansible.writes() == 0
    assert [s[0] for s in ansible.sentences()] == ["/login", "/user/print", "/user/group/print",
                                                   "/system/resource/print", "/interface/wireguard/print",
                                                   "/interface/print"]


def test_check_mode_sends_no_write_and_predicts(ansible):
    run = ansible.run("""
        - sitelink.tunnels.routeros_wireguard_interfaces:
            config: [{name: wg-sites, mtu: 1380}]
          register: out
        - ansible.builtin.assert:
            that:
              - out.changed
              - out.after[0].mtu == 1380
              - out.commands == ['/interface/wireguard/add =comment=sitelink:fleet =mtu=1380 =name=wg-sites']
        """, "--check")
    assert run.rc == 0, run
    assert ansible.writes() == 0 and ansible.rows("/interface/wireguard") == []


def test_replaced_resets_what_is_not_given_and_merged_does_not(ansible):
    assert ansible.run("""
        - sitelink.tunnels.routeros_wireguard_interfaces:
            config: [{name: wg-sites, mtu: 1380, listen_port: 13300}]
        """).rc == 0
    merged = ansible.run("""
        - sitelink.tunnels.routeros_wireguard_interfaces:
            config: [{name: wg-sites, listen_port: 13301}]
        """)
    assert merged.changed() == 1 and ansible.rows("/interface/wireguard")[0]["mtu"] == "1380"
    replaced = ansible.run("""
        - sitelink.tunnels.routeros_wireguard_interfaces:
            state: replaced
            config: [{name: wg-sites, listen_port: 13301}]
        """)
    assert replaced.changed() == 1
    row = ansible.rows("/interface/wireguard")[0]
    assert (row["mtu"], row["listen-port"]) == ("1420", "13301")


def test_overridden_and_deleted_never_touch_unmanaged(ansible):
    api = ansible.api()
    api.path("interface", "wireguard").add(name="users-own", **{"listen-port": 13999})
    api.close()
    assert ansible.run("""
        - sitelink.tunnels.routeros_wireguard_interfaces:
            config: [{name: wg-a}, {name: wg-b, listen_port: 13232}]
        """).rc == 0
    run = ansible.run("""
        - sitelink.tunnels.routeros_wireguard_interfaces:
            state: overridden
            config: [{name: wg-a}]
        """)
    assert run.rc == 0 and run.changed() == 1
    assert sorted(r["name"] for r in ansible.rows("/interface/wireguard")) == ["users-own", "wg-a"]
    run = ansible.run("""
        - sitelink.tunnels.routeros_wireguard_interfaces:
            state: deleted
        """)
    assert run.rc == 0 and run.changed() == 1
    assert [r["name"] for r in ansible.rows("/interface/wireguard")] == ["users-own"]


def test_unmanaged_entry_with_same_name_needs_adopt(ansible):
    api = ansible.api()
    api.path("interface", "wireguard").add(name="wg-sites")
    api.close()
    ansible.reset_counters()
    run = ansible.run("""
        - sitelink.tunnels.routeros_wireguard_interfaces:
            config: [{name: wg-sites, listen_port: 13300}]
        """)
    assert run.rc != 0 and "not managed by sitelink.tunnels" in run.out and "adopt: true" in run.out
    assert ansible.writes() == 0
    run = ansible.run("""
        - sitelink.tunnels.routeros_wireguard_interfaces:
            adopt: true
            config: [{name: wg-sites, listen_port: 13300}]
        """)
    assert run.rc == 0
    assert ansible.rows("/interface/wireguard")[0]["comment"] == "sitelink:fleet"


def test_name_taken_by_another_interface_type(ansible):
    run = ansible.run("""
        - sitelink.tunnels.routeros_wireguard_interfaces:
            config: [{name: ether2}]
        """)
    assert run.rc != 0 and "the name 'ether2' is already used by a ether interface" in run.out
    assert ansible.writes() == 0


PEERS = """
- sitelink.tunnels.routeros_wireguard_interfaces:
    config: [{name: wg-sites}]
- sitelink.tunnels.routeros_wireguard_peers:
    config:
      - interface: wg-sites
        public_key: %s
        allowed_address: %s
        endpoint_address: 198.51.100.1
        endpoint_port: 13231
        persistent_keepalive: %s
        preshared_key: %s
      - interface: wg-sites
        public_key: %s
        allowed_address: [10.255.0.2/31]
  register: peers
"""


def test_peers_idempotent_across_spellings(ansible):
    first = ansible.run(PEERS % (PEER_KEY, "[10.255.0.0/31, 192.168.20.0/24]", "25", PSK, PEER_KEY2))
    assert first.rc == 0, first
    rows = ansible.rows("/interface/wireguard/peers")
    assert [r["allowed-address"] for r in rows] == ["10.255.0.0/31,192.168.20.0/24", "10.255.0.2/31"]
    assert rows[0]["preshared-key"] == PSK and rows[0]["persistent-keepalive"] == "25s"
    ansible.reset_counters()
    # other order, host bits, keepalive spelled differently: the same configuration
    second = ansible.run(PEERS % (PEER_KEY, "[192.168.20.9/24, 10.255.0.1/31]", "00:00:25", PSK, PEER_KEY2))
    assert second.rc == 0 and second.changed() == 0, second
    assert ansible.writes() == 0


def test_peer_change_is_a_set_of_the_changed_field(ansible):
    assert ansible.run(PEERS % (PEER_KEY, "[10.255.0.0/31]", "25s", PSK, PEER_KEY2)).rc == 0
    ansible.reset_counters()
    run = ansible.run(PEERS % (PEER_KEY, "[10.255.0.0/31, 192.168.30.0/24]", "25s", PSK, PEER_KEY2))
    assert run.rc == 0 and run.changed() == 1
    writes = [s for s in ansible.sentences() if s[0].endswith("/set")]
    assert len(writes) == 1 and "=allowed-address=10.255.0.0/31,192.168.30.0/24" in writes[0]


def test_peer_on_missing_interface_fails_before_writing(ansible):
    run = ansible.run("""
        - sitelink.tunnels.routeros_wireguard_peers:
            config:
              - {interface: wg-nope, public_key: %s, allowed_address: [10.0.0.0/31]}
              - {interface: wg-nope, public_key: not-a-key, allowed_address: [10.0.0.2/31]}
        """ % PEER_KEY)
    assert run.rc != 0
    assert "WireGuard interface 'wg-nope' does not exist on the router" in run.out
    assert "not a WireGuard key" in run.out
    assert ansible.writes() == 0


def test_gathered_and_rendered(ansible):
    run = ansible.run("""
        - sitelink.tunnels.routeros_wireguard_interfaces:
            config: [{name: wg-sites}]
        - sitelink.tunnels.routeros_wireguard_interfaces:
            state: gathered
          register: got
        - ansible.builtin.assert:
            that:
              - got.gathered | length == 1
              - got.gathered[0].managed
              - "'private_key' not in got.gathered[0]"
        """)
    assert run.rc == 0, run
    rendered = ansible.run("""
        - sitelink.tunnels.routeros_wireguard_peers:
            state: rendered
            config:
              - {interface: wg-sites, public_key: %s, allowed_address: [10.0.0.0/31], preshared_key: %s}
          register: out
        - ansible.builtin.assert:
            that:
              - out.rendered | length == 1
              - "'=preshared-key=<redacted>' in out.rendered[0]"
              - "out.rendered_script.startswith('/interface wireguard peers add ')"
        """ % (PEER_KEY, PSK), defaults={"port": 1})      # port 1: nothing listens, nothing is contacted
    assert rendered.rc == 0, rendered
    assert PSK not in rendered.out


def test_a_port_held_by_a_foreign_interface_is_refused_naming_it(ansible):
    """RouterOS would create a second interface on a taken port, which then never runs (the emulator marks it
    not running and no handshake crosses it): the task fails before any write and names the holder."""
    api = ansible.api()
    api.path("interface", "wireguard").add(name="wg-mgmt", comment="the user's own tunnel")     # port 13231
    api.close()
    ansible.reset_counters()
    run = ansible.run("""
        - sitelink.tunnels.routeros_wireguard_interfaces:
            config: [{name: wg-sites}]
        """)
    assert run.rc != 0
    assert "name=wg-sites: listen_port 13231 is already used by name=wg-mgmt (not managed by sitelink.tunnels); " \
        "choose another listen_port" in run.out, run
    assert ansible.writes() == 0
    assert ansible.run("""
        - sitelink.tunnels.routeros_wireguard_interfaces:
            config: [{name: wg-sites, listen_port: 13232}]
        """).rc == 0


def test_the_emulator_runs_only_the_first_interface_on_a_port(ansible):
    api = ansible.api()
    wireguard = api.path("interface", "wireguard")
    wireguard.add(name="wg-a", **{"listen-port": 13231})
    wireguard.add(name="wg-b", **{"listen-port": 13231})
    api.close()
    running = dict((r["name"], r["running"]) for r in ansible.rows("/interface/wireguard"))
    assert running == {"wg-a": "true", "wg-b": "false"}
