# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""WireGuard keys: X25519 key pairs, preshared keys and per-link key derivation.

Keys travel as WireGuard's text form: standard base64 of 32 bytes (44 characters).
`cryptography` does the curve arithmetic; without it, `wg` from wireguard-tools is used.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
import subprocess

try:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - exercised on hosts without cryptography
    HAS_CRYPTOGRAPHY = False

KEY_BYTES = 32


class InvalidKey(ValueError):
    """A text that is not a WireGuard key."""


def decode(text):
    """Bytes of a WireGuard key; raises InvalidKey for anything but base64 of 32 bytes."""
    try:
        raw = base64.b64decode(str(text).strip(), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidKey("not base64")
    if len(raw) != KEY_BYTES:
        raise InvalidKey("decodes to %d bytes, a WireGuard key has 32" % len(raw))
    return raw


def encode(raw):
    return base64.b64encode(raw).decode("ascii")


def is_key(text):
    try:
        decode(text)
    except InvalidKey:
        return False
    return True


def clamp(raw):
    """Curve25519 clamping, as `wg` applies to private keys."""
    data = bytearray(raw)
    data[0] &= 0xF8
    data[31] = (data[31] & 0x7F) | 0x40
    return bytes(data)


def _wg(args, stdin=None):
    proc = subprocess.run(["wg"] + args, input=stdin, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError("wg %s failed: %s" % (args[0], proc.stderr.strip() or "no output"))
    return proc.stdout.strip()


def generate_private_key():
    if HAS_CRYPTOGRAPHY:
        return encode(X25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))
    return _wg(["genkey"])


def public_key(private_text):
    """The public key of a private key (either clamped or raw: both give the same result)."""
    raw = decode(private_text)
    if HAS_CRYPTOGRAPHY:
        pub = X25519PrivateKey.from_private_bytes(raw).public_key()
        return encode(pub.public_bytes(Encoding.Raw, PublicFormat.Raw))
    return _wg(["pubkey"], stdin=encode(raw) + "\n")


def generate_preshared_key():
    return encode(os.urandom(KEY_BYTES))


def derive_preshared_key(secret, sites):
    """A preshared key for the link between the two `sites` from one shared secret (HKDF-SHA256, RFC 5869).

    Both ends compute the same key from the pair of names, so no per-link secret is stored.  Each name goes in
    with its length (v2): joining them with "--" (v1) gave sites "x--y"+"z" and "x"+"y--z" the same key.
    """
    if not secret:
        raise ValueError("the preshared-key secret is empty")
    if isinstance(sites, str) or len(sites) != 2:
        raise ValueError("a preshared key belongs to a pair of sites, not %r" % (sites,))
    info = b"".join(struct.pack(">H", len(name)) + name for name in sorted(s.encode("utf-8") for s in sites))
    prk = hmac.new(b"sitelink.tunnels psk v2", secret.encode("utf-8"), hashlib.sha256).digest()
    okm = hmac.new(prk, info + b"\x01", hashlib.sha256).digest()
    return encode(okm[:KEY_BYTES])
