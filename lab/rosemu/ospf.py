"""A modelled OSPF adjacency for the fabric's fast tests: `/routing/ospf/neighbor` shows a neighbour where both ends
of a GRE or EoIP overlay would form one, and nothing else (no LSAs, no routes: the data plane's FRR is the real one,
lab/tests/test_ospf_agreement.py compares the two).

Two ends become neighbours when the overlay runs at both ends (fabric.tunnel_running) and each end has an enabled,
not passive interface template that names the overlay interface, in an enabled area of the same area id whose
instance is enabled, with the same hello and dead intervals (RFC 2328 10.5: a hello whose HelloInterval or
RouterDeadInterval differ is dropped); and each end's input chain admits the other's hellos (IP protocol 89 to
224.0.0.5 on the overlay interface).  The network type need not agree: a ptp end and a broadcast end of one subnet
accept each other's hellos (RFC 2328 10.5 checks the mask only on a broadcast receiver, and a numbered ptp end sends
its own) and become Full once the broadcast end's Wait timer has passed (FRR does; lab/FIDELITY.md).  Neighbours
reach Full only with the same interface MTU at both ends: a Database Description packet whose MTU is larger than the
receiving interface's is rejected (RFC 2328 10.6), and the adjacency stays in ExStart.  `/routing/bfd/session` shows
one session per neighbour (2-Way or beyond, Full or not: FRR registers a neighbour with BFD at 2-Way) whose template
uses BFD (and no BFD configuration forbids it): up when both ends' do and both input chains admit the other's
control packets (RFC 5880 6.8.6 and RFC 5881 for what one end alone hears).
"""

import ipaddress

HELLO_GROUP = ipaddress.ip_address("224.0.0.5")      # AllSPFRouters (RFC 2328 A.1)
BFD_CONTROL_PORT = 3784                               # single-hop BFD control packets (RFC 5881 4)
TEMPLATE = "/routing/ospf/interface-template"
NEIGHBOR = "/routing/ospf/neighbor"
BFD_SESSION = "/routing/bfd/session"
BFD_CONFIGURATION = "/routing/bfd/configuration"
ROUTES = "/ip/route"
DYNAMIC_IDS = 0x80000000    # where the printed ids of OSPF's routes start: apart from the table's own
# what must be equal at both ends, and the template's default where it is not set (schema.py)
AGREE = (("hello-interval", "10s"), ("dead-interval", "40s"))


def _enabled(item):
    return item.values.get("disabled") != "true"


def _named(router, path, name):
    return next((it for it in router.tables[path] if it.values.get("name") == name and _enabled(it)), None)


def template_for(router, ifname):
    """(template, area, instance) items of the first enabled template naming `ifname`, or None."""
    for item in router.tables[TEMPLATE]:
        if _enabled(item) and ifname in (item.values.get("interfaces") or "").split(","):
            area = _named(router, "/routing/ospf/area", item.values.get("area"))
            instance = area and _named(router, "/routing/ospf/instance", area.values.get("instance"))
            return (item, area, instance) if instance is not None else None
    return None


def _address_on(router, ifname):
    for item in router.tables["/ip/address"]:
        if item.values.get("interface") == ifname and _enabled(item):
            return ipaddress.ip_interface(item.values["address"]).ip
    return None


def _agree(one, other):
    (tpl, area, _inst), (far_tpl, far_area, _far_inst) = one, other
    if tpl.values.get("passive") == "true" or far_tpl.values.get("passive") == "true":
        return False
    if area.values.get("area-id", "0.0.0.0") != far_area.values.get("area-id", "0.0.0.0"):
        return False
    return all(tpl.values.get(name, default) == far_tpl.values.get(name, default) for name, default in AGREE)


def _admitted(fabric, sender, sender_if, receiver, receiver_if, blocked, packet):
    """Whether `receiver`'s input chain lets `packet` (protocol, dst, dst_port) in from `sender`'s address on
    `sender_if` through `receiver_if`."""
    src = _address_on(sender, sender_if)
    if src is None or packet["dst"] is None:
        return False
    try:
        fabric.firewall(receiver, "input", dict(packet, src=src, **{"in": receiver_if}))
    except blocked:
        return False
    return True


def _hellos_admitted(fabric, sender, sender_if, receiver, receiver_if, blocked):
    return _admitted(fabric, sender, sender_if, receiver, receiver_if, blocked,
                     {"protocol": "ospf", "dst": HELLO_GROUP})


def _bfd_admitted(fabric, sender, sender_if, receiver, receiver_if, blocked):
    return _admitted(fabric, sender, sender_if, receiver, receiver_if, blocked,
                     {"protocol": "udp", "dst": _address_on(receiver, receiver_if), "dst_port": BFD_CONTROL_PORT})


def _mtu(tunnel):
    return tunnel.values.get("actual-mtu") or tunnel.values.get("mtu")


