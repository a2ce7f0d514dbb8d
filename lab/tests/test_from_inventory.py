"""rosemu --from-inventory: one emulated router per RouterOS site of a real inventory, and its connection file."""

import os
import stat

import pytest
import yaml

from rosemu import from_inventory, scenario
from rosemu.cli import generate_certificate
from rosemu.lab import Lab

SITES = {
    "hq": {"sitelink_site": {"id": 1, "lans": ["10.10.0.0/24", "fd10::/64"], "endpoint": "203.0.113.10"}},
    "shop": {"sitelink_site": {"id": 2, "lans": ["10.10.2.0/24", "10.20.2.0/23"]}},
    "printer": {"ansible_host": "10.10.0.9"},        # not a site: no router
}


def test_routeros_sites_only_and_linux_refused_by_name():
    assert [host for host, _site in from_inventory.sites_of(SITES)] == ["hq", "shop"]
    linux = dict(SITES, gw={"sitelink_site": {"id": 3, "platform": "linux", "lans": []}})
    with pytest.raises(from_inventory.InventoryError, match=r"gw: a linux site"):
        from_inventory.sites_of(linux)
    with pytest.raises(from_inventory.InventoryError, match="no RouterOS site"):
        from_inventory.sites_of({"printer": {}})


def test_routers_get_the_sites_wan_and_lans(tmp_path):
    specs, password = from_inventory.specs_and_password(from_inventory.sites_of(SITES), "7.18")
    cert, key = generate_certificate(str(tmp_path / "tls"))
    lab = Lab(specs, tls_cert=cert, tls_key=key).start()
    try:
        def addresses(name, path):
            return lab.call(lambda: sorted((i.values["address"], i.values["interface"])
                                           for i in lab.router(name).tables[path]))
        assert ("203.0.113.10/32", "ether1") in addresses("hq", "/ip/address")
        assert ("10.10.0.1/24", "bridge") in addresses("hq", "/ip/address")
        assert ("fd10::1/64", "bridge") in addresses("hq", "/ipv6/address")
        shop = addresses("shop", "/ip/address")
        assert ("198.18.0.2/32", "ether1") in shop            # no endpoint: the second spare address
        assert {("10.10.2.1/24", "bridge"), ("10.20.2.1/23", "bridge")} <= set(shop)
        default = lab.call(lambda: [i.values for i in lab.router("shop").tables["/ip/route"]
                                    if i.values.get("dst-address") == "0.0.0.0/0"])
        assert default and default[0]["gateway"] == "ether1" and default[0].get("active") == "true"
        # the shop reaches the hub's endpoint across the lab's underlay
        assert lab.call(lambda: lab.fabric.why(lab.router("shop"), "203.0.113.10")) == "ok"

        path = str(tmp_path / "connections.yml")
        from_inventory.write_connections(path, lab, password, "/lab/cert.pem")
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600          # it holds the lab user's password
        hosts = yaml.safe_load(open(path, encoding="utf-8"))["all"]["children"]["rosemu_routers"]["hosts"]
        assert hosts["hq"]["sitelink_routeros"] == {"port": lab.port("hq", "api-ssl"), "tls": True,
                                                    "ca_path": "/lab/cert.pem", "username": "sitelink",
                                                    "password": password}
    finally:
        lab.stop()


def test_write_scenario_copies_every_file_and_never_overwrites(tmp_path, capsys):
    target = str(tmp_path / "molecule" / "sitelink")
    assert scenario.write(target) == 0
    assert sorted(os.listdir(target)) == sorted(scenario.FILES)
    assert yaml.safe_load(open(os.path.join(target, "molecule.yml"), encoding="utf-8"))["driver"]["name"] == "default"
    assert scenario.write(target) == 1
    assert "not overwritten" in capsys.readouterr().err
