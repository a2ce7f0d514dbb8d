"""No module builds a shell line: nothing under plugins/ or roles/ runs a shell on input.

Every command is an argument list (module.run_command with a list, or Popen with a list): a value from the
inventory or a task argument can then only ever be one argument, never a second command.
"""

import os
import re

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCANNED = ("plugins", "roles")
FORBIDDEN = {
    "use_unsafe_shell": re.compile(r"use_unsafe_shell"),
    "shell=True": re.compile(r"\bshell\s*=\s*True\b"),
    "os.system": re.compile(r"\bos\s*\.\s*system\b|^\s*from\s+os\s+import\s+[^\n]*\bsystem\b", re.M),
    "os.popen": re.compile(r"\bos\s*\.\s*popen\b|^\s*from\s+os\s+import\s+[^\n]*\bpopen\b", re.M),
}
SHELL_MODULES = ("shell", "raw", "script")
COMMAND_MODULES = ("command",)
TEMPLATED = re.compile(r"{{|{%")


def files(root, top):
    for directory, _dirs, names in os.walk(os.path.join(root, top)):
        for name in sorted(names):
            if name.endswith((".py", ".yml", ".yaml", ".j2", ".sh", ".ps1")):
                yield os.path.join(directory, name)


def shell_calls(root):
    """(file:line, what) for every forbidden construct under plugins/ and roles/."""
    found = []
    for top in SCANNED:
        for path in files(root, top):
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            for what, pattern in FORBIDDEN.items():
                for match in pattern.finditer(text):
                    found.append(("%s:%d" % (os.path.relpath(path, root), text.count("\n", 0, match.start()) + 1),
                                  what))
    return found


def module_of(task):
    """(module name without its collection - shell for ansible.builtin.shell -, its arguments), or (None, None)."""
    names = SHELL_MODULES + COMMAND_MODULES
    for key in task:
        short = key.rsplit(".", maxsplit=1)[-1]
        builtin = key.startswith(("ansible.builtin.", "ansible.legacy."))
        if key in names or (builtin and short in names):
            return short, task[key]
    return None, None


def walk(items):
    for task in items or []:
        if isinstance(task, dict):
            yield task
            for key in ("block", "rescue", "always"):
                yield from walk(task.get(key))


def role_command_problems(root):
    """Tasks of the roles that hand a shell (or a command line) something templated, i.e. built from input."""
    problems = []
    for path in files(root, "roles"):
        in_tasks = any(os.sep + part + os.sep in path for part in ("tasks", "handlers"))
        if not in_tasks or not path.endswith((".yml", ".yaml")):
            continue
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
        for task in walk(data if isinstance(data, list) else []):
            module, args = module_of(task)
            if module is None:
                continue
            where = "%s: %s" % (os.path.relpath(path, root), task.get("name", module))
            if isinstance(args, dict):
                line = args.get("cmd") or args.get("_raw_params") or ""
                if module in SHELL_MODULES and args.get("argv") is not None:
                    problems.append("%s: %s takes no argv" % (where, module))
            else:
                line = args or ""
            if module in SHELL_MODULES and (TEMPLATED.search(str(line)) or TEMPLATED.search(str(task.get("args")))):
                problems.append("%s: %s with a templated script (input reaches a shell)" % (where, module))
            if module in COMMAND_MODULES and TEMPLATED.search(str(line)):
                problems.append("%s: command with a templated command line (use argv)" % where)
    return problems


def test_nothing_under_plugins_or_roles_runs_a_shell():
    assert shell_calls(ROOT) == []


def test_no_role_task_hands_templated_input_to_a_shell_or_a_command_line():
    assert role_command_problems(ROOT) == []


@pytest.mark.parametrize("text, what", [
    ('module.run_command("ping " + address, use_unsafe_shell=True)', "use_unsafe_shell"),
    ("subprocess.run(line, shell=True)", "shell=True"),
    ("os.system('ping ' + address)", "os.system"),
    ("os.popen('wg show')", "os.popen"),
    ("from os import system", "os.system"),
])
def test_the_scan_finds_each_kind(tmp_path, text, what):
    (tmp_path / "plugins" / "modules").mkdir(parents=True)
    (tmp_path / "plugins" / "modules" / "m.py").write_text("x = 1\n" + text + "\n")
    assert shell_calls(str(tmp_path)) == [("plugins/modules/m.py:2", what)]


def test_the_role_scan_finds_templated_shell_and_command_lines(tmp_path):
    tasks = tmp_path / "roles" / "r" / "tasks"
    tasks.mkdir(parents=True)
    (tasks / "main.yml").write_text(yaml.safe_dump([
        {"name": "a", "ansible.builtin.shell": "ping {{ address }}"},
        {"name": "b", "block": [{"name": "c", "command": "wg set {{ name }}"}]},
        {"name": "d", "ansible.builtin.command": {"argv": ["wg", "show", "{{ name }}"]}},
        {"name": "e", "ansible.builtin.shell": {"cmd": "echo {% if x %}y{% endif %}"}},
    ]))
    assert role_command_problems(str(tmp_path)) == [
        "roles/r/tasks/main.yml: a: shell with a templated script (input reaches a shell)",
        "roles/r/tasks/main.yml: c: command with a templated command line (use argv)",
        "roles/r/tasks/main.yml: e: shell with a templated script (input reaches a shell)",
    ]
