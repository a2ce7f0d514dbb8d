# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import options
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.resources import RESOURCES


class ModuleDocFragment(object):
    """The `config` option (and `placement` where order matters) of each RouterOS resource module, one attribute per
    resource of the catalogue: GRE_TUNNELS for `sitelink.tunnels.routeros_resources.gre_tunnels`.

    Made at import from the catalogue (module_utils/routeros/resources.py), which the modules' argument specs are
    made from too: a field is described once, and what a module documents is what it accepts."""


# Set after the class: ansible-test's yamllint reads the class body's assignments as YAML literals.
for _name, _resource in RESOURCES.items():
    setattr(ModuleDocFragment, _name.upper(), options.fragment(options.config_options(_resource)))
