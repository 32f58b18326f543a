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

import numpy as np
from django.utils.translation import gettext_lazy

from plans.search import notices
from plans.search.engines.base import IndexMissing, IndexUnavailable
from plans.search.facets import facet_values, filter_and_count, filter_and_count_array
from plans.search.grammar import CHARS, SENTENCE, has_proximity
from plans.search.highlight import clean_terms, find_matches, snippet_html
from plans.search.indexing import schedule_repair
from plans.search.limits import MAX_PAGE_SIZE, SECTION_SNIPPET_WIDTH, SECTIONS_PER_HIT, SNIPPET_WIDTH, SORTS
from plans.search.matching import closeness_array, evaluate, proximity
from plans.search.normalize import normalise
from plans.search.query import parse_query, required_terms
from plans.search.ranked import EnginePage, engine_page
from plans.search.registry import FACET_NAMES, FACETS
from plans.search.snapshot import Columns, Snapshot, current_snapshot, hub
from plans.search.types import Hit, SearchParams, SearchResult, SectionHit

logger = logging.getLogger(__name__)

INDEX_REBUILDING_NOTICE = gettext_lazy("检索索引正在从数据库重建，暂时无法给出结果，请稍后再试。")
PROXIMITY_WEIGHT = 1.0  # a pair with nothing between them doubles a score; 9 characters between: x1.1
PROXIMITY_SNIPPET = 240  # characters of a proximity match's sentence or paragraph shown at most


def search(params: SearchParams) -> SearchResult:
    """Run a search: every plan containing each query term (exact, normalised), ranked, faceted, paged."""
    started = time.perf_counter()
    parsed = parse_query(params.q)
    page_size = max(1, min(int(params.page_size or 20), MAX_PAGE_SIZE))
    with _opened() as (snapshot, trouble):
        if snapshot is None:
            return _unavailable(parsed, page_size, started, trouble)
        required = required_terms(parsed)
        sort = params.sort if params.sort in SORTS else "relevance"
        if sort == "relevance" and not required:
            sort = "-date"
        ranked = engine_page(snapshot, parsed, params, required, sort, page_size)
        if ranked is None:
            ranked = _columns_page(snapshot, parsed, params, required, sort, page_size)
        hits = _load_hits(snapshot, ranked.window, ranked.scores, parsed, params.with_snippets)
    return SearchResult(
        query=parsed.text,
        count=ranked.count,
        page=ranked.page,
        pages=ranked.pages,
        page_size=page_size,
        hits=hits,
        facets=facet_values(params, ranked.counts) if params.with_facets else {},
        terms=list(parsed.terms),
        notices=list(parsed.notices),
        took_ms=(time.perf_counter() - started) * 1000,
        reading=parsed.reading,
    )


def _columns_page(snapshot: Snapshot, parsed, params: SearchParams, required, sort: str, page_size: int):
    """The page from the snapshot's primitives: every matching docnum filtered and counted over the columns,
    ranked with whole-array operations (the definition ranked.engine_page is held equal to)."""
    columns = snapshot.columns
    scores: dict[int, float] = {}
    kept, counts = filter_and_count_array(
        params, columns, _matched_array(snapshot, parsed), params.with_facets
    )
    kept = kept[np.argsort(columns.date_rank_array[kept])]  # newest first, then the higher id
    if sort == "date":
        kept = kept[::-1]
    count = len(kept)
    pages = max(1, math.ceil(count / page_size))
    page = max(1, min(int(params.page or 1), pages))
    if sort == "relevance" and count:
        needed = page * page_size
        closeness = None
        if has_proximity(parsed.tree):
            closeness = closeness_array(snapshot, parsed.tree, PROXIMITY_WEIGHT)
        ranked, scores = _rank_array(snapshot, columns, required, kept, needed, closeness)
        window = ranked[(page - 1) * page_size : page * page_size]
    else:
        window = kept[(page - 1) * page_size : page * page_size].tolist()
    return EnginePage(count, page, pages, window, scores, counts)


@contextlib.contextmanager
def _opened():
    """(the current snapshot, None) for the block, or (None, notice) when the index cannot be read.

    Only a confirmed missing or corrupt index (IndexUnavailable) gets a rebuild from the database; any other
    error is a passing one (no file descriptor left, a permission or disk hiccup): this request is answered
    with a notice and every index file stays as it was.
    """
    try:
        holder = current_snapshot()
        snapshot = holder.__enter__()
    except IndexMissing:
        from plans.models import Plan

        if Plan.objects.exists():
            logger.warning("no search index; scheduling a rebuild from the database")
            schedule_repair()
            yield None, notices.index_rebuilding()
            return
        hub.engine.create_if_missing()  # nothing to index yet: an empty index is the right one
        holder = current_snapshot()
        snapshot = holder.__enter__()
    except IndexUnavailable:
        logger.exception("search index corrupt; scheduling a rebuild from the database")
        schedule_repair()
        yield None, notices.index_rebuilding()
        return
    except Exception:
        logger.exception("search index not readable now (a passing error: the index is left as it is)")
        yield None, notices.index_unavailable()
        return
    try:
        yield snapshot, None
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


