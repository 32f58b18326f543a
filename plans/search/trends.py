"""Trends and diffusion: how often policy terms occur, by year and by region, under the /search/ filters.

    trends(["科技金融", "孵化器"], SearchParams(regions=…, year_from=…), region_order) -> Trends

For each term (in the search grammar) and year: the plans that match it, the plans of that year under the
filters, the share, the occurrences of its strings in the matching plans (occurrences.py: non-overlapping,
as str.count counts them on the normalised text) and occurrences per 10,000 characters of all plans of that
year under the filters. For each term and region: the first, last and peak year, and the same figures.

Engine-neutral: built only on the seam's primitives (term sets, positions, columns) through occurrences.py.
The per-plan counts of a string, the filter totals and each term's whole figures (by term, filters and region
order) are memoised per index generation: a new term adds up counts over the plans it matches (counted by
the reader without positions where it can, else from its strings' positions worked out together:
occurrences.prefetch_counts), a repeated one is a look-up; no request reads a text the generation has
already read for that string.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

from django.utils.translation import gettext as _

from plans.search.facets import filter_and_count
from plans.search.occurrences import (
    matching_docs,
    plan_chars,
    prefetch_counts,
    query_strings,
    string_counts,
)
from plans.search.query import parse_query
from plans.search.types import SearchParams

MAX_TERMS = 5
PER_CHARS = 10_000


@dataclass(frozen=True)
class YearFigures:
    """One year of one term (overall or in one region)."""

    year: int
    plans: int  # plans of the year that match the term
    total_plans: int  # plans of the year under the filters
    occurrences: int  # non-overlapping occurrences of the term's strings in the matching plans
    chars: int  # characters (titles and bodies) of all plans of the year under the filters

    # cached: a page reads each figure several times (chart, label, table, JSON)
    @cached_property
    def share(self) -> float:
        return round(self.plans / self.total_plans, 4) if self.total_plans else 0.0

    @cached_property
    def per_10k_chars(self) -> float:
        return round(self.occurrences * PER_CHARS / self.chars, 3) if self.chars else 0.0


@dataclass
class RegionTrend:
    """One term in one region: when it was first, last and most intensely mentioned, and every year."""

    region: str
    first_year: int | None  # earliest year with a matching plan (None: never under these filters)
    last_year: int | None
    peak_year: int | None  # the year of the highest per_10k_chars among years with a matching plan
    years: list[YearFigures]


@dataclass
class TermTrend:
    term: str  # as the user wrote it
    query: str  # as the engine ran it (after simplification)
    strings: list[str]  # what is counted
    years: list[YearFigures]
    regions: list[RegionTrend]  # in order of first mention, then never-mentioning regions

    @property
    def adoption(self) -> list[tuple[int, int]]:
        """(year, regions that have mentioned the term in that year or before), for each year."""
        firsts = Counter(r.first_year for r in self.regions if r.first_year is not None)
        running, curve = 0, []
        for figures in self.years:
            running += firsts.get(figures.year, 0)
            curve.append((figures.year, running))
        return curve


@dataclass
class Trends:
    terms: list[str]
    years: list[int]  # every year with a plan under the filters
    series: list[TermTrend]
    notices: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Totals:
    """Plans and characters under one set of filters, by year and by (region, year)."""

    kept: frozenset[int]
    plans: Mapping[int, int]
    chars: Mapping[int, int]
    region_plans: Mapping[tuple[str, int], int]
    region_chars: Mapping[tuple[str, int], int]


def filter_key(filters: SearchParams) -> tuple:
    """What of a SearchParams decides a filtered set (the query, sort and page do not)."""
    return (
        filters.regions,
        filters.years,
        filters.themes,
        filters.levels,
        filters.year_from,
        filters.year_to,
    )


def _totals(snapshot, filters: SearchParams) -> _Totals:
    def compute() -> _Totals:
        columns = snapshot.columns
        kept, _counts = filter_and_count(replace(filters, q=""), columns, columns.live, with_facets=False)
        years, regions = columns.years, columns.regions
        kept = [d for d in kept if years[d]]  # a plan of unknown year has no place on a time axis
        plans, chars, region_plans, region_chars = Counter(), Counter(), Counter(), Counter()
        for docnum in kept:
            year, size = years[docnum], plan_chars(columns, docnum)
            plans[year] += 1
            chars[year] += size
            if regions[docnum]:
                region_plans[regions[docnum], year] += 1
                region_chars[regions[docnum], year] += size
        return _Totals(frozenset(kept), plans, chars, region_plans, region_chars)

    return snapshot.memo(("trends.totals", filter_key(filters)), compute)


def term_trend(
    snapshot, term: str, filters: SearchParams, region_order: Mapping[str, int] | None = None
) -> TermTrend:
    """The figures of one term under the filters (see the module docstring), memoised per generation: a
    repeated request, or the same term beside other terms, costs a look-up (the figures are never changed
    after they are built)."""
    key = _term_key(term, filters, region_order)
    return snapshot.memo(key, lambda: _term_trend(snapshot, term, filters, region_order), weight=_figures)


def _term_key(term: str, filters: SearchParams, region_order: Mapping[str, int] | None) -> tuple:
    return ("trends.term", term, filter_key(filters), tuple(sorted((region_order or {}).items())))


def _figures(trend: TermTrend) -> int:
    """What a term's figures weigh in the memo: one per year, overall and in each region."""
    return len(trend.years) * (1 + len(trend.regions))


