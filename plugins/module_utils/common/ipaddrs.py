# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Addresses and prefixes of the inventory, with the standard library's `ipaddress`.

The topology code read them with netaddr 1.x until issue 22 item 8; what validation accepts, and every message and
plan it writes, stay as they were then, so this module keeps netaddr's readings where `ipaddress` differs:
- a zone id (fe80::1%eth0) is no address here (netaddr refused it; RouterOS's gateway form is split off first);
- after the slash, whatever int() takes (" 24", "+24") or a netmask or host mask of the address's family, IPv6 too
  (validation then says it "gives a mask, not a prefix length");
- IPv6 text as the C library's inet_ntop writes it (netaddr's), so an IPv4-mapped or -compatible address keeps its
  dotted quad (::ffff:192.0.2.1) on every Python;
- multicast, link-local and loopback by the address's own family only (Python 3.13 also looks inside IPv4-mapped
  IPv6 addresses).
Octal, short and integer IPv4 forms ("010.0.0.1", "127.1", "2130706433") are refused by both (security review 3, N12).
"""

from __future__ import annotations

import ipaddress
import socket

ADDRESSES = {4: ipaddress.IPv4Address, 6: ipaddress.IPv6Address}
INTERFACES = {4: ipaddress.IPv4Interface, 6: ipaddress.IPv6Interface}
ADDRESS_TYPES = frozenset(ADDRESSES.values())          # exactly: an interface is an address subclass
INTERFACE_TYPES = tuple(INTERFACES.values())
NETWORK_TYPES = (ipaddress.IPv4Network, ipaddress.IPv6Network)
# the blocks netaddr's is_multicast(), is_link_local() and is_loopback() tested, by family
KINDS = {"multicast": {4: "224.0.0.0/4", 6: "ff00::/8"}, "link_local": {4: "169.254.0.0/16", 6: "fe80::/10"},
         "loopback": {4: "127.0.0.0/8", 6: "::1/128"}}
_KIND_BLOCKS = dict((kind, dict((version, ipaddress.ip_network(block)) for version, block in blocks.items()))
                    for kind, blocks in KINDS.items())


def address(value):
    """`value` (text) as an IPv4Address or IPv6Address; ValueError when it is not one."""
    if "%" in value:
        raise ValueError("%r has a zone id" % (value,))
    return ipaddress.ip_address(value)


def prefix(value):
    """`value` (text: an address, with a prefix length after a slash or not) as an IPv4Interface or IPv6Interface:
    the address as written, and its network (`.network`); ValueError when it is not one."""
    if "%" in value:
        raise ValueError("%r has a zone id" % (value,))
    text, slash, length = value.partition("/")
    if not slash or (length.isascii() and length.isdigit()):
        return ipaddress.ip_interface(value)            # the common forms, parsed in one call
    ip = ipaddress.ip_address(text)
    try:
        bits = int(length)
    except ValueError:
        bits = _mask_length(ip, length)
    if not 0 <= bits <= ip.max_prefixlen:
        raise ValueError("%r: prefix length out of range" % (value,))
    return INTERFACES[ip.version]((int(ip), bits))


def _mask_length(ip, text):
    """The prefix length of the netmask or host mask `text` of the family of `ip`."""
    mask = int(ADDRESSES[ip.version](text))
    width = ip.max_prefixlen
    ones = (1 << width) - 1
    for bits in range(width + 1):
        if mask == ones ^ ((1 << (width - bits)) - 1):
            return bits
    for bits in range(width + 1):
        if mask == (1 << (width - bits)) - 1:
            return bits
    raise ValueError("%r is neither a netmask nor a host mask" % (text,))


def span(value):
    """(first, last) address of an address (itself alone), a network or an interface's network, as numbers."""
    if type(value) in ADDRESS_TYPES:
        return int(value), int(value)
    net = getattr(value, "network", value)              # an interface's network, or the network itself
    return int(net.network_address), int(net.broadcast_address)


def contains(outer, inner):
    """Whether `inner` (an address, network or interface) lies inside `outer` (a network or interface), as netaddr's
    `in`: by the whole network of a prefix, False across families."""
    if outer.version != inner.version:
        return False
    first, last = span(outer)
    low, high = span(inner)
    return first <= low and high <= last


def is_kind(kind, ip):
    """Whether the address `ip` is in the KINDS block `kind` of its family."""
    return ip in _KIND_BLOCKS[kind][ip.version]


def text(value):
    """An address, network or interface as netaddr wrote it (IPv6 by inet_ntop)."""
    if isinstance(value, INTERFACE_TYPES):
        return "%s/%d" % (text(value.ip), value.network.prefixlen)
    if isinstance(value, NETWORK_TYPES):
        return "%s/%d" % (text(value.network_address), value.prefixlen)
    if value.version == 6:
        return socket.inet_ntop(socket.AF_INET6, value.packed)
    return str(value)
