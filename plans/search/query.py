"""Query parsing (robust, never raises); engine-neutral (each adapter turns terms into its ranking query).

The syntax (AND, OR, NOT, groups, phrases, proximity, field scopes) is grammar.py's; parse_query wraps its tree
in the ParsedQuery of the search API. Each term, normalised, matches exactly the plans whose title or text
contains it (matching.py decides the result set over the snapshot); the engine's scores only order it.
"""

from __future__ import annotations

from plans.search import grammar
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


def required_terms(parsed: ParsedQuery) -> list[str]:
    """The ranking terms: the positive terms, less those contained in another (they add nothing to a score)."""
    return [t for t in parsed.terms if not any(t != o and t in o for o in parsed.terms)]
