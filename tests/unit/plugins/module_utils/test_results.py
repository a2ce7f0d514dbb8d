"""What a module returns: rows as entries, and the rows as they will be after the operations."""

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import engine as eng
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import resources as res
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.results import Entries, predict

PSK = "hHp7k4vVQyTRbRXkq0Cdm8Hzn7nhoTsm1UVLWE5mJCI="


def test_rows_become_entries_with_option_names_owner_and_the_family_of_their_path():
    rows = {"/ipv6/firewall/filter": [{".id": "*1", "chain": "input", "action": "accept", "log": "false",
                                       "comment": "sitelink:fleet wg-in"},
                                      {".id": "*2", "chain": "input", "action": "drop", "comment": "defconf"}]}
    entries = Entries(res.FIREWALL_RULES, "fleet")
    assert entries.entries(rows) == [{"chain": "input", "action": "accept", "log": False, "family": "ipv6",
                                      "owner": "fleet", "name": "wg-in", "managed": True, "id": "*1"}]
    assert entries.entries(rows, managed_only=False)[1] == {"chain": "input", "action": "drop", "family": "ipv6",
                                                            "comment": "defconf", "managed": False, "id": "*2"}


def test_a_path_chosen_by_a_field_adds_no_family_and_secrets_are_redacted():
    rows = {"/interface/wireguard/peers": [{".id": "*1", "interface": "wg0", "preshared-key": PSK,
                                            "last-handshake": "5s", "comment": "sitelink:fleet a--b"}]}
    out = Entries(res.WIREGUARD_PEERS, "fleet").entries(rows)
    assert out == [{"interface": "wg0", "preshared_key": eng.REDACTED, "last_handshake": "5s", "owner": "fleet",
                    "comment": "a--b", "managed": True, "id": "*1"}]
    route = {".id": "*1", "comment": "sitelink:fleet"}
    assert "family" not in Entries(res.ROUTES, "fleet").entries({"/ip/route": [route]})[0]


def test_predict_applies_the_operations_to_a_copy_of_the_rows():
    engine = eng.Engine(res.WIREGUARD_INTERFACES, "r1")
    rows = {"/interface/wireguard": [{".id": "*1", "name": "wg0", "mtu": "1420", "comment": "sitelink:fleet"},
                                     {".id": "*2", "name": "wg1", "comment": "sitelink:fleet"}]}
    ops = engine.plan([{"name": "wg0", "mtu": 1400}, {"name": "wg2"}], "overridden", rows)
    after = predict(rows, ops)["/interface/wireguard"]
    assert [(r[".id"], r.get("name"), r.get("mtu")) for r in after] == [("*1", "wg0", "1400"), ("(new)", "wg2", None)]
    assert rows["/interface/wireguard"][0]["mtu"] == "1420"
