"""Filters and facet counts over the per-document columns of one snapshot (snapshot.Columns).

Which facets exist, their columns and kinds come from the registry (registry.FACETS).
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from plans.search.registry import FACETS
from plans.search.snapshot import Columns
from plans.search.types import FacetValue, SearchParams, Where

YEAR_UNBOUNDED = 10**6  # a year range's missing end


def where_of(params: SearchParams, skip: str | None = None) -> Where:
    """The selections of `params` (all but facet `skip`'s own) and its year range, as engines apply them."""
    values = tuple(
        (facet.column, frozenset(getattr(params, facet.params_field)))
        for facet in FACETS
        if facet.name != skip and getattr(params, facet.params_field)
    )
    return Where(values, year_range(params))


def year_range(params: SearchParams) -> tuple[int, int] | None:
    """The inclusive (low, high) years of `params`' year range, None without one."""
    if params.year_from is None and params.year_to is None:
        return None
    low = params.year_from if params.year_from is not None else -1
    high = params.year_to if params.year_to is not None else YEAR_UNBOUNDED
    return low, high


def _level_labels() -> dict[str, str]:
    from plans.models import Level

    return {value: str(label) for value, label in Level.choices}


def filter_and_count(params: SearchParams, columns: Columns, docnums, with_facets: bool = True):
    """Keep the documents that pass every filter; count facets the disjunctive way.

    A facet's counts apply every filter except that facet's own selection (the year range always applies),
    so the counts say how many results each value would add. Several values of one facet are OR-ed.
    Returns (the kept docnums as a list, in the order given; {facet name: Counter}).
    """
    kept, counts = filter_and_count_array(params, columns, _as_array(docnums), with_facets)
    return kept.tolist(), counts


def _as_array(docnums) -> np.ndarray:
    if isinstance(docnums, np.ndarray):
        return docnums
    if not isinstance(docnums, list | tuple):
        docnums = list(docnums)
    return np.asarray(docnums, dtype=np.int64)


def filter_and_count_array(
    params: SearchParams, columns: Columns, docs: np.ndarray, with_facets: bool = True
):
    """filter_and_count over an int64 array of docnums; the kept docnums come back as an array.

    Whole-array passes over the snapshot's coded columns (Columns.codes / membership): a selection is a
    boolean mask, a facet's counts a bincount (a column sum for themes), so the cost grows with the result
    set at numpy's speed rather than a Python loop's (at 100,000 plans a one-character query keeps most of
    them)."""
    years_wanted = year_range(params)
    if years_wanted is not None:
        low, high = years_wanted
        years = columns.codes("years")
        year_values = np.asarray(years[1], dtype=np.int64)[years[0][docs]]
        docs = docs[(year_values != 0) & (year_values >= low) & (year_values <= high)]
    # the documents passing each facet's own selection (only facets with one), as masks over `docs`
    passing: dict[str, np.ndarray] = {}
    for facet in FACETS:
        selected = getattr(params, facet.params_field)
        if not selected:
            continue
        wanted = set(selected)
        if facet.kind == "list":
            matrix, vocabulary = columns.membership(facet.column)
            chosen = [code for code, value in enumerate(vocabulary) if value in wanted]
            passing[facet.name] = matrix[docs][:, chosen].any(axis=1)
        else:
            codes, vocabulary = columns.codes(facet.column)
            chosen = np.array([value in wanted for value in vocabulary], dtype=bool)
            passing[facet.name] = chosen[codes[docs]] if len(vocabulary) else np.zeros(len(docs), bool)

    def mask_all(skip: str | None = None) -> np.ndarray | None:
        out = None
        for name, mask in passing.items():
            if name != skip:
                out = mask if out is None else out & mask
        return out

    every = mask_all()
    kept = docs if every is None else docs[every]
    counts = {facet.name: Counter() for facet in FACETS}
    if with_facets:
        for facet in FACETS:
            if facet.name in passing:
                others = mask_all(facet.name)
                base = docs if others is None else docs[others]
            else:
                base = kept
            if facet.kind == "list":
                matrix, vocabulary = columns.membership(facet.column)
                totals = matrix[base].sum(axis=0) if len(vocabulary) else []
            else:
                codes, vocabulary = columns.codes(facet.column)
                totals = np.bincount(codes[base], minlength=len(vocabulary))
            counts[facet.name] = Counter({vocabulary[code]: int(n) for code, n in enumerate(totals) if n})
    return kept, counts


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
