"""How accounts read search results: only through the public API of plans.search and searchui's URL grammar.

A saved search is stored as the canonical query string of /search/; it is parsed back with the same grammar as
a request (searchui.params), so a saved search always means what its URL means today.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterator

from django.http import QueryDict

from plans import search as engine
from plans.models import Plan
from plans.search.limits import EXPORT_MAX_ROWS
from plans.search.types import SearchParams
from searchui import links
from searchui.params import MAX_PAGE_SIZE, parse_search, vocabulary


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


def _narrowed(
    params: SearchParams, candidates: list[tuple[int, int | None, str | None]]
) -> SearchParams | None:
    """The same search limited to the candidates' years and regions (None: no candidate can match).

    Exact, not a heuristic: a candidate passes the year filter of the narrowed search exactly when it passes the
    original one, because its own year is always among the added values (likewise its region). Facets where a
    candidate has no value are left as they are. New plans are usually of one or two years and a few regions, so
    the walk below covers a small part of a broad result set instead of all of it.
    """
    changes = {}
    for field, values in (("years", {c[1] for c in candidates}), ("regions", {c[2] for c in candidates})):
        if None in values:
            continue
        current = set(getattr(params, field))
        wanted = (current & values) if current else values
        if not wanted:
            return None
        changes[field] = tuple(sorted(wanted))
    return dataclasses.replace(params, **changes)


def matching_plan_ids(params: SearchParams, among: Collection[int]) -> set[int]:
    """Which of the plans `among` the search finds. Walks the result set of the search narrowed to the
    candidates' years and regions, newest first (no ranking needed), and stops once every candidate is found."""
    wanted = set(among)
    if not wanted:
        return set()
    candidates = list(Plan.objects.filter(pk__in=wanted).values_list("pk", "year", "region__name"))
    narrowed = _narrowed(params, candidates)
    if narrowed is None:
        return set()
    wanted = {c[0] for c in candidates}
    found: set[int] = set()
    for hit in walk_hits(dataclasses.replace(narrowed, sort="-date"), limit=EXPORT_MAX_ROWS):
        if hit.plan_id in wanted:
            found.add(hit.plan_id)
            if found == wanted:
                break
    return found


def newest_hits(params: SearchParams, limit: int):
    """The newest `limit` matching plans by date, with snippets (the Atom feed's entries)."""
    state = dataclasses.replace(params, sort="-date", page=1, page_size=limit, with_facets=False)
    return engine.search(state)
