"""On Linux, as on RouterOS, only the one marker `sitelink:OWNER` makes a GRE interface or an nftables table ours:
an alias or a table comment that is only `sitelink` (the form of versions that were never released) is someone
else's, refused when a task names it and never removed."""

import json

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.linux import engine
from ansible_collections.sitelink.tunnels.plugins.module_utils.linux.engine import LinuxError
from ansible_collections.sitelink.tunnels.plugins.modules import linux_firewall, linux_gre_tunnels

from linux_fakes import FakeHost

GRE_SHOW = ("ip", "-j", "-d", "address", "show")


def gre_link(name, alias):
    return {"ifname": name, "mtu": 1396, "ifalias": alias, "flags": ["POINTOPOINT", "UP"], "addr_info": [],
            "linkinfo": {"info_kind": "gre", "info_data": {"local": "10.255.0.1", "remote": "10.255.0.0", "ttl": 64}}}


def gre_params(state):
    return {"owner": "fleet", "state": state, "config": [
        {"name": "gre-a", "local": "10.255.0.1", "remote": "10.255.0.0", "mtu": 1396, "ttl": 64, "addresses": [],
         "comment": None}]}


def test_a_gre_interface_aliased_only_sitelink_is_not_ours():
    host = FakeHost({GRE_SHOW: (0, json.dumps([gre_link("gre-a", "sitelink"), gre_link("gre-b", "sitelink x")]), "")})
    run = engine.Runner(host, False)
    with pytest.raises(LinuxError, match="gre-a: a GRE interface of that name exists and is not ours"):
        linux_gre_tunnels.converge(gre_params("overridden"), run)
    host = FakeHost({GRE_SHOW: (0, json.dumps([gre_link("gre-a", "sitelink:fleet"), gre_link("gre-b", "sitelink")]),
                                "")})
    run = engine.Runner(host, False)
    linux_gre_tunnels.converge(dict(gre_params("overridden"), config=[]), run)
    assert run.commands == ["ip link del dev gre-a"]                 # ours goes, the owner-less one stays


def test_an_nftables_table_commented_only_sitelink_is_not_ours():
    table = ("nft", "list", "table", "inet", "sitelink")
    host = FakeHost({table: (0, 'table inet sitelink {\n\tcomment "sitelink"\n}\n', ""),
                     ("nft", "-j", "list", "table", "inet", "sitelink"): (0, '{"nftables": []}', "")})
    run = engine.Runner(host, False)
    params = {"table": "sitelink", "owner": "fleet", "rules": [], "priority": -10, "state": "absent"}
    with pytest.raises(LinuxError, match="table inet sitelink exists and is not ours"):
        linux_firewall.converge(params, run)
    assert run.commands == []
