"""Two emulated RouterOS sites on the data plane, as the site_tunnel role configures them: the scenario the data
plane's tests and its benchmark share.

Routers a and b: ether1 on the lab underlay, a LAN bridge with a host behind ether2, WireGuard between their WAN
addresses, a GRE and an EoIP tunnel between their IPv4 WireGuard transit addresses and a gre6 and an eoipv6 tunnel
between their IPv6 ones.  `route_lans_over(overlay)` sends the LAN-to-LAN traffic over "wireguard", "gre",
"eoip", "gre6" or "eoipv6" and syncs both routers again.
"""

from rosemu import effects
from rosemu.dataplane.plane import DataPlane
from rosemu.router import Router

LANS = {"a": ("192.168.88.1/24", "192.168.88.10/24"), "b": ("192.168.89.1/24", "192.168.89.10/24")}
TRANSIT = {"a": "10.255.0.1", "b": "10.255.0.2"}
TRANSIT6 = {"a": "fd00:255::1", "b": "fd00:255::2"}      # gre6 and eoipv6 run between these
OVERLAY_GATEWAYS = {          # the address, on each path, of the router at the other end (seen from the key)
    "wireguard": {"a": "10.255.0.2", "b": "10.255.0.1"},
    "gre": {"a": "10.10.0.2", "b": "10.10.0.1"},
    "eoip": {"a": "10.20.0.2", "b": "10.20.0.1"},
    "gre6": {"a": "10.16.0.2", "b": "10.16.0.1"},
    "eoipv6": {"a": "10.17.0.2", "b": "10.17.0.1"},
}
TUNNELS = (("/interface/gre", "gre-x", {}, "10.10.0", TRANSIT),
           ("/interface/eoip", "eoip-x", {"tunnel-id": "7"}, "10.20.0", TRANSIT),
           ("/interface/gre6", "gre6-x", {}, "10.16.0", TRANSIT6),
           ("/interface/eoipv6", "eoipv6-x", {"tunnel-id": "8"}, "10.17.0", TRANSIT6))


def other(name):
    return "b" if name == "a" else "a"


def lan_prefix(name):
    return LANS[name][0].replace(".1/", ".0/")


def host_address(name):
    return LANS[name][1].split("/")[0]


def write_directly(router, path, verb, args):
    """A menu command on the Router object itself (the same verbs and checks the API session runs)."""
    return getattr(router, verb)(path, args)


class SitePair:
    """`routers` and `write`: another pair's routers (e.g. a Lab's) and how to write to them (e.g. through the
    API: `write(router, path, verb, args)`); with `attach` every write reaches the data plane as it is made;
    `call`, `firewall`: DataPlane's (Lab.call for a Lab's routers; the filter chains realised too)."""

    def __init__(self, state_dir, keepalive="1s,3", routers=None, write=write_directly, attach=False, call=None,
                 firewall=False):
        hosts = {name: (host, lan.split("/", maxsplit=1)[0]) for name, (lan, host) in LANS.items()}
        self.dataplane = DataPlane(["a", "b"], state_dir, hosts=hosts, call=call, firewall=firewall)
        self.routers = routers or {name: Router(name) for name in ("a", "b")}
        self.keepalive, self.write, self.attach = keepalive, write, attach

    def up(self):
        self.dataplane.up()
        try:
            keys = {name: effects.new_private_key() for name in self.routers}
            for router in self.routers.values():
                if self.attach:
                    self.dataplane.attach(router)
                self.configure(router, keys)
                if not self.attach:
                    self.dataplane.sync(router)
        except BaseException:
            self.dataplane.down()
            raise
        return self

    def down(self):
        for router in self.routers.values():
            if router.name in self.dataplane.listeners:
                self.dataplane.detach(router)
        self.dataplane.down()

    def __enter__(self):
        return self.up()

    def __exit__(self, *exc):
        self.down()

    def configure(self, router, keys):
        """What the site_tunnel role writes on a RouterOS site."""
        name, far, write = router.name, other(router.name), self.write
        lan_address = next(it for it in router.tables["/ip/address"] if it.values.get("interface") == "bridge")
        write(router, "/ip/address", "set", {".id": lan_address.ref, "address": LANS[name][0]})
        write(router, "/ip/address", "add", {"address": "%s/24" % self.dataplane.wan_address(name),
                                             "interface": "ether1"})
        write(router, "/interface/wireguard", "add", {"name": "wg-site", "listen-port": "13231",
                                                      "private-key": keys[name]})
        write(router, "/interface/wireguard/peers", "add", {
            "interface": "wg-site", "public-key": effects.public_key(keys[far]),
            "allowed-address": self.allowed(far, "wireguard"), "persistent-keepalive": "1s",
            "endpoint-address": str(self.dataplane.wan_address(far)), "endpoint-port": "13231"})
        write(router, "/ip/address", "add", {"address": "%s/30" % TRANSIT[name], "interface": "wg-site"})
        write(router, "/ipv6/address", "add", {"address": "%s/64" % TRANSIT6[name], "interface": "wg-site"})
        for path, interface, extra, prefix, transit in TUNNELS:
            tunnel = dict(extra, **{"name": interface, "local-address": transit[name], "remote-address": transit[far]})
            write(router, path, "add", tunnel)
            if self.keepalive:
                write(router, path, "set", {".id": interface, "keepalive": self.keepalive})
            else:       # as the collection does: add (which takes the default 10s,10), then unset
                write(router, path, "unset", {"numbers": interface, "value-name": "keepalive"})
            write(router, "/ip/address", "add", {"address": "%s.%d/30" % (prefix, 1 if name == "a" else 2),
                                                 "interface": interface})
        write(router, "/ip/route", "add", {"dst-address": lan_prefix(far), "comment": "lan",
                                           "gateway": OVERLAY_GATEWAYS["wireguard"][name]})

    def route_lans_over(self, overlay):
        """LAN-to-LAN traffic over `overlay`; plain WireGuard also needs the far LAN in the peer's allowed-address
        (the overlays do not: their packets are between transit addresses)."""
        for name, router in self.routers.items():
            route = next(it for it in router.tables["/ip/route"] if it.values.get("comment") == "lan")
            self.write(router, "/ip/route", "set", {".id": route.ref, "gateway": OVERLAY_GATEWAYS[overlay][name]})
            peer = router.tables["/interface/wireguard/peers"][0]
            self.write(router, "/interface/wireguard/peers", "set",
                       {".id": peer.ref, "allowed-address": self.allowed(other(name), overlay)})
            if not self.attach:
                self.dataplane.sync(router)

    @staticmethod
    def allowed(far, overlay):
        """The peer's allowed-address: the far transit addresses, and over plain WireGuard the far LAN."""
        prefixes = ["%s/32" % TRANSIT[far], "%s/128" % TRANSIT6[far]]
        return ",".join(prefixes + ([lan_prefix(far)] if overlay == "wireguard" else []))

    def ping(self, source, destination, count=3, interval="0.2"):
        """ping from `source`'s LAN host; (received, the ping's output)."""
        result = self.dataplane.run_host(source, "ping", "-n", "-q", "-c", str(count), "-i", interval, "-W", "2",
                                         destination, check=False, timeout=60 + count * 0.1)
        line = next((line for line in result.stdout.splitlines() if "received" in line), "0, 0 received")
        return int(line.split(",")[1].split()[0]), result.stdout
