"""Related plans on Whoosh: the documents best matching an OR of weighted body words and themes."""

from __future__ import annotations

from whoosh import query as wq

THEME_BOOST = 2.0


def similar_docnums(searcher, weighted_words, themes, limit: int) -> list[int]:
    """Docnums by Whoosh's BM25F score of the OR of the words (boosted by weight) and themes, best first."""
    clauses: list[wq.Query] = [wq.Term("text", word, boost=weight) for word, weight in weighted_words]
    clauses += [wq.Term("themes", theme, boost=THEME_BOOST) for theme in themes]
    if not clauses:
        return []
    results = searcher.search(wq.Or(clauses), limit=limit, terms=False)
    return [docnum for _, docnum in results.top_n]
