"""Thin views: parse the request, call plans.search and plans.selectors, render (HTML, JSON or CSV).

Views never import the engine's libraries, only the public API of plans.search.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from functools import partial
from urllib.parse import parse_qsl

from django.core.handlers.wsgi import get_bytes_from_wsgi
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import citations, feeds
from accounts import pages as account_pages
from plans import search as engine
from plans import selectors
from plans.ingest.themes import PLAN_MIN_PROMINENCE, PLAN_MIN_SHARE, PLAN_MIN_WEIGHT
from plans.models import Plan
from plans.search.limits import EXPORT_MAX_ROWS
from plans.search.registry import FACETS
from plans.search.types import SearchParams, SearchResult
from searchui import analysis, export, links, relations
from searchui.compare import compare_matrix
from searchui.facets import build_facets, facet_titles, level_label
from searchui.histogram import year_histogram
from searchui.pages import hit_views, pagination
from searchui.params import (
    MAX_PAGE_SIZE,
    MAX_QUERY_LENGTH,
    ParsedSearch,
    clean_text,
    parse_search,
    vocabulary,
)
from searchui.plantext import plain, text_blocks

log = logging.getLogger(__name__)

RELATED_PLANS = 5
PLAN_OCCURRENCE_WIDTH = 16  # context either side in the plan page's list of occurrences
JSON_OPTIONS = {"ensure_ascii": False}


def _parse(request: HttpRequest) -> ParsedSearch:
    return parse_search(request.GET, vocabulary())


def _absolute(request: HttpRequest):
    return request.build_absolute_uri


def _run_search(params: SearchParams, notices: list[str]) -> tuple[SearchResult, SearchParams]:
    """Search; a page past the last one is dropped (with a notice) for the first page."""
    result = engine.search(params)
    if params.page > 1 and params.page > result.pages:
        notices.append(
            _("第 %(page)d 页不存在（共 %(pages)d 页），已显示第 1 页。")
            % {"page": params.page, "pages": result.pages}
        )
        params = links.with_page(params, 1)
        result = engine.search(params)
    return result, params


def _filter_summary(params: SearchParams, url_for=links.search_url) -> list[dict]:
    """The active filters as removable chips (links to /search/, or to /compare/ there)."""
    titles = facet_titles()
    chips = []
    for facet, field in links.FACET_FIELD.items():
        for value in getattr(params, field):
            label = level_label(value) if facet == "level" else str(value)
            url = url_for(links.toggle_value(params, facet, value))
            chips.append({"facet": titles[facet], "label": label, "remove_url": url})
    if params.year_from is not None or params.year_to is not None:
        without_range = links.normalized(dataclasses.replace(params, year_from=None, year_to=None, page=1))
        label = f"{params.year_from or '…'}–{params.year_to or '…'}"
        chips.append({"facet": _("年份范围"), "label": label, "remove_url": url_for(without_range)})
    return chips


def _sort_options(params: SearchParams) -> list[dict]:
    labels = {"relevance": _("相关度"), "-date": _("最新发布"), "date": _("最早发布")}
    return [
        {"value": value, "label": label, "selected": params.sort == value} for value, label in labels.items()
    ]


def _answer_context(params: SearchParams, result: SearchResult, notices: list[str]) -> dict:
    """What the JSON answer holds (export.search_json); the page adds its own parts (_results_context)."""
    canonical = links.search_url(params)
    return {
        "params": params,
        "result": result,
        "notices": notices,
        "canonical_url": canonical,
        "hits": hit_views(result.hits, params, canonical),
        "facets": build_facets(result.facets, params, region_order=selectors.region_order()),
        "pagination": pagination(params, result.page, result.pages),
    }


def _results_context(params: SearchParams, result: SearchResult, notices: list[str]) -> dict:
    pairs = links.query_pairs(params)
    return {
        **_answer_context(params, result, notices),
        "hits_start": (result.page - 1) * result.page_size + 1,
        "histogram": year_histogram(result.facets.get("year", []), params),
        "sort_options": _sort_options(params),
        # Hidden inputs that carry the rest of the state through the query and sort forms.
        "query_form_pairs": [(k, v) for k, v in pairs if k not in {"q", "page"}],
        "sort_form_pairs": [(k, v) for k, v in pairs if k not in {"sort", "page"}],
        "range_form_pairs": [(k, v) for k, v in pairs if k not in {"year", "year_from", "year_to", "page"}],
        "filter_chips": _filter_summary(params),
        "clear_all_url": links.search_url(links.clear_filters(params)) if links.has_filters(params) else None,
        "compare_url": links.compare_url(params),
        "trends_url": analysis.trends_url_for_search(params) if params.q else None,
        "kwic_url": analysis.kwic_url_for_search(params) if params.q else None,
        "json_url": links.search_url(params, format="json"),
        "csv_url": links.search_url(links.with_page(params, 1), format="csv"),
    }


def home(request: HttpRequest) -> HttpResponse:
    overview = selectors.facet_overview()

    def linked(facet: str, counts):
        return [
            {
                "label": c.label,
                "count": c.count,
                "url": links.search_url(links.only_value(SearchParams(), facet, c.value)),
            }
            for c in counts
        ]

    context = {
        "overview": overview,
        "facets": [  # the registry's facets; the overview has one count list per SearchParams field
            {
                "name": facet.name,
                "title": facet.label,
                "items": linked(facet.name, getattr(overview, facet.params_field)),
            }
            for facet in FACETS
        ],
        "latest": selectors.latest_plans(10),
    }
    return render(request, "searchui/home.html", context)


def search(request: HttpRequest) -> HttpResponse:
    parsed = _parse(request)
    params = parsed.params
    if parsed.format == "csv":
        return _csv_response(request, params)
    if parsed.format in citations.EXPORT_FORMATS:
        return _citations_response(request, params, parsed.format)
    if parsed.format == "atom":
        return _atom_response(request, params)
    if parsed.format == "html" and not parsed.notices:
        raw_query = get_bytes_from_wsgi(request.META, "QUERY_STRING", "").decode("utf-8", "replace")
        raw_pairs = parse_qsl(raw_query, keep_blank_values=True)
        if not links.is_canonical(raw_pairs, params):
            # One state, one URL: a form submission (q=&sort=…) lands on the canonical address.
            return redirect(links.search_url(params))
    notices = list(parsed.notices)
    result, params = _run_search(params, notices)
    notices.extend(result.notices)
    if parsed.format == "json":
        answer = _answer_context(params, result, notices)
        return JsonResponse(export.search_json(answer, _absolute(request)), json_dumps_params=JSON_OPTIONS)
    context = _results_context(params, result, notices)
    context.update(account_pages.search_tools(request, params, context["canonical_url"]))
    return render(request, "searchui/search.html", context)


def _csv_plans(params: SearchParams) -> Iterator[Plan]:
    """Every plan of the result set, fetched page by page so memory stays flat."""
    state = dataclasses.replace(
        params, page=1, page_size=MAX_PAGE_SIZE, with_facets=False, with_snippets=False
    )
    sent = 0
    while True:
        result = engine.search(state)  # hits come with region and themes loaded
        for hit in result.hits:
            if hit.plan is not None and sent < EXPORT_MAX_ROWS:
                sent += 1
                yield hit.plan
        if state.page >= result.pages or sent >= EXPORT_MAX_ROWS:
            return
        state = dataclasses.replace(state, page=state.page + 1)


def _csv_response(request: HttpRequest, params: SearchParams) -> StreamingHttpResponse:
    rows = export.csv_rows(_csv_plans(params), _absolute(request))
    response = StreamingHttpResponse(
        (row.encode("utf-8") for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="policy-search-results.csv"'
    return response


def _citations_response(request: HttpRequest, params: SearchParams, fmt: str) -> StreamingHttpResponse:
    """The whole result set (at most EXPORT_MAX_ROWS plans) as RIS or BibTeX, for a reference manager."""
    content_type, extension = citations.EXPORT_FORMATS[fmt]
    lines = citations.export_lines(fmt, _csv_plans(params), _absolute(request), timezone.localdate())
    response = StreamingHttpResponse((line.encode("utf-8") for line in lines), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="policy-search-results.{extension}"'
    return response


def _atom_response(request: HttpRequest, params: SearchParams) -> HttpResponse:
    """The Atom feed of a search: its newest plans by date."""
    feed_url = _absolute(request)(links.search_url(links.with_page(params, 1), format="atom"))
    body = feeds.search_feed(
        params, title=feeds.feed_title_of_search(params), feed_url=feed_url, absolute=_absolute(request)
    )
    return HttpResponse(body, content_type=feeds.FEED_CONTENT_TYPE)


def _plan_citation_response(request: HttpRequest, plan: Plan, fmt: str) -> HttpResponse:
    content_type, extension = citations.EXPORT_FORMATS[fmt]
    body = "".join(citations.export_lines(fmt, [plan], _absolute(request), timezone.localdate()))
    response = HttpResponse(body.encode("utf-8"), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="plan-{plan.pk}.{extension}"'
    return response


def _query_terms(q: str) -> list[str]:
    return list(engine.parse_query(q).terms) if q else []


def _percent(fraction: float | None) -> float | None:
    """A share (0-1) as a percentage for the page, one decimal."""
    return None if fraction is None else round(fraction * 100, 1)


def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_for_page(plan_id)
    if plan is None:
        raise Http404(_("没有这份规划文件。"))
    fmt = request.GET.get("format", "").lower()
    if fmt == "json":
        data = export.plan_json(plan, _absolute(request))
        data.update(relations.plan_relations_json(plan, _absolute(request)))
        return JsonResponse(data, json_dumps_params=JSON_OPTIONS)
    if fmt in citations.EXPORT_FORMATS:
        return _plan_citation_response(request, plan, fmt)
    q = clean_text(request.GET.get("q", ""))[:MAX_QUERY_LENGTH]
    terms = _query_terms(q)
    highlight = partial(engine.highlight_html, terms=terms) if terms else plain
    sections = list(plan.sections.all())
    related_to = relations.plan_relations(plan)
    highlight = relations.reuse_highlighter(highlight, related_to["reuse"].by_text())
    back = links.safe_back_url(request.GET.get("back"))
    if back is None and q:
        back = links.search_url(SearchParams(q=q))
    context = {
        "plan": plan,
        "q": q,
        "terms": terms,
        "sections": sections,
        "blocks": text_blocks(plan.text, sections, highlight),
        "themes": [
            {
                "theme": pt.theme,
                "matched": pt.matched,
                "weight": pt.weight,
                "share_percent": _percent(pt.basis.get("share")),
                "average_percent": _percent(pt.basis.get("average_share")),
                "url": links.search_url(SearchParams(themes=(pt.theme.name,))),
            }
            for pt in plan.plan_themes.all()
        ],
        "related": engine.related_plans(plan, limit=RELATED_PLANS),
        "occurrences": engine.plan_occurrences(plan.pk, q, width=PLAN_OCCURRENCE_WIDTH) if terms else [],
        "kwic_url": analysis.kwic_url(SearchParams(q=q)) if terms else None,
        "relations": related_to,
        "back_url": back,
        "json_url": f"{plan.get_absolute_url()}?format=json",
        "region_url": links.search_url(SearchParams(regions=(plan.region.name,))) if plan.region_id else None,
        "year_url": links.search_url(SearchParams(years=(plan.year,))) if plan.year else None,
    }
    context.update(account_pages.plan_tools(request, plan))
    return render(request, "searchui/plan.html", context)


def themes(request: HttpRequest) -> HttpResponse:
    groups = selectors.themes_overview(examples=3)
    thresholds = selectors.theme_thresholds()
    for group in groups:
        for entry in group.themes:
            entry.url = links.search_url(SearchParams(themes=(entry.theme.name,)))
            entry.rule = thresholds.get(entry.theme.name)
            entry.average_percent = _percent(entry.rule.average_share) if entry.rule else None
            entry.threshold_percent = _percent(entry.rule.threshold) if entry.rule else None
    context = {
        "groups": groups,
        "min_weight": PLAN_MIN_WEIGHT,
        "min_share_percent": _percent(PLAN_MIN_SHARE),
        "min_prominence_percent": _percent(PLAN_MIN_PROMINENCE),
    }
    return render(request, "searchui/themes.html", context)


def compare(request: HttpRequest) -> HttpResponse:
    parsed = _parse(request)
    params = links.normalized(dataclasses.replace(parsed.params, page=1))
    region_order = selectors.region_order()
    # With a query, its intensity shades the cells (the region and year selections choose what is shown,
    # as for the counts, so the trend is computed without them).
    free = dataclasses.replace(params, regions=(), years=())
    trend = engine.trends([params.q], free, region_order).series if params.q else []
    matrix = compare_matrix(
        params,
        engine.search,
        engine.cross_counts,
        region_order=region_order,
        trend=trend[0] if trend else None,
    )
    if parsed.format == "json":
        data = {
            "query": params.q,
            "count": matrix.total,
            "years": matrix.years,
            "rows": [
                {
                    "region": row.region,
                    "total": row.total.count,
                    "counts": [cell.count for cell in row.cells],
                    **(
                        {
                            "per_10k_chars": [cell.per_10k_chars for cell in row.cells],
                            "first_year": row.first_year,
                        }
                        if matrix.intensity
                        else {}
                    ),
                }
                for row in matrix.rows
            ],
            "notices": list(parsed.notices),
        }
        return JsonResponse(data, json_dumps_params=JSON_OPTIONS)
    context = {
        "params": params,
        "matrix": matrix,
        "notices": parsed.notices,
        "results_url": links.search_url(params),
        "trends_url": analysis.trends_url_for_search(params) if params.q else None,
        "query_form_pairs": [(k, v) for k, v in links.query_pairs(params) if k not in {"q", "page"}],
        "filter_chips": _filter_summary(params, url_for=links.compare_url),
        "clear_all_url": links.compare_url(links.clear_filters(params))
        if links.has_filters(params)
        else None,
    }
    return render(request, "searchui/compare.html", context)
