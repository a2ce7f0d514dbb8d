"""Time in the fabric: WireGuard handshakes happen when traffic or a keepalive needs them and are retried every 5 s;
GRE/EoIP tunnels with keepalive run only while their far end answers. The clock is frozen and moved by hand."""

import pytest

from labkit import advance, peer, ping, set_peer
from rosemu.fabric import Clock


def running(api, name):
    return [i for i in api.path("interface") if i["name"] == name][0]["running"]


def tunnel(api, kind, name, local, remote, keepalive=None, **extra):
    """Add a tunnel; keepalive "" unsets it afterwards, as the collection does (an add takes the default)."""
    menu = api.path("interface", kind)
    if keepalive:
        extra["keepalive"] = keepalive
    menu.add(name=name, **dict({"local-address": local, "remote-address": remote}, **extra))
    if keepalive == "":
        menu.update(**{".id": name, "keepalive": ""})


def gre(api, name, local, remote, **extra):
    tunnel(api, "gre", name, local, remote, **extra)


# ---------------------------------------------------------------- WireGuard handshakes

def test_no_handshake_until_traffic_then_its_age_grows(link):
    lab, apis = link
    advance(lab, 30)
    assert "last-handshake" not in peer(apis["branch"]) and "last-handshake" not in peer(apis["hub"])
    assert ping(apis["branch"], "10.255.0.0")           # the ping is the traffic that makes the first handshake
    assert peer(apis["branch"])["last-handshake"] == "0s" and peer(apis["hub"])["last-handshake"] == "0s"
    advance(lab, 8)
    assert peer(apis["branch"])["last-handshake"] == "8s"
    advance(lab, 64)
    assert peer(apis["hub"])["last-handshake"] == "1m12s"
    assert peer(apis["hub"])["current-endpoint-address"] == "198.51.100.2"     # learnt from the handshake


def test_persistent_keepalive_makes_the_handshake_without_traffic(link):
    lab, apis = link
    set_peer(apis["branch"], **{"persistent-keepalive": "25s"})
    assert peer(apis["branch"])["last-handshake"] == "0s"
    advance(lab, 130)                   # keepalives every 25 s; the session is renewed after 120 s
    assert peer(apis["hub"])["last-handshake"] == "5s"


def test_a_failed_initiation_is_retried_every_5_seconds(link):
    lab, apis = link
    filters = apis["hub"].path("ip", "firewall", "filter")
    wireguard = [r[".id"] for r in filters if str(r.get("dst-port")) == "13231"][0]
    filters.update(**{".id": wireguard, "disabled": "true"})
    assert not ping(apis["branch"], "10.255.0.0")       # the initiation is dropped by the hub's input chain
    filters.update(**{".id": wireguard, "disabled": "false"})
    advance(lab, 4)
    assert not ping(apis["branch"], "10.255.0.0")       # traffic does not resend it: the retry timer does
    assert "last-handshake" not in peer(apis["branch"])
    advance(lab, 1)
    assert peer(apis["branch"])["last-handshake"] == "0s"      # 5 s after the first, with no new traffic
    assert ping(apis["branch"], "10.255.0.0")


def test_initiations_stop_after_90_seconds_until_new_traffic(link):
    lab, apis = link
    filters = apis["hub"].path("ip", "firewall", "filter")
    wireguard = [r[".id"] for r in filters if str(r.get("dst-port")) == "13231"][0]
    filters.update(**{".id": wireguard, "disabled": "true"})
    assert not ping(apis["branch"], "10.255.0.0")
    advance(lab, 95)
    filters.update(**{".id": wireguard, "disabled": "false"})
    advance(lab, 10)
    assert "last-handshake" not in peer(apis["branch"])     # the round gave up; nothing to send since
    assert ping(apis["branch"], "10.255.0.0")


def test_the_end_without_an_endpoint_waits_for_the_other_to_make_contact(link):
    lab, apis = link
    assert not ping(apis["hub"], "10.255.0.1")
    why = lab.call(lambda: lab.fabric.why(lab.router("hub"), "10.255.0.1"))
    assert "hub: no endpoint for branch, and branch has not made contact yet" in why
    assert ping(apis["branch"], "10.255.0.0")
    assert ping(apis["hub"], "10.255.0.1")


