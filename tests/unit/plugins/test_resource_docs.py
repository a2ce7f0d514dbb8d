"""The RouterOS resource modules' documentation, as ansible-doc loads it, says what the catalogue says, field by
field (names, types, choices, releases), and describes exactly the argument spec the action plugins validate
against, secrets no_log from the catalogue."""

import copy
import json
import os
import subprocess
import sys

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import kinds as k
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import options, resources
from ansible_collections.sitelink.tunnels.plugins.plugin_utils import argument_specs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
COLLECTIONS = os.path.join(ROOT, "build", "collections")

# The option type a user writes for each kind of value (first match); any other kind is a string.
EXPECTED_TYPES = ((k.Bool, "bool"), (k.Duration, "raw"), (k.PrefixList, "list"), (k.Words, "list"))


def expected_type(kind):
    if isinstance(kind, k.Int):
        return "raw" if kind.words else "int"     # an integer or a word (auto, inherit)
    return next((type_ for cls, type_ in EXPECTED_TYPES if isinstance(kind, cls)), "str")


@pytest.fixture(scope="module")
def docs():
    """{resource name: the module's doc} from `ansible-doc -j`, every resource module in one run."""
    names = ["sitelink.tunnels.routeros_%s" % name for name in options.MODULES]
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS)
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-doc"), "-j"] + names,
                          capture_output=True, text=True, env=env, check=True)
    loaded = json.loads(done.stdout)
    return dict((name, loaded["sitelink.tunnels.routeros_%s" % name]["doc"]) for name in options.MODULES)


def test_every_resource_action_has_a_module_in_the_table():
    folder = os.path.join(ROOT, "plugins", "action")
    actions = sorted(f[len("routeros_"):-3] for f in os.listdir(folder)
                     if f.startswith("routeros_") and "RESOURCE = " in open(os.path.join(folder, f)).read())
    assert actions == sorted(options.MODULES)


@pytest.mark.parametrize("name", options.MODULES)
def test_the_documented_config_is_the_catalogue_field_by_field(docs, name):
    resource = resources.RESOURCES[name]
    config = docs[name]["options"]["config"]
    documented = config["suboptions"]
    catalogued = set(f.option for f in resource.fields) | set(o.name for o in resource.config_only)
    assert sorted(documented) == sorted(catalogued)
    assert config["description"][0] == "The entries of C(%s) to manage." % " and ".join(resource.paths.values())
    matched = config["description"][1]          # "Entries are matched by O(config[].a), O(config[].b) and ..."
    assert [o for o in documented if "O(config[].%s)" % o in matched] == [o for o in documented if o in resource.key]
    for field in resource.fields:
        doc = documented[field.option]
        assert doc["type"] == expected_type(field.kind), field.option
        assert doc.get("elements") == ("str" if doc["type"] == "list" else None), field.option
        assert doc.get("choices", []) == list(field.choices), field.option
        # the argument spec requires the key; what else a new entry needs, the engine says (per entry, per state)
        assert doc.get("required", False) == (field.required and field.option in resource.key), field.option
        assert "default" not in doc, field.option    # the router's default is not the module's: merged leaves it
        assert doc["description"] and all(doc["description"]), field.option
        for bound in (field.since, field.until):      # a field of some releases only says which, in words
            assert bound is None or resources.shown(bound) in " ".join(doc["description"]), (field.option, bound)
    for option in resource.config_only:
        doc = documented[option.name]
        assert (doc["type"], doc.get("choices", []), doc.get("default")) == \
            (option.type, list(option.choices), option.default), option.name


@pytest.mark.parametrize("name", options.MODULES)
def test_the_argument_spec_is_what_the_documentation_describes_and_secrets_are_no_log(docs, name):
    spec = copy.deepcopy(argument_specs.argument_spec("sitelink.tunnels.routeros_%s" % name))
    described = argument_specs.doc_to_spec(docs[name]["options"])
    config = spec["config"]["options"]
    for option, entry in config.items():
        secret = any(f.secret for f in resources.RESOURCES[name].declarations(option))
        assert entry.pop("no_log", False) is secret, option
        described["config"]["options"][option].pop("no_log", None)
    assert spec["password"]["no_log"] is True and sorted(o for o, e in spec.items() if e.get("no_log")) == ["password"]
    assert spec == described


def test_the_secret_fields_are_those_the_catalogue_flags():
    """preshared_key and ipsec_secret: the two values RouterOS hides from a user without the sensitive policy."""
    flagged = set(f.option for r in resources.RESOURCES.values() for f in r.secrets())
    assert flagged == {"preshared_key", "ipsec_secret"}
    for name in options.MODULES:
        config = argument_specs.argument_spec("sitelink.tunnels.routeros_%s" % name)["config"]["options"]
        assert set(o for o, e in config.items() if e.get("no_log")) == flagged & set(config), name


def test_a_module_outside_the_catalogue_still_takes_its_spec_from_its_documentation():
    assert "sitelink.tunnels.routeros_info" not in argument_specs.RESOURCE_MODULES
    assert argument_specs.SECRET_OPTIONS == frozenset(["password", "user_password"])
