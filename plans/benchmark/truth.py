"""The substring truth: the plans a query must find, by plain string containment.

The product promises that a query finds every plan whose title or text contains it (issue 3): unquoted words are
AND-ed, each one a substring; a "quoted phrase" is one substring, spaces included. Latin letters compare without
case. Filters (region, year) narrow the set the same way the facets do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from plans.benchmark.corpus import CorpusDoc
from plans.benchmark.queries import BenchQuery

_PHRASE = re.compile(r'"([^"]*)"|“([^”]*)”')


def query_terms(q: str) -> list[str]:
    """The substrings that a plan must all contain to match `q`, lower-cased, duplicates dropped."""
    terms: list[str] = []
    rest = q
    for match in _PHRASE.finditer(q):
        phrase = (match.group(1) or match.group(2) or "").strip()
        if phrase:
            terms.append(phrase)
    rest = _PHRASE.sub(" ", q).replace('"', " ").replace("“", " ").replace("”", " ")
    terms += rest.split()
    unique: list[str] = []
    for term in (t.lower() for t in terms):
        if term not in unique:
            unique.append(term)
    return unique


def matches_filters(doc: CorpusDoc, query: BenchQuery) -> bool:
    """True when the plan passes the query's region and year filters."""
    if query.regions and doc.region not in query.regions:
        return False
    if query.years and doc.year not in query.years:
        return False
    return not (query.year_from and (doc.year is None or doc.year < query.year_from))


def substring_truth(docs: Iterable[CorpusDoc], queries: Iterable[BenchQuery]) -> dict[BenchQuery, set[int]]:
    """For every query, the keys of the plans that contain all of its terms and pass its filters.

    One pass over the documents (they may be streamed from disk); plain `in` on the lower-cased text.
    """
    queries = list(queries)
    prepared = [(query, query_terms(query.q)) for query in queries]
    truth: dict[BenchQuery, set[int]] = {query: set() for query in queries}
    for doc in docs:
        haystack = doc.searchable.lower()
        for query, terms in prepared:
            if matches_filters(doc, query) and all(term in haystack for term in terms):
                truth[query].add(doc.key)
    return truth


def recall_precision(found: set[int], expected: set[int]) -> tuple[float, float]:
    """Recall and precision of a result set; an empty truth and an empty result count as perfect."""
    hits = len(found & expected)
    recall = hits / len(expected) if expected else 1.0
    precision = hits / len(found) if found else (1.0 if not expected else 0.0)
    return recall, precision


def precision_at(ranked: list[int], expected: set[int], k: int = 10) -> float:
    """Share of the first k results that are in the truth (over the results shown, when fewer than k)."""
    top = ranked[:k]
    if not top:
        return 1.0 if not expected else 0.0
    return sum(1 for key in top if key in expected) / len(top)


_SENTENCE_SPLIT = re.compile("[。！？；!?;\n\r\u2028\u2029]")
_PARAGRAPH_SPLIT = re.compile("[\n\r\u2028\u2029]")


def _near(text: str, a: str, b: str, kind: str, n: int | None) -> bool:
    """Two different terms in one sentence / one line / within n characters, by the definitions themselves."""
    if kind == "sentence":
        return any(a in s and b in s for s in _SENTENCE_SPLIT.split(text))
    if kind == "paragraph":
        return any(a in s and b in s for s in _PARAGRAPH_SPLIT.split(text))
    start = text.find(a)
    while start >= 0:  # b anywhere within n characters of this occurrence of a, either side
        if b in text[max(0, start - n - len(b)) : start + len(a) + n + len(b)]:
            return True
        start = text.find(a, start + 1)
    return False


def _holds(text: str, node) -> bool:
    from plans.search import grammar

    if isinstance(node, grammar.Term):
        if node.scope is not None:
            raise ValueError("the benchmark truth knows the whole text only, not field scopes")
        return node.text in text
    if isinstance(node, grammar.Near):
        if node.left.text == node.right.text:
            raise ValueError("the benchmark truth compares two different terms")
        return _near(text, node.left.text, node.right.text, node.kind, node.n)
    if isinstance(node, grammar.Not):
        return not _holds(text, node.child)
    if isinstance(node, grammar.And):
        return all(_holds(text, child) for child in node.children)
    return any(_holds(text, child) for child in node.children)


def expression_truth(docs: Iterable[CorpusDoc], queries: Iterable[BenchQuery]) -> dict[BenchQuery, set[int]]:
    """For every query in the search syntax (AND, OR, NOT, proximity; no field scopes), the keys of the plans
    that satisfy it over the normalised title and text and pass its filters: sentences and lines cut with a
    regular expression, /N checked in a window around each occurrence (independent of plans.search.matching)."""
    from plans.search.grammar import parse
    from plans.search.normalize import normalise

    queries = list(queries)
    trees = [(query, parse(query.q).tree) for query in queries]
    truth: dict[BenchQuery, set[int]] = {query: set() for query in queries}
    for doc in docs:
        text = normalise(doc.searchable)
        for query, tree in trees:
            if matches_filters(doc, query) and (tree is None or _holds(text, tree)):
                truth[query].add(doc.key)
    return truth
