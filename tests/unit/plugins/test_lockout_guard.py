"""The lockout guard: no site sends traffic for its own management address, or for the controller, into a tunnel
it is building - unless the operator says the controller reaches it through a tunnel."""

from ansible_collections.sitelink.tunnels.plugins.plugin_utils import inventory as fleet

SETTINGS = {"sitelink_topology": {"type": "hub_spoke", "hubs": ["hub"]}, "sitelink_psk_secret": "unit-test-secret-16"}


def sites(**branch_vars):
    return {"hub": {"sitelink_site": {"id": 1, "lans": ["10.10.0.0/16"], "endpoint": "198.51.100.1"},
                    "ansible_host": "198.51.100.1"},
            "branch": dict({"sitelink_site": {"id": 2, "lans": ["192.168.2.0/24"]}, "ansible_host": "203.0.113.2"},
                           **branch_vars)}


def controller_in_hq(_target):
    return "10.10.0.5"          # the controller sits in the hub's LAN and reaches the branch over the Internet


def problems(sites_vars, find_controller=controller_in_hq):
    return [str(p) for p in fleet.check(sites_vars, SETTINGS, sorted(sites_vars), find_controller)[0].problems]


def test_a_branch_that_would_answer_the_controller_through_the_tunnel_is_refused():
    found = problems(sites())
    assert found == ["branch: ansible_host: 10.10.0.5 (the controller's address toward it) is inside 10.10.0.0/16, "
                     "which branch sends into the tunnel (an allowed address of hub): the router would answer the "
                     "controller through the tunnel it is building. Correct the LAN, or set "
                     "sitelink_management_through_tunnel: true for branch if the controller does reach it through a "
                     "tunnel"]


def test_a_management_address_inside_a_remote_lan_is_refused():
    found = problems(sites(ansible_host="10.10.3.1"), lambda target: None)
    assert len(found) == 1 and found[0].startswith("branch: ansible_host: 10.10.3.1 (its management address")


def test_the_operator_can_say_the_controller_comes_through_the_tunnel():
    assert problems(sites(sitelink_management_through_tunnel=True)) == []


def test_loopback_host_names_and_unrelated_controllers_pass():
    assert problems(sites(), lambda target: "192.0.2.50") == []
    assert problems(sites(ansible_host="127.0.0.1"), lambda target: "127.0.0.1") == []
    assert problems(sites(ansible_host="branch.example.net"), lambda target: None) == []


def test_the_controller_address_is_found_without_sending_anything():
    assert fleet.controller_address("127.0.0.1") == "127.0.0.1"
    assert fleet.controller_address("not-an-address") is None


def test_the_opt_out_is_read_as_ansible_reads_a_boolean():
    """An INI inventory line gives the text "false": it keeps the guard on, as false does."""
    refused = problems(sites())
    for off in ("false", "no", "0", False):
        assert problems(sites(sitelink_management_through_tunnel=off)) == refused, off
    for on in ("true", "yes", True):
        assert problems(sites(sitelink_management_through_tunnel=on)) == [], on


def test_the_sites_the_guard_cannot_check_are_named():
    every = sites(ansible_host="branch.example.net")
    every["named"] = {"sitelink_site": {"id": 3}}                       # no ansible_host: reached at its name
    every["optout"] = {"sitelink_site": {"id": 4}, "ansible_host": "optout.example.net",
                       "sitelink_management_through_tunnel": "yes"}
    assert fleet.unchecked_by_lockout(every, ["hub", "branch", "named", "optout", "absent"]) == ["branch", "named"]
