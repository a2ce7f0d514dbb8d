"""GRE and MikroTik EoIP framing, as bytes on the wire after the outer IP header (pure functions, no sockets).

GRE (RFC 2784, with RFC 2890's key and sequence number fields): 2 bytes of flags and version, 2 bytes of protocol
type (0x0800 IPv4, 0x86DD IPv6), then the optional checksum, key and sequence words the flags announce.
EoIP (MikroTik): a GRE header with the key bit and version 1 (0x2001), protocol type 0x6400, then the Ethernet
frame's length in network byte order and the tunnel id in *little-endian* order, then the frame
(Nat-Lab/eoip readme.md "Protocol"; bbonev/eoip, a Linux kernel module interoperating with RouterOS; FIDELITY.md).
A GRE keepalive (Cisco, "GRE Tunnel Keepalives", Document ID 64565 / technote 118370): the sender wraps, in an
ordinary GRE packet to the far end, an IPv4 packet from the far end back to itself carrying an empty GRE header of
protocol type 0; the far end only decapsulates and routes that inner packet, which comes back as a GRE packet of
protocol type 0: the answer.
An EoIP keepalive is an EoIP packet with no frame (length 0): each end sends its own (OpenBSD eoip(4)).
EoIPv6 (MikroTik) is EtherIP (RFC 3378, IP protocol 97) with the 12 reserved bits holding the tunnel id and the
first byte's nibbles swapped: byte 0 = id bits 8-11 in its high nibble, version 3 in its low one; byte 1 = id bits
0-7 (Nat-Lab/eoip readme.md "EoIPv6", eoip.h `EIPHEAD`/`BITSWAP`).  GRE over IPv6 (gre6) is the GRE above.
"""

import ipaddress
import struct

IP_PROTO_GRE, IP_PROTO_ETHERIP = 47, 97
ETHERIP_VERSION = 3
GRE_IPV4, GRE_IPV6, GRE_KEEPALIVE = 0x0800, 0x86DD, 0x0000
EOIP_FLAGS, EOIP_PROTO = 0x2001, 0x6400
GRE_CHECKSUM, GRE_KEY, GRE_SEQUENCE = 0x8000, 0x2000, 0x1000
GRE_VERSION_MASK = 0x0007
INNER_PROTOCOL = {4: GRE_IPV4, 6: GRE_IPV6}      # the IP version nibble of a TUN packet -> GRE protocol type


class Frame:
    """One decoded GRE or EoIP packet: `kind` "gre" or "eoip", `protocol`, `tunnel_id` (EoIP), `payload`."""
    __slots__ = ("kind", "protocol", "tunnel_id", "payload")

    def __init__(self, kind, protocol, payload, tunnel_id=None):
        self.kind, self.protocol, self.payload, self.tunnel_id = kind, protocol, payload, tunnel_id

    @property
    def keepalive(self):
        """A GRE keepalive answer (protocol 0) or an EoIP/EoIPv6 keepalive (no frame)."""
        return not self.payload and (self.kind != "gre" or self.protocol == GRE_KEEPALIVE)


def gre_encode(packet):
    """A GRE packet carrying the IP `packet` (its version nibble picks the protocol type)."""
    return struct.pack("!HH", 0, INNER_PROTOCOL[packet[0] >> 4]) + packet


def eoip_encode(tunnel_id, frame=b""):
    """An EoIP packet carrying the Ethernet `frame` (empty: a keepalive)."""
    return struct.pack("!HHH", EOIP_FLAGS, EOIP_PROTO, len(frame)) + struct.pack("<H", tunnel_id) + frame


def eoipv6_encode(tunnel_id, frame=b""):
    """An EoIPv6 (EtherIP) packet carrying the Ethernet `frame` (empty: a keepalive)."""
    return bytes([((tunnel_id >> 8) & 0x0F) << 4 | ETHERIP_VERSION, tunnel_id & 0xFF]) + frame


def decode_etherip(data):
    """The Frame of an EoIPv6 packet, or None when its version nibble is not EtherIP's."""
    if len(data) < 2 or data[0] & 0x0F != ETHERIP_VERSION:
        return None
    return Frame("eoipv6", 0, data[2:], (data[0] >> 4) << 8 | data[1])


def decode(data):
    """The Frame in `data` (GRE header onwards), or None when it is neither GRE version 0 nor EoIP."""
    if len(data) < 4:
        return None
    flags, protocol = struct.unpack_from("!HH", data)
    if flags == EOIP_FLAGS and protocol == EOIP_PROTO and len(data) >= 8:
        length, = struct.unpack_from("!H", data, 4)
        tunnel_id, = struct.unpack_from("<H", data, 6)
        return Frame("eoip", protocol, data[8:8 + length], tunnel_id)
    if flags & GRE_VERSION_MASK:
        return None
    offset = 4 + 4 * sum(1 for bit in (GRE_CHECKSUM, GRE_KEY, GRE_SEQUENCE) if flags & bit)
    return Frame("gre", protocol, data[offset:]) if len(data) >= offset else None


def strip_ipv4(packet):
    """The payload of an IPv4 packet as a raw socket hands it over (header included), and its source."""
    header_length = (packet[0] & 0x0F) * 4
    return packet[header_length:], str(ipaddress.IPv4Address(packet[12:16]))


def ipv4_checksum(header):
    total = sum(struct.unpack("!%dH" % (len(header) // 2), header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4_packet(source, destination, protocol, payload, ttl=255):
    """An IPv4 packet (no options, don't fragment) with a correct header checksum."""
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000, ttl, protocol, 0,
                         ipaddress.IPv4Address(source).packed, ipaddress.IPv4Address(destination).packed)
    return header[:10] + struct.pack("!H", ipv4_checksum(header)) + header[12:] + payload


def ipv6_packet(source, destination, next_header, payload, hop_limit=255):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), next_header, hop_limit,
                       ipaddress.IPv6Address(source).packed, ipaddress.IPv6Address(destination).packed) + payload


def gre_keepalive(local, remote):
    """The GRE packet a tunnel from `local` to `remote` sends as its keepalive (see the module's docstring); over
    IPv6 (gre6) the inner packet is IPv6 (U: Cisco's scheme carried over, not checked on a CHR)."""
    answer = struct.pack("!HH", 0, GRE_KEEPALIVE)
    inner = ipv6_packet if ":" in local else ipv4_packet
    return gre_encode(inner(remote, local, IP_PROTO_GRE, answer))
