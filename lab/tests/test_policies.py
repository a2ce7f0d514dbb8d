"""User groups and their policies: login over the API, reads, writes, ping, and sensitive values."""

import librouteros
import pytest
from librouteros.exceptions import TrapError

from labkit import RawClient, make_lab
from rosemu import cli
from rosemu.lab import RouterSpec

KEY = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
PSK = "FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE="
GROUPS = {"noapi": "read,write,sensitive,test", "nosensitive": "api,read,write,test",
          "nowrite": "api,read,sensitive,test", "notest": "api,read,write,sensitive",
          "sitelink": "api,read,write,sensitive,test"}
USERS = dict([("admin", ("", "full"))] + [(g, ("pw", g)) for g in GROUPS] + [("reader", ("pw", "read"))])


@pytest.fixture
def lab():
    lab = make_lab([RouterSpec("r1", users=USERS, groups=GROUPS)])
    admin = librouteros.connect("127.0.0.1", "admin", "", port=lab.port("r1"))
    admin.path("interface", "wireguard").add(name="wg1", **{"private-key": KEY})
    peer = {"interface": "wg1", "public-key": KEY, "allowed-address": "10.0.0.2/32", "preshared-key": PSK}
    admin.path("interface", "wireguard", "peers").add(**peer)
    admin.close()
    yield lab
    lab.stop()


def login(lab, user):
    return librouteros.connect("127.0.0.1", user, "pw", port=lab.port("r1"), timeout=10)


def test_built_in_groups_have_routeros_policies(lab):
    conn = login(lab, "reader")
    groups = dict((r["name"], r["policy"].split(",")) for r in conn.path("user", "group"))
    assert {"read", "sensitive", "api", "test", "!write", "!policy", "!ftp"} <= set(groups["read"])
    assert {"read", "write", "sensitive", "api", "test", "!policy", "!ftp"} <= set(groups["write"])
    assert not [p for p in groups["full"] if p.startswith("!")]
    assert groups["sitelink"][:5] == ["read", "write", "test", "sensitive", "api"]
    users = dict((r["name"], r) for r in conn.path("user"))
    assert users["sitelink"]["group"] == "sitelink" and users["admin"]["group"] == "full"
    assert not [u for u in users.values() if "password" in u]          # a password is never printed


def test_login_without_api_policy_is_refused_as_a_bad_password(lab):
    client = RawClient(lab.port("r1"))
    assert client.login("noapi", "pw") == [["!trap", "=message=invalid user name or password (6)"], ["!done"]]
    assert client.command("/system/identity/print")[0][0] == "!trap"      # still not logged in
    client.close()


def test_sensitive_values_are_left_out_without_the_sensitive_policy(lab):
    conn = login(lab, "nosensitive")
    interface = list(conn.path("interface", "wireguard"))[0]
    peer = list(conn.path("interface", "wireguard", "peers"))[0]
    assert "private-key" not in interface and interface["public-key"]
    assert "preshared-key" not in peer and "private-key" not in peer and peer["allowed-address"] == "10.0.0.2/32"
    # a query on the hidden value matches nothing; get gives it empty
    assert list(conn.path("interface", "wireguard", "peers").select(".id").where(
        librouteros.query.Key("preshared-key") == PSK)) == []
    assert list(conn("/interface/wireguard/peers/get", number=peer[".id"], **{"value-name": "preshared-key"})) \
        == [{"ret": ""}]
    # the group with sensitive sees them
    full = login(lab, "sitelink")
    assert list(full.path("interface", "wireguard", "peers"))[0]["preshared-key"] == PSK
    assert list(full.path("interface", "wireguard"))[0]["private-key"] == KEY


def test_writes_need_the_write_policy(lab):
    conn = login(lab, "nowrite")
    for write in (lambda: conn.path("interface", "list").add(name="x"),
                  lambda: conn.path("system", "identity").update(name="other"),
                  lambda: conn.path("interface", "wireguard", "peers").remove(
                      list(conn.path("interface", "wireguard", "peers"))[0][".id"])):
        with pytest.raises(TrapError) as err:
            write()
        assert err.value.message == "not enough permissions (9)"
    assert list(conn.path("system", "identity")) == [{"name": "r1"}]
    assert len(list(conn.path("interface", "wireguard", "peers"))) == 1
    assert "x" not in [r["name"] for r in conn.path("interface", "list")]


def test_user_management_needs_the_policy_policy(lab):
    conn = login(lab, "sitelink")
    with pytest.raises(TrapError) as err:
        conn.path("user", "group").add(name="more", policy="api,read,write,policy")
    assert err.value.message == "not enough permissions (9)"
    admin = librouteros.connect("127.0.0.1", "admin", "", port=lab.port("r1"))
    admin.path("user", "group").add(name="more", policy="api,read")
    with pytest.raises(TrapError) as err:
        admin.path("user", "group").add(name="bad", policy="api,dude-ish")
    assert err.value.message == "input does not match any value of policy"
    with pytest.raises(TrapError) as err:
        admin.path("user", "group").remove(*[r[".id"] for r in admin.path("user", "group") if r["name"] == "full"])
    assert "builtin" in err.value.message


def test_ping_needs_the_test_policy(lab):
    with pytest.raises(TrapError) as err:
        list(login(lab, "notest")("/ping", address="127.0.0.1", count="1"))
    assert err.value.message == "not enough permissions (9)"
    assert len(list(login(lab, "sitelink")("/ping", address="192.168.88.1", count="1"))) == 1


def test_a_user_added_over_the_api_logs_in_with_its_group(lab):
    admin = librouteros.connect("127.0.0.1", "admin", "", port=lab.port("r1"))
    admin.path("user").add(name="late", password="pw2", group="nosensitive")
    late = librouteros.connect("127.0.0.1", "late", "pw2", port=lab.port("r1"))
    assert "preshared-key" not in list(late.path("interface", "wireguard", "peers"))[0]


def test_cli_and_topology_give_groups_and_users(tmp_path):
    args = cli.parser().parse_args(["--group", "sitelink:api,read,write,sensitive,test",
                                    "--user", "ansible:pw:sitelink"])
    spec = cli.load_specs(args)[0]
    assert spec.groups == {"sitelink": "api,read,write,sensitive,test"} and spec.users == {"ansible": ("pw", "sitelink")}
    topology = tmp_path / "lab.yml"
    topology.write_text("routers:\n  - name: a\n    groups: {ops: 'api,read'}\n    users: ['ops:pw:ops']\n")
    spec = cli.load_specs(cli.parser().parse_args(["--topology", str(topology)]))[0]
    lab = make_lab([spec])
    try:
        conn = librouteros.connect("127.0.0.1", "ops", "pw", port=lab.port("a"))
        assert list(conn.path("system", "identity")) == [{"name": "a"}]
        with pytest.raises(TrapError):
            librouteros.connect("127.0.0.1", "admin", "", port=lab.port("a"))
    finally:
        lab.stop()
