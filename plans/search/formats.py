"""A faster positions format for Whoosh (same capabilities as whoosh.formats.Positions).

Profiled on real reports, Whoosh spends much of indexing in Positions.word_values (a generator of Token
objects, two dicts per token) and encode (a pickle per posting), and much of phrase matching in
decode_positions (unpickle + a Python loop). Here positions are stored as little-endian arrays (count
first, then 2- or 4-byte deltas) and decoded with array + itertools.accumulate; analyzers that can list
their terms' positions directly (`term_positions(value) -> dict[str, list[int]]`) skip the per-token machinery.
The class is pickled into the index's schema: renaming it means rebuilding the index.
"""

from array import array
from collections import defaultdict
from itertools import accumulate

from whoosh.formats import Positions, tokens

_SWAP = array("I", [1]).tobytes()[0] != 1  # big-endian machine: store little-endian anyway


def encode_positions(poslist) -> bytes:
    """uint32 count, one typecode byte (H or I), then the deltas: 2 bytes each when they all fit."""
    deltas = []
    previous = 0
    for pos in poslist:
        deltas.append(pos - previous)
        previous = pos
    typecode = "H" if max(deltas, default=0) < 65536 else "I"
    body = array(typecode, deltas)
    count = array("I", [len(deltas)])
    if _SWAP:
        body.byteswap()
        count.byteswap()
    return count.tobytes() + typecode.encode() + body.tobytes()


class FastPositions(Positions):
    def word_values(self, value, analyzer, **kwargs):
        boost = self.field_boost
        direct = getattr(analyzer, "term_positions", None)
        if direct is not None and not isinstance(value, list | tuple):
            poses = direct(value)
        else:
            poses = defaultdict(list)
            kwargs["positions"] = True
            for token in tokens(value, analyzer, kwargs):
                poses[token.text].append(token.pos)
        encode = encode_positions
        for word, poslist in poses.items():
            yield (word, len(poslist), len(poslist) * boost, encode(poslist))

    def encode(self, poslist):
        return encode_positions(poslist)

    def decode_positions(self, valuestring):
        codes = array(chr(valuestring[4]))
        codes.frombytes(valuestring[5:])
        if _SWAP:
            codes.byteswap()
        return list(accumulate(codes))

    def decode_frequency(self, valuestring):
        codes = array("I")
        codes.frombytes(valuestring[:4])
        if _SWAP:
            codes.byteswap()
        return codes[0]
