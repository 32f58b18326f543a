"""Filters and facet counts over the per-document columns of one snapshot (snapshot.Columns).

Which facets exist, their columns and kinds come from the registry (registry.FACETS).
"""

from __future__ import annotations

from collections import Counter
from itertools import chain

from plans.search.registry import FACETS
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
    years = columns.years
    docs = docnums
    if params.year_from is not None or params.year_to is not None:
        low = params.year_from if params.year_from is not None else -1
        high = params.year_to if params.year_to is not None else 10**6
        docs = [d for d in docs if years[d] and low <= years[d] <= high]
    # the documents passing each facet's own selection (only facets with one)
    passing: dict[str, set[int]] = {}
    for facet in FACETS:
        selected = getattr(params, facet.params_field)
        if not selected:
            continue
        wanted = set(selected)
        values = getattr(columns, facet.column)
        if facet.kind == "list":
            passing[facet.name] = {d for d in docs if not wanted.isdisjoint(values[d])}
        else:
            passing[facet.name] = {d for d in docs if values[d] in wanted}

    def passing_all(skip: str | None = None) -> list[int]:
        out = docs
        for name, allowed in passing.items():
            if name != skip:
                out = [d for d in out if d in allowed]
        return out

    kept = passing_all()
    counts = {facet.name: Counter() for facet in FACETS}
    if with_facets:
        for facet in FACETS:
            base = passing_all(facet.name) if facet.name in passing else kept
            values = getattr(columns, facet.column)
            if facet.kind == "list":
                counts[facet.name] = Counter(chain.from_iterable(map(values.__getitem__, base)))
            else:
                counts[facet.name] = Counter(map(values.__getitem__, base))
    return list(kept), counts


def facet_values(params: SearchParams, counts) -> dict[str, list[FacetValue]]:
    """The counted values of each facet, most frequent first (years newest first); selected values always listed."""
    labels = _level_labels()
    facets: dict[str, list[FacetValue]] = {}
    for facet in FACETS:
        counted = counts[facet.name]
        if facet.kind != "list":
            counted.pop(facet.empty, None)
        for value in getattr(params, facet.params_field):
            counted.setdefault(value, 0)
        if facet.kind == "number":
            ordered = sorted(counted.items(), key=lambda item: -item[0])
        else:
            ordered = sorted(counted.items(), key=lambda item: (-item[1], item[0]))
        facets[facet.name] = [
            FacetValue(str(value), count, labels.get(value, value) if facet.name == "level" else str(value))
            for value, count in ordered
        ]
    return facets
