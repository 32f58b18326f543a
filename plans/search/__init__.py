"""The search engine behind one small API. The only package that imports haystack, whoosh or jieba.

    search(params: SearchParams) -> SearchResult       exact-substring recall, BM25F ranking, facets, snippets
    cross_counts(params, "region", "year")             result-set counts by two facets at once (/compare/)
    parse_query(q) -> ParsedQuery                      robust parsing; never raises; notices in Chinese
    highlight_html(text, terms) / snippet_html(text, terms, width=120)
    index_plans(ids) / remove_plan(id) / rebuild_index()          write now (calling thread)
    enqueue_index(ids) / enqueue_remove(ids) / wait_for_indexing(timeout)   background queue
    check_index(fix=False) -> IndexReport / index_health() -> (ok, message)
    related_plans(plan, limit=5) -> list[Plan]
    warm()                                             load the segmenter and open the index at start-up
    clear_term_cache()                                 forget cached term sets (benchmarks: first-time latency)
    current_snapshot()                                 the engine seam: `with current_snapshot() as s:` (snapshot.py)
    normalise(text)                                    the length-preserving folding of indexing (plans.relations)

See README "Search engine" for the design: an engine-neutral core over Snapshot primitives
(plans/search/snapshot.py), engine adapters behind plans/search/engines/base.py.
"""

from plans.search.engine import cross_counts, search
from plans.search.highlight import highlight_html, snippet_html
from plans.search.indexing import (
    check_index,
    enqueue_index,
    enqueue_remove,
    index_health,
    index_plans,
    rebuild_index,
    remove_plan,
    wait_for_indexing,
)
from plans.search.normalize import normalise
from plans.search.query import parse_query
from plans.search.related import related_plans
from plans.search.snapshot import Snapshot, StoredDocument, current_snapshot
from plans.search.types import (
    FacetValue,
    Hit,
    IndexReport,
    ParsedQuery,
    SearchParams,
    SearchResult,
    SectionHit,
)


def warm(repair: bool = True) -> None:
    """Load the word segmenter once per process and open the index (call at server start-up).

    With repair=True, an unreadable index, or an empty one while the database has plans (a lost index
    folder), is rebuilt from the database in the background; searches meanwhile carry a notice.
    """
    import logging

    from plans.search.engines.base import IndexUnavailable
    from plans.search.indexing import schedule_repair
    from plans.search.segment import warm as warm_segmenter

    warm_segmenter()
    try:
        with current_snapshot() as snapshot:
            columns = snapshot.columns
    except IndexUnavailable:
        logging.getLogger(__name__).exception("search index missing or corrupt at start-up")
        if repair:
            schedule_repair()
        return
    except Exception:  # a passing error: the first search opens it again
        logging.getLogger(__name__).exception("search index not readable at start-up")
        return
    if repair and not columns.docnum_of:
        from plans.models import Plan

        if Plan.objects.exists():
            schedule_repair()


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
    "ParsedQuery",
    "SearchParams",
    "SearchResult",
    "SectionHit",
    "Snapshot",
    "StoredDocument",
    "check_index",
    "current_snapshot",
    "enqueue_index",
    "enqueue_remove",
    "highlight_html",
    "index_health",
    "index_plans",
    "normalise",
    "parse_query",
    "rebuild_index",
    "related_plans",
    "remove_plan",
    "search",
    "snippet_html",
    "cross_counts",
    "clear_term_cache",
    "wait_for_indexing",
    "warm",
]
