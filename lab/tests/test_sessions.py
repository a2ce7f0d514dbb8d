"""Each end of a WireGuard link keeps its own session. An end that loses it (its peer removed and re-added, re-keyed,
disabled, its preshared key changed, its interface disabled, its router restarted) drops what the other end still
sends in the old one; the other end, hearing nothing back, initiates a new handshake 15 s (KEEPALIVE_TIMEOUT +
REKEY_TIMEOUT) after its first unanswered data packet. The clock is frozen and moved by hand."""

import librouteros
import pytest

from labkit import advance, connect, control, peer, ping, set_peer
from rosemu.fabric import NEW_HANDSHAKE_AFTER

HUB, BRANCH = "10.255.0.0", "10.255.0.1"      # the transit addresses: a ping to one crosses the tunnel
KEY = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="


@pytest.fixture
def up(link):
    """The link after its first handshake (the branch's ping), 30 s ago."""
    lab, apis = link
    assert ping(apis["branch"], HUB)
    advance(lab, 30)
    return link


def why(lab, source, address):
    router = lab.router(source)
    return lab.call(lambda: router.fabric.why(router, address))


def peers(api):
    return api.path("interface", "wireguard", "peers")


# ---------------------------------------------------------------- ways for one end to lose its session

def peer_removed_and_added_again(lab, apis, name):
    entry = peer(apis[name])
    peers(apis[name]).remove(entry[".id"])
    fields = ("interface", "public-key", "allowed-address", "endpoint-address", "endpoint-port")
    peers(apis[name]).add(**dict((k, entry[k]) for k in fields if entry.get(k)))


def peer_disabled_and_enabled(lab, apis, name):
    set_peer(apis[name], disabled="true")
    set_peer(apis[name], disabled="false")


def interface_disabled_and_enabled(lab, apis, name):
    interfaces = apis[name].path("interface", "wireguard")
    interfaces.update(**{".id": "wg0", "disabled": "true"})
    interfaces.update(**{".id": "wg0", "disabled": "false"})


def preshared_key_set_and_unset(lab, apis, name):
    set_peer(apis[name], **{"preshared-key": KEY})
    unset = apis[name]("/interface/wireguard/peers/unset", numbers=peer(apis[name])[".id"],
                       **{"value-name": "preshared-key"})
    assert list(unset) == []                    # librouteros sends a command once its reply is read


def restarted(lab, apis, name):
    lab.call(lambda: lab.restart(name))         # its API connections drop with it
    apis[name].close()
    apis[name] = connect(lab, name)


LOSSES = [peer_removed_and_added_again, peer_disabled_and_enabled, interface_disabled_and_enabled,
          preshared_key_set_and_unset, restarted]


@pytest.mark.parametrize("lose", LOSSES, ids=lambda f: f.__name__)
def test_the_hub_loses_its_session_and_the_branch_initiates_after_15s_of_unanswered_traffic(up, lose):
    lab, apis = up
    lose(lab, apis, "hub")
    assert "last-handshake" not in peer(apis["hub"])          # the end that lost it shows no handshake
    assert peer(apis["branch"])["last-handshake"] == "30s"    # the other still believes in its session
    assert not ping(apis["branch"], HUB)                       # traffic from now: sent in the old session
    assert "hub: drops branch's packets: they are in a session hub does not have (it has none)" \
        in why(lab, "branch", HUB)
    advance(lab, 14.9)
    assert not ping(apis["branch"], HUB) and not ping(apis["hub"], BRANCH)     # the hub has no endpoint to dial
    assert "last-handshake" not in peer(apis["hub"]) and peer(apis["branch"])["last-handshake"] == "44s"
    advance(lab, 0.1)
    assert peer(apis["hub"])["last-handshake"] == "0s" and peer(apis["branch"])["last-handshake"] == "0s"
    assert ping(apis["branch"], HUB) and ping(apis["hub"], BRANCH)


@pytest.mark.parametrize("lose", LOSSES, ids=lambda f: f.__name__)
def test_it_never_comes_back_when_the_far_end_cannot_be_reached(up, lose):
    lab, apis = up
    lose(lab, apis, "hub")
    filters = apis["hub"].path("ip", "firewall", "filter")
    wireguard = [r[".id"] for r in filters if str(r.get("dst-port")) == "13231"][0]
    filters.update(**{".id": wireguard, "disabled": "true"})    # the hub's input chain drops WireGuard now
    assert not ping(apis["branch"], HUB)
    for _step in range(4):
        advance(lab, 5)
        assert not ping(apis["branch"], HUB) and not ping(apis["hub"], BRANCH)
    advance(lab, 100)
    assert not ping(apis["branch"], HUB)
    assert "hub: the input chain drops udp 198.51.100.2 -> 198.51.100.1:13231" in why(lab, "branch", HUB)
    assert "last-handshake" not in peer(apis["hub"])
    assert peer(apis["branch"])["last-handshake"] == "2m30s"  # the old one, growing: no handshake completed since


def test_the_15s_count_from_the_first_unanswered_packet_not_from_the_loss(up):
    lab, apis = up
    peer_removed_and_added_again(lab, apis, "hub")
    advance(lab, 60)                    # no traffic: the branch has no reason to doubt its session
    assert "last-handshake" not in peer(apis["hub"])
    assert not ping(apis["branch"], HUB)
    advance(lab, 10)
    assert not ping(apis["branch"], HUB)                       # more traffic does not move the count
    advance(lab, 4.9)
    assert "last-handshake" not in peer(apis["hub"])
    advance(lab, 0.1)
    assert ping(apis["branch"], HUB)


