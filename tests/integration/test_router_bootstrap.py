"""playbooks/router_bootstrap.yml on fresh emulated routers that have only their admin (issue 22, item 2): after
it the role reaches every router over API-SSL as the new least-privilege user, checking the certificate with the
CA the playbook wrote; a second run sends no write sentence; the plain API can be turned off at the end."""

import json
import os

import librouteros
import pytest
from librouteros.exceptions import ConnectionClosed

from lab_fleet import GOOD, PLAYBOOK, ROLE_POLICIES, WAN, reset, writes
from playbook_runs import ROOT, run_playbook
from rosemu.lab import Lab, RouterSpec

BOOTSTRAP = os.path.join(ROOT, "playbooks", "router_bootstrap.yml")
PASSWORD = "api-user-secret"


@pytest.fixture
def fresh(tmp_path):
    specs = [RouterSpec(name, setup=[["/ip/address/add", "=address=%s/24" % wan, "=interface=ether1"],
                                     ["/ip/address/set", "=numbers=*1", "=address=%s/24" % lan]])
             for name, (wan, lan) in WAN.items()]
    lab = Lab(specs, time_scale=10, router_certificates=True).start()
    yield lab
    lab.stop()


def inventory(tmp_path, lab, name, settings):
    path = tmp_path / name
    path.write_text(json.dumps({"all": {"hosts": dict(
        (host, dict({"ansible_host": "127.0.0.1"}, **settings(host))) for host in WAN)}}))
    return str(path)


def bootstrap(tmp_path, lab, *flags):
    hosts = inventory(tmp_path, lab, "bootstrap.yml", lambda host: {"sitelink_bootstrap_port": lab.port(host)})
    extra = {"sitelink_bootstrap_user_password": PASSWORD, "sitelink_bootstrap_ca_dir": str(tmp_path / "ca")}
    return run_playbook(BOOTSTRAP, [GOOD, hosts], "-e", json.dumps(extra), *flags, timeout=300)


def test_a_fresh_router_is_ready_for_the_role_over_tls_and_a_second_run_changes_nothing(fresh, tmp_path):
    lab = fresh
    first = bootstrap(tmp_path, lab)
    assert first.returncode == 0, first.out[-4000:]
    assert first.out.count("changed=1") == 3 and PASSWORD not in first.out, first.out[-3000:]
    for host in WAN:
        groups = lab.call(lambda h=host: [g.values for g in lab.router(h).tables["/user/group"]
                                          if g.values["name"] == "sitelink"])
        assert len(groups) == 1 and set(p for p in groups[0]["policy"].split(",") if not p.startswith("!")) \
            == set(ROLE_POLICIES.split(",")), groups
        assert (tmp_path / "ca" / ("%s-ca.pem" % host)).read_text().startswith("-----BEGIN CERTIFICATE-----")
    reset(lab)
    again = bootstrap(tmp_path, lab)
    assert again.returncode == 0 and again.out.count("changed=0") == 3, again.out[-3000:]
    assert writes(lab) == {"hub": 0, "branch-a": 0, "branch-b": 0}

    connections = inventory(tmp_path, lab, "connections.yml", lambda host: {"sitelink_routeros": {
        "port": lab.port(host, "api-ssl"), "username": "ansible", "password": PASSWORD,
        "ca_path": str(tmp_path / "ca" / ("%s-ca.pem" % host))}})
    run = run_playbook(PLAYBOOK, [GOOD, connections], "-e", json.dumps({"sitelink_verify_delay": 1}), timeout=300)
    assert run.returncode == 0, run.out[-4000:]
    assert "4 link ends up, 0 down, 0 pending" in run.out and "lacks the policy" not in run.out


def test_the_plain_api_is_turned_off_at_the_end_when_asked(fresh, tmp_path):
    lab = fresh
    run = bootstrap(tmp_path, lab, "-e", "sitelink_bootstrap_disable_api=true")
    assert run.returncode == 0, run.out[-4000:]
    with pytest.raises((OSError, ConnectionClosed)):
        librouteros.connect("127.0.0.1", "admin", "", port=lab.port("hub"), timeout=5)
    # later runs connect to api-ssl, checking it with the CA file the first run wrote, and change nothing
    hosts = inventory(tmp_path, lab, "bootstrap-tls.yml",
                      lambda host: {"sitelink_bootstrap_port": lab.port(host, "api-ssl")})
    extra = {"sitelink_bootstrap_user_password": PASSWORD, "sitelink_bootstrap_ca_dir": str(tmp_path / "ca"),
             "sitelink_bootstrap_tls": True, "sitelink_bootstrap_disable_api": True}
    reset(lab)
    again = run_playbook(BOOTSTRAP, [GOOD, hosts], "-e", json.dumps(extra), timeout=300)
    assert again.returncode == 0 and again.out.count("changed=0") == 3, again.out[-3000:]
    assert writes(lab) == {"hub": 0, "branch-a": 0, "branch-b": 0}


def test_the_user_password_is_never_shown_even_at_high_verbosity(fresh, tmp_path):
    run = bootstrap(tmp_path, fresh, "-vvv", "--diff")
    assert run.returncode == 0, run.out[-4000:]
    assert "/user/add" in run.out and PASSWORD not in run.out