def _matched(snapshot: Snapshot, parsed) -> list[int]:
    """Docnums satisfying the query's expression (matching.py; every live document for an empty query)."""
    return sorted(evaluate(snapshot, parsed.tree))


def _matched_array(snapshot: Snapshot, parsed) -> np.ndarray:
    """_matched as an int64 array (in no particular order: search() orders it)."""
    matched = evaluate(snapshot, parsed.tree)
    return np.fromiter(matched, np.int64, len(matched))


# facets with one value per plan (a matrix cell is one value of each)
CROSS_FACETS = {facet.name: facet for facet in FACETS if facet.kind != "list"}


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
    with _opened() as (snapshot, _trouble):
        if snapshot is None:
            return {}
        columns = snapshot.columns
        matched = _matched(snapshot, parsed)
    free = replace(params, **{CROSS_FACETS[rows].params_field: (), CROSS_FACETS[cols].params_field: ()})
    kept, _ = filter_and_count(free, columns, matched, with_facets=False)
    row_values, col_values = (
        getattr(columns, CROSS_FACETS[rows].column),
        getattr(columns, CROSS_FACETS[cols].column),
    )
    counts = Counter((row_values[d], col_values[d]) for d in kept)
    return {(str(r), str(c)): n for (r, c), n in counts.items() if r and c}


def _unavailable(parsed, page_size: int, started: float, trouble: str) -> SearchResult:
    return SearchResult(
        query=parsed.text,
        count=0,
        page=1,
        pages=1,
        page_size=page_size,
        hits=[],
        facets={name: [] for name in FACET_NAMES},
        terms=list(parsed.terms),
        notices=[*parsed.notices, trouble],
        took_ms=(time.perf_counter() - started) * 1000,
        reading=parsed.reading,
    )


def _rank(
    snapshot: Snapshot, columns: Columns, parsed, required: list[str], kept: list[int], needed: int
) -> tuple[list[int], dict[int, float]]:
    """Order `kept` (newest first) by BM25F score; plans where the terms stand together come first. The plain
    definition of the order, which search() computes with whole-array operations (_rank_array; the tests hold
    the two equal).

    "Together" means the terms adjacent, in either order for two terms (科技金融孵化器): an exact set
    from the snapshot, cheap and cached. With a proximity clause, the closer its closest pair, the higher the
    score (PROXIMITY_WEIGHT / (1 + characters between), applied as a factor), instead of the together groups.
    Every document of a group is scored, the `needed` best (a page's worth) are ordered; the rest follow by
    date, so the order is the same on every page.
    """
    groups = [kept]
    closeness: dict[int, float] = {}
    if has_proximity(parsed.tree):
        closest = proximity(snapshot, parsed.tree, kept)
        closeness = {d: 1 + PROXIMITY_WEIGHT / (1 + c.gap) for d, c in closest.items()}
    elif len(required) > 1:
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
        if closeness:
            group_scores = {d: score * closeness.get(d, 1.0) for d, score in group_scores.items()}
        # Equal scores are common (same counts in same-length texts): ties keep the group's date order,
        # never the docnum order, which depends on how the index was written.
        date_rank = columns.date_rank
        keyed = [(-score, date_rank[d], d) for d, score in group_scores.items()]
        top = [d for _, _, d in heapq.nsmallest(needed, keyed)]
        scores.update((docnum, group_scores[docnum]) for docnum in top)
        ranked += top
        ranked += [d for d in group if d not in scores]
    return ranked, scores