def test_answered_traffic_keeps_the_session(up):
    lab, apis = up
    for _step in range(12):
        advance(lab, 5)
        assert ping(apis["branch"], HUB)
    assert peer(apis["branch"])["last-handshake"] == "1m30s"    # no new handshake: every packet was answered


def test_persistent_keepalives_alone_do_not_make_the_branch_initiate_again(up):
    """A keepalive is not data (the Linux driver arms its new-handshake timer for data packets only): with no
    traffic, the branch renews its session only when it is REKEY_AFTER_TIME (120 s) old."""
    lab, apis = up
    set_peer(apis["branch"], **{"persistent-keepalive": "10s"})     # one at once, then every 10 s
    peer_removed_and_added_again(lab, apis, "hub")
    advance(lab, 89)                                                # the session is 119 s old
    assert "last-handshake" not in peer(apis["hub"])
    advance(lab, 1)                                                 # the keepalive of 120 s renews it
    assert peer(apis["hub"])["last-handshake"] == "0s"
    assert ping(apis["branch"], HUB)


def test_a_restarted_branch_is_reached_by_the_hub_after_15s_of_unanswered_traffic(up):
    """The hub keeps its session and the endpoint it learnt: its packets are dropped by the restarted branch until
    the hub initiates again, to that endpoint."""
    lab, apis = up
    restarted(lab, apis, "branch")
    assert "last-handshake" not in peer(apis["branch"]) and peer(apis["hub"])["last-handshake"] == "30s"
    assert not ping(apis["hub"], BRANCH)
    assert "branch: drops hub's packets" in why(lab, "hub", BRANCH)
    advance(lab, NEW_HANDSHAKE_AFTER - 0.1)
    assert not ping(apis["hub"], BRANCH)
    advance(lab, 0.1)
    assert peer(apis["branch"])["last-handshake"] == "0s"
    assert ping(apis["hub"], BRANCH) and ping(apis["branch"], HUB)


def test_the_end_that_lost_its_session_and_can_dial_comes_back_with_its_first_packet(up):
    """The branch (it has the endpoint) lost its session: it initiates as soon as it has something to send."""
    lab, apis = up
    restarted(lab, apis, "branch")
    advance(lab, 60)
    assert "last-handshake" not in peer(apis["branch"])       # nothing to send: no handshake
    assert ping(apis["branch"], HUB)
    assert peer(apis["branch"])["last-handshake"] == "0s" and peer(apis["hub"])["last-handshake"] == "0s"


def test_a_branch_key_change_drops_both_ends_and_the_branch_initiates_once_the_hub_knows_the_new_key(up):
    """A new private key on the branch ends its sessions; the hub's peer then takes the branch's new public key,
    which makes it a new peer, without a session either. Nobody keeps an old session, so there is nothing to wait
    15 s for: the branch initiates at its next packet, and the retries (every 5 s) go unanswered until the hub
    knows the new key."""
    lab, apis = up
    apis["branch"].path("interface", "wireguard").update(**{".id": "wg0", "private-key": KEY})
    assert "last-handshake" not in peer(apis["branch"]) and peer(apis["hub"])["last-handshake"] == "30s"
    assert not ping(apis["branch"], HUB)                      # an initiation the hub cannot place
    assert "hub: drops branch's packets" not in why(lab, "branch", HUB)
    assert not ping(apis["hub"], BRANCH)                      # the hub's old session: the branch has it no more
    advance(lab, 7)
    new_key = list(apis["branch"].path("interface", "wireguard"))[0]["public-key"]
    set_peer(apis["hub"], **{"public-key": new_key})
    assert "last-handshake" not in peer(apis["hub"])
    advance(lab, 2.9)
    assert not ping(apis["branch"], HUB)
    advance(lab, 0.1)                                         # the retry of 10 s finds the hub ready
    assert peer(apis["hub"])["last-handshake"] == "0s" and peer(apis["branch"])["last-handshake"] == "0s"
    assert ping(apis["branch"], HUB) and ping(apis["hub"], BRANCH)


def test_a_branch_key_change_the_hub_never_learns_stays_down(up):
    lab, apis = up
    apis["branch"].path("interface", "wireguard").update(**{".id": "wg0", "private-key": KEY})
    for _step in range(24):
        advance(lab, 5)
        assert not ping(apis["branch"], HUB) and not ping(apis["hub"], BRANCH)
    assert "last-handshake" not in peer(apis["branch"])
    assert "no peer with branch's public key" in why(lab, "branch", HUB)


def test_a_restart_comes_after_the_timers_that_fell_due_before_it(up):
    """Nothing asked the routers anything for 105 s: the branch's keepalive of 130 s renewed the session (older than
    REKEY_AFTER_TIME) before the hub restarted at 135 s, so the hub has lost the renewed one too."""
    lab, apis = up
    set_peer(apis["branch"], **{"persistent-keepalive": "25s"})    # at 30 s, then every 25 s
    advance(lab, 105)
    restarted(lab, apis, "hub")
    assert "last-handshake" not in peer(apis["hub"])
    assert peer(apis["branch"])["last-handshake"] == "5s"


def test_a_restart_through_the_control_endpoint_keeps_the_configuration_and_drops_the_api_connections(up):
    lab, apis = up
    before = list(apis["hub"].path("interface", "wireguard", "peers"))
    assert control(lab, "POST", "/routers/hub/restart") == {"ok": True}
    lab.call(lambda: None)                      # one more turn of the lab's loop: the connections are closed
    with pytest.raises((librouteros.exceptions.ConnectionClosed, OSError)):
        list(apis["hub"].path("interface", "wireguard", "peers"))
    apis["hub"] = connect(lab, "hub")
    after = peer(apis["hub"])
    assert "last-handshake" not in after and after[".id"] == before[0][".id"]
    assert after["public-key"] == before[0]["public-key"]
