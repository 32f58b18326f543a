"""Filters and facet counts over the per-document columns of one index generation (snapshot.Columns)."""

from __future__ import annotations

from collections import Counter
from itertools import chain

from plans.search.snapshot import Columns
from plans.search.types import FacetValue, SearchParams


def _level_labels() -> dict[str, str]:
    from plans.models import Level

    return {value: str(label) for value, label in Level.choices}


def filter_and_count(params: SearchParams, columns: Columns, docnums, with_facets: bool = True):
    """Keep the documents that pass every filter; count facets the disjunctive way.

    A facet's counts apply every filter except that facet's own selection (the year range always applies),
    so the counts say how many results each value would add. Several values of one facet are OR-ed.
    Written as whole-list passes (comprehensions, Counter over map) rather than a loop per document with
    branches: at 10,000 matching plans this was a large part of a search.
    """
    regions, years, levels, themes = columns.regions, columns.years, columns.levels, columns.themes
    docs = docnums
    if params.year_from is not None or params.year_to is not None:
        low = params.year_from if params.year_from is not None else -1
        high = params.year_to if params.year_to is not None else 10**6
        docs = [d for d in docs if years[d] and low <= years[d] <= high]
    # the documents passing each facet's own selection (only facets with one)
    passing: dict[str, set[int]] = {}
    if params.regions:
        wanted = set(params.regions)
        passing["region"] = {d for d in docs if regions[d] in wanted}
    if params.years:
        wanted_years = set(params.years)
        passing["year"] = {d for d in docs if years[d] in wanted_years}
    if params.levels:
        wanted = set(params.levels)
        passing["level"] = {d for d in docs if levels[d] in wanted}
    if params.themes:
        wanted = set(params.themes)
        passing["theme"] = {d for d in docs if not wanted.isdisjoint(themes[d])}

    def passing_all(skip: str | None = None) -> list[int]:
        out = docs
        for facet, allowed in passing.items():
            if facet != skip:
                out = [d for d in out if d in allowed]
        return out

    kept = passing_all()
    counts = {"region": Counter(), "year": Counter(), "theme": Counter(), "level": Counter()}
    if with_facets:
        for facet, values in (("region", regions), ("year", years), ("level", levels)):
            base = passing_all(facet) if facet in passing else kept
            counts[facet] = Counter(map(values.__getitem__, base))
        base = passing_all("theme") if "theme" in passing else kept
        counts["theme"] = Counter(chain.from_iterable(map(themes.__getitem__, base)))
    return list(kept), counts


def facet_values(params: SearchParams, counts) -> dict[str, list[FacetValue]]:
    """The counted values of each facet, most frequent first (years newest first); selected values always listed."""
    labels = _level_labels()
    facets: dict[str, list[FacetValue]] = {}
    region = counts["region"]
    region.pop("", None)
    for value in params.regions:
        region.setdefault(value, 0)
    facets["region"] = [FacetValue(v, c, v) for v, c in sorted(region.items(), key=lambda i: (-i[1], i[0]))]
    year = counts["year"]
    year.pop(0, None)
    for value in params.years:
        year.setdefault(value, 0)
    facets["year"] = [FacetValue(str(v), c, str(v)) for v, c in sorted(year.items(), key=lambda i: -i[0])]
    theme = counts["theme"]
    for value in params.themes:
        theme.setdefault(value, 0)
    facets["theme"] = [FacetValue(v, c, v) for v, c in sorted(theme.items(), key=lambda i: (-i[1], i[0]))]
    level = counts["level"]
    level.pop("", None)
    for value in params.levels:
        level.setdefault(value, 0)
    facets["level"] = [
        FacetValue(v, c, labels.get(v, v)) for v, c in sorted(level.items(), key=lambda i: (-i[1], i[0]))
    ]
    return facets