def _rank_array(
    snapshot: Snapshot,
    columns: Columns,
    required: list[str],
    kept: np.ndarray,
    needed: int,
    closeness: np.ndarray | None = None,
) -> tuple[list[int], dict[int, float]]:
    """_rank over an array of docnums in date order: the same order (groups of plans where the terms stand
    together first, or for a proximity query one group with each score times its `closeness` factor
    (matching.closeness_array); in a group the `needed` best by score, ties by date, then the rest by date),
    computed with whole-array operations. Only the first `needed` places are returned."""
    groups = [kept]
    if closeness is None and len(required) > 1:
        orders = [required, list(reversed(required))] if len(required) == 2 else [required]
        together = np.zeros(len(columns.plan_ids), dtype=bool)
        for order in orders:
            docs = snapshot.term_docs("".join(t.replace(" ", "") for t in order))
            together[np.fromiter(docs, np.int64, len(docs))] = True
        inside = together[kept]
        if inside.any():
            groups = [kept[inside], kept[~inside]]
    vector = snapshot.score_array(required)
    if closeness is not None:
        vector = vector * closeness  # NaN (no score) stays NaN
    date_rank = columns.date_rank_array
    ranked: list[int] = []
    scores: dict[int, float] = {}
    for group in groups:
        want = needed - len(ranked)  # places left to fill on the pages asked for
        if want <= 0:
            break
        group_scores = vector[group]
        scored = ~np.isnan(group_scores)
        candidates, values = group[scored], group_scores[scored]
        if len(candidates) > want:
            # every document scoring at least the want-th best score (ties included), then ordered exactly
            threshold = np.partition(values, len(values) - want)[len(values) - want]
            close = values >= threshold
            candidates, values = candidates[close], values[close]
        order = np.lexsort((date_rank[candidates], -values))[:want]
        top = candidates[order]
        scores.update(zip(top.tolist(), values[order].tolist(), strict=True))
        ranked += top.tolist()
        if len(ranked) < needed:
            rest = group[~np.isin(group, top)] if len(top) else group
            ranked += rest[: needed - len(ranked)].tolist()
    return ranked[:needed], scores


def _load_hits(snapshot: Snapshot, docnums, scores, parsed, with_snippets: bool) -> list[Hit]:
    """The page's hits: metadata from the database (no text), snippets from the snapshot's stored forms.

    For a proximity query, the snippet is the sentence or paragraph (or, for /N, the stretch) of the closest
    matching pair, and the section holding it is the first section link.
    """
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
    clean = clean_terms(parsed.terms)
    documents = snapshot.documents(docnums) if with_snippets else {}
    closest = proximity(snapshot, parsed.tree, docnums) if with_snippets else {}
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
            span = _proximity_span(snapshot, docnum, closest.get(docnum))
            if span is not None:
                hit.snippet = snippet_html(
                    text, clean, span[1] - span[0], start=span[0], end=span[1], matches=matches
                )
                hit.snippet = (
                    ("…" if span[0] > 0 else "") + hit.snippet + ("…" if span[1] < len(text) else "")
                )
            else:
                hit.snippet = snippet_html(text, clean, SNIPPET_WIDTH, matches=matches)
            if clean:
                hit.sections = best_sections(text, document.sections, clean, matches=matches, span=span)
        hits.append(hit)
    return hits


def _proximity_span(snapshot: Snapshot, docnum: int, closest) -> tuple[int, int] | None:
    """The body stretch to show for the closest matching pair: its sentence (/s), or around the pair within
    its paragraph (/p) or the text (/N), at most PROXIMITY_SNIPPET characters; None when the pair is not in the
    body (a title match) or there is none."""
    if closest is None:
        return None
    body = snapshot.columns.titles_len[docnum] + 1
    start, end = closest.start - body, closest.end - body
    if start < 0:
        return None
    length = snapshot.columns.text_lengths[docnum]
    lower, upper = 0, length
    if closest.kind != CHARS:
        sentence_breaks, paragraph_breaks = snapshot.breaks(docnum)
        breaks = sentence_breaks if closest.kind == SENTENCE else paragraph_breaks
        i = bisect_left(breaks, closest.start)
        lower = breaks[i - 1] + 1 - body if i else 0
        j = bisect_left(breaks, closest.end)
        upper = min(length, (breaks[j] + 1 - body) if j < len(breaks) else length)
        lower = max(0, lower)
    room = max(0, PROXIMITY_SNIPPET - (end - start))
    lower = max(lower, start - room // 2)
    upper = min(upper, end + room - (start - lower))
    return lower, max(upper, end)


def best_sections(
    text: str, sections, terms, limit: int = SECTIONS_PER_HIT, *, matches=None, span=None
) -> list[SectionHit]:
    """The sections holding the most distinct query terms (then the most matches), in document order.

    `matches` may pass find_matches(text, clean_terms(terms)), computed once for all of a text's snippets.
    `span` (start, end), the stretch of a proximity match: the section holding it comes first, its snippet
    that stretch.
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
    first = None
    if span is not None:
        holding = [s for s in sections if s.start <= span[0] < (s.end or len(text))]
        first = max(holding, key=lambda s: s.start, default=None)  # the innermost section
        scored = [item for item in scored if item[1] is not first]
    chosen = sorted((s for _, s in scored[: limit - (first is not None)]), key=lambda s: s.order)
    leading = []
    if first is not None:
        snippet = snippet_html(text, pieces, span[1] - span[0], start=span[0], end=span[1], matches=matches)
        leading.append(SectionHit(heading=first.heading, anchor=first.anchor, snippet=snippet))
    return leading + [
        SectionHit(
            heading=s.heading,
            anchor=s.anchor,
            snippet=snippet_html(
                text, pieces, SECTION_SNIPPET_WIDTH, start=s.start, end=s.end or len(text), matches=matches
            ),
        )
        for s in chosen
    ]
