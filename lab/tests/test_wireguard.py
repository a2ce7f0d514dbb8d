"""WireGuard: keys generated and derived like RouterOS, checked against `wg pubkey`."""

import base64
import shutil
import subprocess

import pytest
from librouteros.exceptions import TrapError

WG = shutil.which("wg")


def wg_pubkey(private):
    assert WG, "wireguard-tools is missing: `make venv` installs it on Debian"
    return subprocess.run([WG, "pubkey"], input=private + "\n", capture_output=True, text=True,
                          check=True).stdout.strip()


def test_add_generates_a_key_pair(api):
    wg = api.path("interface", "wireguard")
    wg.add(name="wg0")
    row = list(wg)[0]
    assert len(base64.b64decode(row["private-key"])) == 32 and row["private-key"].endswith("=")
    assert row["public-key"] == wg_pubkey(row["private-key"])
    assert (row["listen-port"], row["mtu"], row["running"], row["disabled"]) == (13231, 1420, True, False)


def test_each_interface_gets_its_own_key(api):
    wg = api.path("interface", "wireguard")
    wg.add(name="wg0")
    wg.add(name="wg1", **{"listen-port": 13232})
    keys = {r["private-key"] for r in wg}
    assert len(keys) == 2


def test_given_key_is_kept_and_public_key_derived(api):
    private = subprocess.run([WG or "false", "genkey"], capture_output=True, text=True, check=True).stdout.strip()
    wg = api.path("interface", "wireguard")
    wg.add(name="wg0", **{"private-key": private})
    row = list(wg)[0]
    assert row["private-key"] == private and row["public-key"] == wg_pubkey(private)


def test_unclamped_key_gives_the_same_public_key_as_wg(api):
    raw = bytes(range(1, 33))  # low bits set, top bit set: `wg` clamps it
    private = base64.b64encode(raw).decode()
    wg = api.path("interface", "wireguard")
    wg.add(name="wg0", **{"private-key": private})
    row = list(wg)[0]
    assert row["private-key"] == private            # stored as given
    assert row["public-key"] == wg_pubkey(private)  # derived with clamping


def test_setting_a_new_private_key_changes_the_public_key(api):
    wg = api.path("interface", "wireguard")
    wid = wg.add(name="wg0")
    old = list(wg)[0]["public-key"]
    private = base64.b64encode(bytes(32 * [7])).decode()
    wg.update(**{".id": wid, "private-key": private})
    new = list(wg)[0]["public-key"]
    assert new != old and new == wg_pubkey(private)


def test_auto_names(api):
    wg = api.path("interface", "wireguard")
    wg.add()
    wg.add()
    assert [r["name"] for r in wg] == ["wireguard1", "wireguard2"]
    gre = api.path("interface", "gre")
    gre.add(**{"remote-address": "192.0.2.1"})
    eoip = api.path("interface", "eoip")
    eoip.add(**{"remote-address": "192.0.2.1", "tunnel-id": 7})
    assert [r["name"] for r in gre] == ["gre-tunnel1"] and [r["name"] for r in eoip] == ["eoip-tunnel1"]


def test_peer_defaults_and_live_fields(api):
    api.path("interface", "wireguard").add(name="wg0")
    peers = api.path("interface", "wireguard", "peers")
    peers.add(interface="wg0", **{"public-key": wg_pubkey(base64.b64encode(bytes(32 * [3])).decode()),
                                  "allowed-address": "10.1.101.0/24,10.255.255.1/32"})
    row = list(peers)[0]
    assert row["allowed-address"] == "10.1.101.0/24,10.255.255.1/32"
    assert (row["endpoint-address"], row["endpoint-port"]) == ("", 0)
    # off is left out of print, as community.routeros models it (FIDELITY.md); on, it is printed
    assert "persistent-keepalive" not in row
    peers.update(**{".id": row[".id"], "persistent-keepalive": "25"})
    assert list(peers)[0]["persistent-keepalive"] == "25s"
    assert (row["rx"], row["tx"], row["responder"], row["private-key"]) == (0, 0, False, "none")
    assert "last-handshake" not in row and "current-endpoint-address" not in row
    assert "preshared-key" not in row


def test_allowed_address_host_bits_are_cleared(api):
    api.path("interface", "wireguard").add(name="wg0")
    peers = api.path("interface", "wireguard", "peers")
    pid = peers.add(interface="wg0", **{"public-key": base64.b64encode(bytes(32 * [5])).decode(),
                                        "allowed-address": "10.1.101.7/24,10.9.9.9"})
    assert [r["allowed-address"] for r in peers if r[".id"] == pid] == ["10.1.101.0/24,10.9.9.9/32"]


def test_preshared_key_auto_is_generated(api):
    api.path("interface", "wireguard").add(name="wg0")
    peers = api.path("interface", "wireguard", "peers")
    peers.add(interface="wg0", **{"public-key": base64.b64encode(bytes(32 * [9])).decode(),
                                  "allowed-address": "10.1.0.0/24", "preshared-key": "auto"})
    psk = list(peers)[0]["preshared-key"]
    assert psk != "auto" and len(base64.b64decode(psk)) == 32


def test_bad_public_key_is_refused(api):
    api.path("interface", "wireguard").add(name="wg0")
    with pytest.raises(TrapError) as err:
        api.path("interface", "wireguard", "peers").add(
            interface="wg0", **{"public-key": "not-a-key", "allowed-address": "10.1.0.0/24"})
    assert err.value.message == "invalid value for argument public-key"


def test_tunnel_actual_mtu_and_eoip_mac(api):
    gre = api.path("interface", "gre")
    gre.add(name="gre1", **{"remote-address": "192.0.2.1"})
    eoip = api.path("interface", "eoip")
    eoip.add(name="eoip1", **{"remote-address": "192.0.2.1", "tunnel-id": 10})
    g, e = list(gre)[0], list(eoip)[0]
    assert (g["mtu"], g["actual-mtu"], g["keepalive"], g["local-address"]) == ("auto", 1476, "10s,10", "0.0.0.0")
    assert (e["actual-mtu"], e["l2mtu"], e["arp"]) == (1458, 65535, "enabled")
    assert e["mac-address"].startswith("FE:") and len(e["mac-address"]) == 17
    eoip.update(**{".id": "eoip1", "mtu": 1500})
    assert list(eoip)[0]["actual-mtu"] == 1500
