"""The pages about the search syntax: the advanced-search form (/search/advanced/) and its help (/help/search/)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from plans import selectors
from plans.search.grammar import MAX_DEPTH, MAX_DISTANCE, MAX_TERMS, MIN_DISTANCE
from plans.search.types import SearchParams
from searchui import links
from searchui.advanced import AdvancedSearchForm, search_query
from searchui.params import MAX_QUERY_LENGTH, parse_search, vocabulary

# (what to type, what it finds, an example query): the help page's table, each example a link to its results.
SYNTAX = [
    ("A B  ·  A AND B", _("两个词都包含"), "科技金融 孵化器"),
    ("A OR B  ·  A | B  ·  A｜B", _("包含其中任意一个"), "众创空间 OR 孵化器"),
    ("-A  ·  NOT A", _("不包含"), "科技成果转化 -税收"),
    ("( … )  ·  （ … ）", _("分组；优先级：NOT 高于 AND，AND 高于 OR"), "(众创空间 OR 孵化器) 高新技术企业"),
    ('"…"  ·  “…”', _("完整短语，连同其中的标点"), "“大众创业、万众创新”"),
    ("A /s B  ·  A /句 B", _("两个词在同一句中（句子以 。！？； 或换行分隔）"), "科技金融 /s 孵化器"),
    ("A /p B  ·  A /段 B", _("两个词在同一段中（段落即正文的一行）"), "科技成果转化 /p 知识产权"),
    ("A /N B", _("两个词相距不超过 N 个字（1–500，前后顺序不限）"), "研发 /10 加计扣除"),
    ("title:A  ·  标题:A", _("标题中包含"), "标题:工作要点 科技金融"),
    ("heading:A  ·  章节:A", _("某个章节标题中包含"), "章节:科技成果转化"),
    ("issuer:A  ·  发布机构:A", _("发布机构中包含"), "发布机构:科学技术厅 孵化器"),
    ("doc_number:A  ·  文号:A", _("文号中包含"), "文号:2017"),
]


def _choices():
    overview = selectors.facet_overview()
    return {
        "regions": [(c.value, f"{c.label} ({c.count})") for c in overview.regions],
        "themes": [(c.value, f"{c.label} ({c.count})") for c in overview.themes],
        "levels": [(c.value, f"{c.label} ({c.count})") for c in overview.levels],
    }


def advanced_search(request: HttpRequest) -> HttpResponse:
    """The form; once filled in, a redirect (GET) to the canonical /search/ URL of the query it builds."""
    submitted = any(request.GET.get(name) for name in AdvancedSearchForm.base_fields)
    form = AdvancedSearchForm(request.GET if submitted else None, **_choices())
    if submitted and form.is_valid():
        params = parse_search(search_query(form.cleaned_data), vocabulary()).params
        return redirect(links.search_url(params))
    return render(
        request,
        "searchui/advanced.html",
        {"form": form, "help_url": links.path_of("searchui:search_help"), "max_query": MAX_QUERY_LENGTH},
    )


def search_help(request: HttpRequest) -> HttpResponse:
    rows = [
        {
            "syntax": syntax,
            "meaning": meaning,
            "example": example,
            "url": links.search_url(SearchParams(q=example)),
        }
        for syntax, meaning, example in SYNTAX
    ]
    limits = {
        "terms": MAX_TERMS,
        "depth": MAX_DEPTH,
        "min": MIN_DISTANCE,
        "max": MAX_DISTANCE,
        "chars": MAX_QUERY_LENGTH,
    }
    return render(
        request,
        "searchui/search_help.html",
        {"rows": rows, "limits": limits, "advanced_url": links.path_of("searchui:advanced_search")},
    )
