"""What an attached router asks its fabric, answered by the data plane for what the data plane realises.

effects.py asks `router.fabric` whether a GRE/EoIP tunnel is running (`tunnel_running`) and a peer's status
(`peer_status`); the API's /ping asks it for each probe's round trip (`ping`); `Router.run` calls `settle()` before
every command.  While a router is attached to a DataPlane its `fabric` is a RouterView: a tunnel's `running` is the
forwarder's (its keepalives), a peer's status is `wg show`'s, a /ping probe is a real ping from the router's
namespace, and settle() refreshes the router when a forwarder's `running` moved since the tables last saw it
(lazily, as the fabric plays its timers: nothing runs in the background).  Everything else (why_down, trace, ...)
goes to the router's own fabric, which keeps modelling; a bare Router has none.
"""

# the menus the forwarder realises, and its kinds (forwarder.KINDS)
TUNNEL_KINDS = {"/interface/gre": "gre", "/interface/eoip": "eoip", "/interface/gre6": "gre6",
                "/interface/eoipv6": "eoipv6"}


class RouterView:
    def __init__(self, dataplane, router, fabric):
        self.dataplane, self.router, self.fabric = dataplane, router, fabric

    def tunnel_running(self, router, path, item):
        if not item.values.get("keepalive"):
            return True                     # without keepalive a tunnel runs while enabled (FIDELITY.md)
        return self.dataplane.tunnel_running(router, path, item)

    def peer_status(self, router, peer):
        return self.dataplane.peer_status(router, peer)

    def ping(self, router, address, src=None, interface=None):
        """The API's /ping sends real echo requests from the router's namespace."""
        return self.dataplane.ping(router.name, address, src, interface)

    def ospf_neighbors(self, router):
        """/routing/ospf/neighbor: FRR's adjacencies in the router's namespace (none while it runs no OSPF)."""
        return self.dataplane.ospf_neighbors(router)

    def ospf_routes(self, router):
        """/ip/route's dynamic OSPF routes: FRR's in the router's namespace (none while it runs no OSPF)."""
        return self.dataplane.ospf_routes(router)

    def bfd_sessions(self, router):
        """/routing/bfd/session: FRR's BFD peers in the router's namespace (none while it runs no OSPF)."""
        return self.dataplane.bfd_sessions(router)

    def gateway_reachable(self, router, path, item):
        """check-gateway=ping: the model's verdict and timers (not yet real pings from the namespace); a bare
        router has no model, so its routes are not checked."""
        return True if self.fabric is None else self.fabric.gateway_reachable(router, path, item)

    def changed(self, router):
        if self.fabric is not None:
            self.fabric.changed(router)

    def settle(self):
        if self.fabric is not None:
            self.fabric.settle()
        self.dataplane.settle(self.router)

    def __getattr__(self, name):
        if self.fabric is None:
            raise AttributeError("%s: a router without a fabric has no %s" % (self.router.name, name))
        return getattr(self.fabric, name)
