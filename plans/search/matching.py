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
from itertools import chain
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
    best: dict[int, Closest] = {}
    wanted = frozenset(docnums)
    for node in _positive_near(tree):
        holding = wanted & _near_matches(snapshot, node).as_set()
        for docnum, found in _closest_of(snapshot, node, holding).items():
            if docnum not in best or found.gap < best[docnum].gap:
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
            gaps[matches.docnums] = np.minimum(gaps[matches.docnums], matches.gaps)
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
        docs = _near_matches(snapshot, node).as_set()
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


def _near_matches(snapshot, node: Near) -> NearMatches:
    return snapshot.memo(("matching.near", node), lambda: _compute_near(snapshot, node))


class NearMatches(NamedTuple):
    """The documents holding a matching pair of one proximity clause, and the gap of their closest pair."""

    docnums: np.ndarray  # int64, ascending
    gaps: np.ndarray  # int64, characters strictly between the closest matching pair

    def as_set(self) -> frozenset[int]:
        return frozenset(self.docnums.tolist())


def _compute_near(snapshot, node: Near) -> NearMatches:
    """Every document's closest matching pair at once (closest_gaps): a common pair of terms is held by
    nearly every plan, and one vectorised pass over all their occurrences costs a fraction of a search per
    plan. Documents whose terms touch or overlap match a sentence or paragraph clause whatever the breaks:
    breaks are only read for the others."""
    a, b = node.left.text, node.right.text
    candidates = sorted(snapshot.term_docs(a) & snapshot.term_docs(b))
    if not candidates:
        return _NO_MATCHES
    together = snapshot.terms_positions([a, b], candidates, arrays=True)
    positions_a, positions_b = together[a], together[b]
    docs = [d for d in candidates if len(positions_a.get(d, ())) and len(positions_b.get(d, ()))]
    lists_a, lists_b = [positions_a[d] for d in docs], [positions_b[d] for d in docs]
    same = a == b
    if node.kind == CHARS:
        gaps = closest_gaps(lists_a, len(a), lists_b, len(b), CHARS, node.n, None, same=same)
    else:
        gaps = closest_gaps(lists_a, len(a), lists_b, len(b), CHARS, 0, None, same=same)
        rest = np.flatnonzero(np.isinf(gaps)).tolist()
        if rest:
            which = 0 if node.kind == SENTENCE else 1
            read = snapshot.breaks_of(docs[i] for i in rest)
            breaks = [read.get(docs[i], ((), ()))[which] for i in rest]
            gaps[rest] = closest_gaps(
                [lists_a[i] for i in rest],
                len(a),
                [lists_b[i] for i in rest],
                len(b),
                node.kind,
                None,
                breaks,
                same=same,
            )
    found = np.isfinite(gaps)
    return NearMatches(np.asarray(docs, dtype=np.int64)[found], gaps[found].astype(np.int64))


_NO_MATCHES = NearMatches(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))


def _closest_of(snapshot, node: Near, docnums) -> dict[int, Closest]:
    """The closest matching pair (closest_pair: its place too, for snippets) of each of `docnums` that holds
    one: the definition closest_gaps is held equal to, and what a page's few hits show."""
    a, b = node.left.text, node.right.text
    candidates = snapshot.term_docs(a) & snapshot.term_docs(b) & frozenset(docnums)
    if not candidates:
        return {}
    together = snapshot.terms_positions([a, b], candidates)
    positions_a, positions_b = together[a], together[b]
    found: dict[int, Closest] = {}
    need_breaks: list[int] = []
    for docnum in sorted(candidates):
        starts_a, starts_b = positions_a.get(docnum), positions_b.get(docnum)
        if not starts_a or not starts_b:
            continue
        if node.kind == CHARS:
            closest = closest_pair(starts_a, len(a), starts_b, len(b), CHARS, node.n, None, same=a == b)
        else:
            # touching or overlapping occurrences share their sentence and paragraph whatever the breaks
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


_POSITION_BITS = 32  # a document's offsets stay below 2**32; the high bits hold its place in the batch


def _keyed(lists) -> tuple[np.ndarray, np.ndarray]:
    """(owner << 32 | offset, owner) for every offset of `lists` (one sorted sequence per document: lists,
    or arrays such as the break column's, taken without a copy), ascending."""
    lengths = np.fromiter(map(len, lists), np.int64, len(lists))
    if all(type(x) is list for x in lists):
        flat = np.fromiter(chain.from_iterable(lists), np.int64, int(lengths.sum()))
    else:
        flat = np.concatenate([np.asarray(x, dtype=np.int64) for x in lists])
    owner = np.repeat(np.arange(len(lists), dtype=np.int64), lengths)
    return (owner << _POSITION_BITS) | flat, owner


def closest_gaps(lists_a, len_a, lists_b, len_b, kind, n, breaks, same=False) -> np.ndarray:
    """closest_pair's gap for many documents at once (one sorted list of starts per document in `lists_a`,
    `lists_b` and, for a sentence or paragraph clause, `breaks`): a float array, inf where no pair qualifies.

    The same neighbour argument, vectorised: every occurrence of A is paired with the nearest occurrence of B
    on either side within its document (both sides searched at once over all documents, each offset keyed by
    its document's place), the pairs the clause rejects are dropped, and each document keeps its least gap.
    """
    gaps = np.full(len(lists_a), np.inf)
    keys_a, owner_a = _keyed(lists_a)
    keys_b, owner_b = _keyed(lists_b)
    if len(keys_a) > len(keys_b):  # walk the fewer occurrences, search the more (the gap is symmetric)
        keys_a, owner_a, len_a, keys_b, owner_b, len_b = keys_b, owner_b, len_b, keys_a, owner_a, len_a
    if not len(keys_a) or not len(keys_b):
        return gaps
    mask = (1 << _POSITION_BITS) - 1
    at_a = keys_a & mask
    index = np.searchsorted(keys_b, keys_a)  # the first B at or after each A
    last = len(keys_b) - 1
    # B before A (strictly): the pair runs from B's end to A's start
    before = index - 1
    ok_before = before >= 0
    before = np.clip(before, 0, last)
    ok_before &= owner_b[before] == owner_a
    first_end_before = (keys_b[before] & mask) + len_b
    # B at or after A (skipping A itself when the two terms are one): from A's end to B's start
    after = index
    if same:
        after = after + ((after <= last) & (keys_b[np.clip(after, 0, last)] == keys_a))
    ok_after = after <= last
    after = np.clip(after, 0, last)
    ok_after &= owner_b[after] == owner_a
    first_end_after = at_a + len_a
    second_start_after = keys_b[after] & mask
    owner = np.concatenate((owner_a[ok_before], owner_a[ok_after]))
    first_end = np.concatenate((first_end_before[ok_before], first_end_after[ok_after]))
    second_start = np.concatenate((at_a[ok_before], second_start_after[ok_after]))
    gap = np.maximum(0, second_start - first_end)
    if kind == CHARS:
        keep = gap <= n
    else:
        # a break lies in [first_end, second_start) when fewer breaks come before the first end than before
        # the second start (never for touching or overlapping occurrences: the stretch is empty)
        keyed_breaks, _ = _keyed(breaks)
        high = owner << _POSITION_BITS
        before_end = np.searchsorted(keyed_breaks, high | first_end)
        before_start = np.searchsorted(keyed_breaks, high | np.maximum(second_start, first_end))
        keep = before_end == before_start
    np.minimum.at(gaps, owner[keep], gap[keep])
    return gaps


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
