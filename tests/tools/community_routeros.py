"""community.routeros, taken from the `ansible` community package on PyPI, for the tests and the benchmark.

Collections are not on PyPI, but the `ansible` package bundles them.  Its wheel is fetched once with
`pip download --no-deps` (nothing is installed: the project's venv stays as requirements/ pin it) and only
community.routeros is unpacked, under build/community_routeros/ansible-<version>.  The `ansible` version is
pinned exactly, so that the data the tests compare with is the same on every machine.

What the tests read is community.routeros's versioned API data (plugins/module_utils/_api_data.py): for each
API path, the fields RouterOS has in each release, written by its maintainers from `/export verbose` and
`/console/inspect` of each release.  It is loaded alone, without Ansible's collection loader.
"""

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import types
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# 14.5.0 bundles community.routeros 3.22.0, the first of ours with RouterOS 7.21's changes (PR #433: gre6 and
# eoipv6 dont-fragment) and an eoipv6 menu.  The wheel is pure Python; ansible 14 asks for Python 3.12 or later,
# so the download says which Python it is for (the files are only read, never run by that package's Ansible).
ANSIBLE_VERSION = "14.5.0"
WHEEL_PYTHON = "3.13"
COLLECTION = "ansible_collections/community/routeros/"
CACHE = os.path.join(ROOT, "build", "community_routeros")
VERSION_MODULE = "ansible_collections.community.routeros.plugins.module_utils.version"


def collections_path():
    """A directory for ANSIBLE_COLLECTIONS_PATH that holds community.routeros (and nothing else of the package)."""
    target = os.path.join(CACHE, "ansible-%s" % ANSIBLE_VERSION)
    if os.path.isdir(os.path.join(target, COLLECTION)):
        return target
    os.makedirs(CACHE, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE, prefix="download-") as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                        "--python-version", WHEEL_PYTHON, "-d", tmp, "ansible==%s" % ANSIBLE_VERSION], check=True)
        wheel = [f for f in os.listdir(tmp) if f.endswith(".whl")][0]
        unpacked = os.path.join(tmp, "unpacked")
        with zipfile.ZipFile(os.path.join(tmp, wheel)) as archive:
            archive.extractall(unpacked, [n for n in archive.namelist() if n.startswith(COLLECTION)])
        try:
            os.rename(unpacked, target)     # atomic: a second process that raced us finds it whole
        except OSError:
            if not os.path.isdir(os.path.join(target, COLLECTION)):
                raise
            shutil.rmtree(unpacked)
    return target


def collection_version():
    """community.routeros's own version, as its MANIFEST.json says."""
    import json
    with open(os.path.join(collections_path(), COLLECTION, "MANIFEST.json"), encoding="utf-8") as fh:
        return json.load(fh)["collection_info"]["version"]


def api_data():
    """community.routeros's plugins/module_utils/_api_data.py as a module of its own.  Its one import is the
    collection's version.py, which re-exports ansible-core's LooseVersion: that import is answered for the time of
    the load, so that neither Ansible's collection loader nor a second `ansible_collections` tree is involved."""
    path = os.path.join(collections_path(), COLLECTION, "plugins", "module_utils", "_api_data.py")
    from ansible.module_utils.compat.version import LooseVersion
    stand_in = types.ModuleType(VERSION_MODULE)
    stand_in.LooseVersion = LooseVersion
    spec = importlib.util.spec_from_file_location("community_routeros_api_data", path)
    module = importlib.util.module_from_spec(spec)
    saved = sys.modules.get(VERSION_MODULE)
    sys.modules[VERSION_MODULE] = stand_in
    try:
        spec.loader.exec_module(module)
    finally:
        if saved is None:
            del sys.modules[VERSION_MODULE]
        else:
            sys.modules[VERSION_MODULE] = saved
    return module


def path_key(api_path):
    """community.routeros's key of an API path: "/interface/wireguard/peers" -> ("interface", "wireguard", "peers")."""
    return tuple(api_path.strip("/").split("/"))


def fields_in(data, api_path, version):
    """{field: KeyInfo} of `api_path` on RouterOS `version` ("7.16", "7.16.2"), or None where the data says nothing
    of that path on that release (a path it lacks, or one it describes only from a later release)."""
    entry = data.PATHS.get(path_key(api_path))
    if entry is None:
        return None
    entry.provide_version(version)
    try:
        return dict(entry.get_data().fields)
    except ValueError:      # get_data: no description for this version
        return None
