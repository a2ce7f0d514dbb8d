# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets never appear in what is returned: not in results, sentences, scripts, nor inside a router's error text."""

from __future__ import annotations

REDACTED = "<redacted>"


class Redaction(object):
    def __init__(self, resource):
        self.resource = resource
        self.secret_api = set(f.api for f in resource.secrets())   # API names whose values are never shown
        self.secret_values = set()

    def remember(self, config):
        """Values that must never appear in a message, even inside a router's error text."""
        for entry in config:
            for field in self.resource.secrets():
                if entry.get(field.option):
                    self.secret_values.add(str(entry[field.option]))

    def value(self, api_name, value):
        """`value` of API field `api_name` as it may be shown."""
        return REDACTED if api_name in self.secret_api else value

    def text(self, text):
        for secret in self.secret_values:
            text = text.replace(secret, REDACTED)
        return text