def test_a_session_expires_when_the_far_end_goes_away(link):
    lab, apis = link
    assert ping(apis["branch"], "10.255.0.0")
    apis["hub"].path("interface", "wireguard", "peers").remove(peer(apis["hub"])[".id"])
    assert not ping(apis["branch"], "10.255.0.0")
    advance(lab, 200)
    assert peer(apis["branch"])["last-handshake"] == "3m20s"      # the age keeps growing; no new handshake


# ---------------------------------------------------------------- GRE / EoIP keepalive

@pytest.fixture
def up(link):
    lab, apis = link
    assert ping(apis["branch"], "10.255.0.0")
    return link


def test_a_new_gre_tunnel_runs_only_after_the_first_keepalive_answer(up):
    lab, apis = up
    gre(apis["branch"], "gre-hub", "10.255.0.1", "10.255.0.0")
    assert running(apis["branch"], "gre-hub") is False        # keepalive 10s,10 by default; nobody answers yet
    gre(apis["hub"], "gre-branch", "10.255.0.0", "10.255.0.1")
    assert running(apis["hub"], "gre-branch") is True         # its first keepalive comes back at once
    assert running(apis["branch"], "gre-hub") is False
    advance(lab, 10)
    assert running(apis["branch"], "gre-hub") is True         # the branch's next one, 10 s after the first


def test_without_keepalive_a_gre_tunnel_runs_while_enabled(up):
    lab, apis = up
    gre(apis["branch"], "gre-hub", "10.255.0.1", "10.255.0.0", keepalive="")
    assert running(apis["branch"], "gre-hub") is True
    apis["branch"].path("interface", "gre").update(**{".id": "gre-hub", "disabled": "true"})
    assert running(apis["branch"], "gre-hub") is False


def test_gre_toward_a_far_end_that_does_not_answer_keepalives(up):
    """A far end that is not an emulated router (a Linux ip_gre end) sends no keepalive back: with keepalive the
    RouterOS tunnel never runs; without it, it does."""
    lab, apis = up
    apis["branch"].path("ip", "address").add(address="10.255.1.1/31", interface="ether2")
    gre(apis["branch"], "gre-linux", "10.255.1.1", "10.255.1.0")
    advance(lab, 60)
    assert running(apis["branch"], "gre-linux") is False
    apis["branch"].path("interface", "gre").update(**{".id": "gre-linux", "keepalive": ""})
    assert running(apis["branch"], "gre-linux") is True


def test_gre_stops_running_after_its_retries_go_unanswered(up):
    lab, apis = up
    gre(apis["hub"], "gre-branch", "10.255.0.0", "10.255.0.1", keepalive="")
    gre(apis["branch"], "gre-hub", "10.255.0.1", "10.255.0.0", keepalive="2s,3")
    assert running(apis["branch"], "gre-hub") is True
    apis["hub"].path("interface", "gre").update(**{".id": "gre-branch", "disabled": "true"})
    advance(lab, 5)
    assert running(apis["branch"], "gre-hub") is True         # two keepalives lost: still within 3 retries
    advance(lab, 1)
    assert running(apis["branch"], "gre-hub") is False        # the third
    apis["hub"].path("interface", "gre").update(**{".id": "gre-branch", "disabled": "false"})
    advance(lab, 2)
    assert running(apis["branch"], "gre-hub") is True


def test_eoip_keepalive_needs_the_far_end_to_send_its_own(up):
    lab, apis = up
    tunnel(apis["hub"], "eoip", "eoip-branch", "10.255.0.0", "10.255.0.1", keepalive="", **{"tunnel-id": 7})
    tunnel(apis["branch"], "eoip", "eoip-hub", "10.255.0.1", "10.255.0.0", **{"tunnel-id": 7})
    advance(lab, 30)
    assert running(apis["branch"], "eoip-hub") is False       # the hub sends no keepalives
    assert running(apis["hub"], "eoip-branch") is True        # no keepalive of its own: runs while enabled
    apis["hub"].path("interface", "eoip").update(**{".id": "eoip-branch", "keepalive": "10s,10"})
    advance(lab, 10)
    assert running(apis["branch"], "eoip-hub") is True and running(apis["hub"], "eoip-branch") is True


def test_a_time_scale_runs_the_timers_faster():
    clock = Clock(scale=10)
    first = clock.now()
    clock.started -= 1.0                # as if one real second had passed
    assert 10.0 <= clock.now() - first < 11.0
