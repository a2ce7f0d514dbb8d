"""Reading rows (only the fields we manage, never dynamic ones) and naming them: keys, owners, labels."""

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros import resources as res
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.comments import make_comment, parse_comment
from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.reading import Keys, Reader, canon

from routeros_fakes import FakeSession

KEY = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="


def test_the_proplist_is_the_managed_fields_and_the_values_read_back():
    names = Reader(res.WIREGUARD_PEERS.for_release((7, 18)), "r1").proplist()
    assert names[:3] == [".id", "comment", "dynamic"] and names[-1] == "last-handshake"
    assert "preshared-key" in names and "is-responder" not in names and len(names) == len(set(names))


def test_dynamic_rows_are_not_read():
    session = FakeSession({"/ip/route": [{".id": "*1", "dst-address": "10.0.0.0/8", "dynamic": True},
                                         {".id": "*2", "dst-address": "10.1.0.0/16", "extra": "x"}]})
    assert Reader(res.ROUTES, "r1").read(session, "/ip/route") == [{".id": "*2", "dst-address": "10.1.0.0/16"}]


def test_keys_fill_in_defaults_and_compare_canonical_values():
    keys = Keys(res.ROUTES, "fleet")
    entry = {"dst_address": "10.1.2.3/16", "gateway": "wg0"}
    row = {"dst-address": "10.1.0.0/16", "gateway": "wg0", "routing-table": "main"}
    assert keys.of_entry(entry) == keys.of_row(row) == ("10.1.0.0/16", "wg0", "main")
    assert canon(res.ROUTES.by_option["distance"].kind, "") is None


def test_a_key_kept_in_the_comment_is_read_from_the_comment():
    keys = Keys(res.FIREWALL_RULES, "fleet")
    assert keys.in_comment("name") and not keys.in_comment("chain")
    assert keys.of_entry({"name": "wg-in", "chain": "input"}) == ("wg-in",)
    assert keys.of_row({"chain": "input", "comment": "sitelink:other wg-in"}) == ("wg-in",)   # any owner's
    assert keys.of_row({"chain": "input", "comment": "wg-in"}) == (None,)
    assert keys.entry_of_row({"chain": "input", "comment": "sitelink:fleet wg-in"})["name"] == "wg-in"


def test_ours_means_the_marker_with_this_owner():
    keys = Keys(res.WIREGUARD_INTERFACES, "fleet")
    assert keys.ours({"comment": "sitelink:fleet"}) and keys.ours({"comment": keys.comment("x")})
    assert not keys.ours({"comment": "sitelink:other"}) and not keys.ours({"comment": "sitelink"})
    assert not keys.ours({})
    assert parse_comment(make_comment("fleet", "a b")) == ("fleet", "a b")


def test_labels_shorten_public_keys():
    keys = Keys(res.WIREGUARD_PEERS, "fleet")
    assert keys.label({"interface": "wg0", "public_key": KEY}) == "interface=wg0 public_key=xTIBA5rb..."
    assert keys.row_label({"interface": "wg0", "public-key": KEY}) == "interface=wg0 public_key=xTIBA5rb..."
