"""Fleet settings come from the sites, in each site's own scope, and must agree across them: the host that runs the
role's run-once fleet step (a monitoring host listed first, say) changes nothing, and a preshared-key secret that
differs between two groups is refused before any device is touched, naming the hosts and never the secret."""

import os

import yaml

from playbook_runs import ROOT, run_playbook

PLAYBOOK = os.path.join(ROOT, "playbooks", "site_tunnel.yml")
FLEET = {"sitelink_topology": {"type": "hub_spoke", "hubs": ["hub"]},
         "sitelink_link_defaults": {"overlay": "gre", "preshared_key": True, "keepalive": 25},
         "sitelink_pools": {"wireguard": "10.255.0.0/24", "overlay": "10.254.0.0/24"},
         "sitelink_psk_secret": "scope-secret-one", "sitelink_owner": "lab",
         "sitelink_linux_firewall_table": "sitelinklab"}
SITES = {"hub": {"sitelink_site": {"id": 1, "lans": ["192.168.10.0/24"], "endpoint": "198.51.100.1"}},
         "branch-a": {"sitelink_site": {"id": 2, "lans": ["192.168.11.0/24"]}},
         "branch-l": {"sitelink_site": {"id": 3, "platform": "linux", "lans": ["192.168.13.0/24"]}}}
# Not a site: its own variables say other things, and it comes first, so it runs the run-once fleet step.
MONITOR = {"ansible_connection": "local", "sitelink_owner": "monitoring", "sitelink_linux_firewall_table": "mon"}


def write(path, inventory):
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))
    return str(path)


def render(tmp_path, name, inventory):
    out = tmp_path / name
    run = run_playbook(PLAYBOOK, write(tmp_path / (name + ".yml"), inventory), "-e", "sitelink_render_dir=%s" % out)
    return run, out


def files(directory):
    return dict((name, (directory / name).read_text()) for name in sorted(os.listdir(directory)))


def test_a_first_host_that_is_not_a_site_changes_nothing(tmp_path):
    alone, plain_dir = render(tmp_path, "sites", {"all": {"children": {"sites": {"vars": FLEET, "hosts": SITES}}}})
    assert alone.returncode == 0, alone
    with_monitor, monitor_dir = render(tmp_path, "monitor", {"all": {
        "hosts": {"monitor": MONITOR}, "children": {"sites": {"vars": FLEET, "hosts": SITES}}}})
    assert with_monitor.returncode == 0, with_monitor
    assert "changed: [monitor]" in with_monitor.out, "the monitoring host ran the run-once fleet step"
    assert files(monitor_dir) == files(plain_dir)
    hub = yaml.safe_load((plain_dir / "hub.plan.yml").read_text())
    assert sorted(link["peer"] for link in hub["links"]) == ["branch-a", "branch-l"]
    branch = yaml.safe_load((plain_dir / "branch-a.plan.yml").read_text())
    assert [link["peer"] for link in branch["links"]] == ["hub"], "the group's hub and spokes, not a mesh"
    assert "sitelink:lab" in (plain_dir / "hub.rsc").read_text()
    assert "table inet sitelinklab" in (plain_dir / "branch-l.sh").read_text()
    rendered = "".join(files(monitor_dir).values())
    assert "monitoring" not in rendered and "inet mon" not in rendered


def test_a_secret_that_differs_between_two_groups_is_refused_naming_the_hosts(tmp_path):
    east = dict(FLEET, sitelink_psk_secret="scope-secret-east")
    west = dict(FLEET, sitelink_psk_secret="scope-secret-west")
    inventory = {"all": {"children": {
        "east": {"vars": east, "hosts": {"hub": SITES["hub"], "branch-a": SITES["branch-a"]}},
        "west": {"vars": west, "hosts": {"branch-l": SITES["branch-l"]}}}}}
    run, out = render(tmp_path, "split", inventory)
    assert run.returncode != 0
    assert "1 problem(s) in the inventory; no router was touched" in run.out, run
    assert "fleet: sitelink_psk_secret: differs between the sites (branch-a, hub: value 1; branch-l: value 2)" \
        in run.out, run
    assert "scope-secret-east" not in run.out and "scope-secret-west" not in run.out
    assert not out.exists(), "nothing is rendered"


def test_one_templated_secret_that_reads_a_different_vault_variable_per_group_is_refused(tmp_path):
    """The README's form: the secret is "{{ vault_... }}" once for all, the vaulted variable differs per group."""
    templated = dict(FLEET, sitelink_psk_secret="{{ scope_vault_psk }}")
    inventory = {"all": {"vars": templated, "children": {
        "east": {"vars": {"scope_vault_psk": "scope-secret-east"},
                 "hosts": {"hub": SITES["hub"], "branch-a": SITES["branch-a"]}},
        "west": {"vars": {"scope_vault_psk": "scope-secret-west"}, "hosts": {"branch-l": SITES["branch-l"]}}}}}
    run, out = render(tmp_path, "vaulted", inventory)
    assert run.returncode != 0
    assert "fleet: sitelink_psk_secret: differs between the sites (branch-a, hub: value 1; branch-l: value 2)" \
        in run.out, run
    assert "scope-secret-east" not in run.out and "scope-secret-west" not in run.out
    assert not out.exists()
    one = {"all": {"vars": templated, "children": {"sites": {"vars": {"scope_vault_psk": "scope-secret-one"},
                                                             "hosts": SITES}}}}
    agreed, _out = render(tmp_path, "vaulted-once", one)
    assert agreed.returncode == 0, agreed


def test_a_site_without_the_group_settings_is_named(tmp_path):
    lone = dict(SITES["branch-l"], sitelink_psk_secret="scope-secret-one")
    inventory = {"all": {"hosts": {"branch-l": lone},
                         "children": {"sites": {"vars": FLEET, "hosts": {"hub": SITES["hub"],
                                                                         "branch-a": SITES["branch-a"]}}}}}
    run, _out = render(tmp_path, "lone", inventory)
    assert run.returncode != 0
    for setting in ("sitelink_topology", "sitelink_link_defaults", "sitelink_pools"):
        assert "fleet: %s: differs between the sites (branch-a, hub: value 1; branch-l: not set)" % setting \
            in run.out, run
    assert "sitelink_psk_secret: differs" not in run.out
