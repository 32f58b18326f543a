"""The result set of a query tree (grammar.py) over one index snapshot, from the engine seam's primitives only.

    evaluate(snapshot, tree) -> frozenset[int]       the docnums that satisfy the expression
    proximity(snapshot, tree, docnums) -> {docnum: Closest}   the closest matching pair of each hit
    closeness_array(snapshot, tree, weight) -> array          its ranking factor for every docnum

Definitions (README "The URL contract"), all on the normalised `title + "\n" + text` of a plan:
  - a Term occurs where its normalised string is a substring (snapshot.term_docs / term_positions); scoped,
    in the title (an occurrence before titles_len), in a section heading, in the issuer or in the document
    number (the normalised columns);
  - Near(A, B): some occurrence of A and some (other) occurrence of B with
      /N   at most N characters strictly between the end of the first and the start of the second, in either
           order (overlapping occurrences have none between them);
      /s   no sentence break (。！？；!?; or a line break) between them;  /p  no line break between them.
Every set is computed once per snapshot (snapshot.memo), so paging and refining a query cost nothing more.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import NamedTuple

import numpy as np

from plans.search.grammar import CHARS, PARAGRAPH, SENTENCE, And, Near, Node, Not, Or, Term
from plans.search.normalize import normalise

HEADING_BATCH = 256  # documents read at a time when checking section headings


class Closest(NamedTuple):
    """The closest pair of occurrences of a proximity query in one document (combined coordinates)."""

    gap: int  # characters strictly between them (0 when they touch or overlap)
    start: int  # the start of the first occurrence
    end: int  # the end of the second
    kind: str  # SENTENCE, PARAGRAPH or CHARS


def evaluate(snapshot, tree: Node | None) -> frozenset[int]:
    """The live docnums that satisfy `tree` (every live docnum for None, the empty query)."""
    if tree is None:
        return _universe(snapshot)
    return snapshot.memo(("matching.evaluate", tree), lambda: frozenset(_eval(snapshot, tree, None)))


def proximity(snapshot, tree: Node | None, docnums) -> dict[int, Closest]:
    """For each of `docnums` that holds a matching pair of a (non-negated) proximity clause, the closest one."""
    nodes = _positive_near(tree)
    best: dict[int, Closest] = {}
    for node in nodes:
        matches = _near_matches(snapshot, node)
        for docnum in docnums:
            found = matches.get(docnum)
            if found is not None and (docnum not in best or found.gap < best[docnum].gap):
                best[docnum] = found
    return best


def closeness_array(snapshot, tree: Node | None, weight: float) -> np.ndarray:
    """For every docnum, 1 + weight / (1 + the characters between its closest matching pair) of the tree's
    (non-negated) proximity clauses, 1.0 where none matches: the ranking factor of a proximity query, as an
    array (memoised), so that a query asked again ranks with whole-array operations like any other."""
    nodes = tuple(_positive_near(tree))

    def compute() -> np.ndarray:
        gaps = np.full(len(snapshot.columns.plan_ids), np.inf)
        for node in nodes:
            matches = _near_matches(snapshot, node)
            if matches:
                docnums = np.fromiter(matches.keys(), np.int64, len(matches))
                found = np.fromiter((c.gap for c in matches.values()), np.float64, len(matches))
                gaps[docnums] = np.minimum(gaps[docnums], found)
        return 1 + weight / (1 + gaps)  # 1 + weight / inf is exactly 1.0

    return snapshot.memo(("matching.closeness", nodes, weight), compute)


def _positive_near(tree: Node | None) -> list[Near]:
    out: list[Near] = []

    def visit(node, negated: bool) -> None:
        if isinstance(node, Near) and not negated:
            out.append(node)
        elif isinstance(node, Not):
            visit(node.child, not negated)
        elif isinstance(node, And | Or):
            for child in node.children:
                visit(child, negated)

    if tree is not None:
        visit(tree, False)
    return out


# --- sets --------------------------------------------------------------------------------------------


def _universe(snapshot) -> frozenset[int]:
    return snapshot.memo(("matching.universe",), lambda: frozenset(snapshot.columns.live))


def _eval(snapshot, node: Node, within: frozenset[int] | None) -> frozenset[int]:
    """The docnums satisfying `node`, within `within` when given (the survivors of an AND so far)."""
    if isinstance(node, Term):
        docs = _term_set(snapshot, node)
    elif isinstance(node, Near):
        docs = frozenset(_near_matches(snapshot, node))
    elif isinstance(node, Not):
        base = within if within is not None else _universe(snapshot)
        return base - _eval(snapshot, node.child, base)
    elif isinstance(node, Or):
        docs = frozenset().union(*(_eval(snapshot, child, within) for child in node.children))
    else:
        return _eval_and(snapshot, node, within)
    return docs & within if within is not None else docs


def _eval_and(snapshot, node: And, within: frozenset[int] | None) -> frozenset[int]:
    positive = [c for c in node.children if not isinstance(c, Not)]
    negative = [c.child for c in node.children if isinstance(c, Not)]
    # Plain terms first (cached substring sets), proximity and groups on what is left of them.
    positive.sort(key=lambda c: 0 if isinstance(c, Term) and c.scope is None else 1)
    docs = within
    for child in positive:
        docs = _eval(snapshot, child, docs)
        if not docs:
            return frozenset()
    if docs is None:
        docs = _universe(snapshot)
    for child in negative:
        docs = docs - _eval(snapshot, child, docs)
    return docs


def _term_set(snapshot, term: Term) -> frozenset[int]:
    if term.scope is None:
        return snapshot.term_docs(term.text)
    return snapshot.memo(("matching.scope", term.scope, term.text), lambda: _scoped(snapshot, term))


def _scoped(snapshot, term: Term) -> frozenset[int]:
    text, columns = term.text, snapshot.columns
    if term.scope == "title":
        # The title comes first in the combined string: an occurrence starting inside it lies inside it (a
        # normalised term holds no line break, and the title ends at one).
        holders = snapshot.term_docs(text)
        positions = snapshot.term_positions(text, holders)
        return frozenset(d for d, starts in positions.items() if starts and starts[0] < columns.titles_len[d])
    if term.scope == "heading":
        return _in_headings(snapshot, text)
    values = columns.issuers if term.scope == "issuer" else columns.doc_numbers
    return frozenset(d for d in columns.live if text in (values[d] or ""))


def _in_headings(snapshot, text: str) -> frozenset[int]:
    # A heading is a line of the text (ingest cuts it from there), so only documents holding the term can
    # have it in a heading; a heading shortened with "…" is the exception, hence the full scan for such terms.
    candidates = sorted(snapshot.term_docs(text) if "…" not in text else _universe(snapshot))
    found = set()
    for i in range(0, len(candidates), HEADING_BATCH):
        documents = snapshot.documents(candidates[i : i + HEADING_BATCH])
        for docnum, document in documents.items():
            if any(text in normalise(section[0]) for section in document.sections):
                found.add(docnum)
    return frozenset(found)


# --- proximity ---------------------------------------------------------------------------------------


def _near_matches(snapshot, node: Near) -> dict[int, Closest]:
    return snapshot.memo(("matching.near", node), lambda: _compute_near(snapshot, node))


def _compute_near(snapshot, node: Near) -> dict[int, Closest]:
    a, b = node.left.text, node.right.text
    candidates = snapshot.term_docs(a) & snapshot.term_docs(b)
    if not candidates:
        return {}
    # both terms' positions together: a reader that searches the text reads each candidate once
    together = snapshot.terms_positions([a, b], candidates)
    positions_a, positions_b = together[a], together[b]
    found: dict[int, Closest] = {}
    need_breaks: list[int] = []
    for docnum in candidates:
        starts_a, starts_b = positions_a.get(docnum), positions_b.get(docnum)
        if not starts_a or not starts_b:
            continue
        if node.kind == CHARS:
            closest = closest_pair(starts_a, len(a), starts_b, len(b), CHARS, node.n, None, same=a == b)
        else:
            # Touching or overlapping occurrences share their sentence and paragraph whatever the breaks: the
            # document's breaks are only read for the others.
            closest = closest_pair(starts_a, len(a), starts_b, len(b), CHARS, 0, None, same=a == b)
            if closest is None:
                need_breaks.append(docnum)
                continue
            closest = closest._replace(kind=node.kind)
        if closest is not None:
            found[docnum] = closest
    which = 0 if node.kind == SENTENCE else 1
    for docnum, both in snapshot.breaks_of(need_breaks).items():
        closest = closest_pair(
            positions_a[docnum],
            len(a),
            positions_b[docnum],
            len(b),
            node.kind,
            None,
            both[which],
            same=a == b,
        )
        if closest is not None:
            found[docnum] = closest
    return found


def closest_pair(starts_a, len_a, starts_b, len_b, kind, n, breaks, same=False) -> Closest | None:
    """The pair of occurrences (one of each list; two different ones when `same`) with the fewest
    characters between them that satisfies the proximity `kind`, or None.

    For a fixed occurrence the gap only grows, and the stretch between them only widens, with the distance of
    the other occurrence, so its nearest neighbours on either side are the only candidates: O(m log n).
    """
    if len(starts_a) > len(starts_b):  # walk the shorter list, search the longer one
        starts_a, len_a, starts_b, len_b = starts_b, len_b, starts_a, len_a
    best: Closest | None = None
    count = len(starts_b)
    for pa in starts_a:
        index = bisect_left(starts_b, pa)
        after = index + 1 if same and index < count and starts_b[index] == pa else index
        for j in (index - 1, after):
            if not 0 <= j < count:
                continue
            pb = starts_b[j]
            first_end, second_start = (pa + len_a, pb) if pb >= pa else (pb + len_b, pa)
            gap = max(0, second_start - first_end)
            if best is not None and gap >= best.gap:
                continue
            if kind == CHARS:
                if gap > n:
                    continue
            elif gap and bisect_left(breaks, first_end) < bisect_left(breaks, second_start):
                continue  # a break lies in [first_end, second_start)
            best = Closest(gap, min(pa, pb), max(pa + len_a, pb + len_b), kind)
            if gap == 0:
                return best
    return best


__all__ = [
    "CHARS",
    "PARAGRAPH",
    "SENTENCE",
    "Closest",
    "closeness_array",
    "closest_pair",
    "evaluate",
    "proximity",
]
