"""Certificates and the API services: `/certificate add` makes a template, `sign` makes its key pair and a real
X.509 certificate (self-signed, or signed by the CA named with `ca=`), `export-certificate` writes the PEM to a
`/file` entry; `/ip/service` says which API ports answer and which certificate api-ssl serves.

Sources: MikroTik manual, Certificates (add/sign/export-certificate, `cert_export_NAME.crt`) and IP/Services;
community.routeros's API data for the fields (/certificate, /file `contents`, /ip/service). FIDELITY.md lists what
is simplified (signing is immediate, no CRL/SCEP, export without a passphrase writes the certificate only)."""

import datetime
import os
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from rosemu import errors

# RouterOS's API services at factory settings: (name, port, disabled)
SERVICES = (("telnet", "23", "false"), ("ftp", "21", "false"), ("www", "80", "false"), ("ssh", "22", "false"),
            ("www-ssl", "443", "true"), ("api", "8728", "false"), ("winbox", "8291", "false"),
            ("api-ssl", "8729", "false"))
CURVES = {"prime256v1": ec.SECP256R1, "secp384r1": ec.SECP384R1, "secp521r1": ec.SECP521R1}


def factory_services(router):
    from rosemu.router import Item
    menu = router.menu("/ip/service")
    for name, port, disabled in SERVICES:
        values = {"name": name, "port": port, "disabled": disabled, "certificate": "none", "address": "",
                  "tls-version": "any"}
        router.tables["/ip/service"].append(Item(router.allocate_id(menu), values))


def service(router, name):
    return next((it.values for it in router.tables["/ip/service"] if it.values.get("name") == name), {})


def certificate(router, name):
    return next((it for it in router.tables["/certificate"] if it.values.get("name") == name), None)


def _key(size):
    if size in CURVES:
        return ec.generate_private_key(CURVES[size]())
    return rsa.generate_private_key(public_exponent=65537, key_size=int(size))


def _alt_names(text):
    """`IP:192.0.2.1,DNS:r1.example` as x509 general names."""
    import ipaddress
    out = []
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        kind, _sep, value = part.partition(":")
        if kind == "IP":
            out.append(x509.IPAddress(ipaddress.ip_address(value)))
        elif kind == "DNS":
            out.append(x509.DNSName(value))
        else:
            raise errors.Trap("failure: invalid subject-alt-name %s" % part)
    return out


def sign(router, args):
    """`/certificate sign NAME [ca=CA]`: the template gets a key pair and a certificate."""
    target = router.resolve("/certificate", args.get("numbers") or args.get(".id", ""))[0]
    if target.values.get("private-key") == "true":
        raise errors.Trap("failure: certificate is already issued")
    values, key = target.values, _key(target.values.get("key-size", "2048"))
    issuer_item = certificate(router, args["ca"]) if args.get("ca") else None
    if args.get("ca") and (issuer_item is None or issuer_item.ref not in router.certificate_keys):
        raise errors.Trap("failure: CA certificate must have a private key")
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, values["common-name"])])
    issuer_key, issuer_name = key, subject
    if issuer_item is not None:
        issuer_key, issuer_cert = router.certificate_keys[issuer_item.ref]
        issuer_name = issuer_cert.subject
    now = datetime.datetime.now(datetime.timezone.utc)
    # a self-signed certificate that may sign others is a CA; one signed by a CA is a leaf (a server's)
    is_ca = issuer_item is None and "key-cert-sign" in values.get("key-usage", "")
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=int(values.get("days-valid", "365"))))
               .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True))
    names = _alt_names(values.get("subject-alt-name"))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    if not is_ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    cert = builder.sign(issuer_key, hashes.SHA256())
    router.certificate_keys[target.ref] = (key, cert)
    values.update({"private-key": "true", "trusted": "true", "issuer": "CN=%s" % issuer_name.rfc4514_string()[3:],
                   "fingerprint": cert.fingerprint(hashes.SHA256()).hex(), "serial-number": "%X" % cert.serial_number,
                   "invalid-after": cert.not_valid_after_utc.strftime("%Y-%m-%d %H:%M:%S")})
    if issuer_item is not None:
        values["ca"] = issuer_item.values["name"]


def export(router, args):
    """`/certificate export-certificate NAME [file-name=F]`: F.crt (default cert_export_NAME) holds the PEM."""
    target = router.resolve("/certificate", args.get("numbers") or args.get(".id", ""))[0]
    if target.ref not in router.certificate_keys:
        raise errors.Trap("failure: certificate is not issued")
    pem = router.certificate_keys[target.ref][1].public_bytes(serialization.Encoding.PEM).decode("ascii")
    name = "%s.crt" % (args.get("file-name") or "cert_export_%s" % target.values["name"])
    existing = next((it for it in router.tables["/file"] if it.values.get("name") == name), None)
    if existing is not None:
        existing.values.update(contents=pem, size=str(len(pem)))
    else:
        router.add("/file", {"name": name, "contents": pem})
        certificate_file = next(it for it in router.tables["/file"] if it.values.get("name") == name)
        certificate_file.values.update(type=".crt file", size=str(len(pem)))


COMMANDS = {"sign": sign, "export-certificate": export}


def check_service(router, values, _item_id):
    """api-ssl and www-ssl serve a certificate the router holds a key for (or none)."""
    name = values.get("certificate", "none")
    if name not in (None, "none"):
        item = certificate(router, name)
        if item is None or item.ref not in router.certificate_keys:
            raise errors.Trap("failure: certificate %s is not issued or has no private key" % name)


def sync_tls(router):
    """The api-ssl listener's context serves the certificate /ip/service names, once it changes."""
    if router.tls_context is None:
        return
    item = certificate(router, service(router, "api-ssl").get("certificate") or "none")
    loaded = item.values.get("fingerprint") if item is not None and item.ref in router.certificate_keys else None
    if loaded == router.tls_loaded or loaded is None:
        return
    key, cert = router.certificate_keys[item.ref]
    handle, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(handle, "wb") as fh:
            fh.write(cert.public_bytes(serialization.Encoding.PEM))
            fh.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
        router.tls_context.load_cert_chain(path)
    finally:
        os.unlink(path)
    router.tls_loaded = loaded
