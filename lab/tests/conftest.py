"""Fixtures: an in-process lab per test, librouteros and raw-wire clients."""

import librouteros
import pytest

from labkit import RawClient, make_lab
from rosemu.cli import generate_certificate
from rosemu.lab import RouterSpec


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    return generate_certificate(str(tmp_path_factory.mktemp("tls")))


@pytest.fixture
def lab():
    lab = make_lab([RouterSpec("r1")])
    yield lab
    lab.stop()


@pytest.fixture
def api(lab):
    conn = librouteros.connect("127.0.0.1", "admin", "", port=lab.port("r1"), timeout=10)
    yield conn
    conn.close()


@pytest.fixture
def raw(lab):
    client = RawClient(lab.port("r1"))
    assert client.login() == [["!done"]]
    yield client
    client.close()
