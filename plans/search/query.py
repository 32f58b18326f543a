"""Query parsing (robust, never raises) and the Whoosh ranking query.

The syntax (AND, OR, NOT, groups, phrases, proximity, field scopes) is grammar.py's; parse_query wraps its tree
in the ParsedQuery of the search API. Each term, normalised, matches exactly the plans whose title or text
contains it (matching.py decides the result set); ranking_query only orders it (BM25F).
"""

from __future__ import annotations

from whoosh import query as wq

from plans.search import grammar
from plans.search.analyzers import bigrams, is_word_token
from plans.search.segment import words
from plans.search.types import ParsedQuery


def parse_query(q: str) -> ParsedQuery:
    """Parse a user's query (grammar.py); never raises, whatever the input.

    `terms` are the normalised positive terms in order (for highlighting and ranking), `excluded` the terms
    under a NOT, `tree` the expression that decides the result set (matching.py).
    """
    parsed_tree = grammar.parse(q)
    parsed = ParsedQuery(tree=parsed_tree.tree, notices=list(parsed_tree.notices))
    positive = [term for term, negated in grammar.leaves(parsed_tree.tree) if not negated]
    parsed.terms = _dedupe([term.text for term in positive])
    parsed.phrases = _dedupe([term.text for term in positive if term.phrase])
    excluded = [term.text for term, negated in grammar.leaves(parsed_tree.tree) if negated]
    parsed.excluded = [t for t in _dedupe(excluded) if t not in parsed.terms]
    return parsed


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def ranking_query(terms: list[str]) -> wq.Query | None:
    """The BM25F ranking query: whole jieba words in the title (boosted) and body, plus character bigrams.

    Only term queries: Whoosh's Phrase (span) matching cost most of the search time in profiles. Exactness
    needs no phrase here (exact.py decided the set); terms standing together are favoured in engine._rank.
    """
    clauses: list[wq.Query] = []
    for term in terms:
        compact = term.replace(" ", "")
        term_words = [w for w in words(compact) if is_word_token(w)]
        if len(compact) >= 2 and len(term_words) != 1:
            # A term inside longer words (型省份) still ranks by how often and where it occurs.
            clauses += [wq.Term("chars", gram, boost=0.3) for gram in dict.fromkeys(bigrams(compact))]
        for word in dict.fromkeys(term_words):
            clauses.append(wq.Term("title", word))
            clauses.append(wq.Term("text", word))
    if not clauses:
        return None
    return wq.Or(clauses)


def required_terms(parsed: ParsedQuery) -> list[str]:
    """The terms that decide the result set: a term contained in another one adds nothing to an AND."""
    return [t for t in parsed.terms if not any(t != o and t in o for o in parsed.terms)]
