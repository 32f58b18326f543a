"""The relation pages: /plans/<id>/diff/<other_id>/, /cited/, /cited/<id>/, /reuse/, and what the plan page
shows of a plan's relations (the previous year's plan, cited documents, citing plans, reused passages).

Thin like views.py: parse, call plans.relations.selectors, render HTML or JSON. Writes never happen here.
"""

from __future__ import annotations

import csv
import html
import io
import math
import re
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode

from django.core.handlers.wsgi import get_bytes_from_wsgi
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from plans import selectors as plan_selectors
from plans.models import Plan, Region
from plans.relations import selectors
from plans.relations.diff import PlanDiff
from plans.relations.text import sentences
from searchui import export, links
from searchui.params import MAX_PAGE, clean_text, parse_int

JSON_OPTIONS = {"ensure_ascii": False}
CSV_MAX_ROWS = 20_000
CITED_PAGE_SIZE = 50
REUSE_PAGE_SIZE = 50
MAX_REGIONS = 8  # regions one /reuse/ request may ask to share a passage
_CLAUSE = re.compile(r"[，,、：:“”\"（）()]+")


def _plan_or_404(plan_id: int) -> Plan:
    plan = Plan.objects.select_related("region").filter(pk=plan_id).first()
    if plan is None:
        raise Http404(_("没有这份规划文件。"))
    return plan


def _wants_json(request: HttpRequest) -> bool:
    return request.GET.get("format", "").lower() == "json"


def _wants_csv(request: HttpRequest) -> bool:
    return request.GET.get("format", "").lower() == "csv"


