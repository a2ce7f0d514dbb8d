"""Value types of RouterOS menu fields.

Each type turns what a client writes into the canonical text RouterOS prints
(booleans `true`/`false`, durations like `4m20s`, prefixes with their length)
or raises the Trap RouterOS would send.  Items store canonical text only, so
print, query and diff all compare like with like.
"""

import base64
import ipaddress
import re

from rosemu import errors

BOOL_IN = {"yes": "true", "true": "true", "no": "false", "false": "false"}


class Type:
    """Base: any text is accepted as it is."""

    def parse(self, router, field, raw):
        return raw

    def references(self, value):
        """Interface names this value refers to (for rename and removal)."""
        return ()

    def rename(self, value, old, new):
        return value


class Text(Type):
    pass


class Bool(Type):
    def parse(self, router, field, raw):
        try:
            return BOOL_IN[raw.lower()]
        except KeyError:
            raise errors.invalid_value(field) from None


class Int(Type):
    def __init__(self, lo, hi, words=(), hex_ok=False):
        self.lo, self.hi, self.words, self.hex_ok = lo, hi, tuple(words), hex_ok

    def parse(self, router, field, raw):
        if raw in self.words:
            return raw
        try:
            value = int(raw, 0) if self.hex_ok else int(raw, 10)
        except ValueError:
            raise errors.invalid_value(field) from None
        if not self.lo <= value <= self.hi:
            raise errors.Trap("value of %s out of range (%d..%d)" % (field, self.lo, self.hi), errors.ARGUMENT)
        return ("0x%X" % value) if self.hex_ok else str(value)


class Enum(Type):
    def __init__(self, *values):
        self.values = values

    def parse(self, router, field, raw):
        if raw not in self.values:
            raise errors.no_match(field)
        return raw


class EnumSet(Type):
    """Comma list from a fixed set, optionally negated as a whole (`!dstnat`)."""

    def __init__(self, *values):
        self.values = values

    def parse(self, router, field, raw):
        body = raw[1:] if raw.startswith("!") else raw
        parts = body.split(",")
        if not body or any(p not in self.values for p in parts):
            raise errors.no_match(field)
        return raw


class PolicyList(Type):
    """A user group's policies: a comma list of policy names, each granted or, with a leading `!`, not.
    Printed as RouterOS's `/user group print` shows a group: the granted policies in RouterOS's order, then the
    others with `!` (MikroTik manual, User: default groups)."""

    def __init__(self, names):
        self.names = tuple(names)

    def parse(self, router, field, raw):
        granted = set()
        for part in (p for p in raw.split(",") if p):
            name = part[1:] if part.startswith("!") else part
            if name not in self.names:
                raise errors.no_match(field)
            if not part.startswith("!"):
                granted.add(name)
        return ",".join([n for n in self.names if n in granted] + ["!" + n for n in self.names if n not in granted])

    @staticmethod
    def granted(value):
        return frozenset(p for p in str(value or "").split(",") if p and not p.startswith("!"))


_UNITS = (("w", 604800000), ("d", 86400000), ("h", 3600000), ("m", 60000), ("s", 1000), ("ms", 1))
_UNIT_MS = dict(_UNITS)
_DURATION_RE = re.compile(r"(\d+)(ms|w|d|h|m|s)")


def parse_duration_ms(raw):
    """`25`, `25s`, `1m30s`, `00:01:30`, `1d00:00:10` -> milliseconds; None if not a duration."""
    raw = raw.strip()
    if re.fullmatch(r"\d+", raw):
        return int(raw) * 1000
    clock = re.fullmatch(r"(?:(\d+)d)?(\d+):(\d\d):(\d\d)(?:\.(\d{1,3}))?", raw)
    if clock:
        days, hours, mins, secs, frac = clock.groups()
        total = ((int(days or 0) * 24 + int(hours)) * 60 + int(mins)) * 60 + int(secs)
        return total * 1000 + int((frac or "0").ljust(3, "0"))
    if not raw or _DURATION_RE.sub("", raw):
        return None
    return sum(int(n) * _UNIT_MS[u] for n, u in _DURATION_RE.findall(raw))


