"""SVG charts drawn on the server (no JavaScript): line charts by year and a region × year heat map.

Each chart is one <svg> with a <title> and <desc>; every point and cell is an SVG link (<a href>) whose own
<title> names it, so a screen reader reads "湖北 2017: …" and a keyboard can reach it. Colours and line
styles come from classes in static/css/site.css (a strict Content-Security-Policy allows no style=). The
pages also give every figure as a table.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 260
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 56, 20, 16, 34
GRID_LINES = 4
MAX_YEAR_LABELS = 12
HEAT_LEVELS = 4
_escape = html.escape  # what django.utils.html.escape does (& < > " ' as entities), without its lazy wrapper
CELL_W, CELL_H, LABEL_W, HEAD_H = 34, 22, 72, 26


@dataclass(frozen=True)
class Point:
    year: int
    value: float
    url: str | None  # None: nothing to link to (no plan in that year)
    label: str  # the point's accessible name, e.g. "科技金融 2017：占 12.5%"


@dataclass(frozen=True)
class Line:
    label: str
    points: Sequence[Point]


@dataclass(frozen=True)
class Cell:
    year: int
    value: float  # what the shading shows (per 10,000 characters)
    url: str | None
    label: str
    has_plans: bool  # a plan of that region and year exists under the filters
    first: bool  # the region's first-mention year


@dataclass(frozen=True)
class HeatRow:
    region: str
    cells: Sequence[Cell]


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k at or above `value` (an axis maximum with round labels)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power + 1e-12:
            return step * power
    return 10 * power


def _f(value: float) -> str:
    return f"{value:.1f}"


def _number(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.3g}"


def _x_positions(years: Sequence[int]) -> dict[int, float]:
    plot = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    if len(years) <= 1:
        return {year: MARGIN_LEFT + plot / 2 for year in years}
    low, high = min(years), max(years)
    return {year: MARGIN_LEFT + plot * (year - low) / (high - low) for year in years}


def line_chart(
    chart_id: str,
    title: str,
    description: str,
    years: Sequence[int],
    lines: Sequence[Line],
    *,
    value_format: Callable[[float], str] = _number,
    maximum: float | None = None,
    first_series: int = 0,
) -> SafeString:
    """A line per series over the years; every point a link. `maximum` fixes the top of the y axis;
    `first_series` picks the style of the first line (a term's own chart keeps the term's style)."""
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    top = maximum or nice_ceiling(max((p.value for line in lines for p in line.points), default=0))
    xs = _x_positions(years)

    def y_of(value: float) -> float:
        return MARGIN_TOP + plot_h * (1 - value / top)

    parts = [
        format_html(
            '<svg class="chart" id="{}" viewBox="0 0 {} {}" aria-labelledby="{}-title {}-desc" role="group">'
            '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>',
            chart_id,
            WIDTH,
            HEIGHT,
            chart_id,
            chart_id,
            chart_id,
            title,
            chart_id,
            description,
        )
    ]
    for step in range(GRID_LINES + 1):
        value = top * step / GRID_LINES
        y = y_of(value)
        parts.append(
            format_html(
                '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"></line>'
                '<text class="axis-label" x="{}" y="{}" text-anchor="end" aria-hidden="true">{}</text>',
                MARGIN_LEFT,
                WIDTH - MARGIN_RIGHT,
                _f(y),
                _f(y),
                MARGIN_LEFT - 6,
                _f(y + 4),
                value_format(value),
            )
        )
    every = max(1, math.ceil(len(years) / MAX_YEAR_LABELS))
    for index, year in enumerate(years):
        if index % every == 0 or index == len(years) - 1:
            parts.append(
                format_html(
                    '<text class="axis-label" x="{}" y="{}" text-anchor="middle" aria-hidden="true">{}</text>',
                    _f(xs[year]),
                    HEIGHT - MARGIN_BOTTOM + 18,
                    year,
                )
            )
    for index, line in enumerate(lines):
        series = f"series-{(first_series + index) % 5}"
        coordinates = " ".join(f"{xs[p.year]:.1f},{y_of(p.value):.1f}" for p in line.points if p.year in xs)
        parts.append(format_html('<polyline class="line {}" points="{}"></polyline>', series, coordinates))
        for point in line.points:
            if point.year not in xs:
                continue
            dot = format_html(
                '<circle class="point {}" cx="{}" cy="{}" r="4.5"></circle>',
                series,
                _f(xs[point.year]),
                _f(y_of(point.value)),
            )
            if point.url:
                parts.append(format_html('<a href="{}"><title>{}</title>{}</a>', point.url, point.label, dot))
            else:
                parts.append(format_html("<g><title>{}</title>{}</g>", point.label, dot))
    parts.append(mark_safe("</svg>"))  # noqa: S308 (a constant)
    return mark_safe("".join(parts))  # noqa: S308 (every part is format_html output)


def heat_level(value: float, peak: float) -> int:
    """0 for nothing, else 1..HEAT_LEVELS by the value's share of the peak."""
    if value <= 0 or peak <= 0:
        return 0
    return max(1, min(HEAT_LEVELS, math.ceil(HEAT_LEVELS * value / peak)))