def _csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    """A whole listing as CSV: UTF-8 with a byte-order mark (Excel), formula-like cells defused (export._cell)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([export._cell(value) for value in row])
    response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _page(request: HttpRequest, notices: list[str]) -> int:
    raw = request.GET.get("page")
    if raw is None:
        return 1
    page = parse_int(raw)
    if page is None or not 1 <= page <= MAX_PAGE:
        notices.append(_("页码“%(value)s”无效，已显示第 1 页。") % {"value": clean_text(raw)[:24]})
        return 1
    return page


def _url(path: str, pairs: list[tuple[str, str]]) -> str:
    return f"{path}?{urlencode(pairs)}" if pairs else path


def _raw_pairs(request: HttpRequest) -> list[tuple[str, str]]:
    raw = get_bytes_from_wsgi(request.META, "QUERY_STRING", "").decode("utf-8", "replace")
    return parse_qsl(raw, keep_blank_values=True)


# -------------------------------------------------------------------------------------------------- diff


def diff_json(a: Plan, b: Plan, result: PlanDiff) -> dict:
    """The JSON contract of the diff page (README: Relations)."""
    return {
        "a": a.pk,
        "b": b.pk,
        "inserted": result.count("insert"),
        "deleted": result.count("delete"),
        "replaced": result.count("replace"),
        "sections": [
            {
                "heading_a": section.heading_a,
                "heading_b": section.heading_b,
                "ops": [{"op": op.op, "a": op.a, "b": op.b} for op in section.ops],
            }
            for section in result.sections
        ],
    }


def _char_html(op, side: str) -> str:
    """One side of a replaced sentence with what changed marked (<del> on the old side, <ins> on the new)."""
    parts = []
    for tag, a_piece, b_piece in op.char_ops():
        piece = a_piece if side == "a" else b_piece
        if not piece:
            continue
        if tag == "equal":
            parts.append(escape(piece))
        else:
            parts.append(format_html("<{0}>{1}</{0}>", "del" if side == "a" else "ins", piece))
    return mark_safe("".join(parts))  # noqa: S308 — every piece escaped above


def _section_rows(section) -> list[dict]:
    """The ops of a section as rows for the template; runs of unchanged sentences become one folded row."""
    rows: list[dict] = []
    for op in section.ops:
        if op.op == "equal":
            if rows and rows[-1]["op"] == "equal":
                rows[-1]["sentences"].append(op.a)
            else:
                rows.append({"op": "equal", "sentences": [op.a]})
        elif op.op == "replace":
            rows.append({"op": "replace", "a": _char_html(op, "a"), "b": _char_html(op, "b")})
        else:
            rows.append({"op": op.op, "text": op.a if op.op == "delete" else op.b})
    return rows


def plan_diff(request: HttpRequest, plan_id: int, other_id: int) -> HttpResponse:
    a, b = _plan_or_404(plan_id), _plan_or_404(other_id)
    result = selectors.diff_plans(a, b)
    if _wants_json(request):
        return JsonResponse(diff_json(a, b, result), json_dumps_params=JSON_OPTIONS)
    sections = [
        {
            "heading_a": s.heading_a,
            "heading_b": s.heading_b,
            "url_a": f"{a.get_absolute_url()}#{s.anchor_a}" if s.anchor_a else None,
            "url_b": f"{b.get_absolute_url()}#{s.anchor_b}" if s.anchor_b else None,
            "changed": any(op.op != "equal" for op in s.ops),
            "counts": {op: s.count(op) for op in ("insert", "delete", "replace")},
            "rows": _section_rows(s),
        }
        for s in result.sections
    ]
    context = {
        "a": a,
        "b": b,
        "inserted": result.count("insert"),
        "deleted": result.count("delete"),
        "replaced": result.count("replace"),
        "unchanged": result.unchanged,
        "sections": sections,
        "json_url": f"{links.path_of('searchui:plan_diff', a.pk, b.pk)}?format=json",
        "swap_url": links.path_of("searchui:plan_diff", b.pk, a.pk),
    }
    return render(request, "searchui/diff.html", context)


# ------------------------------------------------------------------------------------------ the plan page


def _see_also_query(text: str) -> str:
    """A query that highlights a passage on the other plan's page: its longest clause (the search grammar
    ANDs terms split at punctuation, so the whole sentence would highlight word by word)."""
    clauses = [c for c in _CLAUSE.split(text.strip("。！？；!?; ")) if c]
    return max(clauses, key=len)[:60] if clauses else ""


class _SeeAlso:
    """The 另见 links after reused sentences on one plan page. A much-copied plan carries hundreds of them,
    naming the same few hundred plans: each plan's link is escaped once, each passage's query encoded once,
    and the plan path comes from links.plan_path (no reverse() a link), so the links cost little beside the
    text they follow."""

    def __init__(self):
        self.label = html.escape(_("另见"))
        self._plans: dict[int, tuple[str, str, str]] = {}  # plan id -> escaped path, title, label

    def _escaped(self, other) -> tuple[str, str, str]:
        found = self._plans.get(other.plan_id)
        if found is None:
            name = " ".join(str(x) for x in (other.region, other.year) if x)
            found = tuple(html.escape(x) for x in (links.plan_path(other.plan_id), other.title, name))
            self._plans[other.plan_id] = found
        return found

    def html(self, passage) -> str:
        query = _see_also_query(passage.text)
        suffix = html.escape("?" + urlencode([("q", query)])) if query else ""
        parts = []
        for other in passage.others:
            path, title, name = self._escaped(other)
            parts.append(f'<a href="{path}{suffix}" title="{title}">{name}</a>')
        more = (_("等 %(count)d 处") % {"count": passage.more + len(passage.others)}) if passage.more else ""
        return f'<span class="see-also">{self.label} {"、".join(parts)}{html.escape(more)}</span>'


def reuse_highlighter(highlight: Callable[[str], str], reused: dict) -> Callable[[str], str]:
    """Wrap a paragraph highlighter so that reused sentences are marked and followed by their 另见 links.
    Paragraphs are cut with the same sentence splitter as the passages, so a passage is a whole piece."""
    if not reused:
        return highlight
    see_also = _SeeAlso()

    def marked(line: str) -> str:
        pieces, cursor = [], 0
        for sentence in sentences(line):
            passage = reused.get(sentence.text)
            if passage is None:
                continue
            pieces.append(highlight(line[cursor : sentence.start]) if cursor < sentence.start else "")
            pieces.append(f'<span class="reused">{highlight(sentence.text)}</span>{see_also.html(passage)}')
            cursor = sentence.end
        if not pieces:
            return highlight(line)
        pieces.append(highlight(line[cursor:]) if cursor < len(line) else "")
        return "".join(pieces)

    return marked


def plan_relations(plan: Plan) -> dict:
    """What the plan page shows of the plan's relations (see templates/searchui/plan.html)."""
    previous = selectors.previous_year_plan(plan)
    return {
        "previous": previous,
        "previous_diff_url": links.path_of("searchui:plan_diff", previous.pk, plan.pk) if previous else None,
        "cites": selectors.cites(plan),
        "cited_by": selectors.cited_by(plan),
        "reuse": selectors.plan_reuse(plan),
    }


def plan_relations_json(plan: Plan, absolute) -> dict:
    """The fields the plan JSON gains: `cites` and `cited_by` (README: Relations)."""
    return {
        "cites": [
            {"title": c.title, "doc_number": c.doc_number, "plan_id": c.plan_id}
            for c in selectors.cites(plan)
        ],
        "cited_by": [
            {"plan_id": c.plan_id, "title": c.title, "region": c.region, "year": c.year}
            for c in selectors.cited_by(plan)
        ],
    }


