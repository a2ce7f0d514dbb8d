"""/import of the .rsc subset the collection renders: RouterOS's string escapes, find where, :local/:if/:do."""

import json
import urllib.error

import pytest

from labkit import control
from rosemu.script import ScriptError, run


def filters(lab):
    router = lab.router("r1")
    return lab.call(lambda: [(r.values["chain"], r.values.get("action"), r.values.get("comment"))
                             for r in router.tables["/ip/firewall/filter"]])


def test_a_conditional_add_goes_before_the_first_drop_found_or_to_the_end(lab):
    router = lab.router("r1")
    line = (':do { :local anchor [/ip firewall filter find where chain=%s and (action=drop or action=reject) '
            'and !(comment~"^sitelink:fleet ")]; :if ([:len $anchor] > 0) do={ /ip firewall filter add chain=%s '
            'comment="sitelink:fleet %s" place-before=[:pick $anchor 0] } else={ /ip firewall filter add chain=%s '
            'comment="sitelink:fleet %s" } }')
    before = filters(lab)
    first_input_drop = [i for i, (chain, action, _c) in enumerate(before) if chain == "input" and action == "drop"][0]
    lab.call(lambda: run(router, "\n".join([line % ("input", "input", "a", "input", "a"),
                                            line % ("input", "input", "b", "input", "b"),
                                            line % ("nochain", "nochain", "c", "nochain", "c")])))
    after = filters(lab)
    assert after[first_input_drop:first_input_drop + 2] == [("input", "accept", "sitelink:fleet a"),
                                                            ("input", "accept", "sitelink:fleet b")]
    assert after[-1] == ("nochain", "accept", "sitelink:fleet c")


def test_strings_use_routeros_escapes_and_set_remove_select_with_find(lab):
    router = lab.router("r1")
    lab.call(lambda: run(router, '/interface list add name=l1 comment="a \\"quoted\\" \\$x \\C3\\A9"\n'
                                 '/interface list set [ find where name=l1 ] comment=plain\n'))
    rows = lab.call(lambda: [r.values for r in router.tables["/interface/list"] if r.values.get("name") == "l1"])
    assert rows[0]["comment"] == "plain"
    lab.call(lambda: run(router, '/interface list set [ find where name=l1 ] comment="a \\"q\\" \\$x \\C3\\A9"'))
    rows = lab.call(lambda: [r.values for r in router.tables["/interface/list"] if r.values.get("name") == "l1"])
    assert rows[0]["comment"] == 'a "q" $x \u00e9'
    lab.call(lambda: run(router, "/interface list remove [ find where name=l1 ]\n"
                                 "/interface list remove [ find where name=nothing-like-this ]"))
    assert lab.call(lambda: [r for r in router.tables["/interface/list"] if r.values.get("name") == "l1"]) == []


@pytest.mark.parametrize("text", ["/system script run x", ":foreach i in=[find] do={}", "/ip address add address=",
                                  ":do { /ip route add gateway=ether1 "])
def test_what_it_does_not_understand_is_refused_with_its_line(lab, text):
    router = lab.router("r1")
    with pytest.raises(ScriptError) as err:
        lab.call(lambda: run(router, "# a comment\n" + text))
    assert str(err.value).startswith("line 2: ")


def test_globals_live_in_the_router_environment_and_a_line_sees_only_those_it_declares(lab):
    router = lab.router("r1")
    lab.call(lambda: run(router, ':global sitelinkName "l2"\n'
                                 ':global sitelinkName; /interface list add name=$sitelinkName\n'))
    assert lab.call(lambda: [r.values["name"] for r in router.tables["/interface/list"]]).count("l2") == 1
    assert lab.call(lambda: dict(router.script_environment)) == {"sitelinkName": "l2"}
    with pytest.raises(ScriptError) as err:           # not declared on its own line
        lab.call(lambda: run(router, "/interface list add name=$sitelinkName"))
    assert "no variable sitelinkName" in str(err.value)
    with pytest.raises(ScriptError):                  # a :local ends with its line
        lab.call(lambda: run(router, ":local x l3\n/interface list add name=$x"))
    lab.call(lambda: run(router, "/system script environment remove [ find where name=sitelinkName ]\n"
                                 "/system script environment remove [ find where name=nothing ]"))
    assert lab.call(lambda: dict(router.script_environment)) == {}


def test_an_error_stops_the_import_at_its_line_and_an_unset_global_has_length_0(lab):
    router = lab.router("r1")
    text = (':global sitelinkUnset; :if ([:len $sitelinkUnset] = 0) do={ :error "sitelink: set sitelinkUnset" }\n'
            '/interface list add name=never')
    with pytest.raises(ScriptError) as err:
        lab.call(lambda: run(router, text))
    assert str(err.value).startswith("line 1: error: sitelink: set sitelinkUnset")
    assert "never" not in lab.call(lambda: [r.values["name"] for r in router.tables["/interface/list"]])
    lab.call(lambda: run(router, ':global sitelinkUnset "x"\n' + text))
    assert "never" in lab.call(lambda: [r.values["name"] for r in router.tables["/interface/list"]])


def test_the_control_interface_imports_a_script_and_names_the_line_it_stops_at(lab):
    router = lab.router("r1")
    assert control(lab, "POST", "/routers/r1/import", {"script": "/interface list add name=l9\n"}) == {"ok": True}
    assert "l9" in lab.call(lambda: [r.values["name"] for r in router.tables["/interface/list"]])
    with pytest.raises(urllib.error.HTTPError) as err:
        control(lab, "POST", "/routers/r1/import", {"script": "# first\n/system script run x\n"})
    assert err.value.code == 400 and json.loads(err.value.read())["error"].startswith("line 2: ")
