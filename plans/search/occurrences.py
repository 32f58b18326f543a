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

from array import array
from collections.abc import Iterable, Sequence

from plans.search.highlight import clean_terms
from plans.search.matching import evaluate
from plans.search.normalize import non_overlapping
from plans.search.types import ParsedQuery


def query_strings(parsed: ParsedQuery) -> list[str]:
    """The distinct strings whose occurrences are counted and shown: the pieces of the positive terms."""
    return clean_terms(parsed.terms)


def matching_docs(snapshot, parsed: ParsedQuery) -> frozenset[int]:
    """The docnums a parsed query matches: THE one place trends and keyword-in-context decide it, by the
    same expression evaluation as /search/ (matching.evaluate: AND, OR, NOT, proximity, scopes)."""
    return evaluate(snapshot, parsed.tree)


def string_starts(snapshot, string: str) -> dict[int, Sequence[int]]:
    """For every docnum holding `string`: the starts of its non-overlapping occurrences (memoised), each plan's
    as an array of 4-byte integers (a common word at 10,000 plans has a million occurrences)."""

    return snapshot.memo(
        ("occurrences.starts", string),
        lambda: _starts(string, snapshot.term_positions(string)),
        weight=_starts_weight,
    )


def _starts(string: str, positions: dict[int, list[int]]) -> dict[int, Sequence[int]]:
    return {docnum: array("I", non_overlapping(starts, len(string))) for docnum, starts in positions.items()}


def prefetch_starts(snapshot, strings: Iterable[str]) -> None:
    """Work out string_starts of several strings together (Snapshot.terms_positions: an engine reading
    positions from stored text reads each plan once for all of them), for those not remembered yet."""
    missing = [s for s in dict.fromkeys(strings) if not snapshot.remembers(("occurrences.starts", s))]
    if len(missing) < 2:
        return  # one string: string_starts reads its plans once anyway
    positions = snapshot.terms_positions(missing)
    for string in missing:
        snapshot.memo(
            ("occurrences.starts", string),
            lambda string=string: _starts(string, positions[string]),
            weight=_starts_weight,
        )


def _starts_weight(starts: dict[int, Sequence[int]]) -> int:
    """The memo weight of a starts map: a plan entry weighs as a term set's member, eight 4-byte starts
    as much again (Snapshot.memo's MEMO_WEIGHT is counted in such entries)."""
    return len(starts) + sum(len(found) for found in starts.values()) // 8


def string_counts(snapshot, string: str) -> dict[int, int]:
    """For every docnum holding `string`: how many non-overlapping occurrences (memoised). Counted by the
    reader alone where it can (no positions: a first-time trend decodes each text once at most); from the
    positions when they are remembered already or the reader cannot count alone."""

    def compute() -> dict[int, int]:
        if snapshot.counts_alone and not snapshot.remembers(("occurrences.starts", string)):
            return snapshot.terms_counts([string])[string]
        return {docnum: len(starts) for docnum, starts in string_starts(snapshot, string).items()}

    return snapshot.memo(("occurrences.counts", string), compute)


def prefetch_counts(snapshot, strings: Iterable[str]) -> None:
    """Work out string_counts of several strings together, for those not remembered yet: counted by the
    reader in one pass over the plans (Snapshot.terms_counts) where it can count alone, else from their
    positions worked out together (prefetch_starts)."""
    if not snapshot.counts_alone:
        prefetch_starts(snapshot, strings)
        return
    missing = [s for s in dict.fromkeys(strings) if not snapshot.remembers(("occurrences.counts", s))]
    if len(missing) < 2:
        return  # one string: string_counts reads its plans once anyway
    together = snapshot.terms_counts(missing)
    for string in missing:
        snapshot.memo(("occurrences.counts", string), lambda string=string: together[string])


def doc_starts(snapshot, string: str, docnum: int) -> Sequence[int]:
    """The starts of `string`'s non-overlapping occurrences in one plan: from the generation's memo when
    it holds them, else from that plan alone (a page of /kwic/ or a plan page reads only what it shows)."""
    if snapshot.remembers(("occurrences.starts", string)):
        return string_starts(snapshot, string).get(docnum, ())
    positions = snapshot.term_positions(string, (docnum,)).get(docnum, ())
    return non_overlapping(positions, len(string))


def plan_chars(columns, docnum: int) -> int:
    """The characters a plan contributes to a per-10,000-characters rate: title and body."""
    return columns.titles_len[docnum] + columns.text_lengths[docnum]
