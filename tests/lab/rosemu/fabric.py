"""How packets would travel between the routers of one lab.

The router asks the fabric three questions: does a ping to an address get an
answer, what does a WireGuard peer's live status look like (last-handshake,
current endpoint, counters), and is a GRE/EoIP tunnel up.  This default
fabric knows only each router's own addresses; a lab that models links
(the site_tunnel verify step) plugs in a richer one.
"""

import ipaddress


class Fabric:
    def attach(self, lab):
        self.lab = lab

    def own_addresses(self, router):
        out = {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")}
        for path in ("/ip/address", "/ipv6/address"):
            for item in router.tables[path]:
                if item.values.get("disabled") != "true" and item.values.get("invalid") != "true":
                    out.add(ipaddress.ip_interface(item.values["address"]).ip)
        return out

    def ping(self, router, address, src=None, interface=None):
        """Round-trip time in ms, or None for a timeout."""
        return 0.0 if ipaddress.ip_address(address) in self.own_addresses(router) else None

    def peer_status(self, router, peer):
        return {}

    def tunnel_running(self, router, path, item):
        return True