# ---------------------------------------------------------------------------------------------- /cited/


def _ranked_json(entry, absolute) -> dict:
    document = entry.document
    return {
        "id": document.pk,
        "title": document.title,
        "doc_number": document.doc_number,
        "plan_id": document.plan_id,
        "count": entry.count,
        "by_region": [{"region": r, "count": n} for r, n in entry.by_region],
        "by_year": [{"year": y, "count": n} for y, n in entry.by_year],
        "citing": [
            {
                "plan_id": c.plan_id,
                "title": c.title,
                "region": c.region,
                "year": c.year,
                "url": absolute(links.path_of("searchui:plan", c.plan_id)),
            }
            for c in entry.citing
        ],  # fmt: skip
        "url": absolute(links.path_of("searchui:cited_document", document.pk)),
    }


def _cited_csv(request: HttpRequest) -> HttpResponse:
    _, ranked = selectors.most_cited(0, CSV_MAX_ROWS)
    absolute = request.build_absolute_uri

    def rows():
        for rank, entry in enumerate(ranked, start=1):
            document = entry.document
            yield [
                rank, document.title, document.doc_number, entry.count,
                "；".join(f"{region} {n}" for region, n in entry.by_region),
                "；".join(f"{year} {n}" for year, n in entry.by_year),
                absolute(links.path_of("searchui:plan", document.plan_id)) if document.plan_id else "",
                absolute(links.path_of("searchui:cited_document", document.pk)),
            ]  # fmt: skip

    header = ["排名", "文件名称", "文号", "引用文件数", "按地区", "按年份", "本库原文", "链接"]
    return _csv_response("policy-search-cited.csv", header, rows())


def cited(request: HttpRequest) -> HttpResponse:
    if _wants_csv(request):
        return _cited_csv(request)
    notices: list[str] = []
    page = _page(request, notices)
    total, ranked = selectors.most_cited((page - 1) * CITED_PAGE_SIZE, CITED_PAGE_SIZE)
    pages = max(1, math.ceil(total / CITED_PAGE_SIZE))
    if page > pages:
        notices.append(
            _("第 %(page)d 页不存在（共 %(pages)d 页），已显示第 1 页。") % {"page": page, "pages": pages}
        )
        page = 1
        total, ranked = selectors.most_cited(0, CITED_PAGE_SIZE)
    path = links.path_of("searchui:cited")

    def page_url(number: int, **extra) -> str:
        pairs = [("page", str(number))] if number > 1 else []
        return _url(path, pairs + list(extra.items()))

    if _wants_json(request):
        absolute = request.build_absolute_uri
        data = {
            "count": total,
            "page": page,
            "pages": pages,
            "results": [_ranked_json(entry, absolute) for entry in ranked],
            "next": absolute(page_url(page + 1, format="json")) if page < pages else None,
            "previous": absolute(page_url(page - 1, format="json")) if page > 1 else None,
            "notices": notices,
        }
        return JsonResponse(data, json_dumps_params=JSON_OPTIONS)
    context = {
        "total": total,
        "ranked": ranked,
        "start": (page - 1) * CITED_PAGE_SIZE + 1,
        "page": page,
        "pages": pages,
        "previous_url": page_url(page - 1) if page > 1 else None,
        "next_url": page_url(page + 1) if page < pages else None,
        "json_url": page_url(page, format="json"),
        "csv_url": _url(path, [("format", "csv")]),
        "notices": notices,
    }
    return render(request, "searchui/cited.html", context)


def cited_document(request: HttpRequest, document_id: int) -> HttpResponse:
    entry = selectors.cited_document(document_id)
    if entry is None:
        raise Http404(_("没有这份被引文件。"))
    if _wants_json(request):
        return JsonResponse(_ranked_json(entry, request.build_absolute_uri), json_dumps_params=JSON_OPTIONS)
    json_url = f"{links.path_of('searchui:cited_document', document_id)}?format=json"
    return render(request, "searchui/cited_document.html", {"entry": entry, "json_url": json_url})


# ---------------------------------------------------------------------------------------------- /reuse/


