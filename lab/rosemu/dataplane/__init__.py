"""The emulator's data plane (opt-in; the fabric stays the default): emulated routers that forward real packets.

`DataPlane` (plane.py) realises a router's tables in a network namespace: ethernet ports on a lab underlay, a LAN
host, WireGuard through wireguard-go and `wg`, addresses and active routes with iproute2, and GRE/EoIP through the
user-space forwarder (forwarder.py, framing.py).  lab/FIDELITY.md "The data plane" lists what it models.
"""

from rosemu.dataplane.plane import DataPlane

__all__ = ["DataPlane"]
