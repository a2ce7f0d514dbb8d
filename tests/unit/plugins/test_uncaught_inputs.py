"""Security review 3, N7: inputs that ended in an uncaught exception (no host, no variable) are refused with a
message naming both: before any router is touched where the fleet step can tell, else when the session opens."""

import os

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import connection
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.errors import RouterosError
from ansible_collections.sitelink.tunnels.plugins.plugin_utils import inventory, site_action

HERE = os.path.dirname(os.path.abspath(__file__))


def problems(host_vars):
    return inventory.role_settings_problems(inventory.role_settings_spec(), host_vars)


@pytest.mark.parametrize("ca_path, why", [("/nonexistent/ca.pem", "No such file"), (__file__, "")])
def test_a_ca_path_that_is_missing_or_not_pem_names_the_router_and_ca_path(ca_path, why):
    params = {"hostname": "127.0.0.1", "tls": True, "ca_path": ca_path, "port": 9}
    with pytest.raises(RouterosError) as raised:
        connection.connect(params, "hub")
    message = str(raised.value)
    assert message.startswith("hub (127.0.0.1:9, TLS): ca_path '%s' cannot be used as the CA certificate" % ca_path)
    assert why in message


def test_the_fleet_step_refuses_a_missing_or_non_pem_ca_path():
    for ca_path in ("/nonexistent/ca.pem", __file__):
        found = problems({"sitelink_routeros": {"ca_path": ca_path}})
        assert len(found) == 1 and found[0][0] == "sitelink_routeros.ca_path", found
        assert "cannot be used as the CA certificate" in found[0][1]


@pytest.mark.parametrize("key, value", [("timeout", -1), ("timeout", 4000), ("port", 70000), ("port", -1)])
def test_a_session_with_an_out_of_range_port_or_timeout_names_the_router_and_the_setting(key, value):
    params = {"hostname": "127.0.0.1", "tls": False, "port": 9, "timeout": 1}
    params[key] = value
    with pytest.raises(RouterosError) as raised:
        connection.connect(params, "hub")
    assert str(raised.value).startswith("hub (127.0.0.1:") and ": %s must be a whole number from" % key \
        in str(raised.value), raised.value


@pytest.mark.parametrize("key, value, bounds", [("port", 70000, "(1 to 65535)"), ("port", "0", "(1 to 65535)"),
                                                ("timeout", -1, "(1 to 3600)")])
def test_the_fleet_step_range_checks_port_and_timeout(key, value, bounds):
    found = problems({"sitelink_routeros": {key: value}})
    assert found == [("sitelink_routeros.%s" % key, "%s is out of range %s" % (value, bounds))]


@pytest.mark.parametrize("variable, value, bounds", [
    ("sitelink_verify_delay", -5, "(0 to 60)"), ("sitelink_verify_count", 0, "(1 to 10)"),
    ("sitelink_verify_retries", 1000000000, "(0 to 100)"), ("sitelink_linux_route_protocol", 2, "(5 to 255)"),
    ("sitelink_linux_route_protocol", 999, "(5 to 255)")])
def test_the_fleet_step_range_checks_the_whole_number_settings(variable, value, bounds):
    assert problems({variable: value}) == [(variable, "%s is out of range %s" % (value, bounds))]


def test_settings_in_range_pass():
    assert problems({"sitelink_verify_delay": 0, "sitelink_verify_count": 1, "sitelink_verify_retries": 15,
                     "sitelink_linux_route_protocol": 157, "sitelink_linux_implementation": "userspace",
                     "sitelink_routeros": {"port": 8729, "timeout": 10}}) == []


def test_the_linux_implementation_has_choices():
    found = problems({"sitelink_linux_implementation": "kernelx"})
    assert len(found) == 1 and found[0][0] == "sitelink_linux_implementation" and "auto, kernel, userspace" \
        in found[0][1], found


def test_a_site_action_used_alone_refuses_a_negative_delay_naming_host_and_variable():
    failure = site_action.out_of_range({"count": 1, "retries": 3, "delay": -5}, "hub")
    assert failure == {"failed": True, "msg": "hub: delay (sitelink_verify_delay): -5 is out of range (0 to 60)"}
    assert site_action.out_of_range({"count": 1, "retries": 3, "delay": 2}, "hub") is None
