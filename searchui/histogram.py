"""The year histogram of a result set, laid out on the server as data for an inline SVG.

Each bar links to the results filtered to its year. No JavaScript and no style attributes: the template
draws rects at the coordinates computed here and the stylesheet colours them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from plans.search.types import FacetValue, SearchParams
from searchui import links

WIDTH = 640
HEIGHT = 150
TOP_MARGIN = 18  # room for the count above the tallest bar
BOTTOM_MARGIN = 22  # room for the year labels
MAX_LABELS = 12
MAX_GAP_FILL = 60  # wider spans show only the years that have plans


@dataclass(frozen=True)
class Bar:
    year: int
    count: int
    url: str | None  # None for an empty year: nothing to filter to
    selected: bool
    x: float
    y: float
    width: float
    height: float
    center: float
    count_y: float  # where the count sits, just above the bar
    slot_x: float  # the whole column is clickable, not only the (maybe tiny) bar
    slot_width: float
    show_label: bool


@dataclass(frozen=True)
class Histogram:
    bars: list[Bar]
    width: int
    height: int
    baseline: float
    label_y: float
    max_count: int
    show_counts: bool


def year_histogram(
    year_facet: Sequence[FacetValue], params: SearchParams, *, width: int = WIDTH, height: int = HEIGHT
) -> Histogram | None:
    """Bars for the years of the result set (empty years inside the span included); None when no plan
    of the result set has a year."""
    counts = {int(fv.value): fv.count for fv in year_facet if fv.value.isdigit() and fv.count > 0}
    if not counts:
        return None
    first, last = min(counts), max(counts)
    years = list(range(first, last + 1)) if last - first <= MAX_GAP_FILL else sorted(counts)
    max_count = max(counts.values())
    slot = width / len(years)
    bar_width = max(slot * 0.72, 1.0)
    baseline = height - BOTTOM_MARGIN
    usable = baseline - TOP_MARGIN
    label_every = math.ceil(len(years) / MAX_LABELS)
    bars = []
    for i, year in enumerate(years):
        count = counts.get(year, 0)
        bar_height = usable * count / max_count if count else 0.0
        if count:
            bar_height = max(bar_height, 2.0)  # a single plan among hundreds stays visible
        x = i * slot + (slot - bar_width) / 2
        bars.append(
            Bar(
                year=year,
                count=count,
                url=links.search_url(links.only_value(params, "year", year)) if count else None,
                selected=year in params.years,
                x=round(x, 2),
                y=round(baseline - bar_height, 2),
                width=round(bar_width, 2),
                height=round(bar_height, 2),
                center=round(i * slot + slot / 2, 2),
                count_y=round(baseline - bar_height - 4, 2),
                slot_x=round(i * slot, 2),
                slot_width=round(slot, 2),
                show_label=i % label_every == 0,
            )
        )
    return Histogram(
        bars=bars,
        width=width,
        height=height,
        baseline=baseline,
        label_y=height - 6,
        max_count=max_count,
        show_counts=len(years) <= 24,
    )
