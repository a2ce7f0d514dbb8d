"""The role run by an API user whose group lacks a policy it needs: a clear failure before any write sentence."""

from playbook_runs import Ansible
from rosemu.lab import Lab, RouterSpec
from lab_fleet import GOOD, ROLE_POLICIES, play, start_fleet, writes

PEER_KEY = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
PSK = "hHp7k4vVQyTRbRXkq0Cdm8Hzn7nhoTsm1UVLWE5mJCI="
PEERS = """
- sitelink.tunnels.routeros_wireguard_interfaces:
    config: [{name: wg-sites}]
- sitelink.tunnels.routeros_wireguard_peers:
    config: [{interface: wg-sites, public_key: %s, allowed_address: [10.0.0.2/32], preshared_key: %s}]
""" % (PEER_KEY, PSK)


def without(policy):
    return ",".join(p for p in ROLE_POLICIES.split(",") if p != policy)


def test_a_user_without_sensitive_is_stopped_before_any_write_in_check_mode_too(tmp_path):
    """Without sensitive RouterOS leaves the preshared keys out of what the user reads: the engine used to write the
    whole fleet and then rewrite every peer's key on every later run. Now no router gets a single write sentence
    and each says which policy its user lacks, in check mode as in a real run."""
    lab, connections = start_fleet(tmp_path, policies=without("sensitive"))
    try:
        for flags in (("--check", "--diff"), ()):
            run = play(GOOD, connections, "-e", "sitelink_verify_delay=1", *flags)
            assert run.returncode != 0, run.out[-3000:]
            for site in ("hub", "branch-a", "branch-b"):
                assert ("%s: the API user 'ansible' (group 'sitelink') lacks the policy sensitive (RouterOS "
                        "leaves preshared keys" % site) in run.out, run.out[-3000:]
            assert "nothing was changed" in run.out
            assert writes(lab) == {"hub": 0, "branch-a": 0, "branch-b": 0}
    finally:
        lab.stop()


def test_a_user_without_write_is_stopped_before_any_write(tmp_path):
    """Without write every write used to reach the router and come back as a raw `not enough permissions (9)`."""
    lab, connections = start_fleet(tmp_path, policies=without("write"))
    try:
        run = play(GOOD, connections, "-e", "sitelink_verify_delay=1")
        assert run.returncode != 0
        assert "hub: the API user 'ansible' (group 'sitelink') lacks the policy write (needed to change " \
               "the configuration); nothing was changed" in run.out, run.out[-3000:]
        assert "not enough permissions" not in run.out
        assert writes(lab) == {"hub": 0, "branch-a": 0, "branch-b": 0}
    finally:
        lab.stop()


def test_a_user_without_test_gets_the_links_configured_and_verification_names_the_policy(tmp_path):
    """Verification pings through every link with the router's /ping, which RouterOS runs only for test."""
    lab, connections = start_fleet(tmp_path, policies=without("test"))
    try:
        run = play(GOOD, connections, "-e", "sitelink_verify_delay=1")
        assert run.returncode != 0
        assert "refused: the API user's group lacks the policy test, which RouterOS needs for ping" in run.out, \
            run.out[-3000:]
    finally:
        lab.stop()


def test_a_resource_module_names_the_missing_policy_and_a_read_needs_none_of_them(tmp_path):
    """The peers module compares preshared keys: as a user without sensitive it stops before its first write, while
    the interface module before it (no secret) runs; gathering peers only reads."""
    lab = Lab([RouterSpec("r1", users={"ops": ("pw", "ops")}, groups={"ops": without("sensitive")})]).start()
    try:
        ansible = Ansible(lab, tmp_path)
        login = {"port": "{{ api_port }}", "username": "ops", "password": "pw"}
        run = ansible.run(PEERS, defaults=login)
        assert run.rc != 0
        assert "r1: the API user 'ops' (group 'ops') lacks the policy sensitive" in run.out, run
        assert PSK not in run.out
        assert [r["name"] for r in ansible.rows("/interface/wireguard")] == ["wg-sites"]
        assert ansible.rows("/interface/wireguard/peers") == []
        writes_before = ansible.writes()
        gathered = ansible.run("- sitelink.tunnels.routeros_wireguard_peers: {state: gathered}", defaults=login)
        assert gathered.rc == 0, gathered
        assert ansible.writes() == writes_before
    finally:
        lab.stop()


def test_a_router_that_will_not_show_users_is_not_checked(ansible):
    """A user RouterOS does not list (RADIUS) or a /user it refuses to show: the policies cannot be told, so the
    modules go on and the router's own answers decide."""
    router = ansible.lab.router("r1")
    ansible.lab.call(lambda: router.faults.traps.append({"path": "/user", "verb": "print",
                                                         "message": "not enough permissions (9)"}))
    run = ansible.run(PEERS)
    assert run.rc == 0, run
    assert len(ansible.rows("/interface/wireguard/peers")) == 1
