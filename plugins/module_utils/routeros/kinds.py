# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Value kinds of RouterOS fields: how an option is written to the API and compared.

librouteros hands back ints, bools and strings; users write ints, bools,
strings, lists and durations.  `canon()` maps both sides to one comparable
form, so `25`, `"25s"` and `"00:00:25"` are the same keepalive and two
spellings of one key are the same key.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.sitelink.tunnels.plugins.module_utils.wireguard import keys


def _text(value):
    # librouteros reads "yes"/"no"/"true"/"false" as booleans, even in enum fields (dont-fragment=no)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


class Kind(object):
    """Plain text."""

    def to_api(self, value):
        return "" if value is None else _text(value)

    def canon(self, value):
        return None if value is None else _text(value)

    def from_api(self, value):
        return value

    def check(self, value):
        """Raise ValueError (with the reason) when a user's value cannot be written."""
        self.canon(value)
        self.to_api(value)


class Text(Kind):
    pass


class Bool(Kind):
    TRUE = ("true", "yes", "1", "on")

    def to_api(self, value):
        return "yes" if self.canon(value) else "no"

    def canon(self, value):
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        return str(value).lower() in self.TRUE

    def from_api(self, value):
        return self.canon(value)


class Int(Kind):
    """An integer, or one of some words (`auto`, `inherit`)."""

    def __init__(self, *words):
        self.words = words

    def canon(self, value):
        if value is None:
            return None
        if str(value) in self.words:
            return str(value)
        try:
            return int(str(value), 0)
        except ValueError:
            return str(value)

    def to_api(self, value):
        return str(self.canon(value))

    def from_api(self, value):
        return self.canon(value)


_UNITS = (("w", 604800000), ("d", 86400000), ("h", 3600000), ("m", 60000), ("s", 1000), ("ms", 1))
_UNIT_MS = dict(_UNITS)


def duration_ms(value):
    """Milliseconds of a RouterOS duration: `25`, `25s`, `1m30s`, `00:01:30`; None if it is not one."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value * 1000
    text = str(value).strip()
    if re.match(r"^\d+$", text):
        return int(text) * 1000
    clock = re.match(r"^(?:(\d+)d)?(\d+):(\d\d):(\d\d)$", text)
    if clock:
        days, hours, mins, secs = clock.groups()
        return (((int(days or 0) * 24 + int(hours)) * 60 + int(mins)) * 60 + int(secs)) * 1000
    parts = re.findall(r"(\d+)(ms|w|d|h|m|s)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(int(n) * _UNIT_MS[u] for n, u in parts)


def format_duration(ms):
    if not ms:
        return "0s"
    out = []
    for unit, size in _UNITS:
        count, ms = divmod(ms, size)
        if count:
            out.append("%d%s" % (count, unit))
    return "".join(out)


class Duration(Kind):
    """A duration; with `zero_is_absent`, 0 (off) and the field's absence are the same value: RouterOS may leave a
    field that is off out of what it prints (community.routeros models WireGuard's persistent-keepalive so:
    can_disable, remove_value 0), and an off value sent again every run would be a change every run."""

    def __init__(self, zero_is_absent=False):
        self.zero_is_absent = zero_is_absent

    def check(self, value):
        if duration_ms(value) is None:
            raise ValueError("not a duration (25, 25s, 1m30s, 00:01:30)")

    def canon(self, value):
        ms = duration_ms(value)
        if ms == 0 and self.zero_is_absent:
            return None
        return str(value) if ms is None and value is not None else ms

    def to_api(self, value):
        ms = duration_ms(value)
        return str(value) if ms is None else format_duration(ms)

    def from_api(self, value):
        return self.to_api(value)


class Keepalive(Kind):
    """GRE/EoIP keepalive `interval,retries` (`10s,10`)."""

    def canon(self, value):
        if value is None:
            return None
        interval, _sep, retries = str(value).partition(",")
        return (duration_ms(interval), int(retries or 10))

    def to_api(self, value):
        interval, retries = self.canon(value)
        return "%s,%d" % (format_duration(interval), retries)

    def from_api(self, value):
        return self.to_api(value)


def _network(text):
    return ipaddress.ip_network(str(text).strip(), strict=False)


class PrefixList(Kind):
    """Comma list of prefixes (allowed-address): order and host bits do not matter."""

    def _items(self, value):
        if value is None:
            return None
        items = value if isinstance(value, (list, tuple)) else str(value).split(",")
        return [str(_network(i)) for i in items if str(i).strip()]

    def canon(self, value):
        items = self._items(value)
        return None if items is None else tuple(sorted(set(items)))

    def to_api(self, value):
        return ",".join(self._items(value))

    def from_api(self, value):
        return self._items(value)


class Prefix(Kind):
    """One prefix (`dst-address`); host bits cleared as RouterOS does."""

    def canon(self, value):
        return None if value is None else str(_network(value))

    def to_api(self, value):
        return self.canon(value)


class InterfaceAddress(Kind):
    """`a.b.c.d/len` with host bits kept (`/ip/address`)."""

    def canon(self, value):
        if value is None:
            return None
        iface = ipaddress.ip_interface(str(value).strip())
        return "%s/%d" % (iface.ip, iface.network.prefixlen)

    def to_api(self, value):
        return self.canon(value)


class Address(Kind):
    """An IP address, or any text (host name) that is not one."""

    def canon(self, value):
        if value is None:
            return None
        try:
            return str(ipaddress.ip_address(str(value).strip()))
        except ValueError:
            return str(value)

    def to_api(self, value):
        return self.canon(value)


class FirewallAddress(Kind):
    """Address, prefix or range, maybe negated; a host prefix prints as the bare address."""

    def canon(self, value):
        if value is None:
            return None
        text = str(value).strip()
        neg = "!" if text.startswith("!") else ""
        body = text[len(neg):]
        if "-" in body:
            low, high = body.split("-", 1)
            return "%s%s-%s" % (neg, ipaddress.ip_address(low), ipaddress.ip_address(high))
        net = ipaddress.ip_network(body, strict=False)
        if net.prefixlen == net.max_prefixlen:
            return neg + str(net.network_address)
        return neg + str(net)

    def to_api(self, value):
        return self.canon(value)


class WireguardKey(Kind):
    """Base64 key, compared as decoded bytes."""

    def check(self, value):
        try:
            keys.decode(value)
        except keys.InvalidKey as exc:
            raise ValueError("not a WireGuard key: %s" % exc)

    def canon(self, value):
        if value is None or value == "":
            return None
        try:
            return keys.decode(value)
        except keys.InvalidKey:
            return str(value)


class Words(Kind):
    """Comma list where order does not matter (`connection-state`)."""

    def canon(self, value):
        if value is None:
            return None
        items = value if isinstance(value, (list, tuple)) else str(value).split(",")
        negated = False
        if items and str(items[0]).startswith("!"):
            negated, items = True, [str(items[0])[1:]] + list(items[1:])
        return (negated, tuple(sorted(str(i) for i in items)))

    def to_api(self, value):
        if isinstance(value, (list, tuple)):
            return ",".join(str(v) for v in value)
        return str(value)


TEXT, BOOL, INT = Text(), Bool(), Int()
