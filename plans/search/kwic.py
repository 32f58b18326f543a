"""Keyword in context: every occurrence of a query's strings in the plans it matches, in its sentence.

    kwic(q, filters, sort="-date", width=30, page=1, page_size=20, region_order=…) -> KwicPage
    kwic_lines(q, filters, sort=…, width=…, limit=50_000, region_order=…) -> iterator of KwicLine (CSV)
    plan_occurrences(plan_id, q, width=30) -> list[KwicLine]          one plan's own occurrences

Occurrences are those trends counts (occurrences.py: non-overlapping, per string), so the count of
/kwic/?q=X equals the occurrences /trends/?term=X adds up under the same filters. Context stays on its side
of the title / body boundary; whitespace runs show as one space.

Sorts: `-date` (newest plan first), `date`, `region` (the region order, then newest first), and the corpus
tools' `left` (by the context just before the match, read backwards from it) and `right` (by the context
after it); ties keep the newest-first order, and within a plan the text order. For the date and region sorts
a page reads only the texts it shows; `left` and `right` read every matching text once per index
generation and filter state (the order is memoised).
"""

from __future__ import annotations

import math
import re
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from plans.search.facets import filter_and_count
from plans.search.normalize import normalise
from plans.search.occurrences import (
    doc_starts,
    matching_docs,
    prefetch_counts,
    prefetch_starts,
    query_strings,
    string_counts,
)
from plans.search.query import parse_query
from plans.search.trends import filter_key
from plans.search.types import SearchParams

SORTS = ("-date", "date", "region", "left", "right")
DEFAULT_SORT = "-date"
DEFAULT_WIDTH = 30
MAX_WIDTH = 100
SORT_KEY_CHARS = 40  # characters of context that decide the left / right order
DOCUMENT_BATCH = 200  # stored documents read at a time
_SPACE_RUN = re.compile(r"\s+")


@dataclass(frozen=True)
class KwicLine:
    plan_id: int
    title: str
    region: str
    year: int
    section: str  # the heading of the innermost section holding the match ("" in the title or preamble)
    anchor: str  # its anchor on the plan page ("" when none)
    left: str
    match: str  # as spelled in the plan (traditional or full-width forms included)
    right: str
    start: int  # offset in the plan's title + "\n" + text
    in_title: bool = False


@dataclass
class KwicPage:
    query: str
    count: int  # every occurrence under the filters
    plans: int  # plans holding them
    page: int
    pages: int
    page_size: int
    lines: list[KwicLine]
    notices: list[str] = field(default_factory=list)


def _doc_occurrences(snapshot, strings: list[str], docnum: int) -> list[tuple[int, int]]:
    """(start, length) of every occurrence of every string in one plan, in text order."""
    found = []
    for string in strings:
        found += [(start, len(string)) for start in doc_starts(snapshot, string, docnum)]
    found.sort()
    return found


def _kept_docs(snapshot, parsed, filters: SearchParams) -> list[int]:
    """The matching plans under the filters, newest first."""
    columns = snapshot.columns
    matched = sorted(matching_docs(snapshot, parsed))
    kept, _counts = filter_and_count(filters, columns, matched, with_facets=False)
    kept.sort(key=columns.date_rank.__getitem__)
    return kept


def _doc_order(snapshot, kept: list[int], sort: str, region_order: Mapping[str, int]) -> list[int]:
    if sort == "date":
        return kept[::-1]
    if sort == "region":
        regions = snapshot.columns.regions
        return sorted(kept, key=lambda d: (regions[d] == "", region_order.get(regions[d], 999), regions[d]))
    return kept  # -date (sorted() above is stable: newest first within a region)


def _bounds(titles_len: int, total: int, start: int) -> tuple[int, int]:
    """The part of title + "\\n" + text a match's context may come from: its title, or the body."""
    return (0, titles_len) if start < titles_len else (titles_len + 1, total)


class OccurrenceOrder:
    """Occurrences (docnum, start, length) in a fixed order, held in arrays (three 4-byte integers each, not a
    tuple of three ints): what a `left` / `right` order keeps in the memo. Slicing gives the tuples."""

    __slots__ = ("docnums", "starts", "lengths")

    def __init__(self, docnums: array, starts: array, lengths: array):
        self.docnums, self.starts, self.lengths = docnums, starts, lengths

    def __len__(self) -> int:
        return len(self.docnums)

    def __getitem__(self, window: slice) -> list[tuple[int, int, int]]:
        return list(zip(self.docnums[window], self.starts[window], self.lengths[window], strict=True))


