"""The role and its actions agree on internal variable names through one table, context.ROLE_VARS."""

import glob
import os
import re

import yaml

from ansible_collections.sitelink.tunnels.plugins.plugin_utils import context, inventory

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLE = os.path.join(ROOT, "roles", "site_tunnel")


def tasks():
    def walk(items):
        for task in items or []:
            yield task
            for key in ("block", "rescue", "always"):
                yield from walk(task.get(key))
    for path in sorted(glob.glob(os.path.join(ROLE, "tasks", "*.yml"))):
        with open(path, encoding="utf-8") as fh:
            yield from ((os.path.basename(path), task) for task in walk(yaml.safe_load(fh)))


def test_every_register_is_internal_and_every_table_entry_is_registered():
    registered = dict((task["register"], name) for name, task in tasks() if "register" in task)
    assert registered, "the role registers nothing?"
    for variable, where in registered.items():
        assert variable.startswith("sitelink__"), "%s registers %s: internal names are sitelink__*" % (
            where, variable)
    assert set(context.ROLE_VARS.values()) <= set(registered), \
        "ROLE_VARS names a variable the role never registers: %s" % (set(context.ROLE_VARS.values()) - set(registered))


def test_the_actions_read_no_role_variable_by_a_literal_name():
    """Python reads role-registered values only through context.registered(purpose)."""
    for path in glob.glob(os.path.join(ROOT, "plugins", "**", "*.py"), recursive=True):
        if path.endswith(os.path.join("plugin_utils", "context.py")):
            continue
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        assert not re.search(r"[\"']sitelink__\w+[\"']", text), path


def test_role_internal_variables_in_vars_are_sitelink__():
    with open(os.path.join(ROLE, "vars", "main.yml"), encoding="utf-8") as fh:
        assert all(k.startswith("sitelink__") for k in yaml.safe_load(fh))


def test_the_fleet_step_checks_role_settings_against_the_role_spec():
    spec = inventory.role_settings_spec()
    assert "sitelink_site" not in spec and "sitelink_verify_count" in spec
    assert inventory.role_settings_problems(spec, {"sitelink_verify_count": 3, "sitelink_owner": "fleet"}) == []
    problems = inventory.role_settings_problems(spec, {"sitelink_verify_count": "many"})
    assert len(problems) == 1 and "sitelink_verify_count" in problems[0]
    assert inventory.role_settings_problems(spec, {}) == []


def test_the_linux_paths_that_reach_wg_quick_and_scripts_must_need_no_quoting():
    spec = inventory.role_settings_spec()
    assert inventory.role_settings_problems(spec, {"sitelink_linux_key_dir": "/etc/wireguard",
                                                   "sitelink_linux_sysctl_file": "/etc/sysctl.d/90-sitelink.conf"}) == []
    for variable, value in (("sitelink_linux_key_dir", "/etc/wg$(touch${IFS}x)"), ("sitelink_linux_key_dir", "keys"),
                            ("sitelink_linux_sysctl_file", "/etc/sysctl.d/my file.conf")):
        problems = inventory.role_settings_problems(spec, {variable: value})
        assert len(problems) == 1 and problems[0][0] == variable and "absolute path" in problems[0][1], problems