def format_duration_ms(ms):
    if ms == 0:
        return "0s"
    out = []
    for unit, size in _UNITS:
        count, ms = divmod(ms, size)
        if count:
            out.append("%d%s" % (count, unit))
    return "".join(out)


class Duration(Type):
    def __init__(self, words=()):
        self.words = tuple(words)

    def parse(self, router, field, raw):
        if raw in self.words:
            return raw
        ms = parse_duration_ms(raw)
        if ms is None:
            raise errors.invalid_value(field)
        return format_duration_ms(ms)


class Keepalive(Type):
    """GRE/EoIP `interval[,retries]`, printed `10s,10`."""

    def parse(self, router, field, raw):
        interval, _sep, retries = raw.partition(",")
        ms = parse_duration_ms(interval)
        if ms is None or (retries and not retries.isdigit()):
            raise errors.invalid_value(field)
        return "%s,%s" % (format_duration_ms(ms), retries or "10")


def _ip(raw, field, version=None):
    try:
        addr = ipaddress.ip_address(raw)
    except ValueError:
        raise errors.invalid_value(field) from None
    if version and addr.version != version:
        raise errors.invalid_value(field)
    return addr


def _interface(raw, field, version=None, host_bits=True):
    """`a.b.c.d/len` (host bits allowed, as in /ip/address); no length means a host prefix."""
    if "/" not in raw:
        addr = _ip(raw, field, version)
        return ipaddress.ip_interface("%s/%d" % (addr, addr.max_prefixlen))
    try:
        iface = ipaddress.ip_interface(raw)
    except ValueError:
        raise errors.invalid_value(field) from None
    if version and iface.version != version:
        raise errors.invalid_value(field)
    if not host_bits and iface.ip != iface.network.network_address:
        # RouterOS stores the network of a route or allowed-address, not the host.
        return ipaddress.ip_interface(str(iface.network))
    return iface


class Address(Type):
    """A single IP address (`local-address`, `remote-address`)."""

    def __init__(self, version=None):
        self.version = version

    def parse(self, router, field, raw):
        return str(_ip(raw, field, self.version))


class HostAddress(Type):
    """An IP address or a DNS name (WireGuard `endpoint-address`)."""

    NAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?)+$")

    def parse(self, router, field, raw):
        if raw == "":
            return raw
        try:
            return str(ipaddress.ip_address(raw))
        except ValueError:
            if self.NAME.match(raw):
                return raw
            raise errors.invalid_value(field) from None


class InterfaceAddress(Type):
    """`/ip/address` `address`: host address with prefix length, kept as written."""

    def __init__(self, version):
        self.version = version

    def parse(self, router, field, raw):
        iface = _interface(raw, field, self.version)
        return "%s/%d" % (iface.ip, iface.network.prefixlen)


class Prefix(Type):
    """A network prefix (`dst-address`); host bits are cleared as RouterOS does."""

    def __init__(self, version=None):
        self.version = version

    def parse(self, router, field, raw):
        return str(_interface(raw, field, self.version, host_bits=False).network)


class PrefixList(Type):
    """Comma-separated prefixes (`allowed-address`), IPv4 and IPv6 mixed."""

    def parse(self, router, field, raw):
        if not raw:
            raise errors.invalid_value(field)
        return ",".join(str(_interface(p, field, host_bits=False).network) for p in raw.split(","))


class FirewallAddress(Type):
    """Address, prefix or range, optionally negated (`!10.0.0.0/8`)."""

    def __init__(self, version):
        self.version = version

    def parse(self, router, field, raw):
        neg, body = ("!", raw[1:]) if raw.startswith("!") else ("", raw)
        if "-" in body:
            lo, hi = body.split("-", 1)
            return "%s%s-%s" % (neg, _ip(lo, field, self.version), _ip(hi, field, self.version))
        iface = _interface(body, field, self.version, host_bits=False)
        if iface.network.prefixlen == iface.max_prefixlen:
            return neg + str(iface.ip)
        return neg + str(iface.network)


