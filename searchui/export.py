"""Machine-readable answers: the JSON of /search/ and /plans/<id>/, and the CSV of a whole result set.

The JSON keys are a contract with tools outside the repository (README: Search pages and URLs): fields may
be added, never renamed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence

from plans.models import Plan
from searchui.facets import FacetGroup, level_label

CSV_COLUMNS = [
    ("id", "ID"),
    ("title", "标题"),
    ("region", "地区"),
    ("level", "层级"),
    ("year", "年份"),
    ("date", "发布日期"),
    ("issuer", "发布机构"),
    ("doc_number", "文号"),
    ("index_number", "索引号"),
    ("themes", "主题"),
    ("url", "链接"),
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

AbsoluteUrl = Callable[[str], str]


def plan_metadata(plan: Plan, absolute: AbsoluteUrl) -> dict:
    """The metadata of one plan, shared by the search results and the plan JSON."""
    return {
        "id": plan.pk,
        "title": plan.title,
        "region": plan.region.name if plan.region_id else None,
        "year": plan.year,
        "date": plan.published_on.isoformat() if plan.published_on else None,
        "level": plan.level or None,
        "level_label": level_label(plan.level) if plan.level else None,
        "issuer": plan.issuer,
        "doc_number": plan.doc_number,
        "index_number": plan.index_number,
        "themes": [theme.name for theme in plan.themes.all()],
        "url": absolute(plan.get_absolute_url()),
    }


def facets_json(groups: Iterable[FacetGroup], absolute: AbsoluteUrl) -> dict:
    return {
        group.name: [
            {
                "value": item.value,
                "label": item.label,
                "count": item.count,
                "selected": item.selected,
                "toggle_url": absolute(item.toggle_url),
            }
            for item in group.items
        ]
        for group in groups
    }


def search_json(page: dict, absolute: AbsoluteUrl) -> dict:
    """The JSON answer of /search/?format=json from the results page context (see views.search)."""
    params = page["params"]
    result = page["result"]
    results = []
    for hit in page["hits"]:
        item = plan_metadata(hit.plan, absolute)
        item.update(
            {
                "score": hit.score,
                "html_url": absolute(hit.url),
                "snippet": hit.snippet,
                "sections": [
                    {
                        "heading": section.heading,
                        "anchor": section.anchor,
                        "url": absolute(section.url),
                        "snippet": section.snippet,
                    }
                    for section in hit.sections
                ],
            }
        )
        results.append(item)
    pagination = page["pagination"]
    return {
        "query": params.q,
        "count": result.count,
        "page": result.page,
        "pages": result.pages,
        "page_size": result.page_size,
        "sort": params.sort,
        "filters": {
            "region": list(params.regions),
            "year": list(params.years),
            "theme": list(params.themes),
            "level": list(params.levels),
            "year_from": params.year_from,
            "year_to": params.year_to,
        },
        "terms": list(result.terms),
        "took_ms": round(result.took_ms, 1),
        "url": absolute(page["canonical_url"]),
        "next": absolute(pagination.next_json) if pagination.next_json else None,
        "previous": absolute(pagination.previous_json) if pagination.previous_json else None,
        "results": results,
        "facets": facets_json(page["facets"], absolute),
        "notices": list(page["notices"]),
    }


def plan_json(plan: Plan, absolute: AbsoluteUrl) -> dict:
    """The JSON answer of /plans/<id>/?format=json: metadata, themes with their keywords, sections, text."""
    data = plan_metadata(plan, absolute)
    data.update(
        {
            "city": plan.city,
            "source": plan.source,
            "themes_detail": [
                {"name": pt.theme.name, "score": pt.score, "matched": pt.matched}
                for pt in plan.plan_themes.all()
            ],
            "sections": [
                {
                    "order": section.order,
                    "depth": section.depth,
                    "number": section.number,
                    "heading": section.heading,
                    "anchor": section.anchor,
                    "url": absolute(f"{plan.get_absolute_url()}#{section.anchor}"),
                    "themes": [
                        {"name": st.theme.name, "score": st.score, "matched": st.matched}
                        for st in section.section_themes.all()
                    ],
                    "text": section.text,
                }
                for section in plan.sections.all()
            ],
            "text": plan.text,
        }
    )
    return data


def _cell(value) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_rows(
    plans: Iterable[Plan], absolute: AbsoluteUrl, extra: Sequence[tuple[str, Callable[[Plan], str]]] = ()
) -> Iterator[str]:
    """The CSV of a result set as encoded lines: a UTF-8 BOM (so Excel reads Chinese), a header, a row per plan.
    `extra` adds columns after the standard ones: (header, value of a plan), e.g. a collection's notes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([header for _, header in CSV_COLUMNS] + [header for header, _ in extra])
    yield "\ufeff" + flush()
    for plan in plans:
        meta = plan_metadata(plan, absolute)
        meta["themes"] = "；".join(meta["themes"])
        meta["level"] = meta["level_label"] or ""
        writer.writerow(
            [_cell(meta[key]) for key, _ in CSV_COLUMNS] + [_cell(value(plan)) for _, value in extra]
        )
        yield flush()
