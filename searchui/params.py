"""The query-string grammar of /search/: parse a request's GET parameters into a validated SearchParams.

Every value is checked; anything invalid is dropped (or repaired) and explained in a notice that the page
shows, so a malformed URL never gives a 500 and never silently means something else.

    /search/?q=…&region=湖北&region=江西&year=2017&theme=科技金融&level=provincial
            &year_from=2015&year_to=2020&sort=-date&page=2&page_size=50&format=json
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from django.http import QueryDict
from django.utils.translation import gettext as _

from plans import selectors
from plans.search.limits import (  # the limits are the engine's, declared once in plans/search/limits.py
    DEFAULT_PAGE_SIZE,
    MAX_PAGE,
    MAX_PAGE_SIZE,
    MAX_VALUES_PER_FACET,
    SORTS,
    YEAR_MAX,
    YEAR_MIN,
)
from plans.search.limits import MAX_FACET_VALUE_CHARS as MAX_VALUE_LENGTH
from plans.search.limits import MAX_QUERY_CHARS as MAX_QUERY_LENGTH
from plans.search.registry import FACETS
from plans.search.types import SearchParams

# html and json answer one page; csv, ris and bibtex export the whole result set; atom is the newest plans.
FORMATS = ("html", "json", "csv", "atom", "ris", "bibtex")
_NOTICE_VALUE_LENGTH = 24

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Vocabulary:
    """The values a facet accepts, each alias mapped to its canonical value (湖北省 -> 湖北, slug -> name)."""

    regions: Mapping[str, str]
    themes: Mapping[str, str]
    levels: Mapping[str, str]


class _Loaded(Mapping):
    """A mapping read on first use: a request that filters by no region or theme reads neither list."""

    def __init__(self, load: Callable[[], Mapping[str, str]]):
        self._load = load
        self._data: Mapping[str, str] | None = None

    def _mapping(self) -> Mapping[str, str]:
        if self._data is None:
            self._data = self._load()
        return self._data

    def __getitem__(self, key: str) -> str:
        return self._mapping()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._mapping())

    def __len__(self) -> int:
        return len(self._mapping())


def vocabulary() -> Vocabulary:
    """The facet values the search grammar accepts, as they are in the database now (read when needed)."""
    return Vocabulary(
        regions=_Loaded(selectors.region_aliases),
        themes=_Loaded(selectors.theme_aliases),
        levels=selectors.level_aliases(),
    )


@dataclass(frozen=True)
class ParsedSearch:
    """A validated search request: what to search for, how to answer, and what was wrong with the input."""

    params: SearchParams
    format: str = "html"
    notices: tuple[str, ...] = ()
    dropped: tuple[str, ...] = field(default=(), repr=False)  # parameter names that had a problem


def _shown(value: str) -> str:
    """A value as quoted back in a notice: short enough not to flood the page."""
    value = _CONTROL_CHARS.sub("", value)
    return value if len(value) <= _NOTICE_VALUE_LENGTH else value[:_NOTICE_VALUE_LENGTH] + "…"


def clean_text(value: str) -> str:
    """Normalise free text: NFKC (full-width letters and digits become ASCII), no control characters,
    runs of whitespace collapsed to one space."""
    value = unicodedata.normalize("NFKC", value)
    value = _CONTROL_CHARS.sub(" ", value)
    return " ".join(value.split())


def parse_int(value: str) -> int | None:
    """An integer written in ASCII or full-width digits (at most 6 of them), else None."""
    value = clean_text(value)
    if not re.fullmatch(r"-?\d{1,6}", value, flags=re.ASCII):
        return None
    return int(value)


class _Collector:
    def __init__(self) -> None:
        self.notices: list[str] = []
        self.dropped: list[str] = []

    def add(self, name: str, message: str) -> None:
        if message not in self.notices:
            self.notices.append(message)
        if name not in self.dropped:
            self.dropped.append(name)


def _values(query: QueryDict, name: str, out: _Collector) -> list[str]:
    """The non-empty values of a repeatable parameter, deduplicated in order, with notices for excess."""
    raw = [clean_text(v) for v in query.getlist(name)]
    raw = [v for v in raw if v]
    unique = list(dict.fromkeys(raw))
    if len(unique) < len(raw):
        out.add(name, _("重复的“%(name)s”取值已合并。") % {"name": name})
    if len(unique) > MAX_VALUES_PER_FACET:
        out.add(
            name, _("“%(name)s”的取值过多，只保留前 %(n)d 个。") % {"name": name, "n": MAX_VALUES_PER_FACET}
        )
        unique = unique[:MAX_VALUES_PER_FACET]
    return unique


def _names(query: QueryDict, name: str, aliases: Mapping[str, str], label: str, out: _Collector) -> tuple:
    """Values of a name facet (region, theme, level), mapped through the aliases; unknown ones dropped."""
    kept: list[str] = []
    for value in _values(query, name, out):
        canonical = aliases.get(value) if len(value) <= MAX_VALUE_LENGTH else None
        if canonical is None:
            out.add(
                name, _("未知的%(label)s“%(value)s”，已忽略。") % {"label": label, "value": _shown(value)}
            )
        elif canonical not in kept:
            kept.append(canonical)
    return tuple(sorted(kept))


def _years(query: QueryDict, name: str, out: _Collector) -> tuple[int, ...]:
    """Values of a year facet: valid years, sorted; invalid ones dropped with a notice."""
    years: set[int] = set()
    for value in _values(query, name, out):
        year = _year(value)
        if year is None:
            out.add(name, _("年份“%(value)s”无效，已忽略。") % {"value": _shown(value)})
        else:
            years.add(year)
    return tuple(sorted(years))


def _year(value: str) -> int | None:
    year = parse_int(value)
    return year if year is not None and YEAR_MIN <= year <= YEAR_MAX else None


def _single(query: QueryDict, name: str) -> str:
    """The last non-empty value of a single-valued parameter ('' when absent)."""
    values = [clean_text(v) for v in query.getlist(name)]
    values = [v for v in values if v]
    return values[-1] if values else ""


def parse_search(query: QueryDict, vocabulary: Vocabulary) -> ParsedSearch:
    """Validate the GET parameters of a search request.

    Unknown parameter names are ignored; invalid values are dropped with a notice; year_from > year_to is
    swapped; the result is always a usable SearchParams.
    """
    out = _Collector()

    q = clean_text(" ".join(query.getlist("q")))
    if len(q) > MAX_QUERY_LENGTH:
        out.add("q", _("检索词过长，只保留前 %(n)d 个字符。") % {"n": MAX_QUERY_LENGTH})
        q = q[:MAX_QUERY_LENGTH].rstrip()

    selected: dict[
        str, tuple
    ] = {}  # SearchParams field -> the facet's valid values (plans/search/registry.py)
    for facet in FACETS:
        if facet.kind == "number":
            selected[facet.params_field] = _years(query, facet.name, out)
        else:
            aliases = getattr(vocabulary, facet.vocabulary)
            selected[facet.params_field] = _names(query, facet.name, aliases, str(facet.label), out)

    bounds: dict[str, int | None] = {}
    for name in ("year_from", "year_to"):
        value = _single(query, name)
        bounds[name] = _year(value) if value else None
        if value and bounds[name] is None:
            out.add(name, _("年份“%(value)s”无效，已忽略。") % {"value": _shown(value)})
    year_from, year_to = bounds["year_from"], bounds["year_to"]
    if year_from is not None and year_to is not None and year_from > year_to:
        out.add("year_from", _("起始年份晚于截止年份，已对调。"))
        year_from, year_to = year_to, year_from

    sort = _single(query, "sort") or "relevance"
    if sort not in SORTS:
        out.add("sort", _("未知的排序方式“%(value)s”，已按相关度排序。") % {"value": _shown(sort)})
        sort = "relevance"

    page = 1
    raw_page = _single(query, "page")
    if raw_page:
        number = parse_int(raw_page)
        if number is None or not 1 <= number <= MAX_PAGE:
            out.add("page", _("页码“%(value)s”无效，已显示第 1 页。") % {"value": _shown(raw_page)})
        else:
            page = number

    page_size = DEFAULT_PAGE_SIZE
    raw_size = _single(query, "page_size")
    if raw_size:
        number = parse_int(raw_size)
        if number is None or not 1 <= number <= MAX_PAGE_SIZE:
            out.add(
                "page_size",
                _("每页条数“%(value)s”无效（1–%(max)d），已使用 %(default)d。")
                % {"value": _shown(raw_size), "max": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE},
            )
        else:
            page_size = number

    fmt = _single(query, "format").lower() or "html"
    if fmt not in FORMATS:
        out.add("format", _("未知的格式“%(value)s”，已显示网页。") % {"value": _shown(fmt)})
        fmt = "html"

    params = SearchParams(
        q=q,
        **selected,
        year_from=year_from,
        year_to=year_to,
        sort=sort,
        page=page,
        page_size=page_size,
    )
    return ParsedSearch(params=params, format=fmt, notices=tuple(out.notices), dropped=tuple(out.dropped))
