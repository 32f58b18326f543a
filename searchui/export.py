"""Machine-readable answers: the JSON of /search/ and /plans/<id>/, and the CSV of a whole result set.

The JSON keys are a contract with tools outside the repository (README: Search pages and URLs): fields may
be added, never renamed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence

from plans.models import Plan
from plans.search.registry import FACETS, METADATA
from searchui.facets import FacetGroup, level_label

CSV_COLUMNS = [(field.key, field.csv_header) for field in METADATA]  # plans/search/registry.py
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
            **{facet.name: list(getattr(params, facet.params_field)) for facet in FACETS},
            "year_from": params.year_from,
            "year_to": params.year_to,
        },
        "terms": list(result.terms),
        "reading": result.reading,
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
                {
                    "name": pt.theme.name,
                    "score": pt.score,
                    "matched": pt.matched,
                    "weight": pt.weight,
                    "basis": pt.basis,
                }
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
                        {
                            "name": st.theme.name,
                            "score": st.score,
                            "matched": st.matched,
                            "weight": st.weight,
                            "basis": st.basis,
                        }
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


def csv_stream(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """Encoded CSV lines: a UTF-8 BOM (so Excel reads Chinese) and the header, then each row as it comes,
    every cell formula-safe. A generator, so a response can stream it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(list(header))
    yield "\ufeff" + flush()
    for row in rows:
        writer.writerow([_cell(value) for value in row])
        yield flush()


def csv_rows(
    plans: Iterable[Plan], absolute: AbsoluteUrl, extra: Sequence[tuple[str, Callable[[Plan], str]]] = ()
) -> Iterator[str]:
    """The CSV of a result set as encoded lines: a UTF-8 BOM (so Excel reads Chinese), a header, a row per plan.
    `extra` adds columns after the standard ones: (header, value of a plan), e.g. a collection's notes."""

    def rows() -> Iterator[list]:
        for plan in plans:
            meta = plan_metadata(plan, absolute)
            meta["themes"] = "；".join(meta["themes"])
            meta["level"] = meta["level_label"] or ""
            yield [meta[key] for key, _ in CSV_COLUMNS] + [value(plan) for _, value in extra]

    return csv_stream([header for _, header in CSV_COLUMNS] + [header for header, _ in extra], rows())
