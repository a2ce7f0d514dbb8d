"""A RouterOS site rendered for /import: keys as script variables set at the top, preshared keys only in their own
0600 file when asked, never a private key, and a file written so that it imports as it is."""

import os
import re
import stat

from ansible_collections.sitelink.tunnels.plugins.module_utils.topology import model, plan
from ansible_collections.sitelink.tunnels.plugins.plugin_utils import drivers, routeros_script, site_files
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.drivers.base import SecretText

from corpus import all_problems, cases, load

SECRET = "unit-test-secret-for-the-render"
KEY_A = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
EXTERNAL_KEY = "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="


def fleet(extra_sites=None):
    sites, settings, _expected = load(cases("good")[0])
    sites.update(extra_sites or {})
    m = model.load(sites, dict(settings, sitelink_psk_secret=SECRET))
    assert all_problems(m) == []
    return dict((name, plan.plan_site(m, name)) for name in m.sites)


def files(plans, host, **settings):
    return drivers.of(plans[host]).files(plans[host], host, dict({"owner": "fleet"}, **settings))


def commands(text):
    return [line for line in text.splitlines() if not line.startswith("#")]


def test_each_peer_key_is_a_variable_set_at_the_top_and_every_line_using_it_declares_it():
    hub = files(fleet(), "hub", public_keys={"branch-a": KEY_A})["hub.rsc"]
    lines = commands(hub)
    assert lines[:2] == [':global sitelinkKeyBranchA "%s"' % KEY_A, ':global sitelinkKeyBranchB ""']
    assert "# the public key of branch-b (SET IT)" in hub.splitlines()
    peers = [line for line in lines if "/interface wireguard peers add " in line]
    assert len(peers) == 2
    for peer, variable in zip(peers, ("BranchA", "BranchB")):
        assert peer.startswith(":global sitelinkKey%s; :global sitelinkPsk%s; /interface wireguard peers add "
                               % (variable, variable))
        assert "public-key=$sitelinkKey%s" % variable in peer and "preshared-key=$sitelinkPsk%s" % variable in peer
    # an unset variable stops the import before anything is written: the guards come before the first menu line
    first_write = next(i for i, line in enumerate(lines) if "/interface wireguard add " in line)
    guards = [i for i, line in enumerate(lines) if ":error " in line]
    assert len(guards) == 4 and max(guards) < first_write
    assert ':error "sitelink: set sitelinkKeyBranchB (the public key of branch-b) at the top of hub.rsc"' in hub
    # and the file leaves no variable behind
    assert lines[-4:] == ["/system script environment remove [ find where name=%s ]" % v for v in (
        "sitelinkKeyBranchA", "sitelinkKeyBranchB", "sitelinkPskBranchA", "sitelinkPskBranchB")]


def test_nothing_only_a_router_knows_is_a_placeholder_in_a_command_line():
    for host, text in ((h, files(fleet(), h)["%s.rsc" % h]) for h in ("hub", "branch-a", "branch-b")):
        for line in commands(text):
            # a placeholder ("<public key of X>", "<redacted>") would stop /import at its line
            assert not re.search(r'"<[^"]*>"', line), (host, line)


def test_no_secret_in_the_rsc_and_the_preshared_keys_only_when_asked_in_their_own_file():
    plans = fleet()
    secrets = [plan.peer_preshared_key(plans["hub"], peer, SECRET) for peer in plans["hub"]["peers"]]
    assert len(secrets) == 2 and all(secrets)
    default = files(plans, "hub", psk_secret=SECRET)
    assert list(default) == ["hub.rsc"]
    asked = files(plans, "hub", psk_secret=SECRET, preshared_keys=True)
    assert sorted(asked) == ["hub.psk.rsc", "hub.rsc"] and asked["hub.rsc"] == default["hub.rsc"]
    assert not any(secret in default["hub.rsc"] for secret in secrets)
    psk = asked["hub.psk.rsc"]
    assert isinstance(psk, SecretText) and not isinstance(asked["hub.rsc"], SecretText)
    assert commands(psk) == [':global sitelinkPskBranchA "%s"' % secrets[0], ':global sitelinkPskBranchB "%s"'
                             % secrets[1]]


def test_preshared_keys_asked_without_the_fleet_secret_are_refused():
    try:
        files(fleet(), "hub", preshared_keys=True)
    except ValueError as exc:
        assert "sitelink_psk_secret" in str(exc)
    else:
        raise AssertionError("a preshared-key file was rendered without a secret")


def test_an_external_peer_key_from_the_inventory_is_written_as_it_is():
    plans = fleet({"partner": {"id": 9, "lans": ["10.9.0.0/24"], "endpoint": "192.0.2.9", "platform": "external",
                               "public_key": EXTERNAL_KEY}})
    assert "partner" in [p["peer"] for p in plans["hub"]["peers"]]
    hub = files(plans, "hub")["hub.rsc"]
    assert 'public-key="%s"' % EXTERNAL_KEY in hub and "sitelinkKeyPartner" not in hub


