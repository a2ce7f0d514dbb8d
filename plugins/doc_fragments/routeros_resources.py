# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json

from ansible_collections.sitelink.tunnels.plugins.doc_fragments.routeros import ModuleDocFragment as Routeros
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import options
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.resources import RESOURCES

SEEALSO = [{"module": "sitelink.tunnels.routeros_info"}]


class ModuleDocFragment(object):
    """What a RouterOS resource module documents beside the connection (sitelink.tunnels.routeros): its state and
    ownership options, its `config` (and `placement` where order matters), its attributes; one attribute per resource
    of the catalogue: GRE_TUNNELS for `sitelink.tunnels.routeros_resources.gre_tunnels`.

    Made at import from the catalogue (module_utils/routeros/resources.py), which the modules' argument specs are
    made from too: a field is described once, and what a module documents is what it accepts."""


# Set after the class: ansible-test's yamllint reads the class body's assignments as YAML literals.
for _name, _resource in RESOURCES.items():
    setattr(ModuleDocFragment, _name.upper(),
            Routeros.ATTRIBUTES + options.fragment(options.RESOURCE_STATE + options.config_options(_resource)) +
            "seealso: %s\n" % json.dumps(SEEALSO))
