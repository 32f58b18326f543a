"""search(): exact-substring recall, BM25F ranking, facets from the snapshot's columns, our own snippets.

Engine-neutral: everything here reads one Snapshot (plans/search/snapshot.py) held for the whole request,
so a commit meanwhile never mixes two generations in one answer.
"""

from __future__ import annotations

import contextlib
import heapq
import logging
import math
import time
from bisect import bisect_left
from collections import Counter
from dataclasses import replace

from plans.search.engines.base import IndexUnavailable
from plans.search.facets import facet_values, filter_and_count
from plans.search.highlight import clean_terms, find_matches, snippet_html
from plans.search.indexing import schedule_repair
from plans.search.normalize import normalise
from plans.search.query import parse_query, required_terms
from plans.search.snapshot import Columns, Snapshot, current_snapshot
from plans.search.types import Hit, SearchParams, SearchResult, SectionHit

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 100
INDEX_REBUILDING_NOTICE = "检索索引正在从数据库重建，暂时无法给出结果，请稍后再试。"
SECTIONS_PER_HIT = 3
SECTION_SNIPPET_WIDTH = 80


def search(params: SearchParams) -> SearchResult:
    """Run a search: every plan containing each query term (exact, normalised), ranked, faceted, paged."""
    started = time.perf_counter()
    parsed = parse_query(params.q)
    page_size = max(1, min(int(params.page_size or 20), MAX_PAGE_SIZE))
    with _opened() as snapshot:
        if snapshot is None:
            return _unavailable(parsed, page_size, started)
        columns = snapshot.columns
        required = required_terms(parsed)
        scores: dict[int, float] = {}
        matched = _matched(snapshot, columns, parsed, required)
        kept, counts = filter_and_count(params, columns, matched, params.with_facets)
        sort = params.sort if params.sort in ("relevance", "-date", "date") else "relevance"
        if sort == "relevance" and not required:
            sort = "-date"
        kept.sort(key=columns.date_rank.__getitem__)  # newest first, then the higher id
        if sort == "date":
            kept.reverse()
        if sort == "relevance" and kept:
            kept, scores = _rank(snapshot, columns, required, kept, max(1, int(params.page or 1)) * page_size)
        count = len(kept)
        pages = max(1, math.ceil(count / page_size))
        page = max(1, min(int(params.page or 1), pages))
        window = kept[(page - 1) * page_size : page * page_size]
        hits = _load_hits(snapshot, window, scores, parsed.terms, params.with_snippets)
    return SearchResult(
        query=parsed.text,
        count=count,
        page=page,
        pages=pages,
        page_size=page_size,
        hits=hits,
        facets=facet_values(params, counts) if params.with_facets else {},
        terms=list(parsed.terms),
        notices=list(parsed.notices),
        took_ms=(time.perf_counter() - started) * 1000,
    )


@contextlib.contextmanager
def _opened():
    """The current snapshot for the block, or None when the index cannot be read: a confirmed missing or
    corrupt index gets a rebuild from the database scheduled; a passing error leaves every file alone."""
    try:
        holder = current_snapshot()
        snapshot = holder.__enter__()
    except IndexUnavailable:
        logger.exception("search index missing or corrupt; scheduling a rebuild from the database")
        schedule_repair()
        yield None
        return
    except Exception:
        logger.exception("search index not readable now (a passing error: the index is left as it is)")
        yield None
        return
    try:
        yield snapshot
    finally:
        holder.__exit__(None, None, None)


def query_docs(
    snapshot: Snapshot, required: list[str], excluded: list[str], universe: frozenset[int] | None = None
) -> frozenset[int]:
    """Docnums containing every required term (or in `universe` when none) and none of the excluded ones.

    A term with spaces (a quoted phrase) asks for each of its pieces: whitespace is not indexed, and the
    user's spacing rarely matches the text's line breaks.
    """
    docs: frozenset[int] | None = universe if not required else None
    for term in sorted(required, key=len, reverse=True):
        term_set = _pieces_docs(snapshot, term)
        docs = term_set if docs is None else docs & term_set
        if not docs:
            return frozenset()
    docs = docs or frozenset()
    for term in excluded:
        docs = docs - _pieces_docs(snapshot, term)
    return docs


def _pieces_docs(snapshot: Snapshot, term: str) -> frozenset[int]:
    docs: frozenset[int] | None = None
    for piece in sorted(term.split(), key=len, reverse=True):
        piece_docs = snapshot.term_docs(piece)
        docs = piece_docs if docs is None else docs & piece_docs
        if not docs:
            break
    return docs or frozenset()


def _matched(snapshot: Snapshot, columns: Columns, parsed, required: list[str]) -> list[int]:
    """Docnums containing every required term and no excluded one (every live document when no term)."""
    if required:
        return sorted(query_docs(snapshot, required, parsed.excluded))
    matched = columns.live
    if parsed.excluded:
        matched = sorted(query_docs(snapshot, [], parsed.excluded, universe=frozenset(matched)))
    return matched


CROSS_FACETS = {"region": "regions", "year": "years", "level": "levels"}


