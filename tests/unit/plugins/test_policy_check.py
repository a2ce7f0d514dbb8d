"""Which group policies a run needs, and the failure that names the missing ones."""

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.errors import RouterosError
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.resources import RESOURCES
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.routeros_action import SessionFacts, needed_policies

PEER = {"interface": "wg", "public_key": "x", "allowed_address": ["10.0.0.2/32"]}

NEEDS = [
    # resource, config, state -> policies
    ("wireguard_peers", [dict(PEER, preshared_key="k")], "merged", ("read", "write", "sensitive")),
    ("wireguard_peers", [PEER], "merged", ("read", "write")),                   # the key is left alone
    ("wireguard_peers", [PEER], "overridden", ("read", "write", "sensitive")),  # an existing key is cleared
    ("wireguard_peers", [], "overridden", ("read", "write")),                   # only removals: nothing compared
    ("wireguard_peers", [PEER], "deleted", ("read", "write")),
    ("wireguard_peers", [], "gathered", ("read",)),
    ("gre_tunnels", [{"name": "gre1", "remote_address": "192.0.2.1"}], "replaced", ("read", "write", "sensitive")),
    ("routes", [{"dst_address": "10.0.0.0/8", "gateway": "192.0.2.1"}], "overridden", ("read", "write")),
    ("wireguard_interfaces", [{"name": "wg"}], "overridden", ("read", "write")),
]


@pytest.mark.parametrize("resource, config, state, expected", NEEDS)
def test_needed_policies(resource, config, state, expected):
    assert needed_policies(RESOURCES[resource], config, state) == expected


class Facts(SessionFacts):
    def __init__(self, group):
        super(Facts, self).__init__(None, "hub", "ansible")
        self._group = group


def test_a_missing_policy_is_named_with_the_router_user_and_group():
    with pytest.raises(RouterosError) as err:
        Facts(("ops", frozenset(("api", "read")))).require(("read", "sensitive", "write"))
    assert err.value.message.startswith("hub: the API user 'ansible' (group 'ops') lacks the policies sensitive "
                                        "(RouterOS leaves preshared keys")
    assert "), write (needed to change the configuration); nothing was changed" in err.value.message
    assert "nothing was changed" in err.value.message


def test_all_policies_present_or_unknown_pass():
    Facts(("sitelink", frozenset(("api", "read", "write", "sensitive", "test")))).require(("read", "write", "sensitive"))
    Facts(None).require(("read", "write", "sensitive"))           # a RADIUS user: cannot tell, not checked
