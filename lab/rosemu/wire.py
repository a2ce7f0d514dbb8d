"""RouterOS API framing: length-prefixed words, sentences ended by an empty word.

Text is carried as latin-1 so that any byte a client sends comes back unchanged.
"""


ENCODING = "latin-1"


class WireError(Exception):
    """The peer sent something the protocol does not allow (reserved control byte)."""


def encode_length(length):
    if length < 0x80:
        return bytes([length])
    if length < 0x4000:
        return (length | 0x8000).to_bytes(2, "big")
    if length < 0x200000:
        return (length | 0xC00000).to_bytes(3, "big")
    if length < 0x10000000:
        return (length | 0xE0000000).to_bytes(4, "big")
    # librouteros cannot read the 5-byte form; the emulator never produces words this large.
    raise ValueError("word too long: %d bytes" % length)


def encode_word(word):
    data = word.encode(ENCODING)
    return encode_length(len(data)) + data


def encode_sentence(words):
    return b"".join(encode_word(w) for w in words) + b"\x00"


# First byte of a length prefix -> (number of extra bytes, mask removed from the value).
_PREFIX = (
    (0x80, 0, 0x00),
    (0xC0, 1, 0x8000),
    (0xE0, 2, 0xC00000),
    (0xF0, 3, 0xE0000000),
)


async def read_length(reader):
    first = (await reader.readexactly(1))[0]
    for limit, extra, mask in _PREFIX:
        if first < limit:
            if not extra:
                return first
            rest = await reader.readexactly(extra)
            return int.from_bytes(bytes([first]) + rest, "big") ^ mask
    if first == 0xF0:
        return int.from_bytes(await reader.readexactly(4), "big")
    raise WireError("reserved control byte 0x%02X" % first)


async def read_sentence(reader):
    """Read one sentence; returns a list of words (possibly empty)."""
    words = []
    while True:
        length = await read_length(reader)
        if length == 0:
            return words
        words.append((await reader.readexactly(length)).decode(ENCODING))


def decode_sentences(data):
    """Decode a byte string holding whole sentences (used by tests)."""
    out, words, pos = [], [], 0
    while pos < len(data):
        first = data[pos]
        for limit, extra, mask in _PREFIX:
            if first < limit:
                length = int.from_bytes(data[pos:pos + 1 + extra], "big") ^ mask
                pos += 1 + extra
                break
        else:
            raise WireError("reserved control byte 0x%02X" % first)
        if length == 0:
            out.append(words)
            words = []
            continue
        words.append(data[pos:pos + length].decode(ENCODING))
        pos += length
    return out
