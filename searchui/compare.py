"""The region × year matrix of /compare/: how many plans of the current query and filters fall in each cell.

With a query, the cells also carry the term's intensity (occurrences per 10,000 characters of that region's
plans of that year, plans.search.trends) for shading, and each region's first-mention year is marked: for a
collection of one report a year, plan counts are all 0 or 1, and intensity is what differs.

One search gives the totals (facet counts, one hit, no snippets); the engine's cross_counts gives every
cell in one pass over the result set (it used to take one search per row or column: 480 ms at 704 plans).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from plans.search.trends import TermTrend
from plans.search.types import SearchParams, SearchResult
from searchui import links

Runner = Callable[[SearchParams], SearchResult]
CrossCounter = Callable[[SearchParams, str, str], Mapping[tuple[str, str], int]]


@dataclass(frozen=True)
class Cell:
    count: int
    url: str | None  # None for an empty cell
    heat: int = 0  # 0 (empty) to 4 (the fullest cells), for shading
    per_10k_chars: float | None = None  # the query's intensity in this cell (None without a query)
    first: bool = False  # the region's first year with a matching plan


@dataclass
class Row:
    region: str
    total: Cell
    cells: list[Cell]
    first_year: int | None = None


@dataclass
class Matrix:
    years: list[int]
    rows: list[Row]
    column_totals: list[Cell]
    total: int  # plans of the result set (some may have no region or year)
    searches: int
    intensity: bool = False  # cells are shaded by per_10k_chars, not by plan counts

    @property
    def placed(self) -> int:
        return sum(row.total.count for row in self.rows)


def _counts(result: SearchResult, facet: str) -> dict[str, int]:
    return {fv.value: fv.count for fv in result.facets.get(facet, []) if fv.count > 0}


def _cell(params: SearchParams, count: int, **only: str | int) -> Cell:
    if not count:
        return Cell(0, None)
    state = params
    for facet, value in only.items():
        state = links.only_value(state, facet, value)
    return Cell(count, links.search_url(state))


def compare_matrix(
    params: SearchParams,
    run: Runner,
    cross: CrossCounter,
    *,
    region_order: Mapping[str, int],
    trend: TermTrend | None = None,
) -> Matrix:
    """Count the result set of `params` by region and year (`run` searches, `cross` counts by two facets).

    `trend`, the query's figures under the same filters, shades the cells by intensity and marks first mentions.
    """
    probe = dataclasses.replace(params, page=1, page_size=1, with_facets=True, with_snippets=False)
    base = run(probe)
    searches = 1
    region_totals = _counts(base, "region")
    if params.regions:
        region_totals = {r: n for r, n in region_totals.items() if r in params.regions}
    year_totals = {int(y): n for y, n in _counts(base, "year").items() if y.isdigit()}
    if params.years:
        year_totals = {y: n for y, n in year_totals.items() if y in params.years}

    regions = sorted(region_totals, key=lambda r: (region_order.get(r, 999), r))
    years = sorted(year_totals)
    pairs = cross(params, "region", "year")
    grid = {(region, year): pairs.get((region, str(year)), 0) for region in regions for year in years}
    searches += 1

    peak = max(grid.values(), default=0)
    by_region = {r.region: r for r in trend.regions} if trend else {}
    rates = {(r.region, f.year): f.per_10k_chars for r in by_region.values() for f in r.years if f.plans}
    peak_rate = max(rates.values(), default=0)

    def shaded(cell: Cell, region: str, year: int) -> Cell:
        if trend is None:
            heat = math.ceil(4 * cell.count / peak) if peak and cell.count else 0
            return dataclasses.replace(cell, heat=heat)
        rate = rates.get((region, year), 0.0)
        heat = max(1, math.ceil(4 * rate / peak_rate)) if peak_rate and rate else 0
        first = region in by_region and by_region[region].first_year == year
        return dataclasses.replace(cell, heat=heat, per_10k_chars=rate, first=first and bool(cell.count))

    rows = [
        Row(
            region=region,
            total=_cell(params, region_totals[region], region=region),
            cells=[
                shaded(_cell(params, grid.get((region, year), 0), region=region, year=year), region, year)
                for year in years
            ],
            first_year=by_region[region].first_year if region in by_region else None,
        )
        for region in regions
    ]
    column_totals = [_cell(params, year_totals[year], year=year) for year in years]
    return Matrix(
        years=years,
        rows=rows,
        column_totals=column_totals,
        total=base.count,
        searches=searches,
        intensity=trend is not None,
    )
