"""Platform knowledge lives in the drivers (plugin_utils/drivers/) and the platforms' capabilities
(module_utils/platforms/): nothing else in plugins/ branches on a platform, nor does the role's YAML, and no function
in plugins/ is longer than 60 lines."""

import ast
import glob
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLATFORM_HOMES = (os.path.join("plugins", "plugin_utils", "drivers"), os.path.join("plugins", "module_utils", "platforms"))
MAX_FUNCTION_LINES = 60


def python_files():
    for path in sorted(glob.glob(os.path.join(ROOT, "plugins", "**", "*.py"), recursive=True)):
        yield os.path.relpath(path, ROOT), ast.parse(open(path, encoding="utf-8").read())


def names_a_platform(node):
    """An operand that is a site's platform: `x.platform` or `x["platform"]`."""
    return any((isinstance(n, ast.Attribute) and n.attr == "platform")
               or (isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Constant) and n.slice.value == "platform")
               for n in ast.walk(node))


def test_nothing_outside_the_drivers_and_capabilities_branches_on_a_platform():
    found = []
    for path, tree in python_files():
        if path.startswith(PLATFORM_HOMES):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare) and names_a_platform(node):
                found.append("%s:%d %s" % (path, node.lineno, ast.unparse(node)))
    assert found == []


def test_the_role_does_not_branch_on_a_platform():
    for path in glob.glob(os.path.join(ROOT, "roles", "site_tunnel", "tasks", "*.yml")) + \
            glob.glob(os.path.join(ROOT, "roles", "site_tunnel", "vars", "*.yml")):
        text = open(path, encoding="utf-8").read()
        assert ".platform" not in text and "'linux'" not in text and "'routeros'" not in text, path


def test_no_function_is_longer_than_60_lines():
    long = []
    for path, tree in python_files():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append("%s:%d %s (%d lines)" % (path, node.lineno, node.name, lines))
    assert long == []
