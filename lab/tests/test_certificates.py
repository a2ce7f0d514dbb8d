"""Certificates and services (rosemu/pki.py, FIDELITY.md): a CA and a server certificate made on the router, the
CA exported to a file the API reads, api-ssl serving the router's own certificate, a disabled service refusing."""

import ssl

import librouteros
import pytest
from librouteros.exceptions import ConnectionClosed, TrapError

from rosemu.lab import Lab, RouterSpec


@pytest.fixture
def lab():
    lab = Lab([RouterSpec("r1")], router_certificates=True).start()
    yield lab
    lab.stop()


def service_id(api, name):
    return next(s[".id"] for s in api.path("ip", "service") if s["name"] == name)


def tls_login(lab, ca_file=None):
    context = ssl.create_default_context(cafile=ca_file)
    if ca_file is None:             # any certificate will do: the handshake itself is tested
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return librouteros.connect("127.0.0.1", "admin", "", port=lab.port("r1", "api-ssl"), timeout=5,
                               ssl_wrapper=lambda sock: context.wrap_socket(sock, server_hostname="127.0.0.1"))


def test_a_certificate_signed_on_the_router_is_served_by_api_ssl_and_verifies_with_the_exported_ca(lab, tmp_path):
    api = librouteros.connect("127.0.0.1", "admin", "", port=lab.port("r1"))
    ca_file = str(tmp_path / "ca.pem")
    with pytest.raises(ssl.SSLError):
        tls_login(lab)          # no certificate yet: no handshake
    ca = {"common-name": "lab-ca", "key-usage": "key-cert-sign,crl-sign", "key-size": "prime256v1"}
    list(api("/certificate/add", name="ca", **ca))
    list(api("/certificate/sign", numbers="ca"))
    server = {"common-name": "127.0.0.1", "subject-alt-name": "IP:127.0.0.1", "key-size": "prime256v1"}
    list(api("/certificate/add", name="api", **server))
    with pytest.raises(TrapError, match="not issued"):
        list(api("/ip/service/set", **{".id": service_id(api, "api-ssl"), "certificate": "api"}))
    list(api("/certificate/sign", numbers="api", ca="ca"))
    list(api("/certificate/export-certificate", numbers="ca"))
    exported = [f for f in api.path("file") if f["name"] == "cert_export_ca.crt"]
    assert len(exported) == 1 and exported[0]["contents"].startswith("-----BEGIN CERTIFICATE-----")
    with open(ca_file, "w", encoding="ascii") as handle:
        handle.write(exported[0]["contents"])
    list(api("/ip/service/set", **{".id": service_id(api, "api-ssl"), "certificate": "api"}))
    rows = dict((c["name"], c) for c in api.path("certificate"))
    assert rows["api"]["ca"] == "ca" and rows["api"]["private-key"] is True and rows["api"]["issuer"] == "CN=lab-ca"
    assert "PRIVATE KEY" not in str(lab.call(lambda: lab.routers["r1"].dump(secrets=True)))
    session = tls_login(lab, ca_file)
    assert list(session("/system/identity/print")) == [{"name": "r1"}]
    session.close()


def test_a_disabled_api_service_refuses_new_connections(lab):
    api = librouteros.connect("127.0.0.1", "admin", "", port=lab.port("r1"))
    list(api("/ip/service/set", **{".id": service_id(api, "api"), "disabled": "yes"}))
    with pytest.raises((OSError, ConnectionClosed)):     # reset or closed, as the close races the login
        librouteros.connect("127.0.0.1", "admin", "", port=lab.port("r1"), timeout=5)
    assert [s["disabled"] for s in api.path("ip", "service") if s["name"] == "api"] == [True]
