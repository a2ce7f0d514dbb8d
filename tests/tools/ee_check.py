"""Check the execution environment definition (execution-environment.yml) without a container engine.

`ansible-builder create` writes the build context (build/ee-context); this checks what the image would get:
the collection tarball just built, ansible-core at the version requirements/constraints.txt pins, and as Python
packages exactly the controller's (meta/ee-requirements.txt, at the constraints' pins). Then it does what the
image's builder stage does: installs the tarball into a collections path and runs the context's own introspect.py
over it, which must add the same Python packages and no system package (the Linux sites' packages are the
managed hosts' business). Run with the release venv's python: ee_check.py TARBALL. A few seconds.
"""

import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml
from packaging.requirements import Requirement

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONTEXT = os.path.join(ROOT, "build", "ee-context")
BIN = os.path.dirname(sys.executable)
# What the Linux sites install (roles/site_tunnel, the Linux modules): none of it belongs in the image.
LINUX_SITE_PACKAGES = ("wireguard-tools", "wireguard-go", "wireguard", "iproute2", "iproute", "nftables",
                       "iptables")


def fail(message):
    sys.exit("execution environment check: %s" % message)


def requirement_names(lines):
    """The package names of requirement lines (comments and blank lines skipped), lower case."""
    return {Requirement(line).name.lower() for line in (re.sub(r"(^|\s)#.*$", "", raw).strip() for raw in lines)
            if line}


def constraint_pins():
    with open(os.path.join(ROOT, "requirements", "constraints.txt"), encoding="utf-8") as fh:
        pins = (line.strip().split("==") for line in fh if "==" in line and not line.startswith("#"))
        return {name.lower(): version for name, version in pins}


def check_definition(tarball):
    """The definition names the tarball of galaxy.yml's version, where make release-check builds it."""
    with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as fh:
        version = yaml.safe_load(fh)["version"]
    with open(os.path.join(ROOT, "execution-environment.yml"), encoding="utf-8") as fh:
        definition = yaml.safe_load(fh)
    name = "sitelink-tunnels-%s.tar.gz" % version
    if os.path.basename(tarball) != name:
        fail("the tarball is %s, galaxy.yml's version makes %s" % (os.path.basename(tarball), name))
    sources = [entry["src"] for entry in definition.get("additional_build_files", [])]
    if sources != ["build/dist/" + name]:
        fail("additional_build_files copies %s, not build/dist/%s (galaxy.yml's version)" % (sources, name))
    return name


def create_context():
    shutil.rmtree(CONTEXT, ignore_errors=True)
    subprocess.run([os.path.join(BIN, "ansible-builder"), "create", "--file", "execution-environment.yml",
                    "--context", CONTEXT, "--output-filename", "Containerfile"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def read_context(name):
    with open(os.path.join(CONTEXT, name), encoding="utf-8") as fh:
        return fh.read()


def check_context(tarball, name, controller):
    """The context carries the tarball, installs it, pins ansible-core and the controller's packages only."""
    copied = os.path.join(CONTEXT, "_build", "collections", name)
    if not os.path.isfile(copied) or not filecmp.cmp(copied, tarball, shallow=False):
        fail("the build context has no copy of %s (_build/collections/)" % tarball)
    galaxy = yaml.safe_load(read_context("_build/requirements.yml"))
    if galaxy != {"collections": [{"name": "collections/" + name, "type": "file"}]}:
        fail("_build/requirements.yml installs %s, not the tarball alone" % (galaxy,))
    if os.path.exists(os.path.join(CONTEXT, "_build", "bindep.txt")):
        fail("the definition asks for system packages: %s" % read_context("_build/bindep.txt"))
    pins = constraint_pins()
    unpinned = sorted(controller - set(pins))
    if unpinned:
        fail("meta/ee-requirements.txt names %s, which requirements/constraints.txt does not pin" % unpinned)
    wanted = {package: "%s==%s" % (package, pins[package]) for package in controller}
    listed = {Requirement(line).name.lower(): line.strip()
              for line in read_context("_build/requirements.txt").splitlines() if line.strip()}
    if listed != wanted:
        fail("_build/requirements.txt lists %s; the controller's packages at constraints.txt's pins are %s"
             % (sorted(listed.values()), sorted(wanted.values())))
    refs = re.search(r'^ARG ANSIBLE_INSTALL_REFS="([^"]*)"', read_context("Containerfile"), re.M)
    if not refs or "ansible-core==%s" % pins["ansible-core"] not in refs.group(1).split():
        fail("the Containerfile does not install ansible-core==%s: %s" % (pins["ansible-core"], refs))
    return sorted(wanted.values())


def introspect(tarball):
    """The builder stage's step: the tarball installed, introspect.py over it, with the user's requirements."""
    with tempfile.TemporaryDirectory() as collections:
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_LOCAL_TEMP=collections + "/tmp")
        subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", "-p",
                        collections, tarball], check=True, env=env, stdout=subprocess.DEVNULL)
        found = subprocess.run([sys.executable, os.path.join(CONTEXT, "_build", "scripts", "introspect.py"),
                                "introspect", collections,
                                "--user-pip=" + os.path.join(CONTEXT, "_build", "requirements.txt")],
                               check=True, capture_output=True, text=True).stdout
    return yaml.safe_load(found.split("---\n", 1)[1])


def check_introspection(tarball, controller):
    found = introspect(tarball)
    if found.get("system"):
        fail("the installed collection asks for system packages: %s" % found["system"])
    python = requirement_names(found.get("python") or [])
    if python != controller:
        fail("the image would get the Python packages %s; the controller's are %s"
             % (sorted(python), sorted(controller)))
    return found["python"]


def check_no_linux_site_packages(*texts):
    words = set(re.findall(r"[A-Za-z0-9_.+-]+", "\n".join(texts).lower()))
    leaked = sorted(words.intersection(LINUX_SITE_PACKAGES))
    if leaked:
        fail("the image would carry the Linux sites' packages %s" % leaked)


def main():
    tarball = os.path.abspath(sys.argv[1])
    name = check_definition(tarball)
    create_context()
    with tempfile.TemporaryDirectory() as unpacked:
        shutil.unpack_archive(tarball, unpacked)
        with open(os.path.join(unpacked, "meta", "ee-requirements.txt"), encoding="utf-8") as fh:
            controller = requirement_names(fh)
    pinned = check_context(tarball, name, controller)
    introspected = check_introspection(tarball, controller)
    check_no_linux_site_packages(read_context("Containerfile"), read_context("_build/requirements.txt"),
                                 yaml.safe_dump(introspected))
    print("execution environment check: build/ee-context installs %s, ansible-core==%s and %s; no system package"
          % (name, constraint_pins()["ansible-core"], ", ".join(pinned)))


if __name__ == "__main__":
    main()