def test_variable_names_are_one_word_and_never_shared():
    taken = set()
    names = [routeros_script.variable_name("sitelinkKey", site, taken) for site in ("branch-a", "branch.a", "hq_1")]
    assert names == ["sitelinkKeyBranchA", "sitelinkKeyBranchA2", "sitelinkKeyHq1"]
    assert all(re.match(r"^[A-Za-z][A-Za-z0-9]*$", name) for name in names)


def test_the_wireguard_interface_is_added_only_when_the_router_lacks_it_and_the_header_says_so():
    hub = files(fleet(), "hub")["hub.rsc"]
    line = next(line for line in commands(hub) if "/interface wireguard add " in line)
    assert line.startswith(":if ([:len [/interface wireguard find where name=wg-sitelink]] = 0) do={ "
                           "/interface wireguard add ")
    assert "#   " + line in hub.splitlines()
    assert "For RouterOS 7.12 or later" in hub.splitlines()[1]
    assert "private-key" not in hub


def test_a_secret_file_is_written_0600_even_over_an_older_readable_file(tmp_path):
    dest = tmp_path / "rendered"
    dest.mkdir()
    (dest / "hub.psk.rsc").write_text("old")
    os.chmod(str(dest / "hub.psk.rsc"), 0o644)
    paths, written = site_files.write(str(dest), {"hub.rsc": "x\n", "hub.psk.rsc": SecretText("secret\n")}, False)
    assert sorted(written) == sorted(paths)
    assert stat.S_IMODE(os.stat(str(dest / "hub.psk.rsc")).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(dest / "hub.rsc")).st_mode) & 0o077 != 0
    # same text, but a mode someone widened: written again, narrowed
    os.chmod(str(dest / "hub.psk.rsc"), 0o644)
    _paths, written = site_files.write(str(dest), {"hub.psk.rsc": SecretText("secret\n")}, False)
    assert written == [str(dest / "hub.psk.rsc")]
    assert stat.S_IMODE(os.stat(str(dest / "hub.psk.rsc")).st_mode) == 0o600
    assert site_files.write(str(dest), {"hub.psk.rsc": SecretText("secret\n")}, False)[1] == []


class FakeFleet(object):
    """What add_keys_and_secrets asks of the fleet step's context."""

    def __init__(self, secret):
        self.secret = secret

    def role_setting(self, name, sites):
        assert name == "sitelink_psk_secret"
        return dict((site, self.secret) for site in sites)


def test_keys_are_read_once_per_peer_only_when_asked_and_the_secret_only_for_the_sites_that_ask(monkeypatch):
    plans = fleet()
    read = []

    def public_key(_driver, _fleet, site, interface, warnings):
        read.append((site, interface))
        if site == "branch-b":
            warnings.append("branch-b: no answer")
            return None
        return "key of %s" % site

    monkeypatch.setattr(type(drivers.of(plans["hub"])), "public_key", public_key)
    sites = ["hub", "branch-a", "branch-b"]
    settings = dict((s, {"read_keys": False, "preshared_keys": False}) for s in sites)
    assert site_files.add_keys_and_secrets(FakeFleet(SECRET), plans, sites, settings) == [] and read == []
    assert all(settings[s]["public_keys"] == {} and settings[s]["psk_secret"] is None for s in sites)
    settings = dict((s, {"read_keys": True, "preshared_keys": s == "hub"}) for s in sites)
    warnings = site_files.add_keys_and_secrets(FakeFleet(SECRET), plans, sites, settings)
    assert warnings == ["branch-b: no answer"]
    assert sorted(read) == [("branch-a", "wg-sitelink"), ("branch-b", "wg-sitelink"), ("hub", "wg-sitelink")]
    assert settings["hub"]["public_keys"] == {"hub": "key of hub", "branch-a": "key of branch-a", "branch-b": None}
    assert [settings[s]["psk_secret"] for s in sites] == [SECRET, None, None]
    hub = files(plans, "hub", **settings["hub"])
    assert ':global sitelinkKeyBranchA "key of branch-a"' in hub["hub.rsc"]
    assert ':global sitelinkKeyBranchB ""' in hub["hub.rsc"] and "hub.psk.rsc" in hub


def test_render_switches_given_as_text_are_switches():
    class Settings(object):
        @staticmethod
        def role_setting(name, sites):
            return dict((site, {"sitelink_render_read_keys": "true", "sitelink_render_preshared_keys": "no"}.get(
                name, "fleet")) for site in sites)

    out = site_files.render_settings(Settings(), ["hub"], {})["hub"]
    assert out["read_keys"] is True and out["preshared_keys"] is False
