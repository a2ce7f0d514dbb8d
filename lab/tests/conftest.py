"""Fixtures: an in-process lab per test, librouteros and raw-wire clients, a WireGuard link on a frozen clock."""

import librouteros
import pytest

from labkit import RawClient, make_lab, start_wireguard_link
from rosemu.cli import generate_certificate
from rosemu.lab import RouterSpec
from rosemu.linuxlab import leftover_namespaces


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


@pytest.fixture
def link():
    """hub (198.51.100.1) and branch (198.51.100.2) on a frozen clock: WireGuard peers (the branch dials the hub,
    no persistent keepalive), transit 10.255.0.0/31; both input chains admit WireGuard and GRE. (lab, {name: api});
    a test that reconnects puts the new api in the dict."""
    lab, apis, _keys = start_wireguard_link()
    yield lab, apis
    for api in apis.values():
        api.close()
    lab.stop()


@pytest.fixture(scope="session", autouse=True)
def no_lab_namespaces_left():
    """After the session: every namespace a lab of this run made (Linux lab, data plane) is gone; other runs' labs
    on the machine are not looked at."""
    yield
    assert leftover_namespaces() == []
