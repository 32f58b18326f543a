"""BM25F scores of a known set of documents, read straight from the posting blocks.

Whoosh scores through a matcher tree: per posting, a Python scorer object looks the document's field length
up in a column reader (profiled: `doc_field_length` and `score` were most of a search's time, and their cost
grows with the number of matching plans). exact.py has already decided which documents match, so here each
ranking term's postings are read a block at a time (ids and weights as arrays), field lengths come from
arrays cached per index generation, and only the wanted documents are scored. The formula, the idf and the
average field lengths are Whoosh's own (whoosh.scoring.BM25F with B=0.75, K1=1.2), so the scores are the
same numbers Whoosh's searcher gives (a test compares them).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.query import Or, Term
from whoosh.util.numeric import byte_to_length

from plans.search.postings import blocks
from plans.search.store import generation_key, segment_key

B = 0.75
K1 = 1.2

_lengths_lock = threading.Lock()
_lengths_cache: dict = {}


def _leaf_lengths(leaf, fieldname: str) -> list[float]:
    """Every document's length of `fieldname` in one segment, as Whoosh's scorer sees it (default 1)."""
    count = leaf.doc_count_all()
    perdoc = getattr(leaf, "_perdoc", None)
    column = None
    if perdoc is not None and hasattr(perdoc, "_cached_reader"):
        column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:  # another codec: the public, slower call
        return [leaf.doc_field_length(d, fieldname, 1) or 1 for d in range(count)]
    return [byte_to_length(column[d]) if column[d] else 1 for d in range(count)]


def field_lengths(reader, fieldname: str) -> list[float]:
    """Field lengths by global docnum, from per-segment lists cached while their segment lives."""
    key = (id(reader), reader.generation(), reader.doc_count_all(), fieldname)
    with _lengths_lock:
        cached = _lengths_cache.get(key)
    if cached is not None:
        return cached
    lengths: list[float] = []
    live = {key}
    for leaf, _offset in reader.leaf_readers():
        leaf_key = segment_key(leaf)
        part_key = (leaf_key, fieldname)
        with _lengths_lock:
            part = _lengths_cache.get(part_key) if leaf_key is not None else None
        if part is None:
            part = _leaf_lengths(leaf, fieldname)
            if leaf_key is not None:
                with _lengths_lock:
                    _lengths_cache[part_key] = part
        live.add(part_key)
        lengths += part
    with _lengths_lock:
        # keep this reader's entries and the segment parts of other fields still in use
        for k in [k for k in _lengths_cache if k not in live and (len(k) != 2 or k[1] == fieldname)]:
            del _lengths_cache[k]
        _lengths_cache[key] = lengths
    return lengths


def _postings(reader, fieldname: str, text: str) -> Iterator[tuple[int, float]]:
    """(docnum, weight) of every live posting of a term."""
    for ids, weights, _ in blocks(reader, fieldname, text, weights=True):
        yield from zip(ids, weights, strict=True)


def clauses(query) -> list[tuple[str, str, float]]:
    """(field, text, boost) of a ranking query made of Term clauses under one Or (query.ranking_query)."""
    subqueries = query.subqueries if isinstance(query, Or) else [query]
    out = []
    for sub in subqueries:
        if not isinstance(sub, Term):
            raise TypeError(f"ranking supports Term clauses only, not {type(sub).__name__}")
        out.append((sub.fieldname, sub.text, sub.boost))
    return out


SCORE_CACHE_QUERIES = 64
SCORE_CACHE_ENTRIES = 500_000  # scores held over all cached queries: about 50 MB
_score_cache: OrderedDict = OrderedDict()
_score_cache_size = 0
_score_lock = threading.Lock()


def bm25f_scores(searcher, query, docs: Iterable[int]) -> dict[int, float]:
    """BM25F score of each document of `docs` that any clause of `query` matches (others are absent).

    The scores of every document a query matches are kept per index generation (LRU): refining a search by
    region or year, or turning its pages, ranks again with the same query.
    """
    global _score_cache_size
    wanted = docs if isinstance(docs, set | frozenset) else set(docs)
    reader = searcher.reader()
    key = (generation_key(reader), tuple(clauses(query)))
    with _score_lock:
        every = _score_cache.get(key)
        if every is not None:
            _score_cache.move_to_end(key)
    if every is None:
        every = _all_scores(searcher, reader, key[1])
        with _score_lock:
            _score_cache[key] = every
            _score_cache_size += len(every)
            while len(_score_cache) > 1 and (
                len(_score_cache) > SCORE_CACHE_QUERIES or _score_cache_size > SCORE_CACHE_ENTRIES
            ):
                _score_cache_size -= len(_score_cache.popitem(last=False)[1])
    if len(wanted) < len(every):
        return {d: every[d] for d in wanted if d in every}
    return {d: s for d, s in every.items() if d in wanted}


def clear_score_cache() -> None:
    """Forget every cached score (benchmarks measuring first-time queries)."""
    global _score_cache_size
    with _score_lock:
        _score_cache.clear()
        _score_cache_size = 0


def _all_scores(searcher, reader, query_clauses) -> dict[int, float]:
    scores: dict[int, float] = {}
    get = scores.get
    for fieldname, text, boost in query_clauses:
        if not searcher.schema[fieldname].scorable:
            continue
        if (fieldname, text) not in reader:
            continue
        idf = searcher.idf(fieldname, text)
        avgfl = searcher.avg_field_length(fieldname) or 1
        lengths = field_lengths(reader, fieldname)
        # bm25() of whoosh.scoring, with the per-field constants taken out of the loop
        top = boost * idf * (K1 + 1)
        norm = K1 * (1 - B)
        slope = K1 * B / avgfl
        for docnum, weight in _postings(reader, fieldname, text):
            scores[docnum] = get(docnum, 0.0) + top * weight / (weight + norm + slope * lengths[docnum])
    return scores
