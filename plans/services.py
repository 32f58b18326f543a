"""Writes to plans, sections and theme assignments. Keyword-only, typed, one transaction each.

The ingest pipeline and the admin both write through these functions; nothing else saves a Plan. Indexing is
not done here: the search package hooks Plan saves (transaction.on_commit) and indexes what was committed.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from plans.ingest.clean import checksum as text_checksum
from plans.ingest.sections import PreparedSection, parse_sections
from plans.ingest.themes import ThemeMatch, ThemeSpec, plan_themes, section_themes
from plans.models import PLAN_METADATA_FIELDS, Plan, PlanTheme, Region, Section, SectionTheme, Theme

# Fields staff may change on a plan (the admin form) and ingest may set.
EDITABLE_FIELDS = (
    *PLAN_METADATA_FIELDS,
    "source",
    "text",
    "needs_review",
    "review_notes",
)


def theme_specs() -> list[ThemeSpec]:
    """The theme taxonomy as it is in the database now."""
    return [ThemeSpec(t.name, tuple(t.keyword_list), t.min_hits) for t in Theme.objects.all()]


def _store_original(plan: Plan, filename: str, data: bytes) -> None:
    old_name = plan.original_file.name if plan.original_file else ""
    plan.original_file.save(PurePath(filename).name or "plan.txt", ContentFile(data), save=False)
    if old_name and old_name != plan.original_file.name:
        # The old file goes only once the new row is committed, so a rollback loses nothing.
        storage = plan.original_file.storage
        transaction.on_commit(lambda: storage.delete(old_name))


@transaction.atomic
def plan_create(
    *,
    title: str,
    text: str,
    checksum: str | None = None,
    issuer: str = "",
    region: Region | None = None,
    level: str = "",
    city: str = "",
    year: int | None = None,
    published_on: datetime.date | None = None,
    doc_number: str = "",
    index_number: str = "",
    source: str = "",
    original_filename: str = "",
    original_data: bytes | None = None,
    extraction: Mapping[str, Any] | None = None,
    needs_review: bool = False,
    review_notes: str = "",
) -> Plan:
    """Create a plan (sections and themes are set by plan_set_outline). The checksum defaults to the text's."""
    plan = Plan(
        title=title[:300],
        text=text,
        checksum=checksum or text_checksum(text),
        issuer=issuer[:200],
        region=region,
        level=level,
        city=city[:50],
        year=year,
        published_on=published_on,
        doc_number=doc_number[:100],
        index_number=index_number[:100],
        source=source[:500],
        extraction=dict(extraction or {}),
        needs_review=needs_review,
        review_notes=review_notes,
    )
    if original_data is not None:
        _store_original(plan, original_filename or source or "plan.txt", original_data)
    try:
        plan.full_clean(exclude=["original_file", "checksum"])
        plan.save()
    except Exception:
        if plan.original_file:
            plan.original_file.storage.delete(plan.original_file.name)
        raise
    return plan


@transaction.atomic
def plan_update(*, plan: Plan, manual: bool = False, **changes: Any) -> Plan:
    """Change fields of a plan. A new text re-parses sections and themes and updates the checksum.

    With manual=True (the admin) each changed field is marked "manual" in `extraction`, so a later
    `ingest --update` of the same file keeps what a person corrected.
    """
    unknown = (
        set(changes) - set(EDITABLE_FIELDS) - {"extraction", "original_filename", "original_data", "checksum"}
    )
    if unknown:
        raise TypeError(f"plan_update() got unknown fields: {', '.join(sorted(unknown))}")
    original_filename = changes.pop("original_filename", "")
    original_data = changes.pop("original_data", None)
    text_changed = "text" in changes and changes["text"] != plan.text
    for name, value in changes.items():
        if manual and name in EDITABLE_FIELDS and getattr(plan, name) != value:
            shown = value.isoformat() if isinstance(value, datetime.date) else getattr(value, "name", value)
            plan.extraction[name] = {"value": shown, "method": "manual", "evidence": "", "confidence": 1.0}
        setattr(plan, name, value)
    if text_changed and "checksum" not in changes:
        plan.checksum = text_checksum(plan.text)
    if original_data is not None:
        _store_original(plan, original_filename or plan.source or "plan.txt", original_data)
    plan.full_clean(exclude=["original_file", "checksum"])
    plan.save()
    if text_changed:
        plan_set_outline(plan=plan, sections=parse_sections(plan.text))
    return plan


@transaction.atomic
def plan_delete(*, plan: Plan) -> None:
    """Delete a plan, its sections and theme assignments; the stored original goes once the delete commits."""
    name = plan.original_file.name if plan.original_file else ""
    storage = plan.original_file.storage
    plan.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def section_from_prepared(*, plan: Plan, prepared: PreparedSection) -> Section:
    """An unsaved Section for one parsed outline entry, cut to the model's field lengths (parent not set)."""
    return Section(
        plan=plan,
        order=prepared.order,
        depth=prepared.depth,
        number=prepared.number[:20],
        heading=prepared.heading[:500],
        text=prepared.text,
        anchor=prepared.anchor[:40],
        start=prepared.start,
        end=prepared.end,
    )


