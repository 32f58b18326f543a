"""The search engine behind one small API. The only package that imports haystack, whoosh or jieba.

    search(params: SearchParams) -> SearchResult       exact-substring recall, BM25F ranking, facets, snippets
    cross_counts(params, "region", "year")             result-set counts by two facets at once (/compare/)
    parse_query(q) -> ParsedQuery                      robust parsing; never raises; notices via gettext
    highlight_html(text, terms) / snippet_html(text, terms, width=120)
    index_plans(ids) / remove_plan(id) / rebuild_index()          write now (calling thread)
    enqueue_index(ids) / enqueue_remove(ids) / wait_for_indexing(timeout)   background queue
    check_index(fix=False) -> IndexReport / index_health() -> (ok, message) / engine_name()
    related_plans(plan, limit=5) -> list[Plan]
    warm()                                             load the segmenter and open the index at start-up
    clear_term_cache()                                 forget cached term sets (benchmarks: first-time latency)
    trends(terms, filters, region_order) -> Trends     per term × year and term × region × year figures
    kwic(q, filters, sort=, width=, page=, page_size=) -> KwicPage / kwic_lines(...) / plan_occurrences(id, q)
    current_snapshot()                                 the engine seam: `with current_snapshot() as s:` (snapshot.py)
    normalise(text)                                    the length-preserving folding of indexing (plans.relations)

See README "Search engine" for the design: an engine-neutral core over Snapshot primitives
(plans/search/snapshot.py), engine adapters behind plans/search/engines/base.py.
"""

from plans.search.engine import cross_counts, search
from plans.search.highlight import highlight_html, snippet_html
from plans.search.indexing import (
    check_index,
    engine_name,
    enqueue_index,
    enqueue_remove,
    index_health,
    index_plans,
    rebuild_index,
    remove_plan,
    wait_for_indexing,
)
from plans.search.kwic import KwicLine, KwicPage, kwic, kwic_lines, plan_occurrences
from plans.search.normalize import normalise
from plans.search.query import parse_query
from plans.search.related import related_plans
from plans.search.snapshot import Snapshot, StoredDocument, current_snapshot
from plans.search.trends import TermTrend, Trends, trends
from plans.search.types import (
    FacetValue,
    Hit,
    IndexReport,
    ParsedQuery,
    SearchParams,
    SearchResult,
    SectionHit,
)


def warm(repair: bool = True) -> int | None:
    """Make this process ready to search (call once per process at start-up: gunicorn's post_worker_init).

    Loads the word segmenter, opens the current snapshot (columns, field lengths, stored-form readers) and
    runs one search with facets and snippets, so that a worker's first real search costs about what a
    warm one does. With repair=True, a missing or corrupt index, or an empty one while the database has
    plans (a lost index folder), is rebuilt from the database in the background; searches meanwhile carry
    a notice. A passing error is only logged: the first search tries again. Returns the number of plans in
    the index, None when it could not be opened.
    """
    import logging

    from plans.search.engines.base import IndexUnavailable
    from plans.search.indexing import schedule_repair
    from plans.search.segment import warm as warm_segmenter

    log = logging.getLogger(__name__)
    warm_segmenter()
    try:
        with current_snapshot() as snapshot:
            columns = snapshot.columns
            first_title = next(iter(snapshot.documents(columns.live[:1]).values()), None)
    except IndexUnavailable:
        log.exception("search index missing or corrupt at start-up")
        if repair:
            schedule_repair()
        return None
    except Exception:  # a passing error: the first search opens it again
        log.exception("search index not readable at start-up")
        return None
    if not columns.docnum_of:
        if repair:
            from plans.models import Plan

            if Plan.objects.exists():
                schedule_repair()
        return 0
    # A real query through every step (terms, ranking, facets, hits, snippets): imports, compiled regexes,
    # the database connection and the ORM's caches are then ready before the first request.
    words = first_title.title[:2] if first_title is not None else ""
    search(SearchParams(q=words, page_size=10))
    return len(columns.docnum_of)


def clear_term_cache() -> None:
    """Forget every term set, score and break list the current snapshot remembers (benchmarks measuring
    first-time queries; a new index generation starts with an empty memo anyway)."""
    from plans.search.snapshot import hub

    snapshot = hub.peek()
    if snapshot is not None:
        snapshot.forget()


__all__ = [
    "FacetValue",
    "Hit",
    "IndexReport",
    "KwicLine",
    "KwicPage",
    "ParsedQuery",
    "SearchParams",
    "SearchResult",
    "SectionHit",
    "Snapshot",
    "StoredDocument",
    "TermTrend",
    "Trends",
    "check_index",
    "engine_name",
    "current_snapshot",
    "enqueue_index",
    "enqueue_remove",
    "highlight_html",
    "index_health",
    "index_plans",
    "kwic",
    "kwic_lines",
    "normalise",
    "parse_query",
    "plan_occurrences",
    "rebuild_index",
    "related_plans",
    "remove_plan",
    "search",
    "snippet_html",
    "cross_counts",
    "clear_term_cache",
    "trends",
    "wait_for_indexing",
    "warm",
]
