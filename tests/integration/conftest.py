"""Fixtures: an in-process rosemu lab with a writer of plays for it, and the emulated fleet of lab_fleet.py."""

import pytest

from lab_fleet import start_fleet
from playbook_runs import Ansible
from rosemu.lab import Lab, RouterSpec
from rosemu.linuxlab import leftover_namespaces


@pytest.fixture
def lab():
    lab = Lab([RouterSpec("r1")], control_port=0).start()
    yield lab
    lab.stop()


@pytest.fixture
def ansible(lab, tmp_path):
    return Ansible(lab, tmp_path)


@pytest.fixture
def fleet(tmp_path):
    """The hub and two branches (lab_fleet.start_fleet): (lab, path of the connections inventory)."""
    lab, connections = start_fleet(tmp_path)
    yield lab, connections
    lab.stop()


@pytest.fixture(scope="session", autouse=True)
def no_lab_namespaces_left():
    """After the session: every namespace a lab of this run made (Linux lab, data plane) is gone; other runs' labs
    on the machine are not looked at."""
    yield
    assert leftover_namespaces() == []