class PortList(Type):
    """`13231`, `80,443`, `1000-2000`, optionally negated."""

    def parse(self, router, field, raw):
        body = raw[1:] if raw.startswith("!") else raw
        for part in body.split(","):
            bounds = part.split("-")
            if len(bounds) > 2 or not all(b.isdigit() and 0 <= int(b) <= 65535 for b in bounds):
                raise errors.invalid_value(field)
        return raw


class Key(Type):
    """WireGuard key: base64 of exactly 32 bytes; `words` are literal options (`auto`, `none`)."""

    def __init__(self, words=()):
        self.words = tuple(words)

    def parse(self, router, field, raw):
        if raw in self.words:
            return raw
        if not decode_key(raw):
            raise errors.invalid_value(field)
        return raw


def decode_key(raw):
    try:
        data = base64.b64decode(raw, validate=True)
    except (ValueError, TypeError):
        return None
    return data if len(data) == 32 else None


class Mac(Type):
    def parse(self, router, field, raw):
        if not re.fullmatch(r"([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}", raw):
            raise errors.invalid_value(field)
        return raw.upper().replace("-", ":")


class Reference(Type):
    """Name of an entry in another menu (interfaces, lists, bridges, OSPF objects).

    `menus` names the menus whose `name` values are acceptable; `negate` allows a
    leading `!`; `multi` allows a comma list.  RouterOS follows renames and shows a
    removed target as its old id: rename()/references() let the router do both.
    """

    def __init__(self, *menus, negate=False, multi=False, extra=(), message_field=None):
        self.menus, self.negate, self.multi = menus, negate, multi
        self.extra = tuple(extra)
        self.message_field = message_field

    def _names(self, router):
        names = set(self.extra)
        for menu in self.menus:
            names.update(router.names_in(menu))
        return names

    def parse(self, router, field, raw):
        neg, body = ("!", raw[1:]) if self.negate and raw.startswith("!") else ("", raw)
        parts = body.split(",") if self.multi else [body]
        names = self._names(router)
        for part in parts:
            if part not in names:
                raise errors.no_match(self.message_field or field)
        return neg + ",".join(parts)

    def references(self, value):
        return value.lstrip("!").split(",") if self.multi else [value.lstrip("!")]

    def rename(self, value, old, new):
        neg, body = ("!", value[1:]) if value.startswith("!") else ("", value)
        parts = [new if p == old else p for p in (body.split(",") if self.multi else [body])]
        return neg + ",".join(parts)


class Gateway(Type):
    """Route gateway: IP, interface name, or `ip%interface`; comma list for ECMP."""

    def __init__(self, version):
        self.version = version

    def parse(self, router, field, raw):
        interfaces = set(router.names_in("/interface"))
        out = []
        for part in raw.split(","):
            ip, pct, ifname = part.partition("%")
            if pct:
                if ifname not in interfaces:
                    raise errors.no_match("interface")
                out.append("%s%%%s" % (_ip(ip, field, self.version), ifname))
                continue
            try:
                out.append(str(_ip(part, field, self.version)))
            except errors.Trap:
                if part not in interfaces:
                    raise errors.no_match(field) from None
                out.append(part)
        return ",".join(out)

    def references(self, value):
        return [p.rpartition("%")[2] if "%" in p else p for p in value.split(",")]

    def rename(self, value, old, new):
        out = []
        for part in value.split(","):
            ip, pct, ifname = part.partition("%")
            if pct and ifname == old:
                part = "%s%%%s" % (ip, new)
            elif part == old:
                part = new
            out.append(part)
        return ",".join(out)
