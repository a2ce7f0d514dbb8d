"""Every failure names the router and the cause, and leaves nothing half-written."""

import pytest

from playbook_runs import Ansible
from rosemu.cli import generate_certificate
from rosemu.lab import Lab, RouterSpec

WG = """
- sitelink.tunnels.routeros_wireguard_interfaces:
    config: [{name: wg-sites}]
"""


def test_bad_login(ansible):
    # as in real plays, the password comes from a (vaulted) variable, not from the play's text:
    # on a failure ansible-core prints the play source around the task
    run = ansible.run(WG, "-e", "router_password=Wr0ng-Passw0rd",
                      defaults={"port": "{{ api_port }}", "password": "{{ router_password }}"})
    assert run.rc != 0
    assert "r1 (127.0.0.1:%d): login refused for user 'admin': invalid user name or password (6)" \
        % ansible.lab.port("r1") in run.out
    assert "Wr0ng-Passw0rd" not in run.out


def test_connection_refused(ansible):
    run = ansible.run(WG, defaults={"port": 1})
    assert run.rc != 0 and "r1 (127.0.0.1:1): connection refused; is the api service enabled on port 1?" in run.out


def test_timeout(ansible):
    ansible.lab.call(lambda: setattr(ansible.lab.router("r1").faults, "delay_ms", 3000))
    run = ansible.run(WG, defaults={"port": "{{ api_port }}", "timeout": 1})
    assert run.rc != 0 and "no answer within 1s (timeout)" in run.out


@pytest.fixture
def tls_lab(tmp_path):
    cert, key = generate_certificate(str(tmp_path / "tls"))
    lab = Lab([RouterSpec("r1")], tls_cert=cert, tls_key=key).start()
    yield lab, cert
    lab.stop()


def test_tls_verification_failure_and_success(tls_lab, tmp_path):
    lab, cert = tls_lab
    ansible = Ansible(lab, tmp_path)
    port = lab.port("r1", "api-ssl")
    run = ansible.run(WG, defaults={"port": port, "tls": True})
    assert run.rc != 0 and "TLS certificate verification failed" in run.out and "ca_path" in run.out
    assert ansible.writes() == 0
    good = ansible.run(WG, defaults={"port": port, "tls": True, "ca_path": cert})
    assert good.rc == 0, good
    assert [r["name"] for r in ansible.rows("/interface/wireguard")] == ["wg-sites"]


def test_missing_permission(tmp_path):
    lab = Lab([RouterSpec("r1", users={"admin": ("", "full"), "auditor": ("pw", "read")})]).start()
    try:
        ansible = Ansible(lab, tmp_path)
        run = ansible.run(WG, defaults={"port": "{{ api_port }}", "username": "auditor", "password": "pw"})
        assert run.rc != 0
        # named before any write: the built-in read group lacks write
        assert "r1: the API user 'auditor' (group 'read') lacks the policy write (needed to change the " \
               "configuration); nothing was changed" in run.out, run
        assert ansible.writes() == 0
        gathered = ansible.run("""
            - sitelink.tunnels.routeros_info:
                gather: [identity]
              register: info
            - ansible.builtin.assert:
                that: info.identity == 'r1'
            """, defaults={"port": "{{ api_port }}", "username": "auditor", "password": "pw"})
        assert gathered.rc == 0, gathered
    finally:
        lab.stop()


def test_failure_in_the_middle_is_rolled_back(ansible):
    assert ansible.run("""
        - sitelink.tunnels.routeros_addresses:
            config: [{address: 10.255.0.1/31, interface: ether1, comment: old}]
        """).rc == 0
    before = ansible.rows("/ip/address")
    # the router refuses the third write of the next run
    ansible.lab.call(lambda: ansible.lab.router("r1").faults.traps.append(
        {"path": "/ip/address", "verb": "add", "message": "failure: injected"}))
    run = ansible.run("""
        - sitelink.tunnels.routeros_addresses:
            state: overridden
            config:
              - {address: 10.255.0.3/31, interface: ether1, comment: new}
        """)
    assert run.rc != 0
    assert "r1: /ip/address add address=10.255.0.3/31 interface=ether1 failed: failure: injected" in run.out
    after = ansible.rows("/ip/address")
    strip = [dict((k, v) for k, v in r.items() if k != ".id") for r in before]
    assert [dict((k, v) for k, v in r.items() if k != ".id") for r in after] == strip


