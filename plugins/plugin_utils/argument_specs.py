# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The argument spec of each module an action plugin runs: a RouterOS resource module's is made from the field
catalogue (module_utils/routeros/options.py, which also makes its documentation); any other module's is read from
its documentation."""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible.plugins.loader import fragment_loader, module_loader
from ansible.utils.plugin_docs import get_docstring

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import options

# The secret options of the modules whose spec is read from their documentation (which has no no_log): those of
# the connection they share. A catalogue field says itself whether it is secret.
# options never logged: the connection's password, and the API user's password routeros_bootstrap sets (a module's
# documentation cannot say no_log)
SECRET_OPTIONS = frozenset(o.name for o in options.CONNECTION if o.secret) | frozenset(("user_password",))
RESOURCE_MODULES = dict(("sitelink.tunnels.routeros_%s" % name, name) for name in options.MODULES)
_SPECS = {}


def doc_to_spec(documented):
    """An argument spec from documented options."""
    spec = {}
    for name, doc in (documented or {}).items():
        entry = {"type": doc.get("type", "str")}
        for key in ("required", "default", "choices", "elements", "aliases"):
            if key in doc:
                entry[key] = doc[key]
        if "suboptions" in doc:
            entry["options"] = doc_to_spec(doc["suboptions"])
        if name in SECRET_OPTIONS:
            entry["no_log"] = True
        spec[name] = entry
    return spec


def documented_spec(module_name):
    """The argument spec a module's documentation (with its fragments) describes."""
    found = module_loader.find_plugin_with_context(module_name)
    doc = get_docstring(found.plugin_resolved_path, fragment_loader, collection_name="sitelink.tunnels",
                        is_module=True)[0]
    return doc_to_spec(doc["options"])


def argument_spec(module_name):
    """The argument spec of a module by its full name, made once per process."""
    if module_name not in _SPECS:
        resource = RESOURCE_MODULES.get(module_name)
        _SPECS[module_name] = options.argument_spec(resource) if resource else documented_spec(module_name)
    return _SPECS[module_name]


class CheckedAction(ActionBase):
    """An action plugin that checks its task's arguments against its module's argument spec (MODULE)."""

    TRANSFERS_FILES = False
    _requires_connection = False
    MODULE = None          # e.g. "sitelink.tunnels.routeros_wireguard_interfaces"

    def __init_subclass__(cls, **kwargs):
        # Ansible's strategy loads an action's class in its main process, then forks a worker per host and task:
        # a spec made here, once, is inherited by every worker instead of each making it again.
        super().__init_subclass__(**kwargs)
        if cls.MODULE and module_loader.find_plugin_with_context(cls.MODULE).resolved:
            argument_spec(cls.MODULE)

    def checked(self, given, host):
        """(the validated parameters, None), or (None, the failed result naming the host and every error)."""
        validated = ArgumentSpecValidator(argument_spec(self.MODULE)).validate(given)
        if validated.error_messages:
            return None, {"failed": True, "msg": "%s: %s" % (host, "; ".join(validated.error_messages))}
        return validated.validated_parameters, None
