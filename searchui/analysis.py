"""The query-string grammar and canonical URLs of /trends/ and /kwic/ (the /search/ rules, extended).

    /trends/?term=科技金融&term=孵化器&region=…&year=…&theme=…&level=…&year_from=…&year_to=…&format=json
    /kwic/?q=…&region=…&…&sort=left&page=2&page_size=50&width=40&format=csv

The filters, the query, the page and the page size are parsed by searchui.params (the same messages, the
same repairs); this module adds the terms of /trends/ and the sort and width of /kwic/. As on /search/,
every link is built from the parsed state, and a valid but non-canonical URL redirects to the canonical one.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils.translation import gettext as _

from plans.search.kwic import DEFAULT_SORT, DEFAULT_WIDTH, MAX_WIDTH, SORTS
from plans.search.trends import MAX_TERMS
from plans.search.types import SearchParams
from searchui import links
from searchui.params import MAX_QUERY_LENGTH, Vocabulary, clean_text, parse_int, parse_search

FILTER_NAMES = ("region", "year", "theme", "level", "year_from", "year_to")
TRENDS_PARAMS = ("term", "q", *FILTER_NAMES)
KWIC_PARAMS = ("q", *FILTER_NAMES, "sort", "page", "page_size", "width")
_DEFAULT = SearchParams()


@dataclass(frozen=True)
class TrendsRequest:
    terms: tuple[str, ...]
    filters: SearchParams  # the /search/ filters (no query, first page)
    format: str = "html"
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class KwicRequest:
    params: SearchParams  # query, filters, page and page size
    sort: str = DEFAULT_SORT
    width: int = DEFAULT_WIDTH
    format: str = "html"
    notices: tuple[str, ...] = ()


def _subset(query: QueryDict, names) -> QueryDict:
    kept = QueryDict(mutable=True)
    for name in names:
        for value in query.getlist(name):
            kept.appendlist(name, value)
    return kept


def _last(query: QueryDict, name: str) -> str:
    values = [clean_text(v) for v in query.getlist(name)]
    values = [v for v in values if v]
    return values[-1] if values else ""


def filters_of(params: SearchParams) -> SearchParams:
    """Only the filters of a state (what /trends/ keeps of a /search/ state)."""
    return links.normalized(
        dataclasses.replace(params, q="", sort=_DEFAULT.sort, page=1, page_size=_DEFAULT.page_size)
    )


def parse_trends(query: QueryDict, vocabulary: Vocabulary) -> TrendsRequest:
    """Validate a /trends/ request: 1-5 terms (a `q` stands for the term when no term is given), the filters."""
    parsed = parse_search(_subset(query, (*FILTER_NAMES, "format")), vocabulary)
    notices = list(parsed.notices)
    raw = [clean_text(v) for v in query.getlist("term")] or [clean_text(" ".join(query.getlist("q")))]
    terms: list[str] = []
    for term in (t for t in raw if t):
        if len(term) > MAX_QUERY_LENGTH:
            notices.append(_("检索词过长，只保留前 %(n)d 个字符。") % {"n": MAX_QUERY_LENGTH})
            term = term[:MAX_QUERY_LENGTH].rstrip()
        if term in terms:
            notices.append(_("重复的“%(name)s”取值已合并。") % {"name": "term"})
            continue
        terms.append(term)
    if len(terms) > MAX_TERMS:
        notices.append(_("最多比较 %(n)d 个词，只保留前 %(n)d 个。") % {"n": MAX_TERMS})
        terms = terms[:MAX_TERMS]
    return TrendsRequest(
        tuple(terms), filters_of(parsed.params), parsed.format, tuple(dict.fromkeys(notices))
    )


def parse_kwic(query: QueryDict, vocabulary: Vocabulary) -> KwicRequest:
    """Validate a /kwic/ request: the /search/ query, filters and paging, plus sort and width."""
    parsed = parse_search(_subset(query, ("q", *FILTER_NAMES, "page", "page_size", "format")), vocabulary)
    notices = list(parsed.notices)
    sort = _last(query, "sort") or DEFAULT_SORT
    if sort not in SORTS:
        notices.append(_("未知的排序方式“%(value)s”，已按最新发布排序。") % {"value": sort[:24]})
        sort = DEFAULT_SORT
    width = DEFAULT_WIDTH
    raw_width = _last(query, "width")
    if raw_width:
        number = parse_int(raw_width)
        if number is None or number < 1:
            notices.append(
                _("语境宽度“%(value)s”无效（1–%(max)d），已使用 %(default)d。")
                % {"value": raw_width[:24], "max": MAX_WIDTH, "default": DEFAULT_WIDTH}
            )
        elif number > MAX_WIDTH:
            notices.append(_("语境宽度最多 %(max)d 个字符，已使用 %(max)d。") % {"max": MAX_WIDTH})
            width = MAX_WIDTH
        else:
            width = number
    params = links.normalized(dataclasses.replace(parsed.params, sort=_DEFAULT.sort))
    return KwicRequest(params, sort, width, parsed.format, tuple(notices))


# --- canonical URLs ------------------------------------------------------------------------------------


def trends_pairs(terms, filters: SearchParams) -> list[tuple[str, str]]:
    return [("term", t) for t in terms] + links.query_pairs(filters_of(filters))


def trends_url(terms, filters: SearchParams, *, format: str | None = None) -> str:
    """The canonical /trends/ URL: the terms in the user's order, then the filters as on /search/."""
    pairs = trends_pairs(terms, filters)
    if format and format != "html":
        pairs.append(("format", format))
    qs = urlencode(pairs)
    return links.path_of("searchui:trends") + (f"?{qs}" if qs else "")


def kwic_pairs(params: SearchParams, sort: str, width: int) -> list[tuple[str, str]]:
    state = links.normalized(
        dataclasses.replace(params, sort=_DEFAULT.sort, page=1, page_size=_DEFAULT.page_size)
    )
    pairs = links.query_pairs(state)
    if sort != DEFAULT_SORT:
        pairs.append(("sort", sort))
    if params.page != 1:
        pairs.append(("page", str(params.page)))
    if params.page_size != _DEFAULT.page_size:
        pairs.append(("page_size", str(params.page_size)))
    if width != DEFAULT_WIDTH:
        pairs.append(("width", str(width)))
    return pairs


def kwic_url(
    params: SearchParams, sort: str = DEFAULT_SORT, width: int = DEFAULT_WIDTH, *, format=None
) -> str:
    """The canonical /kwic/ URL of a state."""
    pairs = kwic_pairs(params, sort, width)
    if format and format != "html":
        pairs.append(("format", format))
    qs = urlencode(pairs)
    return links.path_of("searchui:kwic") + (f"?{qs}" if qs else "")


def kwic_url_for_search(params: SearchParams) -> str:
    """/kwic/ with the same state as a results page (its date sort kept, back to the first page)."""
    sort = params.sort if params.sort in SORTS else DEFAULT_SORT
    return kwic_url(dataclasses.replace(params, page=1), sort)


def trends_url_for_search(params: SearchParams) -> str:
    """/trends/ of a results page's query (one term) under its filters."""
    return trends_url((params.q,) if params.q else (), params)


def is_canonical(raw_pairs: list[tuple[str, str]], names, canonical: list[tuple[str, str]]) -> bool:
    """Whether a request's own parameters (format and unknown names aside) already are the canonical form."""
    return [(k, v) for k, v in raw_pairs if k in names] == canonical