def _context_order(snapshot, parsed, strings, filters, sort, kept) -> OccurrenceOrder:
    """Every occurrence in `left` or `right` order, memoised per generation.

    Occurrences are collected in the newest-first plan order, each plan's in text order, and sorted by their
    context key alone: the sort is stable, so ties keep that order without a tuple per occurrence."""

    def compute() -> OccurrenceOrder:
        keys: list[str] = []
        docnums, starts, lengths = array("I"), array("I"), array("I")
        for batch_start in range(0, len(kept), DOCUMENT_BATCH):
            batch = kept[batch_start : batch_start + DOCUMENT_BATCH]
            documents = snapshot.documents(batch)
            for docnum in batch:
                document = documents.get(docnum)
                if document is None:
                    continue
                joined = document.title_and_body
                title_len, total = len(document.title), len(joined)
                for start, length in _doc_occurrences(snapshot, strings, docnum):
                    low, high = _bounds(title_len, total, start)
                    if sort == "left":
                        key = normalise(joined[max(low, start - SORT_KEY_CHARS) : start])[::-1]
                    else:
                        key = normalise(joined[start + length : min(high, start + length + SORT_KEY_CHARS)])
                    keys.append(_SPACE_RUN.sub(" ", key).strip())
                    docnums.append(docnum)
                    starts.append(start)
                    lengths.append(length)
        ranked = sorted(range(len(keys)), key=keys.__getitem__)
        del keys
        return OccurrenceOrder(
            array("I", [docnums[i] for i in ranked]),
            array("I", [starts[i] for i in ranked]),
            array("I", [lengths[i] for i in ranked]),
        )

    key = ("kwic.order", parsed.text, sort, filter_key(filters))
    return snapshot.memo(key, compute)


def _window(snapshot, strings, order: list[int], offset: int, limit: int) -> list[tuple[int, int, int]]:
    """Occurrences offset .. offset+limit of the plans in `order` (each plan's in text order)."""
    out: list[tuple[int, int, int]] = []
    seen = 0
    counts = [string_counts(snapshot, s) for s in strings]
    for docnum in order:
        here = sum(c.get(docnum, 0) for c in counts)
        if seen + here <= offset:
            seen += here
            continue
        for start, length in _doc_occurrences(snapshot, strings, docnum):
            if seen >= offset:
                out.append((docnum, start, length))
                if len(out) >= limit:
                    return out
            seen += 1
    return out


def _innermost_section(sections, starts: list[int], body_offset: int):
    """The deepest section whose span holds `body_offset` (sections come in document order; `starts` are
    their starts, worked out once per plan)."""
    index = bisect_right(starts, body_offset) - 1
    while index >= 0:
        section = sections[index]
        if section.end is None or section.end > body_offset:
            return section
        index -= 1
    return None


def _shown(text: str) -> str:
    return _SPACE_RUN.sub(" ", text)


def _lines(snapshot, occurrences: list[tuple[int, int, int]], width: int) -> list[KwicLine]:
    columns = snapshot.columns
    documents = snapshot.documents([d for d, _s, _l in occurrences])
    section_starts: dict[int, tuple[list, list[int]]] = {}
    lines = []
    for docnum, start, length in occurrences:
        document = documents.get(docnum)
        if document is None:
            continue
        joined = document.title_and_body
        titles_len = len(document.title)
        low, high = _bounds(titles_len, len(joined), start)
        section = None
        if start > titles_len:
            sections, starts = section_starts.get(docnum) or section_starts.setdefault(
                docnum, (list(document.sections), [s.start for s in document.sections])
            )
            section = _innermost_section(sections, starts, start - titles_len - 1)
        lines.append(
            KwicLine(
                plan_id=document.plan_id,
                title=document.title,
                region=columns.regions[docnum],
                year=columns.years[docnum],
                section=section.heading if section else "",
                anchor=section.anchor if section else "",
                left=_shown(joined[max(low, start - width) : start]),
                match=joined[start : start + length],
                right=_shown(joined[start + length : min(high, start + length + width)]),
                start=start,
                in_title=start < titles_len,
            )
        )
    return lines


def _width(width: int) -> int:
    return max(1, min(int(width), MAX_WIDTH))


