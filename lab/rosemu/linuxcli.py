"""`rosemu-linux`: Linux sites for Molecule scenarios and by hand.

  rosemu-linux up    --state DIR [--prefix P] [--user-gre auto|on|off] --site NAME[=LAN_ADDRESS/LEN] ...
  rosemu-linux down  --state DIR           (the lab up wrote to DIR; nothing when up refused or never ran)
  rosemu-linux proxy --state DIR HOST      (ssh's ProxyCommand: sshd -i in site HOST, a site name or its namespace)

Without --prefix, up draws one no concurrent lab holds and keeps it in DIR/lab.json: down and proxy read it there.
--user-gre: the sites' `ip` makes GRE interfaces in user space (on), never (off), or where the kernel has no GRE
(auto, the default); see LinuxLab.
"""

import argparse
import os
import sys

from rosemu.linuxlab import LinuxLab

USER_GRE = {"auto": None, "on": True, "off": False}


def lab_from(args):
    names, lans = [], {}
    for entry in args.site:
        name, _sep, lan = entry.partition("=")
        names.append(name)
        if lan:
            lans[name] = lan
    return LinuxLab(names, args.state, prefix=args.prefix, underlay=args.underlay, first_host=args.first_host,
                    lans=lans, user_gre=USER_GRE[args.user_gre])


def proxy(state, host):
    lab = LinuxLab.from_state(state)
    if lab is None:
        sys.exit("rosemu-linux proxy: no lab in %s" % state)
    by_host = dict((lab.netns(name), name) for name in lab.names)
    by_host.update((name, name) for name in lab.names)
    if host not in by_host:
        sys.exit("rosemu-linux proxy: %s is not a site of the lab in %s" % (host, state))
    command = lab.proxy_command(by_host[host]).split()
    os.execvp(command[0], command)


def down(state):
    lab = LinuxLab.from_state(state)
    if lab is None:
        print("no lab in %s: nothing to take down" % state)
        return
    lab.down()
    print("removed %s" % ", ".join(lab.namespaces()))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="rosemu-linux", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["up", "down", "proxy"])
    parser.add_argument("host", nargs="?", help="with proxy: the site (ssh's %%h): its name or its namespace")
    parser.add_argument("--state", required=True, help="lab directory (keys, sshd config, mount namespaces)")
    parser.add_argument("--prefix", help="with up: namespace names are PREFIX-SITE (default: drawn per lab)")
    parser.add_argument("--site", action="append", default=[],
                        help="with up: NAME or NAME=LAN_ADDRESS/LEN (repeat); down takes the lab's from its state")
    parser.add_argument("--underlay", default="198.51.100.0/24")
    parser.add_argument("--first-host", type=int, default=101, help="WAN address of the first site in the underlay")
    parser.add_argument("--user-gre", choices=list(USER_GRE), default="auto",
                        help="with up: GRE in user space for the sites' ip (auto: where the kernel has none)")
    args = parser.parse_intermixed_args(argv)
    if args.action == "proxy":
        proxy(args.state, args.host)
    elif args.action == "down":
        down(args.state)
    else:
        lab = lab_from(args).up()
        for name in lab.names:
            lan = ", LAN %s" % lab.lans[name] if name in lab.lans else ""
            print("%s: namespace %s, WAN %s%s" % (name, lab.netns(name), lab.wan_address(name), lan))
        if lab.user_gre:
            print("GRE: in user space (the sites' ip makes a TUN device and a forwarder per GRE interface)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