def _reuse_regions(request: HttpRequest, notices: list[str]) -> list[Region]:
    aliases = plan_selectors.region_aliases()
    names: list[str] = []
    for raw in request.GET.getlist("region"):
        value = clean_text(raw)
        name = aliases.get(value)
        if name is None:
            notices.append(_("未知地区“%(value)s”，已忽略。") % {"value": value[:24]})
        elif name not in names:
            names.append(name)
    if len(names) > MAX_REGIONS:
        notices.append(_("最多可同时比较 %(count)d 个地区，其余已忽略。") % {"count": MAX_REGIONS})
        names = names[:MAX_REGIONS]
    by_name = {r.name: r for r in Region.objects.filter(name__in=names)}
    return sorted((by_name[n] for n in names if n in by_name), key=lambda r: (r.order, r.name))


def _occurrence_json(o, absolute) -> dict:
    return {"plan_id": o.plan_id, "title": o.title, "region": o.region, "year": o.year, "text": o.text,
            "url": absolute(links.path_of("searchui:plan", o.plan_id))}  # fmt: skip


def _reuse_csv(request: HttpRequest, regions: list[Region]) -> HttpResponse:
    shared = (
        selectors.shared_passages(regions, 0, CSV_MAX_ROWS, boilerplate_limit=CSV_MAX_ROWS)
        if regions
        else None
    )
    absolute = request.build_absolute_uri

    def rows():
        if shared is None:
            return
        for kind, items in (("共有", shared.passages), ("套话", shared.boilerplate)):
            for passage in items:
                for order, o in enumerate(passage.occurrences, start=1):
                    yield [
                        kind, passage.text, passage.regions, order, o.region, o.year, o.title, o.text,
                        absolute(links.path_of("searchui:plan", o.plan_id)),
                    ]  # fmt: skip

    header = ["类别", "段落", "地区数", "出现顺序", "地区", "年份", "文件标题", "该文件中的原文", "链接"]
    return _csv_response("policy-search-reuse.csv", header, rows())


def reuse(request: HttpRequest) -> HttpResponse:
    notices: list[str] = []
    regions = _reuse_regions(request, notices)
    page = _page(request, notices)
    path = links.path_of("searchui:reuse")
    region_pairs = [("region", r.name) for r in regions]

    def page_url(number: int, **extra) -> str:
        return _url(
            path, region_pairs + ([("page", str(number))] if number > 1 else []) + list(extra.items())
        )

    if _wants_csv(request):
        return _reuse_csv(request, regions)
    canonical = page_url(page)
    if not _wants_json(request) and not notices and _url(path, _raw_pairs(request)) != canonical:
        return redirect(canonical)
    shared = None
    pages = 1
    if regions:
        shared = selectors.shared_passages(regions, (page - 1) * REUSE_PAGE_SIZE, REUSE_PAGE_SIZE)
        pages = max(1, math.ceil(shared.total / REUSE_PAGE_SIZE))
        if page > pages:
            notices.append(
                _("第 %(page)d 页不存在（共 %(pages)d 页），已显示第 1 页。") % {"page": page, "pages": pages}
            )
            page = 1
            shared = selectors.shared_passages(regions, 0, REUSE_PAGE_SIZE)
    if _wants_json(request):
        absolute = request.build_absolute_uri

        def passages_json(items):
            return [
                {"text": p.text, "regions": p.regions, "first": _occurrence_json(p.first, absolute),
                 "occurrences": [_occurrence_json(o, absolute) for o in p.occurrences]}
                for p in items
            ]  # fmt: skip

        data = {
            "regions": [r.name for r in regions],
            "count": shared.total if shared else 0,
            "page": page,
            "pages": pages,
            "results": passages_json(shared.passages) if shared else [],
            "boilerplate_count": shared.boilerplate_total if shared else 0,
            "boilerplate": passages_json(shared.boilerplate) if shared else [],
            "next": absolute(page_url(page + 1, format="json")) if page < pages else None,
            "previous": absolute(page_url(page - 1, format="json")) if page > 1 else None,
            "notices": notices,
        }
        return JsonResponse(data, json_dumps_params=JSON_OPTIONS)
    chosen = {r.pk for r in regions}
    context = {
        "regions": regions,
        "all_regions": [(r, r.pk in chosen) for r in selectors.regions_with_plans()],
        "shared": shared,
        "start": (page - 1) * REUSE_PAGE_SIZE + 1,
        "page": page,
        "pages": pages,
        "previous_url": page_url(page - 1) if page > 1 else None,
        "next_url": page_url(page + 1) if page < pages else None,
        "json_url": page_url(page, format="json"),
        "csv_url": _url(path, [*region_pairs, ("format", "csv")]),
        "notices": notices,
    }
    return render(request, "searchui/reuse.html", context)
