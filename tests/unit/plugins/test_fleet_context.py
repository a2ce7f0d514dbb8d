"""Where the fleet step takes each setting from: every site's own scope, never the host that runs the step, and the
sites must agree on the fleet settings (compared by fingerprint, never shown)."""

from ansible_collections.sitelink.tunnels.plugins.plugin_utils import inventory
from ansible_collections.sitelink.tunnels.plugins.plugin_utils.context import ABSENT, FleetContext


class Templar(object):
    """Plain values: nothing to template."""

    @staticmethod
    def template(value):
        return value

    @staticmethod
    def is_template(_value):
        return False


class HostVars(dict):
    """Ansible's hostvars on plain values: the raw variables are the templated ones."""

    def raw_get(self, host):
        return self[host]


def context(hostvars, me, task_vars=None):
    """A fleet step running on `me`: its task variables are its host variables plus `task_vars` (what a play
    variable or the role's defaults add)."""
    return FleetContext(dict(hostvars.get(me, {}), hostvars=HostVars(hostvars), inventory_hostname=me,
                             **(task_vars or {})), Templar())


HOSTVARS = {"monitor": {"sitelink_owner": "monitoring"},
            "hub": {"sitelink_site": {"id": 1}, "sitelink_owner": "lab", "sitelink_topology": {"type": "p2p"}},
            "branch": {"sitelink_site": {"id": 2}, "sitelink_topology": {"type": "p2p"}}}


def test_each_site_keeps_its_own_value_whoever_runs_the_step():
    for me in ("monitor", "hub", "branch"):
        fleet = context(HOSTVARS, me, {"sitelink_owner": HOSTVARS[me].get("sitelink_owner", "fleet")})
        assert sorted(fleet.sites_vars()) == ["branch", "hub"]
        assert fleet.role_setting("sitelink_owner", ["hub", "branch"]) == {"hub": "lab", "branch": "fleet"}
        assert fleet.values("sitelink_topology", ["hub", "branch"]) == {"hub": {"type": "p2p"},
                                                                        "branch": {"type": "p2p"}}


def test_a_value_set_above_the_inventory_holds_for_every_site():
    play_var = {"sitelink_owner": "from-the-play"}
    for me in ("monitor", "hub"):
        fleet = context(HOSTVARS, me, play_var)
        assert fleet.role_setting("sitelink_owner", ["hub", "branch"]) == {"hub": "from-the-play",
                                                                           "branch": "from-the-play"}
    fleet = context(HOSTVARS, "monitor", {"sitelink_psk_secret": "extra"})
    assert fleet.values("sitelink_psk_secret", ["hub"]) == {"hub": "extra"}


def test_a_setting_no_scope_holds_is_absent():
    assert context(HOSTVARS, "monitor").values("sitelink_pools", ["hub"]) == {"hub": ABSENT}


def test_agreeing_sites_give_the_setting_and_absent_ones_none():
    values = {"sitelink_topology": {"hub": {"type": "p2p"}, "branch": {"type": "p2p"}},
              "sitelink_pools": {"hub": ABSENT, "branch": ABSENT}}
    assert inventory.agreement(values) == ({"sitelink_topology": {"type": "p2p"}}, [])


def test_a_disagreement_names_the_sites_on_each_side_and_never_the_value():
    values = {"sitelink_psk_secret": dict([("a%d" % i, "secret-one") for i in range(7)] +
                                          [("b", "secret-two"), ("c", ABSENT)])}
    settings, problems = inventory.agreement(values)
    assert settings == {}
    assert problems == [("sitelink_psk_secret", "differs between the sites (a0, a1, a2, a3, a4 and 2 more: value 1; "
                                                "b: value 2; c: not set); both ends of a link must use one value: "
                                                "set it once for every site (for example in group_vars/all)")]
    assert "secret" not in problems[0][1].replace("sitelink_psk_secret", "")


def test_external_sites_take_no_part_in_the_agreement():
    hostvars = {"hub": {"sitelink_site": {"id": 1}, "sitelink_psk_secret": "one"},
                "peer": {"sitelink_site": {"id": 2, "platform": "external", "public_key": "x"}}}
    model, _plans = inventory.compute(context(hostvars, "hub"))
    assert not [p for p in model.problems if "differs" in str(p)], model.problems


def test_a_value_the_sites_share_is_looked_at_once_whatever_the_fleet_size():
    """A fleet-wide topology listing every link, on the sites' group: once, not once per site (that grew with the
    square of the fleet)."""
    looked = []

    class Counting(Templar):
        @staticmethod
        def is_template(value):
            looked.append(value)
            return False

    topology = {"type": "hub_spoke", "hubs": ["s0"], "links": [{"sites": ["s0", "s%d" % i]} for i in range(1, 300)]}
    hostvars = dict(("s%d" % i, {"sitelink_site": {"id": i + 1}, "sitelink_topology": topology}) for i in range(300))
    fleet = FleetContext({"hostvars": HostVars(hostvars), "inventory_hostname": "s0", "sitelink_topology": topology},
                         Counting())
    values = fleet.values("sitelink_topology", sorted(hostvars))
    assert len(looked) == 1 and all(v == topology for v in values.values())


def test_a_serial_batch_is_the_part_of_the_play_the_fleet_step_configures():
    """serial: 1 - the batch is ansible_play_batch; the play's other hosts are outside it, as --limit leaves them."""
    every = ["hub", "branch", "monitor"]
    batched = context(HOSTVARS, "hub", {"ansible_play_hosts_all": every, "ansible_play_hosts": every,
                                        "ansible_play_batch": ["hub"]})
    assert batched.batch_hosts() == ["hub"]
    assert batched.batch_sites({"hub": {}, "branch": {}}) == ["hub"]
    # without serial (and with a host failed before the step) the play's hosts, as before
    whole = context(HOSTVARS, "hub", {"ansible_play_hosts_all": every, "ansible_play_hosts": ["hub", "branch"],
                                      "ansible_play_batch": ["hub", "branch"]})
    assert whole.batch_hosts() == every
    # the fleet step's own list wins once it has run (site_public_keys, site_report)
    stepped = context(HOSTVARS, "hub", {"ansible_play_batch": ["hub"], "ansible_play_hosts": every,
                                        "sitelink__fleet": {"play_sites": ["branch"]}})
    assert stepped.batch_sites({"hub": {}, "branch": {}}) == ["branch"]
