"""Exact-substring document sets from the character views, with a per-generation cache.

A term of one character is the unigram posting list, two characters one bigram posting list. For n >= 3
characters, the candidates are the documents holding all n-1 bigrams (document ids only, cheap); each
candidate is then checked on the positions of a covering subset of bigrams (offsets 0, 2, 4, … and n-2):
the term occurs at p exactly when bigram k occurs at p + k for each of them. Reading fewer position lists,
rarest first with an early exit, a block of postings at a time (postings.py), and set arithmetic in C, this
is several times cheaper than Whoosh's SpanNear-based Phrase matcher (profiled: _get_spans dominated search
time) and than checking each candidate through a matcher's skip_to (profiled at 10,000 plans).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from plans.search.postings import doc_ids, values_for
from plans.search.store import generation_key

CACHE_TERMS = 256
CACHE_MEMBERS = 400_000  # docnums held over all cached sets: about 25 MB, within a worker's memory budget
_cache: OrderedDict = OrderedDict()
_cache_size = 0
_cache_lock = threading.Lock()
_cache_key = None


def _substring_docs(reader, term: str) -> frozenset[int]:
    if len(term) == 1:
        return frozenset(doc_ids(reader, "unigrams", term))
    grams = [term[i : i + 2] for i in range(len(term) - 1)]
    frequencies = {g: reader.doc_frequency("chars", g) for g in set(grams)}
    if not all(frequencies.values()):
        return frozenset()
    ordered = sorted(set(grams), key=frequencies.get)
    candidates = doc_ids(reader, "chars", ordered[0])
    for gram in ordered[1:]:
        if not candidates:
            return frozenset()
        candidates &= doc_ids(reader, "chars", gram)
    if len(grams) == 1:
        return frozenset(candidates)
    offsets = sorted(set(range(0, len(grams), 2)) | {len(grams) - 1})
    checks = sorted(((k, grams[k]) for k in offsets), key=lambda item: frequencies[item[1]])
    decode = reader.schema["chars"].format.decode_positions
    starts: dict[int, set[int]] = {}
    alive = candidates
    for step, (k, gram) in enumerate(checks):
        narrowed: dict[int, set[int]] = {}
        for docnum, value in values_for(reader, "chars", gram, alive).items():
            shifted = {p - k for p in decode(value)}
            if step:
                shifted &= starts[docnum]
            if shifted:
                narrowed[docnum] = shifted
        starts = narrowed
        alive = set(narrowed)
        if not alive:
            break
    return frozenset(alive)


def clear_term_cache() -> None:
    """Forget every cached term set and ranking score (the benchmark's first-time queries; a new index
    generation does it anyway)."""
    global _cache_key, _cache_size
    from plans.search.ranking import clear_score_cache

    with _cache_lock:
        _cache.clear()
        _cache_size = 0
        _cache_key = None
    clear_score_cache()


def term_docs(searcher, term: str) -> frozenset[int]:
    """Docnums whose title or text contains the normalised `term` (spaces: each piece, AND)."""
    global _cache_key, _cache_size
    reader = searcher.reader()
    key = generation_key(reader)
    with _cache_lock:
        if key != _cache_key:
            _cache.clear()
            _cache_size = 0
            _cache_key = key
        if term in _cache:
            _cache.move_to_end(term)
            return _cache[term]
    pieces = [p for p in term.split() if p]
    docs: frozenset[int] | None = None
    for piece in sorted(pieces, key=len, reverse=True):
        piece_docs = _substring_docs(reader, piece)
        docs = piece_docs if docs is None else docs & piece_docs
        if not docs:
            break
    docs = docs or frozenset()
    with _cache_lock:
        if key == _cache_key and term not in _cache:
            _cache[term] = docs
            _cache_size += len(docs)
            while len(_cache) > CACHE_TERMS or (_cache_size > CACHE_MEMBERS and len(_cache) > 1):
                _cache_size -= len(_cache.popitem(last=False)[1])
    return docs


def query_docs(
    searcher, required: list[str], excluded: list[str], universe: frozenset[int] | None = None
) -> frozenset[int]:
    """Docnums containing every required term (or in `universe` when none) and none of the excluded ones."""
    docs: frozenset[int] | None = universe if not required else None
    for term in sorted(required, key=len, reverse=True):
        term_set = term_docs(searcher, term)
        docs = term_set if docs is None else docs & term_set
        if not docs:
            return frozenset()
    docs = docs or frozenset()
    for term in excluded:
        docs = docs - term_docs(searcher, term)
    return docs
