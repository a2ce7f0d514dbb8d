"""A rendered .rsc, imported into a router, puts every rule where a run over the API puts it: before the router's
first drop of each chain (the default configuration's "drop all not coming from LAN"), in the plan's order, with the
operator's own rules untouched. Before, the render added every rule at the end of its chain, below those drops."""

import os
import re
import stat

import pytest

from rosemu.script import ScriptError, run as import_script
from lab_fleet import GOOD, OPERATOR, WAN, play, reset, start_fleet, writes

KEY = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="


def chains(lab, name, path="/ip/firewall/filter"):
    router = lab.router(name)
    return lab.call(lambda: [(r.values["chain"], r.values.get("action", "accept"), r.values.get("comment", ""))
                             for r in router.tables[path]])


def test_an_imported_render_places_each_rule_where_the_api_run_does(tmp_path):
    applied, connections = start_fleet(tmp_path / "api", hub_setup=OPERATOR)
    imported, _unused = start_fleet(tmp_path / "import", hub_setup=OPERATOR)
    try:
        assert play(GOOD, connections, "-e", "sitelink_verify=false").returncode == 0
        render = play(GOOD, connections, "-e", "sitelink_render_dir=%s" % (tmp_path / "rendered"))
        assert render.returncode == 0, render.out[-3000:]
        script = (tmp_path / "rendered" / "hub.rsc").read_text()
        # what only routers know is a variable at the top of the render: set the keys, as an operator would, and
        # the preshared keys as the .psk.rsc file would
        for variable, key in (("sitelinkKeyBranchA", "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="),
                              ("sitelinkKeyBranchB", "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=")):
            script = script.replace(':global %s ""' % variable, ':global %s "%s"' % (variable, key))
        script = ':global sitelinkPskBranchA "%s"\n:global sitelinkPskBranchB "%s"\n%s' % (KEY, KEY, script)
        hub = imported.router("hub")
        imported.call(lambda: import_script(hub, script))
        assert chains(imported, "hub") == chains(applied, "hub")
        assert chains(imported, "hub", "/ip/firewall/mangle") == chains(applied, "hub", "/ip/firewall/mangle")
        ours = [i for i, (_chain, _action, comment) in enumerate(chains(imported, "hub")) if comment.startswith("sitelink:")]
        drops = [i for i, (chain, action, comment) in enumerate(chains(imported, "hub"))
                 if action == "drop" and not comment.startswith("sitelink:")]
        assert ours and max(ours) < max(drops)
    finally:
        applied.stop()
        imported.stop()


def test_the_import_refuses_what_it_does_not_understand(tmp_path):
    lab, _connections = start_fleet(tmp_path)
    try:
        hub = lab.router("hub")
        try:
            lab.call(lambda: import_script(hub, "/system script run [find]\n"))
        except ScriptError as exc:
            assert "line 1" in str(exc)
        else:
            raise AssertionError("an unknown command was accepted")
    finally:
        lab.stop()


def interface_line(script):
    """The line the file's header gives to make the site's WireGuard interface before its import."""
    return re.search(r"^#   (:if .*)$", script, re.M).group(1)


def key_of(lab, site):
    router = lab.router(site)
    return lab.call(lambda: router.tables["/interface/wireguard"][0].values["public-key"])


@pytest.mark.parametrize("version", ["7.12", "7.20"])
def test_every_site_imports_its_render_as_is_and_the_role_then_writes_nothing(tmp_path, version):
    """Hub and spokes on fresh routers: a render before any interface exists (no key can be read), each router's
    interface made by the header's line, a render that reads the keys and writes the preshared keys to their 0600
    file, the imports, and then a role run that finds nothing to change."""
    lab, connections = start_fleet(tmp_path, version=version)
    first, second = tmp_path / "first", tmp_path / "second"
    try:
        run = play(GOOD, connections, "-e", "sitelink_render_dir=%s" % first, "-e", "sitelink_render_read_keys=true")
        assert run.returncode == 0, run.out[-3000:]
        assert "has no WireGuard interface wg-sitelink yet" in run.out
        assert not any(name.endswith(".psk.rsc") for name in os.listdir(first))
        unset = (first / "hub.rsc").read_text()
        assert ':global sitelinkKeyBranchA ""' in unset
        # an unset key stops the import before anything is written, naming what to set
        reset(lab)
        with pytest.raises(ScriptError) as err:
            lab.call(lambda: import_script(lab.router("hub"), unset))
        assert "set sitelinkKeyBranchA (the public key of branch-a) at the top of hub.rsc" in str(err.value)
        assert writes(lab)["hub"] == 0
        for site in WAN:
            line = interface_line((first / ("%s.rsc" % site)).read_text())
            lab.call(lambda s=site, text=line: import_script(lab.router(s), text))
        # cut for the router's release: a 7.20 hub's peers are responders, a 7.12 router has no such field
        run = play(GOOD, connections, "-e", "sitelink_render_dir=%s" % second, "-e", "sitelink_render_read_keys=true",
                   "-e", "sitelink_render_preshared_keys=true", "-e", "sitelink_render_release=%s" % version)
        assert run.returncode == 0, run.out[-3000:]
        keys = dict((site, key_of(lab, site)) for site in WAN)
        scripts = {}
        for site in WAN:
            assert stat.S_IMODE(os.stat(str(second / ("%s.psk.rsc" % site))).st_mode) == 0o600
            scripts[site] = (second / ("%s.rsc" % site)).read_text()
            secrets = re.findall(r'^:global sitelinkPsk\w+ "(.+)"$', (second / ("%s.psk.rsc" % site)).read_text(), re.M)
            assert secrets and not any(secret in scripts[site] for secret in secrets)
        assert ':global sitelinkKeyHub "%s"' % keys["hub"] in scripts["branch-a"]
        # branch-b as an operator without the read: the first render's file, its key set at the top by hand
        scripts["branch-b"] = (first / "branch-b.rsc").read_text().replace(
            ':global sitelinkKeyHub ""', ':global sitelinkKeyHub "%s"' % keys["hub"])
        for site in WAN:
            router = lab.router(site)
            psk = (second / ("%s.psk.rsc" % site)).read_text()
            lab.call(lambda r=router, p=psk, s=scripts[site]: (import_script(r, p), import_script(r, s)))
            assert lab.call(lambda r=router: dict(r.script_environment)) == {}      # no key left behind
        reset(lab)
        run = play(GOOD, connections, "-e", "sitelink_verify=false")
        assert run.returncode == 0, run.out[-3000:]
        assert writes(lab) == {"hub": 0, "branch-a": 0, "branch-b": 0}, run.out[-3000:]
    finally:
        lab.stop()
