"""common/ipaddrs.py reads and writes addresses as netaddr 1.x did (the topology code's library until issue 22 item 8):
the expected values are what netaddr 1.3 gave for each input."""

import ipaddress

import pytest

from ansible_collections.sitelink.tunnels.plugins.module_utils.common import ipaddrs


@pytest.mark.parametrize("text, written, network", [
    ("10.0.0.0/24", "10.0.0.0/24", "10.0.0.0/24"),
    ("10.0.0.1/24", "10.0.0.1/24", "10.0.0.0/24"),              # host bits kept: validation names them
    ("10.0.0.0", "10.0.0.0/32", "10.0.0.0/32"),
    ("10.0.0.0/024", "10.0.0.0/24", "10.0.0.0/24"),
    ("10.0.0.0/255.255.255.0", "10.0.0.0/24", "10.0.0.0/24"),   # netmask
    ("10.0.0.0/0.0.0.255", "10.0.0.0/24", "10.0.0.0/24"),       # host mask
    ("10.0.0.0/ 24", "10.0.0.0/24", "10.0.0.0/24"),             # what int() takes
    ("10.0.0.0/+24", "10.0.0.0/24", "10.0.0.0/24"),
    ("fd00::1/64", "fd00::1/64", "fd00::/64"),
    ("fd00::/ffff:ffff::", "fd00::/32", "fd00::/32"),            # an IPv6 netmask
    ("fd00::/0:0:0:0:0:0:0:ffff", "fd00::/112", "fd00::/112"),   # and host mask
    ("::ffff:10.0.0.0/120", "::ffff:10.0.0.0/120", "::ffff:10.0.0.0/120"),
])
def test_prefixes_read_as_netaddr_read_them(text, written, network):
    parsed = ipaddrs.prefix(text)
    assert (ipaddrs.text(parsed), ipaddrs.text(parsed.network)) == (written, network)


@pytest.mark.parametrize("text", ["fe80::%eth0/64", "010.0.0.0/24", "10/8", "167772160/8", "10.0.0.0/33",
                                  "10.0.0.0/255.0.255.0", "10.0.0.0/ffff::", "10.0.0.0/24/24", "10.0.0.0/", ""])
def test_what_netaddr_refused_as_a_prefix_is_refused(text):
    with pytest.raises(ValueError):
        ipaddrs.prefix(text)


@pytest.mark.parametrize("text", ["fe80::1%eth0", "010.0.0.1", "127.1", "2130706433", "0x7f.0.0.1", "10.0.0.1/32",
                                  " 10.0.0.1"])
def test_what_netaddr_refused_as_an_address_is_refused(text):
    with pytest.raises(ValueError):
        ipaddrs.address(text)


@pytest.mark.parametrize("text, written", [
    ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),      # IPv4-mapped: a dotted quad on every Python (3.11: ::ffff:c000:201)
    ("::ffff:c000:201", "::ffff:192.0.2.1"),
    ("::192.0.2.1", "::192.0.2.1"),                # IPv4-compatible
    ("::1", "::1"), ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"), ("1:0:0:1:0:0:0:1", "1:0:0:1::1"),
    ("FE80::1", "fe80::1"), ("192.0.2.1", "192.0.2.1"),
])
def test_addresses_are_written_as_netaddr_wrote_them(text, written):
    assert ipaddrs.text(ipaddrs.address(text)) == written


def test_kinds_look_at_the_address_family_only():
    """Python 3.13's is_multicast and friends also look inside an IPv4-mapped address; netaddr did not."""
    assert ipaddrs.is_kind("multicast", ipaddrs.address("224.0.0.1"))
    assert ipaddrs.is_kind("multicast", ipaddrs.address("ff02::1"))
    assert not ipaddrs.is_kind("multicast", ipaddrs.address("::ffff:224.0.0.1"))
    assert not ipaddrs.is_kind("loopback", ipaddrs.address("::ffff:127.0.0.1"))
    assert ipaddrs.is_kind("loopback", ipaddrs.address("127.9.9.9"))
    assert ipaddrs.is_kind("link_local", ipaddrs.address("fe80::1"))
    assert not ipaddrs.is_kind("link_local", ipaddrs.address("fec0::1"))


def test_containment_is_by_the_whole_prefix_and_never_across_families():
    lan = ipaddrs.prefix("127.0.0.0/7")                 # its network is 126.0.0.0/7: not inside 127.0.0.0/8
    assert not ipaddrs.contains(ipaddrs.prefix("127.0.0.0/8"), lan)
    assert ipaddrs.contains(lan, ipaddrs.prefix("127.0.0.0/8"))
    assert ipaddrs.contains(ipaddress.ip_network("10.0.0.0/8"), ipaddrs.address("10.1.2.3"))
    assert not ipaddrs.contains(ipaddress.ip_network("::/0"), ipaddrs.address("10.1.2.3"))
    assert not ipaddrs.contains(ipaddrs.prefix("10.0.0.0/24"), ipaddrs.prefix("10.0.0.0/23"))
    first, last = ipaddrs.address("10.0.0.4"), ipaddrs.address("10.0.0.7")
    assert ipaddrs.span(ipaddrs.prefix("10.0.0.7/30")) == (int(first), int(last))
