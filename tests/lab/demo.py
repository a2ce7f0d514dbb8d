"""`make demo`: start the built-in lab (a hub and two branches), show what each router has, tear down.

The lab is the real `rosemu` command in a child process, reached over TCP and
TLS with librouteros exactly as the collection's modules reach a router.
Issue "site_tunnel role" turns this into a run of playbooks/site_tunnel.yml.
"""

import os
import signal
import sys
import tempfile

import librouteros

from rosemu.lab_tools import start_rosemu, tls_wrapper

TOPOLOGY = """\
routers:
  - name: hub
    setup:
      - ["/ip/address/add", "=address=198.51.100.1/24", "=interface=ether1", "=comment=WAN"]
  - name: branch-a
    setup:
      - ["/ip/address/add", "=address=198.51.100.11/24", "=interface=ether1", "=comment=WAN"]
      - ["/ip/address/set", "=numbers=*1", "=address=192.168.11.1/24"]
  - name: branch-b
    setup:
      - ["/ip/address/add", "=address=198.51.100.12/24", "=interface=ether1", "=comment=WAN"]
      - ["/ip/address/set", "=numbers=*1", "=address=192.168.12.1/24"]
"""


def main():
    with tempfile.TemporaryDirectory(prefix="sitelink-demo-") as tmp:
        topology = os.path.join(tmp, "lab.yml")
        with open(topology, "w", encoding="utf-8") as fh:
            fh.write(TOPOLOGY)
        proc, routers = start_rosemu(["--topology", topology, "--tls-generate", os.path.join(tmp, "tls")])
        try:
            print("lab up: %d emulated RouterOS routers" % len(routers))
            header = "%-9s %-17s %-22s %-22s %-22s %s" % ("router", "version", "api", "api-ssl", "WAN", "LAN")
            print(header)
            print("-" * len(header))
            for name, ends in routers.items():
                host, port = ends["api-ssl"]
                api = librouteros.connect(host, "admin", "", port=port,
                                          ssl_wrapper=tls_wrapper(os.path.join(tmp, "tls", "cert.pem")))
                version = list(api.path("system", "resource"))[0]["version"]
                addresses = {r.get("comment", ""): r["address"] for r in api.path("ip", "address")}
                print("%-9s %-17s %-22s %-22s %-22s %s" % (
                    name, version, "%s:%d" % ends["api"], "%s:%d" % ends["api-ssl"],
                    addresses.get("WAN", "-"), addresses.get("defconf", "-")))
                api.close()
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(15)
        print("lab down (rosemu exit code %d)" % code)
        return code


if __name__ == "__main__":
    sys.exit(main())
