"""How accounts read search results: only through the public API of plans.search and searchui's URL grammar.

A saved search is stored as the canonical query string of /search/; it is parsed back with the same grammar as
a request (searchui.params), so a saved search always means what its URL means today.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterator

from django.http import QueryDict

from plans import search as engine
from plans import selectors as plan_selectors
from plans.search.types import SearchParams
from searchui import links
from searchui.params import EXPORT_MAX_ROWS, MAX_PAGE_SIZE, Vocabulary, parse_search


def vocabulary() -> Vocabulary:
    """The facet values the search grammar accepts, as they are in the database now."""
    return Vocabulary(
        regions=plan_selectors.region_aliases(),
        themes=plan_selectors.theme_aliases(),
        levels=plan_selectors.level_aliases(),
    )


def params_of(query: str) -> SearchParams:
    """The search state of a stored query string (invalid parts dropped, as on /search/)."""
    return parse_search(QueryDict(query), vocabulary()).params


def canonical_query(query: str) -> str:
    """The canonical query string of a state, always on page 1 (a saved search is a search, not a page)."""
    return links.query_string(links.with_page(params_of(query), 1))


def count_now(params: SearchParams) -> int:
    """How many plans the search finds now."""
    probe = dataclasses.replace(params, page=1, page_size=1, with_facets=False, with_snippets=False)
    return engine.search(probe).count


def walk_hits(params: SearchParams, *, limit: int = EXPORT_MAX_ROWS, with_snippets: bool = False) -> Iterator:
    """Every hit of the result set in the search's own order, page by page (memory stays flat), at most `limit`."""
    state = dataclasses.replace(
        params, page=1, page_size=MAX_PAGE_SIZE, with_facets=False, with_snippets=with_snippets
    )
    sent = 0
    while True:
        result = engine.search(state)
        for hit in result.hits:
            if hit.plan is not None and sent < limit:
                sent += 1
                yield hit
        if state.page >= result.pages or sent >= limit:
            return
        state = dataclasses.replace(state, page=state.page + 1)


def matching_plan_ids(params: SearchParams, among: Collection[int]) -> set[int]:
    """Which of the plans `among` the search finds. Walks the result set newest first (no ranking needed) and
    stops as soon as every candidate is accounted for."""
    wanted = set(among)
    if not wanted:
        return set()
    found: set[int] = set()
    for hit in walk_hits(dataclasses.replace(params, sort="-date"), limit=EXPORT_MAX_ROWS):
        if hit.plan_id in wanted:
            found.add(hit.plan_id)
            if found == wanted:
                break
    return found


def newest_hits(params: SearchParams, limit: int):
    """The newest `limit` matching plans by date, with snippets (the Atom feed's entries)."""
    state = dataclasses.replace(params, sort="-date", page=1, page_size=limit, with_facets=False)
    return engine.search(state)