def _create_sections(plan: Plan, sections: Sequence[PreparedSection]) -> list[Section]:
    """Insert the outline one tree level per query: a section's parent row exists (with its id) before it."""
    created: list[Section | None] = [None] * len(sections)
    depth_of: list[int] = []
    for prepared in sections:  # parents precede their children, so the tree depth is known in one pass
        depth_of.append(0 if prepared.parent is None else depth_of[prepared.parent] + 1)
    for level in range(max(depth_of, default=-1) + 1):
        batch = []
        for index, prepared in enumerate(sections):
            if depth_of[index] != level:
                continue
            section = section_from_prepared(plan=plan, prepared=prepared)
            section.parent = created[prepared.parent] if prepared.parent is not None else None
            created[index] = section
            batch.append(section)
        Section.objects.bulk_create(batch)
    return [section for section in created if section is not None]


@transaction.atomic
def plan_set_outline(
    *,
    plan: Plan,
    sections: Sequence[PreparedSection],
    specs: Sequence[ThemeSpec] | None = None,
    matches: OutlineThemes | None = None,
) -> list[Section]:
    """Replace the plan's sections (with parent links) and re-assign plan and section themes.

    Written in bulk (one insert per outline level, one for all theme rows), as ingest of a large collection needs.
    `matches` are the themes already computed for this text and taxonomy (ingest's prepare step); without them
    they are computed here from `specs` (default: the taxonomy in the database).
    """
    plan.sections.all().delete()
    created = _create_sections(plan, sections)
    plan_assign_themes(plan=plan, specs=specs, matches=matches, sections=created)
    return created


@dataclass(frozen=True)
class OutlineThemes:
    """The theme matches of one plan's text and of each of its sections (in outline order)."""

    plan: Mapping[str, ThemeMatch]
    sections: Sequence[Mapping[str, ThemeMatch]]


def outline_themes(text: str, sections: Sequence[Any], specs: Sequence[ThemeSpec]) -> OutlineThemes:
    """Match the taxonomy against a plan's text and each section (PreparedSection or Section: heading, text)."""
    return OutlineThemes(
        plan_themes(text, specs), [section_themes(s.heading, s.text, specs) for s in sections]
    )


def _theme_rows(model, matches: Mapping[str, ThemeMatch], themes: Mapping[str, Theme], **owner) -> list:
    """Unsaved theme rows (PlanTheme or SectionTheme) for one owner's matches; themes no longer in the table drop."""
    return [
        model(theme=themes[name], score=match.score, matched=dict(match.matched), **owner)
        for name, match in matches.items()
        if name in themes
    ]


def _row_state(rows) -> dict[str, tuple[float, dict]]:
    return {row.theme.name: (row.score, row.matched) for row in rows}


def _match_state(
    matches: Mapping[str, ThemeMatch], themes: Mapping[str, Theme]
) -> dict[str, tuple[float, dict]]:
    return {name: (m.score, dict(m.matched)) for name, m in matches.items() if name in themes}


@transaction.atomic
def plan_assign_themes(
    *,
    plan: Plan,
    specs: Sequence[ThemeSpec] | None = None,
    matches: OutlineThemes | None = None,
    sections: Sequence[Section] | None = None,
) -> bool:
    """(Re-)assign the themes of a plan and its sections from the current taxonomy; True if anything changed.

    Reads the current rows in two queries and writes only what differs (one delete and one insert per kind), so
    that an unchanged plan is neither rewritten nor re-indexed.
    """
    themes = {theme.name: theme for theme in Theme.objects.all()}
    if sections is None:
        sections = list(plan.sections.order_by("order"))
    if matches is None:
        specs = theme_specs() if specs is None else specs
        matches = outline_themes(plan.text, sections, specs)
    changed = False
    if _row_state(plan.plan_themes.select_related("theme")) != _match_state(matches.plan, themes):
        plan.plan_themes.all().delete()
        PlanTheme.objects.bulk_create(_theme_rows(PlanTheme, matches.plan, themes, plan=plan))
        changed = True
    current: dict[int, list[SectionTheme]] = {}
    for row in SectionTheme.objects.filter(section__plan=plan).select_related("theme"):
        current.setdefault(row.section_id, []).append(row)
    stale: list[int] = []
    new_rows: list[SectionTheme] = []
    for section, section_matches in zip(sections, matches.sections, strict=True):
        if _row_state(current.get(section.pk, [])) != _match_state(section_matches, themes):
            stale.append(section.pk)
            new_rows += _theme_rows(SectionTheme, section_matches, themes, section=section)
    if stale:
        SectionTheme.objects.filter(section_id__in=stale).delete()
        SectionTheme.objects.bulk_create(new_rows)
        changed = True
    if changed:
        plan.save(update_fields=["updated_at"])  # a save the search index hears about: themes are a facet
    return changed
