"""A faster positions format for Whoosh (same capabilities as whoosh.formats.Positions).

Profiled on real reports, Whoosh spends much of indexing in Positions.word_values (a generator of Token
objects, two dicts per token) and encode (a pickle per posting), and much of phrase matching in
decode_positions (unpickle + a Python loop). Here positions are stored as little-endian arrays (count
first, then 2- or 4-byte deltas) and decoded with array + itertools.accumulate; analyzers that can list
their terms' positions directly (`term_positions(value) -> dict[str, list[int]]`) skip the per-token machinery.
The class is pickled into the index's schema: renaming it means rebuilding the index.
"""

import struct
from array import array
from collections import defaultdict
from itertools import accumulate
from operator import sub

from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter
from whoosh.formats import Positions, tokens

_SWAP = array("I", [1]).tobytes()[0] != 1  # big-endian machine: store little-endian anyway


_COUNT = struct.Struct("<I")


def encode_positions(poslist) -> bytes:
    """uint32 count, one typecode byte (H or I), then the deltas: 2 bytes each when they all fit.

    Most postings hold one position (a bigram once in a plan): that case is one struct call.
    """
    count = len(poslist)
    if count == 0:
        return _COUNT.pack(0) + b"H"
    if count == 1:
        first = poslist[0]
        return _COUNT.pack(1) + (b"H" + _H.pack(first) if first < 65536 else b"I" + _I.pack(first))
    deltas = [poslist[0], *map(sub, poslist[1:], poslist)]
    typecode = "H" if max(deltas, default=0) < 65536 else "I"
    body = array(typecode, deltas)
    if _SWAP:
        body.byteswap()
    return _COUNT.pack(count) + typecode.encode() + body.tobytes()


_H = struct.Struct("<H")
_I = struct.Struct("<I")


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


class _LengthsByField:
    """A segment's per-document field lengths, read once per field instead of once per posting.

    Whoosh's add_postings asks `lengths.doc_field_length(docnum, fieldname)` for every posting it writes
    (to keep block min/max lengths), each a column read in Python: 14 % of a rebuild (profiled).
    """

    def __init__(self, lengths):
        self._lengths = lengths
        self._by_field: dict[str, list] = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        column = self._by_field.get(fieldname)
        if column is None:
            read = self._lengths.doc_field_length
            column = [read(d, fieldname, 0) for d in range(self._lengths.doc_count_all())]
            self._by_field[fieldname] = column
        return column[docnum] if docnum < len(column) else default

    def __getattr__(self, name):
        return getattr(self._lengths, name)


class PolicyFieldWriter(W3FieldWriter):
    def add_postings(self, schema, lengths, items):
        return super().add_postings(schema, _LengthsByField(lengths) if lengths else lengths, items)


class PolicyCodec(W3Codec):
    """Whoosh's W3 codec writing postings with the per-field length cache above; reads exactly like W3.

    The class is pickled into the index's segments: renaming it means rebuilding the index.
    """

    def field_writer(self, storage, segment):
        return PolicyFieldWriter(self, storage, segment)
