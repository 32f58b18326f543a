"""Peer (a): what a Django developer writes first: `icontains` per word, facet counts by aggregation.

Exact by construction (it is the substring truth in SQL), but it scans every row on every search.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.html import escape

from plans.benchmark.measure import Outcome
from plans.benchmark.queries import BenchQuery
from plans.benchmark.truth import query_terms
from plans.models import Plan

SNIPPET_CHARS = 120


def naive_snippet(text: str, terms: list[str]) -> str:
    """About 120 characters around the first occurrence of the first term found, terms wrapped in <mark>."""
    lowered = text.lower()
    first = min((i for i in (lowered.find(t) for t in terms) if i >= 0), default=0)
    start = max(0, first - SNIPPET_CHARS // 3)
    window = escape(text[start : start + SNIPPET_CHARS])
    for term in terms:
        window = window.replace(escape(term), f"<mark>{escape(term)}</mark>")
    return window


class IcontainsPeer:
    """The first thing a Django developer writes, on the process's default database."""

    def __init__(self, vendor: str) -> None:
        self.name = f"icontains-{vendor}"

    def _queryset(self, query: BenchQuery):
        queryset = Plan.objects.all()
        for term in query_terms(query.q):
            queryset = queryset.filter(Q(title__icontains=term) | Q(text__icontains=term))
        if query.regions:
            queryset = queryset.filter(region__name__in=query.regions)
        if query.years:
            queryset = queryset.filter(year__in=query.years)
        if query.year_from:
            queryset = queryset.filter(year__gte=query.year_from)
        return queryset

    def run(self, query: BenchQuery) -> Outcome:
        queryset = self._queryset(query)
        terms = query_terms(query.q)
        count = queryset.count()
        top = list(queryset.select_related("region").order_by("-year", "id")[:10])
        for plan in top:
            naive_snippet(plan.text, terms)
        list(queryset.order_by().values("region__name").annotate(n=Count("id")).order_by("-n"))
        list(queryset.order_by().values("year").annotate(n=Count("id")).order_by("-year"))
        return Outcome(count, [plan.id for plan in top])

    def all_ids(self, query: BenchQuery) -> set[int]:
        return set(self._queryset(query).values_list("id", flat=True))