def cross_counts(
    params: SearchParams, rows: str = "region", cols: str = "year"
) -> dict[tuple[str, str], int]:
    """How many plans of the result set of `params` have each (rows value, cols value): one pass, no ranking.

    The selections of the two facets themselves do not apply (the caller shows the values it wants); every
    other filter, the year range included, does. Plans without a value (no region, year 0) are left out.
    An unreadable index gives {} (search() says why).
    """
    if rows not in CROSS_FACETS or cols not in CROSS_FACETS or rows == cols:
        raise ValueError(f"cross_counts takes two of {sorted(CROSS_FACETS)}, not {rows!r} and {cols!r}")
    parsed = parse_query(params.q)
    with _opened() as snapshot:
        if snapshot is None:
            return {}
        columns = snapshot.columns
        matched = _matched(snapshot, columns, parsed, required_terms(parsed))
    free = replace(params, **{CROSS_FACETS[rows]: (), CROSS_FACETS[cols]: ()})
    kept, _ = filter_and_count(free, columns, matched, with_facets=False)
    values = {"region": columns.regions, "year": columns.years, "level": columns.levels}
    row_values, col_values = values[rows], values[cols]
    counts = Counter((row_values[d], col_values[d]) for d in kept)
    return {(str(r), str(c)): n for (r, c), n in counts.items() if r and c}


def _unavailable(parsed, page_size: int, started: float) -> SearchResult:
    return SearchResult(
        query=parsed.text,
        count=0,
        page=1,
        pages=1,
        page_size=page_size,
        hits=[],
        facets={name: [] for name in ("region", "year", "theme", "level")},
        terms=list(parsed.terms),
        notices=[*parsed.notices, INDEX_REBUILDING_NOTICE],
        took_ms=(time.perf_counter() - started) * 1000,
    )


def _rank(
    snapshot: Snapshot, columns: Columns, required: list[str], kept: list[int], needed: int
) -> tuple[list[int], dict[int, float]]:
    """Order `kept` (newest first) by BM25F score; plans where the terms stand together come first.

    "Together" means the terms adjacent, in either order for two terms (科技金融孵化器): an exact set
    from exact.py, cheap and cached. Every document of a group is scored (ranking.py), the `needed` best
    (a page's worth) are ordered; the rest follow by date, so the order is the same on every page.
    """
    groups = [kept]
    if len(required) > 1:
        orders = [required, list(reversed(required))] if len(required) == 2 else [required]
        together: set[int] = set()
        for order in orders:
            together |= snapshot.term_docs("".join(t.replace(" ", "") for t in order))
        if together:
            groups = [[d for d in kept if d in together], [d for d in kept if d not in together]]
    ranked: list[int] = []
    scores: dict[int, float] = {}
    for group in groups:
        if not group:
            continue
        group_scores = snapshot.scores(required, group)
        # Equal scores are common (same counts in same-length texts): ties keep the group's date order,
        # never the docnum order, which depends on how the index was written.
        date_rank = columns.date_rank
        keyed = [(-score, date_rank[d], d) for d, score in group_scores.items()]
        top = [d for _, _, d in heapq.nsmallest(needed, keyed)]
        scores.update((docnum, group_scores[docnum]) for docnum in top)
        ranked += top
        ranked += [d for d in group if d not in scores]
    return ranked, scores


def _load_hits(snapshot: Snapshot, docnums, scores, terms, with_snippets: bool) -> list[Hit]:
    """The page's hits: metadata from the database (no text), snippets from the snapshot's stored forms."""
    from django.db.models import Prefetch

    from plans.models import Plan, Theme

    columns = snapshot.columns
    plan_ids = [columns.plan_ids[d] for d in docnums]
    # Only what a hit shows: the text, audit JSON, review notes and the themes' keyword lists stay behind.
    plans = (
        Plan.objects.select_related("region")
        .defer("text", "extraction", "review_notes", "checksum", "source")
        .prefetch_related(Prefetch("themes", queryset=Theme.objects.only("id", "name")))
        .in_bulk(plan_ids)
    )
    clean = clean_terms(terms)
    documents = snapshot.documents(docnums) if with_snippets else {}
    hits = []
    for docnum, plan_id in zip(docnums, plan_ids, strict=True):
        plan = plans.get(plan_id)
        if plan is None:  # deleted from the database, its removal from the index still queued
            continue
        hit = Hit(plan_id=plan_id, score=float(scores.get(docnum, 0.0)), plan=plan)
        document = documents.get(docnum)
        if with_snippets and document is not None:
            text = document.text
            matches = find_matches(text, clean) if clean else []  # once per plan, for every snippet
            hit.snippet = snippet_html(text, clean, 120, matches=matches)
            if clean:
                hit.sections = best_sections(text, document.sections, clean, matches=matches)
        hits.append(hit)
    return hits


def best_sections(
    text: str, sections, terms, limit: int = SECTIONS_PER_HIT, *, matches=None
) -> list[SectionHit]:
    """The sections holding the most distinct query terms (then the most matches), in document order.

    `matches` may pass find_matches(text, clean_terms(terms)), computed once for all of a text's snippets.
    """
    pieces = clean_terms(terms)
    if not pieces:
        return []
    if matches is None:
        matches = find_matches(text, pieces)
    starts = [m[0] for m in matches]
    scored = []
    for section in sections:
        start, end = section.start, section.end or len(text)
        if end <= start:
            continue
        inside = [m for m in matches[bisect_left(starts, start) : bisect_left(starts, end)] if m[1] <= end]
        heading = normalise(section.heading)
        heading_hits = {i for i, p in enumerate(pieces) if p in heading}
        distinct = len({m[2] for m in inside} | heading_hits)
        if distinct == 0:
            continue
        scored.append(((distinct, len(inside) + 3 * len(heading_hits)), section))
    scored.sort(key=lambda item: item[0], reverse=True)
    chosen = sorted((s for _, s in scored[:limit]), key=lambda s: s.order)
    return [
        SectionHit(
            heading=s.heading,
            anchor=s.anchor,
            snippet=snippet_html(
                text, pieces, SECTION_SNIPPET_WIDTH, start=s.start, end=s.end or len(text), matches=matches
            ),
        )
        for s in chosen
    ]
