"""Canonical URLs for search states, and the links that change one part of a state.

A link is never built by pasting strings onto the current URL: the request is parsed into a SearchParams
(searchui.params), the state is changed, and the new state is encoded again. So the same state always has
the same URL: parameters in a fixed order, values sorted, defaults omitted. Any change of filter, query,
sort or page size goes back to page 1.
"""

from __future__ import annotations

import dataclasses
import functools
from urllib.parse import quote_plus, urlencode, urlsplit

from django.urls import get_script_prefix, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from plans.search.registry import FACET_NAMES, FACETS
from plans.search.types import SearchParams

# The order of parameters in every URL we build (the facets in the registry's order). `format` is not part of
# a state and comes last.
PARAM_ORDER = ("q", *FACET_NAMES, "year_from", "year_to", "sort", "page", "page_size")
# Facet name in the URL -> field of SearchParams holding its values (plans/search/registry.py).
FACET_FIELD = {facet.name: facet.params_field for facet in FACETS}
_DEFAULT = SearchParams()


@functools.lru_cache(maxsize=64)
def _reversed(name: str, args: tuple, script_prefix: str) -> str:
    return reverse(name, args=args)


def path_of(name: str, *args) -> str:
    """reverse() of a URL name, cached: a results page builds hundreds of links to the same few paths."""
    return _reversed(name, args, get_script_prefix())


_PATH_PROBE = 987654321  # an id no plan has: reversed once, then replaced by each plan's id


def plan_path(plan_id: int) -> str:
    """The plan page's path, without a reverse() per plan: a plan page links hundreds of different plans."""
    head, tail = path_of("searchui:plan", _PATH_PROBE).split(str(_PATH_PROBE))
    return f"{head}{int(plan_id)}{tail}"


def normalized(params: SearchParams) -> SearchParams:
    """The same state with facet values deduplicated and sorted (what makes a URL canonical)."""
    changes = {name: tuple(sorted(set(getattr(params, name)))) for name in FACET_FIELD.values()}
    return dataclasses.replace(params, **changes)


def query_pairs(params: SearchParams) -> list[tuple[str, str]]:
    """The state as (name, value) pairs in canonical order, defaults left out."""
    params = normalized(params)
    pairs: list[tuple[str, str]] = []
    if params.q:
        pairs.append(("q", params.q))
    for name in FACET_NAMES:
        pairs.extend((name, str(value)) for value in getattr(params, FACET_FIELD[name]))
    if params.year_from is not None:
        pairs.append(("year_from", str(params.year_from)))
    if params.year_to is not None:
        pairs.append(("year_to", str(params.year_to)))
    if params.sort != _DEFAULT.sort:
        pairs.append(("sort", params.sort))
    if params.page != 1:
        pairs.append(("page", str(params.page)))
    if params.page_size != _DEFAULT.page_size:
        pairs.append(("page_size", str(params.page_size)))
    return pairs


def query_string(params: SearchParams, *, format: str | None = None) -> str:
    """The canonical query string of a state ('' for the empty state), without the leading '?'."""
    pairs = query_pairs(params)
    if format and format != "html":
        pairs.append(("format", format))
    return urlencode(pairs)


def search_url(params: SearchParams, *, format: str | None = None) -> str:
    """The canonical /search/ URL of a state."""
    qs = query_string(params, format=format)
    return path_of("searchui:search") + (f"?{qs}" if qs else "")


def compare_url(params: SearchParams) -> str:
    """The /compare/ matrix for the same query and filters (page, sort and page size do not apply)."""
    state = dataclasses.replace(params, page=1, sort=_DEFAULT.sort, page_size=_DEFAULT.page_size)
    qs = query_string(state)
    return path_of("searchui:compare") + (f"?{qs}" if qs else "")


def is_canonical(raw_pairs: list[tuple[str, str]], params: SearchParams) -> bool:
    """Whether a request's own parameters (format and unknown names aside) already are the canonical form."""
    relevant = [(k, v) for k, v in raw_pairs if k in PARAM_ORDER]
    return relevant == query_pairs(params)


# --- changes of state; each returns a new SearchParams ------------------------------------------------


def _first_page(params: SearchParams, **changes) -> SearchParams:
    return normalized(dataclasses.replace(params, page=1, **changes))


