"""No key material anywhere in -vvv --diff output: preshared keys, IPsec secrets, passwords, router private keys."""

import re

PSK = "hHp7k4vVQyTRbRXkq0Cdm8Hzn7nhoTsm1UVLWE5mJCI="
PSK2 = "q0Cdm8Hzn7nhoTsm1UVLWE5mJCIhHp7k4vVQyTRbRXk="
PEER = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
SECRET = "gre-ipsec-Secret-42"


def test_nothing_secret_in_verbose_diff_output(ansible, lab):
    lab.call(lambda: lab.router("r1").add("/user", {"name": "ops", "password": "Pa55-word-x", "group": "full"}))
    play = """
        - sitelink.tunnels.routeros_wireguard_interfaces:
            config: [{name: wg-sites}]
        - sitelink.tunnels.routeros_wireguard_peers:
            config:
              - {interface: wg-sites, public_key: %s, allowed_address: [10.255.0.0/31], preshared_key: %s}
        - sitelink.tunnels.routeros_gre_tunnels:
            config: [{name: gre1, remote_address: 10.255.0.0, ipsec_secret: %s}]
        - sitelink.tunnels.routeros_wireguard_peers:
            state: gathered
        - sitelink.tunnels.routeros_info:
        - sitelink.tunnels.routeros_wireguard_peers:
            state: rendered
            config:
              - {interface: wg-sites, public_key: %s, allowed_address: [10.255.0.0/31], preshared_key: %s}
        - sitelink.tunnels.routeros_wireguard_peers:
            state: replaced
            config:
              - {interface: wg-sites, public_key: %s, allowed_address: [10.255.0.0/31], preshared_key: %s}
        """ % (PEER, PSK, SECRET, PEER, PSK, PEER, PSK2)
    defaults = {"port": "{{ api_port }}", "username": "ops", "password": "{{ ops_password }}"}
    run = ansible.run(play, "-vvv", "--diff", "-e", "ops_password=Pa55-word-x", defaults=defaults)
    assert run.rc == 0, run
    router_private = ansible.rows("/interface/wireguard")[0]["private-key"]
    assert ansible.rows("/interface/wireguard/peers")[0]["preshared-key"] == PSK2    # it was really set
    output = run.out
    for secret in (PSK, PSK2, SECRET, router_private, "Pa55-word-x"):
        assert secret not in output, "secret leaked: %s" % secret[:6]
    assert len(re.findall("<redacted>", output)) >= 4