def heat_map(
    chart_id: str, title: str, description: str, years: Sequence[int], rows: Sequence[HeatRow]
) -> SafeString:
    """Regions down, years across, each cell shaded by its value; a ring marks each region's first mention."""
    peak = max((c.value for row in rows for c in row.cells), default=0)
    width = LABEL_W + CELL_W * len(years) + 4
    height = HEAD_H + CELL_H * len(rows) + 4
    every = max(1, math.ceil(len(years) / MAX_YEAR_LABELS * 1.5))
    parts = [
        format_html(
            '<svg class="heatmap" id="{}" viewBox="0 0 {} {}" width="{}" height="{}" '
            'aria-labelledby="{}-title {}-desc" role="group"><title id="{}-title">{}</title><desc id="{}-desc">{}</desc>',
            chart_id,
            width,
            height,
            width,
            height,
            chart_id,
            chart_id,
            chart_id,
            title,
            chart_id,
            description,
        )
    ]
    for index, year in enumerate(years):
        if index % every == 0 or index == len(years) - 1:
            parts.append(
                format_html(
                    '<text class="axis-label" x="{}" y="{}" text-anchor="middle" aria-hidden="true">{}</text>',
                    LABEL_W + CELL_W * index + CELL_W // 2,
                    HEAD_H - 8,
                    year,
                )
            )
    # The cells are the bulk of the page (regions × years for each term): plain f-strings, escaping only the
    # strings (numbers need none), give the same markup as format_html at a fraction of its cost.
    radius = CELL_H // 2 - 4
    for row_index, row in enumerate(rows):
        y = HEAD_H + CELL_H * row_index
        parts.append(
            format_html(
                '<text class="axis-label" x="{}" y="{}" text-anchor="end" aria-hidden="true">{}</text>',
                LABEL_W - 6,
                y + CELL_H - 7,
                row.region,
            )
        )
        for col_index, cell in enumerate(row.cells):
            x = LABEL_W + CELL_W * col_index
            level = f"heat-{heat_level(cell.value, peak)}" if cell.has_plans else "no-plans"
            shape = (
                f'<rect class="cell {level}" x="{x + 1}" y="{y + 1}" width="{CELL_W - 2}" '
                f'height="{CELL_H - 2}"></rect>'
            )
            if cell.first:
                shape += (
                    f'<circle class="first-mark" cx="{x + CELL_W // 2}" cy="{y + CELL_H // 2}" '
                    f'r="{radius}"></circle>'
                )
            if cell.url:
                parts.append(f'<a href="{_escape(cell.url)}"><title>{_escape(cell.label)}</title>{shape}</a>')
            else:
                parts.append(f"<g><title>{_escape(cell.label)}</title>{shape}</g>")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (format_html output, constants and escaped strings)


def legend(labels: Sequence[str]) -> SafeString:
    """The series' names with their line style (an HTML list, for people and screen readers alike)."""
    return format_html_join(
        "",
        '<li><span class="swatch series-{}" aria-hidden="true"></span>{}</li>',
        ((index % 5, label) for index, label in enumerate(labels)),
    )
