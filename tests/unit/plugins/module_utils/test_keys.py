"""WireGuard keys: generation, derivation (against `wg`), preshared keys per link."""

import base64
import shutil
import subprocess

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.wireguard import keys


def test_generated_keys_are_wireguard_keys():
    private = keys.generate_private_key()
    assert keys.is_key(private) and len(private) == 44 and private.endswith("=")
    assert keys.is_key(keys.public_key(private))
    assert keys.is_key(keys.generate_preshared_key())


def test_public_key_matches_wg():
    wg = shutil.which("wg")
    assert wg, "wireguard-tools is required (make venv installs it)"
    for private in (keys.generate_private_key(), base64.b64encode(bytes(range(1, 33))).decode()):
        expected = subprocess.run([wg, "pubkey"], input=private, capture_output=True, text=True,
                                  check=True).stdout.strip()
        assert keys.public_key(private) == expected


def test_clamping_does_not_change_the_public_key():
    raw = bytes(range(200, 232))
    assert keys.public_key(keys.encode(raw)) == keys.public_key(keys.encode(keys.clamp(raw)))


@pytest.mark.parametrize("bad", ["", "short", "!" * 44, base64.b64encode(b"x" * 31).decode()])
def test_invalid_keys(bad):
    assert not keys.is_key(bad)
    with pytest.raises(keys.InvalidKey):
        keys.decode(bad)


KNOWN_V2 = "QJuLnFMdBYspen/unHePk/eBqH3Vz58OWFiIHFt4HXQ="


def test_derived_preshared_key_is_stable_and_per_link():
    a = keys.derive_preshared_key("vaulted secret", ("hub", "branch-a"))
    assert a == keys.derive_preshared_key("vaulted secret", ("branch-a", "hub"))      # both ends, either order
    assert a != keys.derive_preshared_key("vaulted secret", ("hub", "branch-b"))
    assert a != keys.derive_preshared_key("other secret", ("hub", "branch-a"))
    assert keys.is_key(a)
    with pytest.raises(ValueError):
        keys.derive_preshared_key("vaulted secret", "hub--branch-a")               # a joined id is refused


def test_derived_preshared_keys_of_names_with_the_separator_differ():
    """v1 joined the names with '--': x--y + z and x + y--z derived the same key."""
    assert keys.derive_preshared_key("s", ("x--y", "z")) != keys.derive_preshared_key("s", ("x", "y--z"))
    assert keys.derive_preshared_key("s", ("ab", "c")) != keys.derive_preshared_key("s", ("a", "bc"))


def test_derived_preshared_key_known_value():
    """Pinned: every controller derives the same key for a link, today and after any refactoring (a change here
    changes every deployed preshared key; say so in the changelog)."""
    assert keys.derive_preshared_key("vaulted secret", ("hub", "branch-a")) == KNOWN_V2


def test_empty_secret_is_refused():
    with pytest.raises(ValueError):
        keys.derive_preshared_key("", "x")