def test_connection_dropped_mid_run_reports_and_undo_is_attempted(ansible):
    ansible.lab.call(lambda: setattr(ansible.lab.router("r1").faults, "drop_after_writes", 1))
    run = ansible.run("""
        - sitelink.tunnels.routeros_addresses:
            config:
              - {address: 10.255.0.1/31, interface: ether1}
              - {address: 10.255.0.3/31, interface: ether1}
        """)
    assert run.rc != 0 and "r1: /ip/address add address=10.255.0.3/31" in run.out
    assert "could not undo" in run.out        # the session is gone: say so instead of pretending


def test_argument_errors_name_the_router(ansible):
    run = ansible.run("""
        - sitelink.tunnels.routeros_wireguard_interfaces:
            config: [{name: wg0, colour: blue}]
        """)
    assert run.rc != 0 and "r1: " in run.out and "colour" in run.out


def faults(ansible, **settings):
    router = ansible.lab.router("r1")
    ansible.lab.call(lambda: [setattr(router.faults, k, v) for k, v in settings.items()])


def test_a_write_that_was_applied_but_never_answered_is_undone_over_a_fresh_session(ansible):
    """The second add is applied and the connection dies before the answer (a timeout on a done change): the undo
    opens a new session, reads the router and removes both addresses."""
    before = ansible.rows("/ip/address")
    faults(ansible, drop_after_writes=1, drop_applied=True, drop_once=True)
    run = ansible.run("""
        - sitelink.tunnels.routeros_addresses:
            config:
              - {address: 10.255.0.1/31, interface: ether1}
              - {address: 10.255.0.3/31, interface: ether1}
        """)
    assert run.rc != 0 and "r1: /ip/address add address=10.255.0.3/31" in run.out
    assert "rolled back 2 change(s)" in run.out and "could not undo" not in run.out
    assert ansible.rows("/ip/address") == before


def test_a_removed_rule_goes_back_where_it_was_not_to_the_end_of_the_chain(ansible):
    rules = """
        - sitelink.tunnels.routeros_firewall_rules:
            state: overridden
            config:
%s
        """
    a = "              - {name: a, chain: input, protocol: udp, dst_port: '1'}"
    b = "              - {name: b, chain: input, protocol: udp, dst_port: '2'}"
    x = "              - {name: x, chain: input, protocol: udp, dst_port: '3'}"
    assert ansible.run(rules % "\n".join((a, b, x))).rc == 0
    original = [(r.get("comment"), r.get("action")) for r in ansible.rows("/ip/firewall/filter")]
    # x is removed, then swapping a and b fails: the router refuses the move
    ansible.lab.call(lambda: ansible.lab.router("r1").faults.traps.append(
        {"path": "/ip/firewall/filter", "verb": "move", "message": "failure: injected"}))
    run = ansible.run(rules % "\n".join((b, a)))
    assert run.rc != 0 and "failure: injected" in run.out and "rolled back 1 change(s)" in run.out, run
    assert [(r.get("comment"), r.get("action")) for r in ansible.rows("/ip/firewall/filter")] == original


def test_a_failed_read_names_the_router_and_the_path(ansible):
    """A read refused by the router (here an injected trap on print) used to end in a Python traceback."""
    ansible.lab.call(lambda: ansible.lab.router("r1").faults.traps.append(
        {"path": "/ip/address", "verb": "print", "message": "not enough permissions (9)"}))
    run = ansible.run("""
        - sitelink.tunnels.routeros_addresses:
            config: [{address: 10.255.0.1/31, interface: ether1}]
        """)
    assert run.rc != 0
    assert "r1: reading /ip/address failed: the API user lacks the permission for this change" in run.out, run
    assert "Traceback" not in run.out


def test_a_router_older_than_routeros_7_is_refused_before_any_write(tmp_path):
    lab = Lab([RouterSpec("r1", version="6.49.10 (long-term)")]).start()
    try:
        old = Ansible(lab, tmp_path)
        run = old.run(WG)
        assert run.rc != 0
        assert "r1: RouterOS 6.49.10 is not supported: sitelink.tunnels needs RouterOS 7.1 or later" in run.out, run
        assert old.writes() == 0
    finally:
        lab.stop()
