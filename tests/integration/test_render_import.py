"""A rendered .rsc, imported into a router, puts every rule where a run over the API puts it: before the router's
first drop of each chain (the default configuration's "drop all not coming from LAN"), in the plan's order, with the
operator's own rules untouched. Before, the render added every rule at the end of its chain, below those drops."""

import re

from rosemu.script import ScriptError, run as import_script
from lab_fleet import GOOD, OPERATOR, play, start_fleet

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
        # what only routers know is a placeholder in the render: fill in a key, as an operator would
        script = re.sub(r'"<public key of [^>]*>"', KEY + "1", script).replace('"<redacted>"', KEY)
        script = script.replace(KEY + "1", "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=", 1).replace(
            KEY + "1", "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=")
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
