"""Facet values as finished objects for the templates: value, label, count, selected, toggle_url.

Templates only loop over these; every link is built here from the parsed state (searchui.links).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from plans.models import Level
from plans.search.registry import FACET_NAMES, FACETS
from plans.search.types import FacetValue, SearchParams
from searchui import links

TOP_VALUES = 8  # shown before the "more" disclosure


@dataclass(frozen=True)
class FacetItem:
    value: str
    label: str
    count: int
    selected: bool
    toggle_url: str


@dataclass
class FacetGroup:
    name: str  # region / year / theme / level
    title: str
    top: list[FacetItem]
    more: list[FacetItem] = field(default_factory=list)
    clear_url: str | None = None  # set when something of this facet is selected

    @property
    def items(self) -> list[FacetItem]:
        return self.top + self.more

    @property
    def selected(self) -> list[FacetItem]:
        return [item for item in self.items if item.selected]


def facet_titles() -> dict[str, str]:
    """Each facet's title in the page's language (plans/search/registry.py)."""
    return {facet.name: str(facet.label) for facet in FACETS}


def level_label(value: str) -> str:
    try:
        return str(Level(value).label)
    except ValueError:
        return value


def _label(facet: str, value: str, given: str) -> str:
    if facet == "level":
        return level_label(value)
    if facet == "year":
        return _("%(year)s年") % {"year": value}
    return given or value


def _order_key(facet: str, region_order: Mapping[str, int]) -> Callable[[FacetValue], tuple]:
    if facet == "year":
        return lambda fv: (-int(fv.value),)
    if facet == "level":
        order = {value: i for i, value in enumerate(Level.values)}
        return lambda fv: (order.get(fv.value, 99),)
    if facet == "region":
        return lambda fv: (-fv.count, region_order.get(fv.value, 999), fv.value)
    return lambda fv: (-fv.count, fv.value)


def build_facet(
    facet: str,
    values: Sequence[FacetValue],
    params: SearchParams,
    *,
    region_order: Mapping[str, int] | None = None,
    top: int = TOP_VALUES,
    urls: links.ToggleUrls | None = None,
) -> FacetGroup:
    """One facet of the sidebar. Selected values always show (with count 0 if the engine left them out) and
    always sit in the visible part; the rest are split into the top values and the "more" disclosure."""
    selected_values = {str(v) for v in getattr(params, links.FACET_FIELD[facet])}
    if facet == "year":  # a plan without a year has no bucket to filter by
        values = [fv for fv in values if fv.value.isdigit()]
    by_value = {fv.value: fv for fv in values if fv.count > 0 or fv.value in selected_values}
    for value in selected_values - by_value.keys():
        by_value[value] = FacetValue(value=value, count=0)
    ordered = sorted(by_value.values(), key=_order_key(facet, region_order or {}))
    urls = urls or links.ToggleUrls(params)

    items = [
        FacetItem(
            value=fv.value,
            label=_label(facet, fv.value, fv.label),
            count=fv.count,
            selected=fv.value in selected_values,
            toggle_url=urls.toggled(facet, fv.value),
        )
        for fv in ordered
    ]
    visible = items[:top]
    hidden = items[top:]
    visible += [item for item in hidden if item.selected]
    hidden = [item for item in hidden if not item.selected]
    has_selection = bool(selected_values) or (
        facet == "year" and (params.year_from is not None or params.year_to is not None)
    )
    clear_url = links.search_url(links.clear_facet(params, facet)) if has_selection else None
    return FacetGroup(name=facet, title=facet_titles()[facet], top=visible, more=hidden, clear_url=clear_url)


def build_facets(
    facets: Mapping[str, Sequence[FacetValue]],
    params: SearchParams,
    *,
    region_order: Mapping[str, int] | None = None,
) -> list[FacetGroup]:
    """The sidebar facets in the registry's order."""
    urls = links.ToggleUrls(params)
    return [
        build_facet(name, facets.get(name, []), params, region_order=region_order, urls=urls)
        for name in FACET_NAMES
    ]
