"""The emulator's data plane (opt-in; the fabric stays the default): emulated routers that forward real packets.

`DataPlane` (plane.py) realises a router's tables in a network namespace: ethernet ports on a lab underlay, a LAN
host, WireGuard through wireguard-go and `wg`, addresses and active routes with iproute2, and GRE/EoIP through the
user-space forwarder (forwarder.py, framing.py); `lab_dataplane(lab, state_dir)` puts a running Lab's routers
on it.  lab/FIDELITY.md "The data plane" lists what it models.
"""

from rosemu.dataplane.plane import DataPlane, lab_dataplane

__all__ = ["DataPlane", "lab_dataplane"]
