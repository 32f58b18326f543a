"""BM25F scores read straight from the posting blocks, for every document a ranking query matches.

Whoosh scores through a matcher tree: per posting, a Python scorer object looks the document's field length
up in a column reader (profiled: `doc_field_length` and `score` were most of a search's time, and their cost
grows with the number of matching plans). Here each ranking term's postings are read a block at a time (ids
and weights as arrays) and field lengths come from per-segment lists the reader keeps. The formula, the idf
and the average field lengths are Whoosh's own (whoosh.scoring.BM25F with B=0.75, K1=1.2), so the scores
are the numbers Whoosh's searcher gives (a test compares them). The snapshot remembers them per query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length

from plans.search.engines.whoosh.postings import blocks
from plans.search.segment import bigrams, is_word_token, words

B = 0.75
K1 = 1.2
BIGRAM_BOOST = 0.3  # a term inside longer words (型省份) still ranks by how often and where it occurs


def ranking_query(terms: list[str]) -> wq.Query | None:
    """The BM25F ranking query: whole jieba words in the title (boosted) and body, plus character bigrams.

    Only term queries: Whoosh's Phrase (span) matching cost most of the search time in profiles. Exactness
    needs no phrase here (the result set is decided already); terms standing together are favoured by the
    core's ranking policy (plans/search/engine.py).
    """
    clauses: list[wq.Query] = []
    for term in terms:
        compact = term.replace(" ", "")
        term_words = [w for w in words(compact) if is_word_token(w)]
        if len(compact) >= 2 and len(term_words) != 1:
            clauses += [
                wq.Term("chars", gram, boost=BIGRAM_BOOST) for gram in dict.fromkeys(bigrams(compact))
            ]
        for word in dict.fromkeys(term_words):
            clauses.append(wq.Term("title", word))
            clauses.append(wq.Term("text", word))
    if not clauses:
        return None
    return wq.Or(clauses)


def leaf_lengths(leaf, fieldname: str) -> list[float]:
    """Every document's length of `fieldname` in one segment, as Whoosh's scorer sees it (default 1)."""
    count = leaf.doc_count_all()
    perdoc = getattr(leaf, "_perdoc", None)
    column = None
    if perdoc is not None and hasattr(perdoc, "_cached_reader"):
        column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:  # another codec: the public, slower call
        return [leaf.doc_field_length(d, fieldname, 1) or 1 for d in range(count)]
    return [byte_to_length(column[d]) if column[d] else 1 for d in range(count)]


def _postings(reader, fieldname: str, text: str) -> Iterator[tuple[int, float]]:
    """(docnum, weight) of every live posting of a term."""
    for ids, weights, _ in blocks(reader, fieldname, text, weights=True):
        yield from zip(ids, weights, strict=True)


def clauses(query) -> list[tuple[str, str, float]]:
    """(field, text, boost) of a ranking query made of Term clauses under one Or (ranking_query)."""
    subqueries = query.subqueries if isinstance(query, wq.Or) else [query]
    out = []
    for sub in subqueries:
        if not isinstance(sub, wq.Term):
            raise TypeError(f"ranking supports Term clauses only, not {type(sub).__name__}")
        out.append((sub.fieldname, sub.text, sub.boost))
    return out


def all_scores(
    searcher, reader, query_clauses, field_lengths: Callable[[str], list[float]]
) -> dict[int, float]:
    """BM25F score of every live document any clause matches."""
    scores: dict[int, float] = {}
    get = scores.get
    for fieldname, text, boost in query_clauses:
        if not searcher.schema[fieldname].scorable:
            continue
        if (fieldname, text) not in reader:
            continue
        idf = searcher.idf(fieldname, text)
        avgfl = searcher.avg_field_length(fieldname) or 1
        lengths = field_lengths(fieldname)
        # bm25() of whoosh.scoring, with the per-field constants taken out of the loop
        top = boost * idf * (K1 + 1)
        norm = K1 * (1 - B)
        slope = K1 * B / avgfl
        for docnum, weight in _postings(reader, fieldname, text):
            scores[docnum] = get(docnum, 0.0) + top * weight / (weight + norm + slope * lengths[docnum])
    return scores
