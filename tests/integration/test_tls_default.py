"""The site_tunnel role talks to routers over API-SSL (TLS, certificate and host name verified) unless told
`tls: false`, which warns once per run that the password crosses the network in clear text.

Each lab router serves both the plain API and API-SSL (a self-signed certificate for 127.0.0.1); the inventory
says which port and options every host uses.
"""

import json
import re

import pytest

from rosemu.cli import generate_certificate
from rosemu.lab import Lab, RouterSpec
from lab_fleet import GOOD, WAN, play, writes

CLEAR_TEXT = "crosses the network in clear text"
# extra variables as JSON: typed values (key=value would give strings)
QUICK = ("-e", json.dumps({"sitelink_verify_delay": 1}))
NO_VERIFY = ("-e", json.dumps({"sitelink_verify": False}))


@pytest.fixture
def tls_fleet(tmp_path):
    specs = [RouterSpec(name, setup=[["/ip/address/add", "=address=%s/24" % wan, "=interface=ether1"],
                                     ["/ip/address/set", "=numbers=*1", "=address=%s/24" % lan]])
             for name, (wan, lan) in WAN.items()]
    cert, key = generate_certificate(str(tmp_path / "tls"))
    # the fabric's timers ten times faster: handshake retries every 0.5 s, GRE/EoIP keepalives every 1 s
    lab = Lab(specs, tls_cert=cert, tls_key=key, time_scale=10).start()
    try:
        yield lab, cert
    finally:
        lab.stop()


def connections(tmp_path, lab, settings):
    """An inventory of the lab's connection variables: {host: its sitelink_routeros} (JSON is YAML)."""
    path = tmp_path / "connections.yml"
    hosts = dict((name, {"ansible_host": "127.0.0.1", "sitelink_routeros": settings[name]}) for name in WAN)
    path.write_text(json.dumps({"all": {"hosts": hosts}}))
    return str(path)


def over_tls(lab, ca_path):
    """Every router by its API-SSL port and the lab's CA; no `tls` key: the role's default."""
    return dict((name, {"port": lab.port(name, "api-ssl"), "ca_path": ca_path}) for name in WAN)


def warnings(out):
    return [line for line in out.splitlines() if CLEAR_TEXT in line]


def test_the_role_converges_over_tls_with_ca_path_and_warns_nothing(tls_fleet, tmp_path):
    lab, cert = tls_fleet
    inventory = connections(tmp_path, lab, over_tls(lab, cert))
    run = play(GOOD, inventory, *QUICK)
    assert run.returncode == 0, run.out[-4000:]
    assert "4 link ends up, 0 down, 0 pending" in run.out
    assert all(n > 0 for n in writes(lab).values())
    assert warnings(run.out) == []
    again = play(GOOD, inventory, *QUICK)
    assert again.returncode == 0 and again.out.count("changed=0") == 3, again.out[-3000:]


def test_a_wrong_ca_fails_each_router_by_name_and_asks_for_ca_path(tls_fleet, tmp_path):
    lab, _cert = tls_fleet
    other, _key = generate_certificate(str(tmp_path / "other-ca"))      # a CA that did not sign the routers'
    run = play(GOOD, connections(tmp_path, lab, over_tls(lab, other)), *NO_VERIFY)
    assert run.returncode != 0
    for name in WAN:
        message = re.search(r"%s \(127\.0\.0\.1:%d, TLS\): TLS certificate verification failed \([^)]*\); ([^\"\n]*)"
                            % (re.escape(name), lab.port(name, "api-ssl")), run.out)
        assert message, run.out[-4000:]
        assert "ca_path" in message.group(1)
    assert "validate_certs" not in run.out
    assert writes(lab) == {"hub": 0, "branch-a": 0, "branch-b": 0}


def test_the_key_read_of_a_peer_outside_the_play_uses_tls_and_names_it(tls_fleet, tmp_path):
    """--limit: the hub is outside the play and only read for its key, with its own sitelink_routeros and the
    role's defaults (TLS, verified)."""
    lab, cert = tls_fleet
    settings = over_tls(lab, cert)
    assert play(GOOD, connections(tmp_path, lab, settings), *NO_VERIFY).returncode == 0
    settings["hub"]["ca_path"] = generate_certificate(str(tmp_path / "other-ca"))[0]
    run = play(GOOD, connections(tmp_path, lab, settings), "--limit", "branch-a,branch-b", *NO_VERIFY)
    assert run.returncode == 0, run.out[-3000:]
    assert "hub (127.0.0.1:%d, TLS): TLS certificate verification failed" % lab.port("hub", "api-ssl") in run.out
    assert "its links wait until it can be read" in run.out and "validate_certs" not in run.out


def test_tls_false_works_and_warns_once_for_the_whole_fleet(tls_fleet, tmp_path):
    lab, _cert = tls_fleet
    plain = dict((name, {"port": lab.port(name), "tls": False}) for name in WAN)
    run = play(GOOD, connections(tmp_path, lab, plain), *QUICK)
    assert run.returncode == 0, run.out[-4000:]
    assert "4 link ends up, 0 down, 0 pending" in run.out
    found = warnings(run.out)
    assert len(found) == 1 and run.out.count(CLEAR_TEXT) == 1, found
    assert found[0].startswith("[WARNING]") and "3 RouterOS site(s) (branch-a, branch-b, hub)" in found[0], found


def test_the_warning_names_only_the_sites_on_the_plain_api(tls_fleet, tmp_path):
    lab, cert = tls_fleet
    settings = over_tls(lab, cert)
    settings["branch-b"] = {"port": lab.port("branch-b"), "tls": False}
    run = play(GOOD, connections(tmp_path, lab, settings), *NO_VERIFY)
    assert run.returncode == 0, run.out[-4000:]
    found = warnings(run.out)
    assert len(found) == 1 and "1 RouterOS site(s) (branch-b)" in found[0], found


def test_a_site_reached_at_a_host_name_is_named_as_one_the_lockout_guard_could_not_check(tls_fleet, tmp_path):
    """The guard compares addresses and looks no name up: it says which sites it left unchecked."""
    lab, _cert = tls_fleet
    plain = dict((name, {"port": lab.port(name), "tls": False}) for name in WAN)
    inventory = connections(tmp_path, lab, plain)
    with open(inventory, encoding="utf-8") as handle:
        hosts = json.load(handle)
    hosts["all"]["hosts"]["branch-b"]["ansible_host"] = "localhost"
    with open(inventory, "w", encoding="utf-8") as handle:
        json.dump(hosts, handle)
    run = play(GOOD, inventory, *NO_VERIFY)
    assert run.returncode == 0, run.out[-4000:]
    assert "the lockout guard could not check 1 site(s) (branch-b): each is reached at a host name" in run.out, \
        run.out[-3000:]


def test_unchecked_certificates_warn_once_naming_the_sites(tls_fleet, tmp_path):
    lab, cert = tls_fleet
    settings = over_tls(lab, cert)
    settings["hub"] = {"port": lab.port("hub", "api-ssl"), "validate_certs": False}
    run = play(GOOD, connections(tmp_path, lab, settings), *NO_VERIFY)
    assert run.returncode == 0, run.out[-4000:]
    assert run.out.count("validate_certs is false") == 1, run.out[-3000:]
    assert "sitelink_routeros.validate_certs is false for 1 RouterOS site(s) (hub): their certificates are not " \
        "checked" in run.out
    assert warnings(run.out) == []
