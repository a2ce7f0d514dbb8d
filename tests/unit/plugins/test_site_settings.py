"""What a host task of the role costs: its site actions take their settings from the host's variables (no templated
argument compiled again in every host's worker), and an action's argument spec is made once, before the fork."""

import glob
import os
import subprocess
import sys

import yaml

from ansible_collections.sitelink.tunnels.plugins.plugin_utils.context import SiteContext

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLE = os.path.join(ROOT, "roles", "site_tunnel")
SITE_ACTIONS = ("sitelink.tunnels.site_apply", "sitelink.tunnels.site_verify")


class Templar(object):
    """The action's templar on plain values: returns them as they are."""

    @staticmethod
    def template(value):
        return value


def role_tasks():
    def walk(items, inherited):
        for task in items or []:
            keywords = dict(inherited, **dict((k, v) for k, v in task.items() if k == "module_defaults"))
            yield task, keywords
            for key in ("block", "rescue", "always"):
                yield from walk(task.get(key), keywords)
    for path in sorted(glob.glob(os.path.join(ROLE, "tasks", "*.yml"))):
        with open(path, encoding="utf-8") as fh:
            yield from walk(yaml.safe_load(fh), {})


def test_the_role_gives_its_site_actions_no_templated_argument_and_no_module_defaults():
    found = 0
    for task, inherited in role_tasks():
        action = next((a for a in SITE_ACTIONS if a in task), None)
        if action is None:
            continue
        found += 1
        assert "{{" not in yaml.safe_dump(task[action]), (task["name"], task[action])
        assert "module_defaults" not in inherited, task["name"]
    assert found == 4, "the role's site_apply (two) and site_verify tasks, and status.yml's read-only site_apply"


def test_connection_owner_and_linux_settings_come_from_the_host_variables():
    task_vars = {"inventory_hostname": "hub", "ansible_host": "192.0.2.7",
                 "sitelink_routeros": {"port": 8728, "tls": "no", "username": "ansible", "password": "s3cret"},
                 "sitelink_owner": "lab", "sitelink_linux_key_dir": "/etc/wg", "sitelink_linux_persist": False,
                 "sitelink_verify_count": 5}
    own = SiteContext(task_vars, Templar()).settings({"resources": ["routes"]})
    assert own == {"hostname": "192.0.2.7", "port": 8728, "tls": False, "validate_certs": True,
                   "username": "ansible", "password": "s3cret", "owner": "lab", "count": 5,
                   "linux": {"key_dir": "/etc/wg", "persist": False}}


def test_the_role_defaults_tls_on_and_the_host_name_stands_in_for_a_missing_ansible_host():
    own = SiteContext({"inventory_hostname": "hub", "sitelink_routeros": {}}, Templar()).settings({})
    assert own == {"hostname": "hub", "tls": True, "validate_certs": True}


def test_what_the_task_gives_wins_and_a_hostname_keeps_the_whole_connection_of_the_task():
    task_vars = {"inventory_hostname": "hub", "sitelink_routeros": {"port": 8729, "username": "ansible"},
                 "sitelink_owner": "lab"}
    assert SiteContext(task_vars, Templar()).settings({"owner": "mine", "port": 1234}) == \
        {"hostname": "hub", "username": "ansible", "tls": True, "validate_certs": True}
    assert SiteContext(task_vars, Templar()).settings({"hostname": "10.0.0.1"}) == {"owner": "lab"}


def test_outside_the_role_the_module_defaults_hold():
    assert SiteContext({"inventory_hostname": "r1"}, Templar()).settings({}) == {}


def test_loading_a_site_action_class_makes_its_argument_spec_before_any_worker_forks():
    """As Ansible's strategy does in its main process (a fresh interpreter: the plugin loader set up first)."""
    code = "\n".join([
        "from ansible.plugins.loader import action_loader, init_plugin_loader",
        "init_plugin_loader([%r])" % os.path.join(ROOT, "build", "collections"),
        "for name in %r:" % (SITE_ACTIONS,),
        "    action_loader.get(name, class_only=True)",
        "from ansible_collections.sitelink.tunnels.plugins.plugin_utils import argument_specs",
        "print(sorted(argument_specs._SPECS))"])
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip() == repr(sorted(SITE_ACTIONS)), done.stdout + done.stderr