def toggle_value(params: SearchParams, facet: str, value: str | int) -> SearchParams:
    """Add the value to the facet's filter, or remove it if it is there (back to page 1)."""
    name = FACET_FIELD[facet]
    return _first_page(params, **{name: _toggled(facet, getattr(params, name), value)})


def _toggled(facet: str, current: tuple, value: str | int) -> tuple:
    """A facet's values with `value` added, or removed if it is there (a year as a number)."""
    if facet == "year":
        value = int(value)
    return tuple(v for v in current if v != value) if value in current else (*current, value)


def only_value(params: SearchParams, facet: str, value: str | int) -> SearchParams:
    """Filter the facet to exactly this value (a histogram bar, a compare cell). A single year also
    replaces any year range."""
    name = FACET_FIELD[facet]
    if facet == "year":
        return _first_page(params, years=(int(value),), year_from=None, year_to=None)
    return _first_page(params, **{name: (value,)})


def clear_facet(params: SearchParams, facet: str) -> SearchParams:
    """Remove every value of one facet (for `year`, the year range too)."""
    if facet == "year":
        return _first_page(params, years=(), year_from=None, year_to=None)
    return _first_page(params, **{FACET_FIELD[facet]: ()})


def clear_filters(params: SearchParams) -> SearchParams:
    """Keep the query, sort and page size; drop every filter."""
    return _first_page(params, **{field: () for field in FACET_FIELD.values()}, year_from=None, year_to=None)


def with_sort(params: SearchParams, sort: str) -> SearchParams:
    return _first_page(params, sort=sort)


def with_page(params: SearchParams, page: int) -> SearchParams:
    return normalized(dataclasses.replace(params, page=page))


class ToggleUrls:
    """The /search/ URLs of one state's facet toggles: search_url(toggle_value(params, facet, value)), built
    from the state's parts encoded once. A results page links about a hundred facet values, theme chips
    included; encoding the whole state again for each was about a quarter of the JSON view's own time."""

    def __init__(self, params: SearchParams):
        state = normalized(dataclasses.replace(params, page=1))
        self._values = {name: getattr(state, field) for name, field in FACET_FIELD.items()}
        # The parts around the facets, in PARAM_ORDER: q before them, the range, sort and page size after.
        pairs = query_pairs(dataclasses.replace(state, **{field: () for field in FACET_FIELD.values()}))
        self._head = urlencode([p for p in pairs if p[0] == "q"])
        self._tail = urlencode([p for p in pairs if p[0] != "q"])
        self._segments = {name: self._segment(name, values) for name, values in self._values.items()}
        self._path = path_of("searchui:search")

    @staticmethod
    def _segment(name: str, values) -> str:
        return "&".join(f"{quote_plus(name)}={quote_plus(str(v))}" for v in sorted(set(values)))

    def toggled(self, facet: str, value: str | int) -> str:
        """The URL with `value` added to the facet's filter, or removed if it is there (page 1)."""
        updated = _toggled(facet, self._values[facet], value)
        segments = dict(self._segments, **{facet: self._segment(facet, updated)})
        parts = [self._head, *(segments[name] for name in FACET_NAMES), self._tail]
        qs = "&".join(part for part in parts if part)
        return self._path + (f"?{qs}" if qs else "")


def has_filters(params: SearchParams) -> bool:
    return (
        any(getattr(params, field) for field in FACET_FIELD.values())
        or params.year_from is not None
        or params.year_to is not None
    )


# --- links to plans ----------------------------------------------------------------------------------


def safe_back_url(value: str | None) -> str | None:
    """A `back` parameter is only followed when it is a local /search/ URL (never another host, never
    javascript:), so a crafted plan link cannot send a reader elsewhere."""
    if not value or len(value) > 2000:
        return None
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=None, require_https=False):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path != path_of("searchui:search"):
        return None
    return value


def plan_url(plan_id: int, *, q: str = "", back: str | None = None, anchor: str = "") -> str:
    """The plan page, with the query to highlight and the results page to go back to."""
    pairs = []
    if q:
        pairs.append(("q", q))
    if back:
        pairs.append(("back", back))
    url = plan_path(plan_id)
    if pairs:
        url += "?" + urlencode(pairs)
    if anchor:
        url += "#" + anchor
    return url
