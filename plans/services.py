"""Writes to plans, sections and theme assignments. Keyword-only, typed, one transaction each.

The ingest pipeline and the admin both write through these functions; nothing else saves a Plan. Indexing is
not done here: the search package hooks Plan saves (transaction.on_commit) and indexes what was committed.
Relations (citations, reused passages: plans.relations) are written here, in the same transaction as the plan.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from plans.ingest.clean import checksum as text_checksum
from plans.ingest.sections import PreparedSection, parse_sections
from plans.ingest.themes import ThemeMatch, ThemeSpec, plan_themes, section_themes
from plans.models import PLAN_METADATA_FIELDS, Plan, Region, Section, Theme
from plans.relations import services as relations

# Fields whose change, without a new text, changes how the plan relates to others (citation keys, regions).
RELATION_FIELDS = ("title", "doc_number", "region")

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
    relations_changed = any(
        name in changes and changes[name] != getattr(plan, name) for name in RELATION_FIELDS
    )
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
    elif relations_changed:
        relations.plan_metadata_changed(plan=plan)
    return plan


@transaction.atomic
def plan_delete(*, plan: Plan) -> None:
    """Delete a plan, its sections and theme assignments; the stored original goes once the delete commits."""
    name = plan.original_file.name if plan.original_file else ""
    storage = plan.original_file.storage
    relations.remove_plan_relations(plan=plan)
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


@transaction.atomic
def plan_set_outline(
    *,
    plan: Plan,
    sections: Sequence[PreparedSection],
    specs: Sequence[ThemeSpec] | None = None,
) -> list[Section]:
    """Replace the plan's sections (with parent links), re-assign plan and section themes, and recompute the
    plan's relations (its text is new: citations, reused passages)."""
    plan.sections.all().delete()
    created: list[Section] = []
    for prepared in sections:
        section = section_from_prepared(plan=plan, prepared=prepared)
        section.parent = created[prepared.parent] if prepared.parent is not None else None
        section.save()
        created.append(section)
    plan_assign_themes(plan=plan, specs=specs)
    relations.update_plan_relations(plan=plan)
    return created


def _replace_theme_rows(
    rows, matches: Mapping[str, ThemeMatch], themes: Mapping[str, Theme], **owner
) -> bool:
    """Make the theme rows of one plan or section (`rows`, a related manager) match `matches`.

    Writes only when something differs, so that an unchanged plan is not re-indexed; True if it wrote.
    """
    wanted = {name: (match.score, dict(match.matched)) for name, match in matches.items()}
    current = {row.theme.name: (row.score, row.matched) for row in rows.select_related("theme")}
    if wanted == current:
        return False
    rows.all().delete()
    rows.model.objects.bulk_create(
        rows.model(theme=themes[name], score=score, matched=matched, **owner)
        for name, (score, matched) in wanted.items()
        if name in themes
    )
    return True


@transaction.atomic
def plan_assign_themes(*, plan: Plan, specs: Sequence[ThemeSpec] | None = None) -> bool:
    """(Re-)assign the themes of a plan and its sections from the current taxonomy; True if anything changed."""
    specs = theme_specs() if specs is None else specs
    themes = {theme.name: theme for theme in Theme.objects.all()}
    changed = _replace_theme_rows(plan.plan_themes, plan_themes(plan.text, specs), themes, plan=plan)
    for section in plan.sections.all():
        matches = section_themes(section.heading, section.text, specs)
        changed |= _replace_theme_rows(section.section_themes, matches, themes, section=section)
    if changed:
        plan.save(update_fields=["updated_at"])  # a save the search index hears about: themes are a facet
    return changed
