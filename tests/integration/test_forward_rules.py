"""Forward rules admit only what the topology routes: LAN to LAN through the tunnels.

forward-to-TUNNEL accepted everything into the tunnels ahead of the router's own "drop all from WAN not DSTNATed":
a host on the WAN side that routed a branch's LAN via the hub reached it through the hub's tunnel.
"""

import json

from rosemu.cli import generate_certificate
from rosemu.lab import Lab, RouterSpec
from test_site_tunnel import GOOD, WAN, play


def test_a_host_on_the_wan_side_cannot_send_into_a_remote_lan_but_the_lans_reach_each_other(tmp_path):
    specs = [RouterSpec(name, setup=[["/ip/address/add", "=address=%s/24" % wan, "=interface=ether1"],
                                     ["/ip/address/set", "=numbers=*1", "=address=%s/24" % lan]])
             for name, (wan, lan) in WAN.items()]
    # a host on the hub's WAN segment with a route to branch-a's LAN through the hub
    specs.append(RouterSpec("outsider", defconf=False, setup=[
        ["/ip/address/add", "=address=198.51.100.99/24", "=interface=ether1"],
        ["/ip/route/add", "=dst-address=192.168.11.0/24", "=gateway=198.51.100.1"]]))
    cert, key = generate_certificate(str(tmp_path / "tls"))
    lab = Lab(specs, tls_cert=cert, tls_key=key).start()
    connections = tmp_path / "connections.yml"
    connections.write_text("all:\n  hosts:\n" + "".join(
        "    %s: {ansible_host: 127.0.0.1, sitelink_routeros: {port: %d, ca_path: %s}}\n"
        % (n, lab.port(n, "api-ssl"), json.dumps(cert)) for n in WAN))
    try:
        run = play(GOOD, str(connections))
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
