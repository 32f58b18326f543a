"""/trends/ and /kwic/: parse (searchui.analysis), compute (plans.search), answer in HTML, JSON or CSV.

The figures come from plans.search.trends and plans.search.kwic; this module only lays them out: charts
(searchui.charts), tables, links to /search/ for every point and cell, and the CSV of each page.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode

from django.core.handlers.wsgi import get_bytes_from_wsgi
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from plans import search as engine
from plans import selectors
from plans.search.kwic import DEFAULT_WIDTH, MAX_WIDTH, KwicLine, KwicPage
from plans.search.trends import MAX_TERMS, TermTrend, Trends, YearFigures
from plans.search.types import SearchParams
from searchui import analysis, charts, export, links
from searchui.pages import pagination
from searchui.params import MAX_PAGE_SIZE, vocabulary

JSON_OPTIONS = {"ensure_ascii": False}
GRID_STEPS = charts.GRID_LINES
KWIC_CSV_MAX_LINES = 50_000
KWIC_COLUMNS = ("plan_id", "title", "region", "year", "section", "anchor", "left", "match", "right", "url")
TRENDS_CSV_COLUMNS = (
    "term",
    "region",
    "year",
    "plans",
    "total_plans",
    "share",
    "occurrences",
    "per_10k_chars",
    "first_year",
    "last_year",
    "peak_year",
)


def _raw_pairs(request: HttpRequest) -> list[tuple[str, str]]:
    raw_query = get_bytes_from_wsgi(request.META, "QUERY_STRING", "").decode("utf-8", "replace")
    return parse_qsl(raw_query, keep_blank_values=True)


def _filter_chips(filters: SearchParams, url_for) -> list[dict]:
    from searchui.views import _filter_summary

    return _filter_summary(filters, url_for=url_for)


# --- /trends/ ------------------------------------------------------------------------------------------


def _search_state(term: str, filters: SearchParams, region: str | None = None, year: int | None = None):
    state = dataclasses.replace(filters, q=term)
    if region:
        state = links.only_value(state, "region", region)
    if year:
        state = links.only_value(state, "year", year)
    return links.normalized(state)


_SLOT_REGION, _SLOT_YEAR = "\x00region", -1  # placeholders no parsed state holds (a value is never NUL)


class TermLinks:
    """The /search/ URLs of one term under the filters: the term alone, one year, one region in one year.

    Each is exactly links.search_url(_search_state(term, filters, region, year)), but the canonical pairs
    are worked out once per term (with placeholders for the region and the year) and every URL is then
    one string join: a term's page links ~650 points and cells, and a state change plus urlencode for
    each was most of the page's cost.
    """

    def __init__(self, term: str, filters: SearchParams):
        self.term, self.filters = term, filters
        self.prefix = links.path_of("searchui:search") + "?"
        self.whole = links.search_url(_search_state(term, filters))
        self._year = self._template(_search_state(term, filters, year=_SLOT_YEAR))
        self._cell = self._template(_search_state(term, filters, region=_SLOT_REGION, year=_SLOT_YEAR))
        self._regions: dict[str, str] = {}

    @staticmethod
    def _template(state: SearchParams) -> list[str]:
        """The encoded pairs of a state, its placeholder pairs left as "{region}" / "{year}" slots."""
        slots = {("region", _SLOT_REGION): "{region}", ("year", str(_SLOT_YEAR)): "{year}"}
        return [slots.get(pair) or urlencode([pair]) for pair in links.query_pairs(state)]

    def _fill(self, template: list[str], region: str | None, year: int) -> str:
        parts = []
        for part in template:
            if part == "{year}":
                part = f"year={int(year)}"
            elif part == "{region}":
                part = self._regions.get(region) or self._regions.setdefault(
                    region, urlencode([("region", region)])
                )
            parts.append(part)
        return self.prefix + "&".join(parts)

    def year(self, year: int) -> str:
        return self._fill(self._year, None, year)

    def cell(self, region: str, year: int) -> str:
        return self._fill(self._cell, region, year)


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _year_json(figures: YearFigures, *, overall: bool) -> dict:
    data = {"year": figures.year, "plans": figures.plans, "total_plans": figures.total_plans}
    if overall:
        data["share"] = figures.share
    data.update({"occurrences": figures.occurrences, "per_10k_chars": figures.per_10k_chars})
    return data


def trends_json(result: Trends, notices: list[str]) -> dict:
    """The JSON answer of /trends/ (README: the URL contract; fields may be added, never renamed)."""
    return {
        "terms": list(result.terms),
        "years": list(result.years),
        "series": [
            {
                "term": series.term,
                "query": series.query,
                "years": [_year_json(f, overall=True) for f in series.years],
                "regions": [
                    {
                        "region": region.region,
                        "first_year": region.first_year,
                        "last_year": region.last_year,
                        "peak_year": region.peak_year,
                        "years": [_year_json(f, overall=False) for f in region.years],
                    }
                    for region in series.regions
                ],
            }
            for series in result.series
        ],
        "notices": notices,
    }


def _trends_csv_rows(result: Trends) -> Iterator[list]:
    for series in result.series:
        for region in series.regions:
            for figures in region.years:
                yield [
                    series.term,
                    region.region,
                    figures.year,
                    figures.plans,
                    figures.total_plans,
                    figures.share,
                    figures.occurrences,
                    figures.per_10k_chars,
                    region.first_year,
                    region.last_year,
                    region.peak_year,
                ]


def _series_charts(result: Trends, term_links: dict[str, TermLinks]) -> dict:
    """The two line charts (share, per 10,000 characters) with one line per term."""
    point_label = _("%(term)s %(year)d年：%(value)s（%(plans)d/%(total)d 份文件）")
    rate_label = _("每万字 %(n)s 次")

    def line(series: TermTrend, value, shown) -> charts.Line:
        urls = term_links[series.term]
        return charts.Line(
            series.term,
            [
                charts.Point(
                    f.year,
                    value(f),
                    urls.year(f.year) if f.total_plans else None,
                    point_label
                    % {
                        "term": series.term,
                        "year": f.year,
                        "value": shown(f),
                        "plans": f.plans,
                        "total": f.total_plans,
                    },
                )
                for f in series.years
            ],
        )

    share_lines = [line(s, lambda f: f.share, lambda f: _percent(f.share)) for s in result.series]
    rate_lines = [
        line(s, lambda f: f.per_10k_chars, lambda f: rate_label % {"n": f.per_10k_chars})
        for s in result.series
    ]
    peak_share = max((p.value for ln in share_lines for p in ln.points), default=0)
    return {
        "share": charts.line_chart(
            "chart-share",
            _("提及该词的文件占当年文件的比例"),
            _("按年份的折线图，每个词一条线；数据见下方表格。"),
            result.years,
            share_lines,
            value_format=lambda v: f"{v * 100:.0f}%",
            maximum=min(1.0, charts.nice_ceiling(peak_share)) if peak_share else 1.0,
        ),
        "rate": charts.line_chart(
            "chart-rate",
            _("每万字出现次数"),
            _("按年份的折线图，每个词一条线；数据见下方表格。"),
            result.years,
            rate_lines,
        ),
    }


def _adoption(series: TermTrend, urls: TermLinks, index: int) -> dict:
    """The adoption curve of one term and its regions in order of first mention."""
    curve = series.adoption
    regions = [r for r in series.regions if r.first_year is not None]
    point_label = _("%(term)s %(year)d年：累计 %(n)d 个地区提及")
    points = [
        charts.Point(
            year,
            count,
            urls.year(year),
            point_label % {"term": series.term, "year": year, "n": count},
        )
        for year, count in curve
    ]
    total_regions = len(series.regions)
    chart = charts.line_chart(
        f"chart-adoption-{index}",
        _("“%(term)s”的扩散：累计提及的地区数") % {"term": series.term},
        _("按年份的累计地区数；各地区首次提及的年份见旁边的列表。"),
        [y for y, _n in curve],
        [charts.Line(series.term, points)],
        maximum=float(
            GRID_STEPS * math.ceil(max(total_regions, 1) / GRID_STEPS)
        ),  # whole regions on the grid
        value_format=lambda v: f"{v:.0f}",
        first_series=index,
    )
    firsts = [
        {"region": r.region, "year": r.first_year, "url": urls.cell(r.region, r.first_year)} for r in regions
    ]
    return {
        "chart": chart,
        "firsts": firsts,
        "never": [r.region for r in series.regions if r.first_year is None],
    }


def _heat(series: TermTrend, years: list[int], urls: TermLinks, index: int):
    cell_label = _("%(region)s %(year)d年：每万字 %(rate)s 次，%(plans)d/%(total)d 份文件提及")
    first_suffix = _("（首次提及）")
    empty_label = _("%(region)s %(year)d年：没有文件")
    rows = []
    for region in series.regions:
        cells = []
        for f in region.years:
            first = f.year == region.first_year
            if not f.total_plans:
                label = empty_label % {"region": region.region, "year": f.year}
            else:
                label = cell_label % {
                    "region": region.region,
                    "year": f.year,
                    "rate": f.per_10k_chars,
                    "plans": f.plans,
                    "total": f.total_plans,
                }
                if first:
                    label += first_suffix
            url = urls.cell(region.region, f.year) if f.total_plans else None
            cells.append(charts.Cell(f.year, f.per_10k_chars, url, label, bool(f.total_plans), first))
        rows.append(charts.HeatRow(region.region, cells))
    return charts.heat_map(
        f"heatmap-{index}",
        _("“%(term)s”：各地区各年每万字出现次数") % {"term": series.term},
        _("颜色越深，每万字出现越多；圆圈标出各地区首次提及的年份。数据见下方表格。"),
        years,
        rows,
    )


def _region_rows(series: TermTrend) -> list[dict]:
    """The region table's rows, each row's year cells joined here: ~620 cells a term were the template's
    largest loop (a value is shown as the template shows it: formats.localize)."""
    shown: dict[float, str] = {}

    def value(f: YearFigures) -> str:
        if not f.total_plans:
            return "<td>—</td>"
        rate = f.per_10k_chars
        text = shown.get(rate)
        if text is None:
            text = shown[rate] = f"<td>{escape(formats.localize(rate))}</td>"
        return text

    return [
        {"region": region, "cells": mark_safe("".join(value(f) for f in region.years))}  # noqa: S308
        for region in series.regions
    ]


def _term_form_values(terms: tuple[str, ...]) -> list[str]:
    """The term inputs of the form: the current terms, then one empty box while fewer than the maximum."""
    values = list(terms)
    if len(values) < MAX_TERMS:
        values.append("")
    return values


def trends(request: HttpRequest) -> HttpResponse:
    parsed = analysis.parse_trends(request.GET, vocabulary())
    if parsed.format == "html" and not parsed.notices:
        canonical = analysis.trends_pairs(parsed.terms, parsed.filters)
        if not analysis.is_canonical(_raw_pairs(request), analysis.TRENDS_PARAMS, canonical):
            return redirect(analysis.trends_url(parsed.terms, parsed.filters))
    region_order = selectors.region_order()
    if parsed.terms:
        result = engine.trends(parsed.terms, parsed.filters, region_order)
    else:
        result = Trends(terms=[], years=[], series=[])
    notices = [*parsed.notices, *result.notices]
    if parsed.format == "json":
        return JsonResponse(trends_json(result, notices), json_dumps_params=JSON_OPTIONS)
    if parsed.format == "csv":
        lines = export.csv_stream(TRENDS_CSV_COLUMNS, _trends_csv_rows(result))
        response = StreamingHttpResponse(
            (line.encode("utf-8") for line in lines), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="policy-search-trends.csv"'
        return response
    filters = parsed.filters
    term_links = {series.term: TermLinks(series.term, filters) for series in result.series}
    context = {
        "terms": parsed.terms,
        "term_inputs": _term_form_values(parsed.terms),
        "max_terms": MAX_TERMS,
        "filters": filters,
        "filter_pairs": links.query_pairs(filters),
        "result": result,
        "notices": notices,
        "has_data": bool(result.series and result.years),
        "charts": _series_charts(result, term_links) if result.series and result.years else None,
        "legend": charts.legend([s.term for s in result.series]),
        "per_term": [
            {
                "series": series,
                "index": index,
                "series_class": f"series-{index % 5}",
                "search_url": term_links[series.term].whole,
                "kwic_url": analysis.kwic_url(_search_state(series.term, filters)),
                "adoption": _adoption(series, term_links[series.term], index),
                "heat": _heat(series, result.years, term_links[series.term], index)
                if series.regions
                else None,
                "year_rows": [
                    {"figures": f, "share": _percent(f.share), "url": term_links[series.term].year(f.year)}
                    for f in series.years
                ],
                "region_rows": _region_rows(series),
            }
            for index, series in enumerate(result.series)
        ],
        "filter_chips": _filter_chips(filters, lambda p: analysis.trends_url(parsed.terms, p)),
        "clear_all_url": analysis.trends_url(parsed.terms, links.clear_filters(filters))
        if links.has_filters(filters)
        else None,
        "canonical_url": analysis.trends_url(parsed.terms, filters),
        "json_url": analysis.trends_url(parsed.terms, filters, format="json"),
        "csv_url": analysis.trends_url(parsed.terms, filters, format="csv"),
    }
    return render(request, "searchui/trends.html", context)


# --- /kwic/ --------------------------------------------------------------------------------------------


def _line_url(line: KwicLine, q: str) -> str:
    return links.plan_url(line.plan_id, q=q, anchor=line.anchor)


def _line_urls(q: str, absolute):
    """line -> its absolute URL, each (plan, section) built once: a 50,000-line CSV holds far fewer."""
    built: dict[tuple[int, str], str] = {}

    def url(line: KwicLine) -> str:
        key = (line.plan_id, line.anchor)
        found = built.get(key)
        if found is None:
            found = built[key] = absolute(_line_url(line, q))
        return found

    return url


def _line_json(line: KwicLine, url) -> dict:
    return {
        "plan_id": line.plan_id,
        "title": line.title,
        "region": line.region or None,
        "year": line.year or None,
        "section": line.section,
        "anchor": line.anchor,
        "left": line.left,
        "match": line.match,
        "right": line.right,
        "url": url(line),
    }


def _kwic_csv(request: HttpRequest, parsed: analysis.KwicRequest) -> StreamingHttpResponse:
    absolute = request.build_absolute_uri
    params = parsed.params
    region_order = selectors.region_order()

    def rows() -> Iterator[list]:
        url = _line_urls(params.q, absolute)
        for line in engine.kwic_lines(
            params.q,
            params,
            sort=parsed.sort,
            width=parsed.width,
            limit=KWIC_CSV_MAX_LINES,
            region_order=region_order,
        ):
            item = _line_json(line, url)
            yield [item[name] for name in KWIC_COLUMNS]

    lines = export.csv_stream(KWIC_COLUMNS, rows())
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in lines), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="policy-search-kwic.csv"'
    return response


def _run_kwic(parsed: analysis.KwicRequest, notices: list[str]) -> tuple[KwicPage, SearchParams]:
    params = parsed.params
    region_order = selectors.region_order()

    def run(state: SearchParams) -> KwicPage:
        return engine.kwic(
            state.q,
            state,
            sort=parsed.sort,
            width=parsed.width,
            page=state.page,
            page_size=state.page_size,
            region_order=region_order,
        )

    result = run(params)
    if params.page > 1 and params.page > result.pages:
        notices.append(
            _("第 %(page)d 页不存在（共 %(pages)d 页），已显示第 1 页。")
            % {"page": params.page, "pages": result.pages}
        )
        params = links.with_page(params, 1)
        result = run(params)
    return result, params


def kwic(request: HttpRequest) -> HttpResponse:
    parsed = analysis.parse_kwic(request.GET, vocabulary())
    if parsed.format == "csv":
        return _kwic_csv(request, parsed)
    if parsed.format == "html" and not parsed.notices:
        canonical = analysis.kwic_pairs(parsed.params, parsed.sort, parsed.width)
        if not analysis.is_canonical(_raw_pairs(request), analysis.KWIC_PARAMS, canonical):
            return redirect(analysis.kwic_url(parsed.params, parsed.sort, parsed.width))
    notices = list(parsed.notices)
    result, params = _run_kwic(parsed, notices)
    notices.extend(n for n in result.notices if n not in notices)

    def url_for(state: SearchParams, format: str | None = None) -> str:
        return analysis.kwic_url(state, parsed.sort, parsed.width, format=format)

    pages = pagination(params, result.page, result.pages, url_for=url_for)
    if parsed.format == "json":
        absolute = request.build_absolute_uri
        line_url = _line_urls(params.q, absolute)
        data = {
            "query": result.query,
            "count": result.count,
            "page": result.page,
            "pages": result.pages,
            "page_size": result.page_size,
            "plans": result.plans,
            "sort": parsed.sort,
            "width": parsed.width,
            "url": absolute(url_for(params)),
            "next": absolute(pages.next_json) if pages.next_json else None,
            "previous": absolute(pages.previous_json) if pages.previous_json else None,
            "results": [_line_json(line, line_url) for line in result.lines],
            "notices": notices,
        }
        return JsonResponse(data, json_dumps_params=JSON_OPTIONS)
    pairs = analysis.kwic_pairs(params, parsed.sort, parsed.width)
    sort_labels = {
        "-date": _("最新发布"),
        "date": _("最早发布"),
        "region": _("按地区"),
        "left": _("按左侧语境"),
        "right": _("按右侧语境"),
    }
    context = {
        "params": params,
        "sort": parsed.sort,
        "width": parsed.width,
        "max_width": MAX_WIDTH,
        "default_width": DEFAULT_WIDTH,
        "result": result,
        "notices": notices,
        "lines": [{"line": line, "url": _line_url(line, params.q)} for line in result.lines],
        "lines_start": (result.page - 1) * result.page_size + 1,
        "pagination": pages,
        "sort_options": [
            {"value": value, "label": label, "selected": value == parsed.sort}
            for value, label in sort_labels.items()
        ],
        # Hidden inputs carrying the filters (and page size) through the form; the form sets q, sort, width.
        "form_pairs": [(k, v) for k, v in pairs if k not in {"q", "sort", "width", "page"}],
        "filter_chips": _filter_chips(params, lambda p: analysis.kwic_url(p, parsed.sort, parsed.width)),
        "clear_all_url": analysis.kwic_url(links.clear_filters(params), parsed.sort, parsed.width)
        if links.has_filters(params)
        else None,
        "canonical_url": url_for(params),
        "results_url": links.search_url(links.with_page(params, 1)),
        "trends_url": analysis.trends_url_for_search(params),
        "json_url": url_for(params, "json"),
        "csv_url": url_for(links.with_page(params, 1), "csv"),
        "csv_max": KWIC_CSV_MAX_LINES,
        "max_page_size": MAX_PAGE_SIZE,
    }
    return render(request, "searchui/kwic.html", context)
