"""A term's postings a block at a time: document numbers (and weights, values) as arrays, not one call each.

Whoosh's matchers answer one posting per Python call (`id()`, `weight()`, `value()`, `next()`); reading
whole blocks (the W3 codec's `_read_ids` / `_read_weights` / `_read_values`, each one unpickle) lets set
and dict building run in C. Segments with deletions, and codecs without blocks, fall back to the matcher API,
which skips deleted documents itself. Whoosh is pinned (2.7.4, no longer developed), so the block internals
are stable; tests compare the results with Whoosh's own matchers.
"""

from __future__ import annotations

from collections.abc import Iterator

from whoosh.reading import TermNotFound

_BLOCK_API = ("_read_ids", "_read_weights", "_read_values", "_next_block")


def blocks(
    reader, fieldname: str, text: str, *, weights: bool = False, values: bool = False
) -> Iterator[tuple[list[int], list | None, list | None]]:
    """(docnums, weights or None, values or None) per block of the term's postings, docnums global."""
    for leaf, offset in reader.leaf_readers():
        try:
            matcher = leaf.postings(fieldname, text)
        except TermNotFound:
            continue
        if not all(hasattr(matcher, name) for name in _BLOCK_API):
            ids, ws, vs = [], [], []
            while matcher.is_active():
                ids.append(matcher.id() + offset)
                if weights:
                    ws.append(matcher.weight())
                if values:
                    vs.append(matcher.value())
                matcher.next()
            yield ids, ws if weights else None, vs if values else None
            continue
        while matcher.is_active():
            if matcher._ids is None:
                matcher._read_ids()
            ids = list(matcher._ids) if not offset else [i + offset for i in matcher._ids]
            block_weights = block_values = None
            if weights:
                if matcher._weights is None:
                    matcher._read_weights()
                block_weights = matcher._weights
            if values:
                if matcher._values is None:
                    matcher._read_values()
                block_values = matcher._values
            yield ids, block_weights, block_values
            matcher._next_block()


def doc_ids(reader, fieldname: str, text: str) -> set[int]:
    """Every live document number holding the term."""
    found: set[int] = set()
    for ids, _, _ in blocks(reader, fieldname, text):
        found.update(ids)
    return found


def values_for(reader, fieldname: str, text: str, docs: set[int]) -> dict[int, bytes]:
    """The posting value (encoded positions) of the term in each of `docs` that holds it."""
    out: dict[int, bytes] = {}
    for ids, _, vals in blocks(reader, fieldname, text, values=True):
        out.update((d, v) for d, v in zip(ids, vals, strict=True) if d in docs)
    return out
