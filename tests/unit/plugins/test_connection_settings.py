"""A site's RouterOS connection: its sitelink_routeros keys over its groups' keys, then Ansible's connection
variables, then AWX's Network credential environment (issue 22, item 3), on Ansible's own inventory objects."""

import os

import yaml

from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
from ansible.vars.hostvars import HostVars
from ansible.vars.manager import VariableManager

from ansible_collections.sitelink.tunnels.plugins.plugin_utils.context import (
    ABSENT, CONNECTION_FALLBACKS, FleetContext, SiteContext, connection_fallbacks, merged_over_groups)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
CREDENTIAL_TYPE = os.path.join(ROOT, "extensions", "awx", "credential_type.yml")

GROUP_VARS = """
sitelink_routeros: {username: ansible, password: "{{ vault_password }}", ca_path: /etc/ca.pem, timeout: 20}
vault_password: group-secret
"""
# a group's mapping replaces all's, as Ansible does between groups: only a host's own keys are merged
BRANCHES_VARS = """
sitelink_routeros: {username: branch-user, ca_path: /etc/ca.pem}
"""
INVENTORY = """
all:
  children:
    branches:
      hosts:
        branch-a: {ansible_host: 192.0.2.11, sitelink_routeros: {port: 9000}}
  hosts:
    hub: {ansible_host: 192.0.2.1, vault_password: hub-secret}
    edge: {ansible_host: 192.0.2.2, sitelink_routeros: {password: own, tls: false}}
"""


def ansible_inventory(tmp_path):
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "all.yml").write_text(GROUP_VARS)
    (tmp_path / "group_vars" / "branches.yml").write_text(BRANCHES_VARS)
    (tmp_path / "hosts.yml").write_text(INVENTORY)
    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=[str(tmp_path / "hosts.yml")])
    manager = VariableManager(loader=loader, inventory=inventory)
    return loader, HostVars(inventory=inventory, variable_manager=manager, loader=loader), manager, inventory


def test_host_keys_are_merged_over_the_groups_and_templated_in_the_site_scope(tmp_path):
    loader, hostvars, _manager, _inventory = ansible_inventory(tmp_path)
    fleet = FleetContext({"hostvars": hostvars, "inventory_hostname": "hub"}, Templar(loader=loader))
    hub, edge, branch = fleet.connection("hub"), fleet.connection("edge"), fleet.connection("branch-a")
    assert (hub["username"], hub["password"], hub["ca_path"], hub["timeout"]) == \
        ("ansible", "hub-secret", "/etc/ca.pem", 20)
    assert (edge["username"], edge["password"], edge["tls"], edge["ca_path"]) == \
        ("ansible", "own", False, "/etc/ca.pem")
    assert (branch["username"], branch["port"], branch["ca_path"], branch["password"], branch["hostname"]) == \
        ("branch-user", 9000, "/etc/ca.pem", None, "192.0.2.11")


def test_a_site_task_sees_the_same_merge(tmp_path):
    loader, hostvars, manager, inventory = ansible_inventory(tmp_path)
    task_vars = manager.get_vars(host=inventory.get_host("branch-a"), include_hostvars=False)
    task_vars["hostvars"] = hostvars
    own = SiteContext(task_vars, Templar(loader=loader, variables=task_vars)).settings({})
    assert own == {"hostname": "192.0.2.11", "port": 9000, "username": "branch-user", "ca_path": "/etc/ca.pem",
                   "tls": True, "validate_certs": True}


def test_ansible_variables_then_the_awx_environment_fill_what_sitelink_routeros_leaves_out():
    given = {"ansible_user": "ops", "ansible_port": "8730"}
    environ = {"ANSIBLE_NET_USERNAME": "awx-user", "ANSIBLE_NET_PASSWORD": "awx-secret"}
    assert connection_fallbacks(lambda name: given.get(name, ABSENT), environ) == \
        {"username": "ops", "password": "awx-secret", "port": 8730}
    assert connection_fallbacks(lambda name: ABSENT, environ) == {"username": "awx-user", "password": "awx-secret"}
    assert connection_fallbacks(lambda name: ABSENT, {}) == {}
    assert connection_fallbacks(lambda name: ABSENT, {"SITELINK_ROUTEROS_CA_PATH": "/run/awx/ca"}) == \
        {"ca_path": "/run/awx/ca"}


def test_a_key_of_sitelink_routeros_wins_over_every_fallback():
    task_vars = {"inventory_hostname": "hub", "ansible_user": "ops", "ansible_password": "pw", "ansible_port": 22,
                 "sitelink_routeros": {"username": "ansible", "port": 8729}}
    own = SiteContext(task_vars, Templar()).settings({})
    assert (own["username"], own["password"], own["port"]) == ("ansible", "pw", 8729)


def test_a_mapping_merge_keeps_the_host_keys_and_adds_the_group_ones():
    assert merged_over_groups({"port": 1}, {"port": 2, "ca_path": "x"}) == {"port": 1, "ca_path": "x"}
    assert merged_over_groups({"port": 1}, ABSENT) == {"port": 1}
    assert merged_over_groups(None, {"ca_path": "x"}) == {"ca_path": "x"}


def test_the_awx_credential_type_sets_exactly_the_variables_the_role_falls_back_to():
    with open(CREDENTIAL_TYPE, encoding="utf-8") as handle:
        credential = yaml.safe_load(handle)
    fields = [field["id"] for field in credential["inputs"]["fields"]]
    assert fields == ["username", "password", "ca_certificate"]
    assert [f["id"] for f in credential["inputs"]["fields"] if f.get("secret")] == ["password"]
    env = credential["injectors"]["env"]
    assert sorted(env) == sorted(name for _variable, name in CONNECTION_FALLBACKS.values() if name)
    assert env["SITELINK_ROUTEROS_CA_PATH"] == "{{ tower.filename.ca }}"
    assert credential["injectors"]["file"] == {"template.ca": "{{ ca_certificate }}"}
    seen = connection_fallbacks(lambda name: ABSENT, dict((name, "x") for name in env))
    assert sorted(seen) == ["ca_path", "password", "username"]