def _term_trend(
    snapshot, term: str, filters: SearchParams, region_order: Mapping[str, int] | None
) -> TermTrend:
    totals = _totals(snapshot, filters)
    columns = snapshot.columns
    parsed = parse_query(term)
    strings = query_strings(parsed)
    matched = matching_docs(snapshot, parsed) & totals.kept
    counts = [string_counts(snapshot, s) for s in strings]
    years, regions = columns.years, columns.regions
    plans, occurrences, region_plans, region_occurrences = Counter(), Counter(), Counter(), Counter()
    for docnum in matched:
        found = sum(c.get(docnum, 0) for c in counts)
        year, region = years[docnum], regions[docnum]
        plans[year] += 1
        occurrences[year] += found
        if region:
            region_plans[region, year] += 1
            region_occurrences[region, year] += found
    all_years = sorted(totals.plans)
    series = [YearFigures(y, plans[y], totals.plans[y], occurrences[y], totals.chars[y]) for y in all_years]
    region_trends = []
    for region in {r for r, _y in totals.region_plans}:
        figures = [
            YearFigures(
                y,
                region_plans[region, y],
                totals.region_plans.get((region, y), 0),
                region_occurrences[region, y],
                totals.region_chars.get((region, y), 0),
            )
            for y in all_years
        ]
        mentioned = [f for f in figures if f.plans]
        peak = max(mentioned, key=lambda f: (f.per_10k_chars, -f.year)) if mentioned else None
        region_trends.append(
            RegionTrend(
                region=region,
                first_year=mentioned[0].year if mentioned else None,
                last_year=mentioned[-1].year if mentioned else None,
                peak_year=peak.year if peak else None,
                years=figures,
            )
        )
    order = region_order or {}
    region_trends.sort(
        key=lambda r: (r.first_year is None, r.first_year or 0, order.get(r.region, 999), r.region)
    )
    return TermTrend(term=term, query=parsed.text, strings=strings, years=series, regions=region_trends)


def trends(
    terms: Sequence[str], filters: SearchParams, region_order: Mapping[str, int] | None = None
) -> Trends:
    """The figures of up to MAX_TERMS terms under the filters, all from one index generation."""
    from plans.search.engine import _opened

    notices: list[str] = []
    kept_terms = list(dict.fromkeys(t for t in terms if t))[:MAX_TERMS]
    with _opened() as (snapshot, trouble):
        if snapshot is None:
            return Trends(terms=kept_terms, years=[], series=[], notices=[trouble])
        new_terms = [t for t in kept_terms if not snapshot.remembers(_term_key(t, filters, region_order))]
        prefetch_counts(snapshot, [s for t in new_terms for s in query_strings(parse_query(t))])
        series = []
        for term in kept_terms:
            trend = term_trend(snapshot, term, filters, region_order)
            for notice in parse_query(term).notices:
                notices.append(_("“%(term)s”：%(notice)s") % {"term": term, "notice": notice})
            if not trend.strings:
                notices.append(_("“%(term)s”没有可以计数的检索词，出现次数均为 0。") % {"term": term})
            series.append(trend)
        years = sorted(_totals(snapshot, filters).plans)
    return Trends(terms=kept_terms, years=years, series=series, notices=notices)
