"""The resource-modules issue's acceptance: a whole site, twice, next to the user's own configuration."""

import os

from playbook_runs import run_playbook

HERE = os.path.dirname(os.path.abspath(__file__))
PSK = "q0Cdm8Hzn7nhoTsm1UVLWE5mJCIhHp7k4vVQyTRbRXk="
MANAGED_PATHS = ("/interface/wireguard", "/interface/wireguard/peers", "/interface/gre", "/interface/eoip",
                 "/ip/address", "/ip/route", "/ip/firewall/filter")


def unmanaged(ansible):
    """Every entry the collection does not own, as print shows it (dynamic routes aside)."""
    out = {}
    for path in MANAGED_PATHS + ("/interface/bridge", "/interface/bridge/port", "/interface/list/member"):
        out[path] = [r for r in ansible.rows(path) if not r.get("comment", "").startswith("sitelink")
                     and r.get("dynamic") != "true"]
    return out


def play(ansible, *flags):
    return run_playbook(os.path.join(HERE, "playbooks", "site_resources.yml"), ansible.inventory,
                        "-e", "psk_hub=" + PSK, *flags, timeout=300)


def test_site_first_run_changes_second_run_writes_nothing(ansible):
    api = ansible.api()
    api.path("interface", "wireguard").add(name="wg-mgmt", comment="the user's own tunnel", **{"listen-port": 13300})
    api.path("ip", "address").add(address="10.99.0.1/24", interface="ether5", comment="user's address")
    api.path("ip", "route").add(**{"dst-address": "10.98.0.0/16", "gateway": "ether1", "comment": "user's route"})
    api.close()
    before = unmanaged(ansible)

    first = play(ansible, "--diff")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "changed=7" in first.stdout
    assert PSK not in first.stdout + first.stderr
    assert len(ansible.rows("/interface/wireguard/peers")) == 2
    assert len([r for r in ansible.rows("/ip/firewall/filter") if r.get("comment", "").startswith("sitelink")]) == 4

    ansible.reset_counters()
    second = play(ansible)
    assert second.returncode == 0 and "changed=0" in second.stdout, second.stdout
    assert ansible.writes() == 0
    prints = [s[0] for s in ansible.sentences() if s[0].endswith("/print")]
    session_reads = ("/interface/print", "/system/resource/print", "/user/print", "/user/group/print")
    assert len([p for p in prints if p not in session_reads]) == 7  # one per path
    for once_per_session in session_reads[1:]:                  # the release and the user's policies
        assert prints.count(once_per_session) == 7, once_per_session

    assert unmanaged(ansible) == before                                      # byte for byte
