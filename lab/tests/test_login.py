"""Login, logout, permissions and TLS."""

import ssl

import librouteros
import pytest
from librouteros.exceptions import FatalError, TrapError

from labkit import RawClient, make_lab
from rosemu.lab_tools import tls_wrapper
from rosemu.lab import RouterSpec


def test_factory_admin_with_empty_password(api):
    assert list(api.path("system", "identity")) == [{"name": "r1"}]


def test_bad_password_gets_routeros_reply(lab):
    with pytest.raises(TrapError) as err:
        librouteros.connect("127.0.0.1", "admin", "wrong", port=lab.port("r1"), timeout=5)
    assert err.value.message == "invalid user name or password (6)"


def test_bad_login_on_the_wire(lab):
    client = RawClient(lab.port("r1"))
    assert client.login(password="nope") == [
        ["!trap", "=message=invalid user name or password (6)"], ["!done"]]
    # the connection stays usable; a good login then works
    assert client.login() == [["!done"]]
    client.close()


def test_commands_before_login_are_refused(lab):
    client = RawClient(lab.port("r1"))
    reply = client.command("/system/identity/print")
    assert reply == [["!trap", "=category=5", "=message=not logged in"], ["!done"]]
    client.close()


def test_quit_sends_fatal_and_closes(raw):
    raw.send("/quit")
    assert raw.sentence() == ["!fatal", "session terminated on request"]
    with pytest.raises(ConnectionError):
        raw.sentence()


def test_librouteros_close_uses_quit(lab):
    conn = librouteros.connect("127.0.0.1", "admin", "", port=lab.port("r1"))
    with pytest.raises(FatalError):
        list(conn("/quit"))


def test_read_only_group_cannot_write():
    lab = make_lab([RouterSpec("r1", users={"admin": ("secret", "full"), "audit": ("pw", "read")})])
    try:
        conn = librouteros.connect("127.0.0.1", "audit", "pw", port=lab.port("r1"))
        assert list(conn.path("system", "identity")) == [{"name": "r1"}]
        with pytest.raises(TrapError) as err:
            conn.path("interface", "list").add(name="x")
        assert err.value.message == "not enough permissions (9)"
        assert "x" not in [r["name"] for r in conn.path("interface", "list")]
        with pytest.raises(TrapError):
            librouteros.connect("127.0.0.1", "admin", "", port=lab.port("r1"))
    finally:
        lab.stop()


def test_api_ssl_with_verified_certificate(tls_files):
    lab = make_lab([RouterSpec("r1")], tls_files=tls_files)
    try:
        conn = librouteros.connect("127.0.0.1", "admin", "", port=lab.port("r1", "api-ssl"),
                                   ssl_wrapper=tls_wrapper(tls_files[0]))
        assert list(conn.path("system", "identity")) == [{"name": "r1"}]
        long_comment = "y" * 70000
        conn.path("interface", "list").add(name="tls", comment=long_comment)
        assert [r["comment"] for r in conn.path("interface", "list") if r["name"] == "tls"] == [long_comment]
        conn.close()
    finally:
        lab.stop()


def test_api_ssl_verification_failure_without_ca(tls_files):
    lab = make_lab([RouterSpec("r1")], tls_files=tls_files)
    try:
        context = ssl.create_default_context()   # system CAs only: the lab's certificate is not trusted
        with pytest.raises(ssl.SSLCertVerificationError):
            librouteros.connect("127.0.0.1", "admin", "", port=lab.port("r1", "api-ssl"),
                                ssl_wrapper=lambda s: context.wrap_socket(s, server_hostname="127.0.0.1"))
    finally:
        lab.stop()
