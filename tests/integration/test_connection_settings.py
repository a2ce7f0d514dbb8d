"""Connection settings the way Ansible users write them (issue 22, item 3): a host's sitelink_routeros keys merged
over its group's, and Ansible's own connection variables or AWX's Network credential (ANSIBLE_NET_USERNAME,
ANSIBLE_NET_PASSWORD in the controller's environment) for what sitelink_routeros leaves out.

The fleet of lab_fleet.start_fleet: one user `ansible` with a password on every router, API-SSL with the lab's
self-signed certificate."""

import json

import pytest

from lab_fleet import GOOD, PLAYBOOK, ROLE_USER, WAN, play, start_fleet, writes
from playbook_runs import run_playbook

PASSWORD = "s3cret-api"
NO_VERIFY = ("-e", json.dumps({"sitelink_verify": False}))


@pytest.fixture
def fleet(tmp_path):
    lab, connections = start_fleet(tmp_path, password=PASSWORD)
    with open(connections, encoding="utf-8") as handle:
        ca_path = handle.read().split("ca_path: ")[1].split(",")[0]
    yield lab, json.loads(ca_path)
    lab.stop()


def inventory(tmp_path, group, hosts):
    """Connection variables: `group` (all's variables) and {host: its own variables}; JSON is YAML."""
    path = tmp_path / "connections.yml"
    path.write_text(json.dumps({"all": {"vars": group, "hosts": dict(
        (name, dict({"ansible_host": "127.0.0.1"}, **hosts.get(name, {}))) for name in WAN)}}))
    return str(path)


def test_a_host_that_gives_only_its_port_keeps_the_group_ca_path_and_credentials(fleet, tmp_path):
    """The review's stumble: a host's {port: N} used to replace the group's mapping, and the run failed with a TLS
    error asking for the ca_path the group did give."""
    lab, ca_path = fleet
    group = {"vault_routeros_password": PASSWORD,
             "sitelink_routeros": {"username": ROLE_USER, "password": "{{ vault_routeros_password }}",
                                   "ca_path": ca_path}}
    hosts = dict((name, {"sitelink_routeros": {"port": lab.port(name, "api-ssl")}}) for name in WAN)
    run = play(GOOD, inventory(tmp_path, group, hosts), *NO_VERIFY)
    assert run.returncode == 0, run.out[-4000:]
    assert "certificate verification failed" not in run.out
    assert all(n > 0 for n in writes(lab).values())


def test_a_host_key_wins_over_the_group_key(fleet, tmp_path):
    lab, ca_path = fleet
    group = {"sitelink_routeros": {"username": ROLE_USER, "password": PASSWORD, "ca_path": ca_path}}
    hosts = dict((name, {"sitelink_routeros": {"port": lab.port(name, "api-ssl")}}) for name in WAN)
    hosts["branch-b"]["sitelink_routeros"]["username"] = "nobody"
    run = play(GOOD, inventory(tmp_path, group, hosts), *NO_VERIFY)
    assert run.returncode != 0
    assert "login refused for user 'nobody'" in run.out, run.out[-4000:]
    assert "login refused for user 'ansible'" not in run.out
    assert writes(lab)["branch-b"] == 0 and writes(lab)["hub"] > 0


def test_ansible_user_password_and_port_stand_in_for_missing_keys(fleet, tmp_path):
    lab, ca_path = fleet
    group = {"sitelink_routeros": {"ca_path": ca_path}, "ansible_user": ROLE_USER, "ansible_password": PASSWORD}
    hosts = dict((name, {"ansible_port": lab.port(name, "api-ssl")}) for name in WAN)
    run = play(GOOD, inventory(tmp_path, group, hosts), *NO_VERIFY)
    assert run.returncode == 0, run.out[-4000:]
    assert all(n > 0 for n in writes(lab).values())


def test_the_awx_credential_environment_gives_the_user_password_and_ca(fleet, tmp_path):
    """What extensions/awx/credential_type.yml injects (AWX's Network credential sets the first two too)."""
    lab, ca_path = fleet
    hosts = dict((name, {"sitelink_routeros": {"port": lab.port(name, "api-ssl")}}) for name in WAN)
    connections = inventory(tmp_path, {}, hosts)
    env = {"ANSIBLE_NET_USERNAME": ROLE_USER, "ANSIBLE_NET_PASSWORD": PASSWORD, "SITELINK_ROUTEROS_CA_PATH": ca_path}
    refused = run_playbook(PLAYBOOK, [GOOD, connections], *NO_VERIFY, timeout=300,
                           env=dict(env, SITELINK_ROUTEROS_CA_PATH=""))
    assert refused.returncode != 0 and "certificate verification failed" in refused.out, refused.out[-3000:]
    run = run_playbook(PLAYBOOK, [GOOD, connections], *NO_VERIFY, timeout=300, env=env)
    assert run.returncode == 0, run.out[-4000:]
    assert all(n > 0 for n in writes(lab).values())
