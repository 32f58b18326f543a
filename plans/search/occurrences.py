"""Which plans a query matches and where its strings occur, from the engine seam's primitives only.

Shared by trends (counts per plan) and keyword-in-context (positions per plan). Everything is computed once
per index generation (snapshot.memo), so a second request for the same term costs a dictionary look-up.

Definitions (README "The URL contract", /trends/ and /kwic/), all on the normalised `title + "\\n" + text`:
  - the *strings* of a query are its positive terms, each split at spaces (a quoted phrase with spaces
    counts its pieces), the way highlighting marks them;
  - an *occurrence* of a string is one of its non-overlapping occurrences, found left to right as
    `str.count` finds them ("aaa".count("aa") == 1), so counts equal `joined.count(string)`;
  - a plan's *characters* are its title's and its body's (the joining line break is not counted).
"""

from __future__ import annotations

from collections.abc import Iterable

from plans.search.highlight import clean_terms
from plans.search.query import required_terms
from plans.search.types import ParsedQuery


def query_strings(parsed: ParsedQuery) -> list[str]:
    """The distinct strings whose occurrences are counted and shown: the pieces of the positive terms."""
    return clean_terms(parsed.terms)


def _all_pieces_docs(snapshot, term: str) -> frozenset[int]:
    """Docnums holding every space-separated piece of `term` (whitespace is not indexed)."""
    docs: frozenset[int] | None = None
    for piece in sorted(term.split(), key=len, reverse=True):
        piece_docs = snapshot.term_docs(piece)
        docs = piece_docs if docs is None else docs & piece_docs
        if not docs:
            return frozenset()
    return docs or frozenset()


def matching_docs(snapshot, parsed: ParsedQuery) -> frozenset[int]:
    """The docnums a parsed query matches: THE one place trends and keyword-in-context decide it.

    Today: every required term (AND) and none of the excluded ones, as /search/ decides its result set; a
    query without a positive term matches every live plan not excluded. When the richer grammar lands
    (OR, NOT, proximity: the search-syntax issue), this is the function to switch to its evaluate().
    """

    def compute() -> frozenset[int]:
        required = required_terms(parsed)
        docs: frozenset[int] | None = None
        for term in sorted(required, key=len, reverse=True):
            term_set = _all_pieces_docs(snapshot, term)
            docs = term_set if docs is None else docs & term_set
            if not docs:
                return frozenset()
        if docs is None:
            docs = frozenset(snapshot.columns.live)
        for term in parsed.excluded:
            docs = docs - _all_pieces_docs(snapshot, term)
        return docs

    return snapshot.memo(("occurrences.matching", parsed.text), compute)


def non_overlapping(starts: Iterable[int], length: int) -> tuple[int, ...]:
    """The occurrences str.count counts, from the sorted starts of every (overlapping) occurrence."""
    kept: list[int] = []
    free_from = -1
    for start in starts:
        if start >= free_from:
            kept.append(start)
            free_from = start + length
    return tuple(kept)


def string_starts(snapshot, string: str) -> dict[int, tuple[int, ...]]:
    """For every docnum holding `string`: the starts of its non-overlapping occurrences (memoised)."""

    def compute() -> dict[int, tuple[int, ...]]:
        positions = snapshot.term_positions(string)
        return {docnum: non_overlapping(starts, len(string)) for docnum, starts in positions.items()}

    return snapshot.memo(("occurrences.starts", string), compute)


def string_counts(snapshot, string: str) -> dict[int, int]:
    """For every docnum holding `string`: how many non-overlapping occurrences (memoised)."""
    return snapshot.memo(
        ("occurrences.counts", string),
        lambda: {docnum: len(starts) for docnum, starts in string_starts(snapshot, string).items()},
    )


def plan_chars(columns, docnum: int) -> int:
    """The characters a plan contributes to a per-10,000-characters rate: title and body."""
    return columns.titles_len[docnum] + columns.text_lengths[docnum]
