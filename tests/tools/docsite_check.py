"""The docsite (issue 22, item 7), run with the release venv's Python (`make docsite`, part of `make release-check`):

1. `antsibull-docs lint-collection-docs --plugin-docs`: every plugin's and the role's documentation, and the guides
   in docs/docsite (extra-docs.yml, links.yml, the rst files' labels and references), with no error;
2. `antsibull-docs sphinx-init` writes a Sphinx project into build/docsite, whose build.sh generates the plugin
   pages (`antsibull-docs collection`) and builds the HTML with `sphinx-build -W`: a warning (a broken reference,
   bad rst in a guide or a plugin's documentation) fails it. The site is build/docsite/build/html/index.html.

The collection is found through a collections path of its own (build/docsite/collections, a link to the checkout).
Sphinx may not fetch Ansible's own inventory (docs.ansible.com: this machine reaches package registries only), so
the few labels of Ansible's docs that the generated plugin pages refer to come from a small local inventory
(ANSIBLE_LABELS); a new such label fails the build with "undefined label" until it is added there.
"""

import os
import shutil
import subprocess
import sys
import time
import zlib

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))
WORK = os.path.join(ROOT, "build", "docsite")
BIN = os.path.dirname(sys.executable)
ANSIBLE_DOCS = "https://docs.ansible.com/projects/ansible/devel/"
# label: (page, title) in Ansible's docs, for the references antsibull-docs writes into plugin pages
ANSIBLE_LABELS = {
    "action_plugins": ("plugins/action.html#action-plugins", "Action plugins"),
    "common_return_values": ("reference_appendices/common_return_values.html#common-return-values",
                             "Return Values"),
    "ansible_configuration_settings": ("reference_appendices/config.html#ansible-configuration-settings",
                                       "Ansible Configuration Settings"),
}


def run(*command, cwd=ROOT):
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ["PATH"],
               ANSIBLE_COLLECTIONS_PATH=os.path.join(WORK, "collections"))
    subprocess.run(command, cwd=cwd, check=True, env=env)


def ansible_inventory(path):
    """An intersphinx inventory (Sphinx's objects.inv, version 2) holding ANSIBLE_LABELS."""
    lines = "".join("%s std:label -1 %s %s\n" % (label, page, title)
                    for label, (page, title) in sorted(ANSIBLE_LABELS.items()))
    header = "# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n" \
             "# The remainder of this file is compressed using zlib.\n"
    with open(path, "wb") as fh:
        fh.write(header.encode() + zlib.compress(lines.encode()))


def offline_conf(conf_path, inventory_path):
    """conf.py with one intersphinx mapping, to Ansible's docs, read from the local inventory."""
    with open(conf_path, encoding="utf-8") as fh:
        conf = fh.read()
    start = conf.index("intersphinx_mapping = {")
    end = conf.index("\n}\n", start) + 3
    mapping = "intersphinx_mapping = {\n    'ansible_devel': (%r, %r),\n}\n" % (ANSIBLE_DOCS, inventory_path)
    with open(conf_path, "w", encoding="utf-8") as fh:
        fh.write(conf[:start] + mapping + conf[end:])


def main():
    started = time.monotonic()
    shutil.rmtree(WORK, ignore_errors=True)
    link = os.path.join(WORK, "collections", "ansible_collections", "sitelink", "tunnels")
    os.makedirs(os.path.dirname(link))
    os.symlink(ROOT, link)
    run(os.path.join(BIN, "antsibull-docs"), "lint-collection-docs", "--plugin-docs", ".")
    linted = time.monotonic()
    run(os.path.join(BIN, "antsibull-docs"), "sphinx-init", "--use-current", "--fail-on-error", "--dest-dir", WORK,
        "--project", "sitelink.tunnels", "--title", "sitelink.tunnels", "sitelink.tunnels")
    inventory = os.path.join(WORK, "ansible_devel.inv")
    ansible_inventory(inventory)
    offline_conf(os.path.join(WORK, "conf.py"), inventory)
    run("bash", os.path.join(WORK, "build.sh"), cwd=WORK)
    index = os.path.join(WORK, "build", "html", "collections", "sitelink", "tunnels", "index.html")
    if not os.path.exists(index):
        sys.exit("docsite: %s was not built" % index)
    site = os.path.relpath(os.path.join(WORK, "build", "html", "index.html"), ROOT)
    print("docsite: lint %.1f s, build %.1f s; %s" % (linted - started, time.monotonic() - linted, site))


if __name__ == "__main__":
    main()
