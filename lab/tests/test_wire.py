"""Framing: every length-prefix size, long words end to end, control bytes, empty sentences."""

import pytest

from rosemu import wire

BOUNDARIES = [0, 1, 0x7F, 0x80, 0x3FFF, 0x4000, 0x1FFFFF, 0x200000, 0x200001]


@pytest.mark.parametrize("length", BOUNDARIES)
def test_length_prefix_roundtrip(length):
    encoded = wire.encode_length(length)
    expected_size = 1 if length < 0x80 else 2 if length < 0x4000 else 3 if length < 0x200000 else 4
    assert len(encoded) == expected_size
    word = "x" * length
    assert wire.decode_sentences(wire.encode_sentence(["/a", word] if length else ["/a"])) == \
        [["/a", word] if length else ["/a"]]


def test_prefix_bytes_match_the_manual():
    assert wire.encode_length(0x80) == b"\x80\x80"
    assert wire.encode_length(0x4000) == b"\xC0\x40\x00"
    assert wire.encode_length(0x200000) == b"\xE0\x20\x00\x00"


def test_word_larger_than_four_byte_form_is_refused():
    with pytest.raises(ValueError):
        wire.encode_length(0x10000000)


@pytest.mark.parametrize("size", [0x7F, 0x80, 0x3FFF, 0x4000, 0x200005])
def test_long_words_cross_the_socket(api, size):
    """A comment of each boundary size goes in and comes back whole through librouteros."""
    text = ("sitelink-" * (size // 9 + 1))[:size]
    lists = api.path("interface", "list")
    new_id = lists.add(name="big", comment=text)
    row = [r for r in lists if r[".id"] == new_id][0]
    assert row["comment"] == text


def test_five_byte_length_from_client_is_understood(raw):
    word = b"/system/identity/print"
    raw.sock.sendall(b"\xF0" + len(word).to_bytes(4, "big") + word + b"\x00")
    assert raw.until_done() == [["!re", "=name=r1"], ["!done"]]


def test_reserved_control_byte_closes_the_connection(raw):
    raw.sock.sendall(b"\xF8")
    with pytest.raises(ConnectionError):
        raw.sentence()


def test_empty_sentences_are_ignored(raw):
    raw.sock.sendall(b"\x00\x00")
    assert raw.command("/system/identity/print") == [["!re", "=name=r1"], ["!done"]]


def test_librouteros_encoding_matches(api):
    """Non-trivial values (with `=`) survive librouteros' split on the first two `=`."""
    lists = api.path("interface", "list")
    new_id = lists.add(name="eq", comment="a=b=c")
    assert [r["comment"] for r in lists if r[".id"] == new_id] == ["a=b=c"]
