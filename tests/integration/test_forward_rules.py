"""Forward rules admit only what the topology routes: LAN to LAN through the tunnels.

forward-to-TUNNEL accepted everything into the tunnels ahead of the router's own "drop all from WAN not DSTNATed":
a host on the WAN side that routed a branch's LAN via the hub reached it through the hub's tunnel.
"""

from rosemu.lab import RouterSpec
from lab_fleet import GOOD, play, start_fleet


def test_a_host_on_the_wan_side_cannot_send_into_a_remote_lan_but_the_lans_reach_each_other(tmp_path):
    # a host on the hub's WAN segment with a route to branch-a's LAN through the hub
    outsider = RouterSpec("outsider", defconf=False, setup=[
        ["/ip/address/add", "=address=198.51.100.99/24", "=interface=ether1"],
        ["/ip/route/add", "=dst-address=192.168.11.0/24", "=gateway=198.51.100.1"]])
    lab, connections = start_fleet(tmp_path, extra=[outsider])
    try:
        run = play(GOOD, connections)
        assert run.returncode == 0, run.out[-4000:]
        hub = lab.router("hub")
        listed = lab.call(lambda: sorted(it.values["address"] for it in hub.tables["/ip/firewall/address-list"]
                                         if it.values.get("list") == "sitelink-lans"))
        assert listed == ["192.168.10.0/24", "192.168.11.0/24", "192.168.12.0/24"]
        outsider, branch_b = lab.router("outsider"), lab.router("branch-b")
        why = lab.call(lambda: outsider.fabric.why(outsider, "192.168.11.1"))
        assert "hub: the forward chain drops" in why, why
        # spoke to spoke through the hub: both LANs are fleet LANs, admitted both ways
        assert lab.call(lambda: branch_b.fabric.trace(branch_b, "192.168.11.1", src="192.168.12.1")) > 0
    finally:
        lab.stop()
