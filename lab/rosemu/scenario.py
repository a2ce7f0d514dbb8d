"""`rosemu --write-scenario DIR`: the Molecule scenario that rehearses a user's own inventory on emulated routers."""

import os
import shutil
import sys

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "molecule_scenario")
FILES = ("molecule.yml", "create.yml", "converge.yml", "verify.yml", "destroy.yml")


def write(directory):
    """Copy the scenario's files into `directory`; refuses to overwrite a file that is there."""
    existing = [name for name in FILES if os.path.exists(os.path.join(directory, name))]
    if existing:
        print("rosemu: %s has %s already; not overwritten" % (directory, ", ".join(existing)), file=sys.stderr)
        return 1
    os.makedirs(directory, exist_ok=True)
    for name in FILES:
        shutil.copyfile(os.path.join(SOURCE, name), os.path.join(directory, name))
    print("Molecule scenario written to %s: run `molecule test -s %s` beside it, with SITELINK_INVENTORY set "
          "or your inventory in inventory/ two levels up" % (directory, os.path.basename(os.path.normpath(directory))))
    return 0
