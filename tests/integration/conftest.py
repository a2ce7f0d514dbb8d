"""Fixtures: an in-process rosemu lab with a writer of plays for it, and the emulated fleet of lab_fleet.py."""

import pytest

from lab_fleet import start_fleet
from playbook_runs import Ansible
from rosemu.lab import Lab, RouterSpec


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