def _ordered(snapshot, parsed, strings, filters, sort, region_order):
    """(count, plans, order): `order` is a plan order (date, region) or a flat occurrence list (left, right)."""
    kept = _kept_docs(snapshot, parsed, filters)
    if sort in ("left", "right"):
        prefetch_starts(snapshot, strings)  # every occurrence's context is read: all positions, together
    else:
        prefetch_counts(snapshot, strings)  # a page reads only the texts it shows
    counts = [string_counts(snapshot, s) for s in strings]
    count = sum(c.get(d, 0) for d in kept for c in counts)
    plans = sum(1 for d in kept if any(d in c for c in counts))
    if sort in ("left", "right"):
        return count, plans, _context_order(snapshot, parsed, strings, filters, sort, kept)
    return count, plans, _doc_order(snapshot, kept, sort, region_order or {})


def kwic(
    q: str,
    filters: SearchParams,
    *,
    sort: str = DEFAULT_SORT,
    width: int = DEFAULT_WIDTH,
    page: int = 1,
    page_size: int = 20,
    region_order: Mapping[str, int] | None = None,
) -> KwicPage:
    """One page of the concordance of `q` under the filters (a page past the last gives the last one)."""
    from plans.search.engine import _opened

    parsed = parse_query(q)
    strings = query_strings(parsed)
    sort = sort if sort in SORTS else DEFAULT_SORT
    page_size = max(1, int(page_size))
    with _opened() as (snapshot, trouble):
        if snapshot is None:
            return KwicPage(parsed.text, 0, 0, 1, 1, page_size, [], [*parsed.notices, trouble])
        if not strings:
            return KwicPage(parsed.text, 0, 0, 1, 1, page_size, [], list(parsed.notices))
        count, plans, order = _ordered(snapshot, parsed, strings, filters, sort, region_order)
        pages = max(1, math.ceil(count / page_size))
        page = max(1, min(int(page), pages))
        offset = (page - 1) * page_size
        if sort in ("left", "right"):
            window = order[offset : offset + page_size]
        else:
            window = _window(snapshot, strings, order, offset, page_size)
        lines = _lines(snapshot, window, _width(width))
    return KwicPage(parsed.text, count, plans, page, pages, page_size, lines, list(parsed.notices))


def kwic_lines(
    q: str,
    filters: SearchParams,
    *,
    sort: str = DEFAULT_SORT,
    width: int = DEFAULT_WIDTH,
    limit: int = 50_000,
    region_order: Mapping[str, int] | None = None,
) -> Iterator[KwicLine]:
    """The first `limit` lines of the concordance, read a batch of plans at a time (for streaming)."""
    from plans.search.engine import _opened

    parsed = parse_query(q)
    strings = query_strings(parsed)
    sort = sort if sort in SORTS else DEFAULT_SORT
    width = _width(width)
    if not strings:
        return
    with _opened() as (snapshot, trouble):
        if snapshot is None:
            return
        _count, _plans, order = _ordered(snapshot, parsed, strings, filters, sort, region_order)
        sent = 0
        if sort in ("left", "right"):
            chunks: Iterable = (
                order[i : i + DOCUMENT_BATCH * 10]
                for i in range(0, min(len(order), limit), DOCUMENT_BATCH * 10)
            )
        else:
            chunks = (
                [
                    (d, s, n)
                    for d in order[i : i + DOCUMENT_BATCH]
                    for s, n in _doc_occurrences(snapshot, strings, d)
                ]
                for i in range(0, len(order), DOCUMENT_BATCH)
            )
        for chunk in chunks:
            for line in _lines(snapshot, chunk[: limit - sent], width):
                yield line
                sent += 1
            if sent >= limit:
                return


def plan_occurrences(plan_id: int, q: str, width: int = DEFAULT_WIDTH) -> list[KwicLine]:
    """Every occurrence of the strings of `q` in one plan, in text order ([] when it is not indexed)."""
    from plans.search.engine import _opened

    strings = query_strings(parse_query(q))
    if not strings:
        return []
    with _opened() as (snapshot, trouble):
        if snapshot is None:
            return []
        docnum = snapshot.columns.docnum_of.get(plan_id)
        if docnum is None:
            return []
        found = [(docnum, start, length) for start, length in _doc_occurrences(snapshot, strings, docnum)]
        return _lines(snapshot, found, _width(width))
