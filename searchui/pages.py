"""What the result pages show, assembled from a SearchResult: hits with their links, pagination, themes.

Everything here is plain data with finished URLs, so the templates only loop and print.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.safestring import SafeString, mark_safe

from plans.models import Plan
from plans.search.types import Hit, SearchParams
from searchui import links

PAGE_WINDOW = 2  # page numbers shown either side of the current one


@dataclass(frozen=True)
class Chip:
    """A theme of a hit, linking to the results with that theme added (or removed)."""

    label: str
    url: str
    selected: bool


@dataclass(frozen=True)
class SectionLink:
    heading: str
    anchor: str
    url: str
    snippet: SafeString


@dataclass
class HitView:
    plan: Plan
    score: float
    url: str
    snippet: SafeString
    sections: list[SectionLink] = field(default_factory=list)
    chips: list[Chip] = field(default_factory=list)


def hit_views(hits: list[Hit], params: SearchParams, back_url: str) -> list[HitView]:
    """Hits whose plan still exists, each with links that carry the query (for highlighting) and the
    results URL (for the way back)."""
    views = []
    chip_for: dict[str, Chip] = {}  # a theme's chip is the same on every hit: build each once per page
    toggles = links.ToggleUrls(params)

    def chip(name: str) -> Chip:
        if name not in chip_for:
            chip_for[name] = Chip(
                label=name,
                url=toggles.toggled("theme", name),
                selected=name in params.themes,
            )
        return chip_for[name]

    for hit in hits:
        plan = hit.plan
        if plan is None:  # deleted since it was indexed
            continue
        chips = [chip(theme.name) for theme in plan.themes.all()]  # the engine loads them with the plan
        views.append(
            HitView(
                plan=plan,
                score=hit.score,
                url=links.plan_url(plan.pk, q=params.q, back=back_url),
                # The engine returns escaped text with <mark> around the terms (plans.search contract).
                snippet=mark_safe(hit.snippet),  # noqa: S308
                sections=[
                    SectionLink(
                        heading=section.heading,
                        anchor=section.anchor,
                        url=links.plan_url(plan.pk, q=params.q, back=back_url, anchor=section.anchor),
                        snippet=mark_safe(section.snippet),  # noqa: S308
                    )
                    for section in hit.sections
                ],
                chips=chips,
            )
        )
    return views


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None marks a gap (…)
    url: str | None
    current: bool = False


@dataclass
class Pagination:
    page: int
    pages: int
    previous_url: str | None = None
    next_url: str | None = None
    previous_json: str | None = None
    next_json: str | None = None
    links: list[PageLink] = field(default_factory=list)


def pagination(params: SearchParams, page: int, pages: int, url_for=None) -> Pagination:
    """First, last and a window of pages around the current one, with gaps between.

    `url_for(state, format=None)` builds the links (default: /search/; /kwic/ passes its own)."""
    url_for = url_for or links.search_url
    result = Pagination(page=page, pages=pages)
    if page > 1:
        previous = links.with_page(params, page - 1)
        result.previous_url = url_for(previous)
        result.previous_json = url_for(previous, format="json")
    if page < pages:
        following = links.with_page(params, page + 1)
        result.next_url = url_for(following)
        result.next_json = url_for(following, format="json")
    if pages <= 1:
        return result
    numbers = sorted({1, pages, *range(max(1, page - PAGE_WINDOW), min(pages, page + PAGE_WINDOW) + 1)})
    previous_number = 0
    for number in numbers:
        if number - previous_number > 1:
            result.links.append(PageLink(None, None))
        result.links.append(
            PageLink(number, url_for(links.with_page(params, number)), current=number == page)
        )
        previous_number = number
    return result
