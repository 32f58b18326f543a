"""The facets and a plan's metadata fields, declared once.

Everything that needs to know which facets exist, or which metadata a plan shows, reads this module: the index
schema and its prepared values (engines/whoosh/indexes.py), the snapshot's columns (snapshot.COLUMN_NAMES and
the adapter's column reader), facet counting and filtering (facets.py), cross counts (engine.py), URL parsing
and canonical links (searchui/params.py, searchui/links.py), the sidebar and filter chips (searchui/facets.py,
searchui/views.py), and the JSON and CSV answers (searchui/export.py).

Adding a facet: one `Facet` here (with a column the engine fills, a SearchParams field, a vocabulary for URL
values), and the pages, JSON, CSV and counts follow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

FacetKind = Literal["value", "number", "list"]  # one string, one integer, or several strings per plan


def _region(plan) -> str:
    return plan.region.name if plan.region_id else ""


def _themes(plan) -> list[str]:
    return sorted(theme.name for theme in plan.themes.all())


@dataclass(frozen=True)
class Facet:
    """A facet: filterable in the URL, counted over every result set, one column of the snapshot."""

    name: str  # the URL parameter, the key of SearchResult.facets and of the JSON's facets and filters
    params_field: str  # the SearchParams attribute holding the selected values
    column: str  # the Snapshot column (plans.search.snapshot.COLUMN_NAMES) holding each plan's value(s)
    index_field: str  # the stored field of the index the column is read from
    label: Promise  # shown in the page's language
    kind: FacetKind
    source: Callable  # plan -> its value(s) at indexing time ("" / 0 / [] when it has none)
    vocabulary: str | None = None  # searchui.params.Vocabulary attribute mapping URL aliases to values

    @property
    def empty(self):
        """The column value of a plan without this facet (never counted, never a filter value)."""
        return {"value": "", "number": 0, "list": ()}[self.kind]


FACETS: tuple[Facet, ...] = (
    Facet("region", "regions", "regions", "region", _("地区"), "value", _region, vocabulary="regions"),
    Facet("year", "years", "years", "year", _("年份"), "number", lambda plan: plan.year or 0),
    Facet("theme", "themes", "themes", "themes", _("主题"), "list", _themes, vocabulary="themes"),
    Facet(
        "level",
        "levels",
        "levels",
        "level",
        _("层级"),
        "value",
        lambda plan: plan.level or "",
        vocabulary="levels",
    ),
)
FACET_BY_NAME = {facet.name: facet for facet in FACETS}
FACET_NAMES = tuple(facet.name for facet in FACETS)


@dataclass(frozen=True)
class MetadataField:
    """A piece of a plan's metadata as the JSON (key) and the CSV (column header) show it."""

    key: str  # JSON key of a result / plan, and CSV column
    csv_header: str  # the CSV's header (Chinese: the file's audience reads the source language)
    label: Promise
    column: str | None = None  # the Snapshot column holding it (normalised), when the engine keeps one


METADATA: tuple[MetadataField, ...] = (
    MetadataField("id", "ID", _("编号")),
    MetadataField("title", "标题", _("标题")),
    MetadataField("region", "地区", _("地区"), column="regions"),
    MetadataField("level", "层级", _("层级"), column="levels"),
    MetadataField("year", "年份", _("年份"), column="years"),
    MetadataField("date", "发布日期", _("发布日期"), column="date_keys"),
    MetadataField("issuer", "发布机构", _("发布机构"), column="issuers"),
    MetadataField("doc_number", "文号", _("文号"), column="doc_numbers"),
    MetadataField("index_number", "索引号", _("索引号")),
    MetadataField("themes", "主题", _("主题"), column="themes"),
    MetadataField("url", "链接", _("链接")),
)