def _adjacencies(fabric, router, overlays, blocked):
    """(interface, my template's items, far router, far interface, far template's items, Full or not) of each overlay
    of `router` whose far end is its neighbour (2-Way or beyond)."""
    for kind, entry in sorted(overlays.items()):
        for tunnel in router.tables[entry[0]]:
            ifname = tunnel.values.get("name")
            mine = template_for(router, ifname)
            if mine is None or not _enabled(tunnel) or not fabric.tunnel_running(router, entry[0], tunnel):
                continue
            try:
                far, far_if = fabric.via_overlay(router, ifname, kind)
            except blocked:
                continue
            _path, far_tunnel = fabric.interface_item(far, far_if)
            theirs = template_for(far, far_if)
            if theirs is None or not fabric.tunnel_running(far, entry[0], far_tunnel) or not _agree(mine, theirs):
                continue
            if not (_hellos_admitted(fabric, router, ifname, far, far_if, blocked)
                    and _hellos_admitted(fabric, far, far_if, router, ifname, blocked)):
                continue
            yield ifname, mine, far, far_if, theirs, _mtu(tunnel) == _mtu(far_tunnel)


def neighbors(fabric, router, overlays, blocked):
    """The rows of `router`'s /routing/ospf/neighbor: one per overlay interface with a neighbour, Full where the MTUs
    agree, else ExStart (the Database Description exchange never gets further).
    `overlays`: {kind: (menu, ...)} of the fabric's overlay kinds; `blocked`: the fabric's exception for a packet
    that does not get through."""
    rows = []
    for ifname, mine, far, far_if, theirs, full in _adjacencies(fabric, router, overlays, blocked):
        far_tpl, _far_area, far_instance = theirs
        rows.append({"instance": mine[2].values["name"], "area": mine[1].values["name"],
                     "address": str(_address_on(far, far_if)), "interface": ifname,
                     "router-id": far_instance.values.get("router-id", "main"),
                     "priority": far_tpl.values.get("priority", "128"), "state": "Full" if full else "ExStart",
                     "state-changes": "6" if full else "3",
                     "adjacency": "1s", "timeout": far_tpl.values.get("dead-interval", "40s")})
    return rows


def _bfd_allowed(router, ifname):
    """Whether no enabled BFD configuration entry covering the interface forbids BFD (the first that covers it
    decides; an entry without interfaces covers all)."""
    for item in router.tables.get(BFD_CONFIGURATION, ()):
        if _enabled(item) and (ifname in (item.values.get("interfaces") or "").split(",")
                               or not item.values.get("interfaces")):
            return item.values.get("forbid-bfd") != "true"
    return True


def _uses_bfd(router, ifname, template):
    return template[0].values.get("use-bfd") == "true" and _bfd_allowed(router, ifname)


def _bfd_state(fabric, router, ifname, far, far_if, theirs, blocked):
    """RFC 5880 6.8.6: a session that hears nothing from the far end stays down; one that hears the far end's Down
    goes to init, and up once the far end hears it too (the far end then says Init or Up)."""
    if not (_uses_bfd(far, far_if, theirs) and _bfd_admitted(fabric, far, far_if, router, ifname, blocked)):
        return "down"
    return "up" if _bfd_admitted(fabric, router, ifname, far, far_if, blocked) else "init"


def bfd_sessions(fabric, router, overlays, blocked):
    """The rows of `router`'s /routing/bfd/session: one per neighbour whose template here uses BFD - up when the far
    end's template uses BFD too and both input chains admit the other's control packets (UDP 3784), init when only
    this end's does, down when this end hears nothing (the far end does not run BFD, or this end drops it)."""
    rows = []
    for ifname, mine, far, far_if, theirs, _full in _adjacencies(fabric, router, overlays, blocked):
        if not _uses_bfd(router, ifname, mine):
            continue
        state = _bfd_state(fabric, router, ifname, far, far_if, theirs, blocked)
        rows.append({"multihop": "false", "vrf": "main",
                     "remote-address": "%s%%%s" % (_address_on(far, far_if), ifname),
                     "local-address": str(_address_on(router, ifname)), "state": state,
                     "state-changes": "1" if state == "up" else "0", "uptime": "1s" if state == "up" else "0s"})
    return rows


def with_routes(rows, learned):
    """/ip/route's printed rows with OSPF's routes (`learned`: dynamic rows from the fabric) after the table's own;
    a static route that an active OSPF route of a smaller distance beats prints as a backup (neither active nor
    inactive), as RouterOS chooses by distance (MikroTik manual, IP Routing)."""
    beaten = {}
    for row in learned:
        if row.get("active") == "true":
            beaten[row["dst-address"]] = min(beaten.get(row["dst-address"], 256), int(row["distance"]))
    out = []
    for row in rows:
        if row.get("static") == "true" and row.get("active") == "true" and \
                int(row.get("distance", "1")) > beaten.get(row.get("dst-address"), 256):
            row = dict(row, active="false", inactive="false")
            row.pop("immediate-gw", None)
        out.append(row)
    return out + [dict(row, **{".id": "*%X" % (DYNAMIC_IDS + number)}) for number, row in enumerate(learned, start=1)]
