"""The lab's package (rosemu, `make lab-wheel`) carries the collection's version and ships its Molecule scenario."""

import os
import re
import tomllib

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_rosemu_version_is_the_collections():
    with open(os.path.join(ROOT, "lab", "pyproject.toml"), "rb") as fh:
        project = tomllib.load(fh)
    with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as fh:
        galaxy = yaml.safe_load(fh)
    assert project["project"]["version"] == galaxy["version"]


def test_the_user_scenario_is_package_data():
    with open(os.path.join(ROOT, "lab", "pyproject.toml"), "rb") as fh:
        project = tomllib.load(fh)
    from rosemu import scenario
    patterns = project["tool"]["setuptools"]["package-data"]["rosemu"]
    assert all(any(re.fullmatch(p.replace(".", r"\.").replace("*", "[^/]*"), "molecule_scenario/" + name)
                   for p in patterns) for name in scenario.FILES)
    assert sorted(os.listdir(scenario.SOURCE)) == sorted(scenario.FILES)
