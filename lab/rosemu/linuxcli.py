"""`rosemu-linux`: Linux sites for Molecule scenarios and by hand.

  rosemu-linux up    --state DIR --prefix P --site NAME[=LAN_ADDRESS/LEN] ...
  rosemu-linux down  --state DIR --prefix P --site NAME ...   (also when up failed or never ran)
  rosemu-linux proxy --state DIR NETNS                         (ssh's ProxyCommand: sshd -i in the site)
"""

import argparse
import json
import os
import sys

from rosemu.linuxlab import LinuxLab


def lab_from(args):
    names, lans = [], {}
    for entry in args.site:
        name, _sep, lan = entry.partition("=")
        names.append(name)
        if lan:
            lans[name] = lan
    return LinuxLab(names, args.state, prefix=args.prefix, underlay=args.underlay, first_host=args.first_host,
                    lans=lans)


def proxy(state, netns):
    with open(os.path.join(state, "lab.json"), encoding="utf-8") as fh:
        saved = json.load(fh)
    name = netns[len(saved["prefix"]) + 1:]
    if not netns.startswith(saved["prefix"] + "-") or name not in saved["names"]:
        sys.exit("rosemu-linux proxy: %s is not a site of the lab in %s" % (netns, state))
    lab = LinuxLab(saved["names"], state, prefix=saved["prefix"])
    command = lab.proxy_command(name).split()
    os.execvp(command[0], command)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="rosemu-linux", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["up", "down", "proxy"])
    parser.add_argument("netns", nargs="?", help="with proxy: the site's network namespace (ssh's %%h)")
    parser.add_argument("--state", required=True, help="lab directory (keys, sshd config, mount namespaces)")
    parser.add_argument("--prefix", default="sl", help="namespace names are PREFIX-SITE")
    parser.add_argument("--site", action="append", default=[], help="NAME or NAME=LAN_ADDRESS/LEN (repeat)")
    parser.add_argument("--underlay", default="198.51.100.0/24")
    parser.add_argument("--first-host", type=int, default=101, help="WAN address of the first site in the underlay")
    args = parser.parse_intermixed_args(argv)
    if args.action == "proxy":
        proxy(args.state, args.netns)
    lab = lab_from(args)
    if args.action == "up":
        lab.up()
        for name in lab.names:
            lan = ", LAN %s" % lab.lans[name] if name in lab.lans else ""
            print("%s: namespace %s, WAN %s%s" % (name, lab.netns(name), lab.wan_address(name), lan))
    else:
        lab.down()
    return 0


if __name__ == "__main__":
    sys.exit(main())
