"""Writes to plans, sections and theme assignments. Keyword-only, typed, one transaction each.

The ingest pipeline and the admin both write through these functions; nothing else saves a Plan. Indexing is
not done here: the search package hooks Plan saves (transaction.on_commit) and indexes what was committed.
Relations (citations, reused passages: plans.relations) are written here, in the same transaction as the plan.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import PurePath
from typing import Any

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import BigIntegerField, Exists, F, OuterRef, Prefetch, Q, Sum
from django.db.models.functions import Cast, Round

from plans.ingest.clean import checksum as text_checksum
from plans.ingest.sections import PreparedSection, parse_sections
from plans.ingest.themes import (
    CollectionStats,
    OutlineEntry,
    ThemeEvidence,
    ThemeMatch,
    ThemeSpec,
    decide,
    decision_margin,
    density_decided,
    plan_evidence,
    section_themes,
    section_threshold,
)
from plans.models import (
    PLAN_METADATA_FIELDS,
    THEME_UNITS,
    Plan,
    PlanTheme,
    Region,
    Section,
    SectionDensity,
    SectionTheme,
    Theme,
    ThemeAnchor,
    ThemeShare,
    ThemeTotal,
)
from plans.relations import services as relations

# Fields whose change, without a new text, changes how the plan relates to others (citation keys, regions, the
# order in which plans shared a passage).
RELATION_FIELDS = ("title", "doc_number", "region", "year", "published_on")

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
    """Delete a plan, its sections and theme assignments; the stored original goes once the delete commits.
    The plan leaves the collection's averages, so plans they tip over a theme's threshold are re-decided."""
    name = plan.original_file.name if plan.original_file else ""
    storage = plan.original_file.storage
    relations.remove_plan_relations(plan=plan)
    lock_theme_totals()
    plan.delete()
    if not _deferred.get():
        specs, themes = _theme_context(None)
        _reconcile(specs, themes, theme_stats())
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
) -> list[Section]:
    """Replace the plan's sections (with parent links), re-assign plan and section themes, and recompute the
    plan's relations (its text is new: citations, reused passages).

    Sections are written in bulk (one insert per outline level), as ingest of a large collection needs; the
    themes are weighed against the collection (plan_assign_themes).
    """
    plan.sections.all().delete()
    created = _create_sections(plan, sections)
    plan_assign_themes(plan=plan, specs=specs)
    relations.update_plan_relations(plan=plan)
    return created


def outline_entries(sections: Sequence[Section]) -> list[OutlineEntry]:
    """Stored sections (in outline order) as the theme matcher reads them."""
    position = {section.pk: index for index, section in enumerate(sections)}
    return [OutlineEntry(s.heading, s.text, position.get(s.parent_id), s.start, s.end) for s in sections]


def theme_stats() -> CollectionStats:
    """The collection's shares and densities of each theme now: the sums the database keeps per theme
    (ThemeTotal, one row a theme), no plan text read and no pass over the ThemeShare rows."""
    totals = ThemeTotal.objects.values_list("theme__name", "share_units", "score_units")
    shares, densities = {}, {}
    for name, share_units, score_units in totals:
        shares[name] = share_units / THEME_UNITS
        densities[name] = score_units / THEME_UNITS
    return CollectionStats(Plan.objects.count(), shares, densities)


def lock_theme_totals() -> None:
    """Lock the ThemeTotal rows, in theme order, before this transaction changes ThemeShare rows (PostgreSQL;
    SQLite locks the whole database anyway). The triggers then update totals this transaction holds already:
    two saves at once wait for each other instead of locking themes in different orders (a deadlock)."""
    missing = Theme.objects.exclude(total__isnull=False).order_by("pk").values_list("pk", flat=True)
    if missing:  # a trigger would insert them in the order of the rows it meets: create them in theme order
        ThemeTotal.objects.bulk_create([ThemeTotal(theme_id=pk) for pk in missing], ignore_conflicts=True)
    list(ThemeTotal.objects.select_for_update().order_by("pk").values_list("pk", flat=True))


def theme_totals_recounted() -> dict[int, tuple[int, int]]:
    """{theme id: (share units, score units)} summed over the ThemeShare rows now, as the triggers keeping
    ThemeTotal count each row: what the kept totals must equal (a check, and the tests' oracle)."""
    units = float(THEME_UNITS)
    sums = (
        ThemeShare.objects.values_list("theme_id")
        .annotate(
            shares=Sum(Cast(Round(F("share") * units), BigIntegerField())),
            densities=Sum(Cast(Round(F("score") * units), BigIntegerField())),
        )
        .values_list("theme_id", "shares", "densities")
        .order_by()
    )
    return {pk: (shares, densities) for pk, shares, densities in sums}


def _evidence_rows(plan: Plan) -> dict[str, ThemeEvidence]:
    return {
        row.theme.name: ThemeEvidence(row.hits, row.matched, row.share, row.score, row.headed)
        for row in plan.theme_shares.select_related("theme")
    }


def _store_evidence(plan: Plan, evidence: Mapping[str, ThemeEvidence], themes: Mapping[str, Theme]) -> None:
    """Replace the plan's ThemeShare rows (every theme it mentions, assigned or not)."""
    if _evidence_rows(plan) == dict(evidence):
        return
    lock_theme_totals()
    plan.theme_shares.all().delete()
    ThemeShare.objects.bulk_create(
        ThemeShare(
            plan=plan,
            theme=themes[name],
            hits=e.hits,
            share=e.share,
            score=e.score,
            matched=e.matched,
            headed=e.headed,
        )
        for name, e in evidence.items()
        if name in themes
    )


def _replace_theme_rows(
    rows, matches: Mapping[str, ThemeMatch], themes: Mapping[str, Theme], **owner
) -> bool:
    """Make the theme rows of one plan or section (`rows`, a related manager) match `matches`.

    A different set of themes or keyword counts replaces the rows (and is reported: True, so the plan is
    re-indexed); a weight or basis that only moved with the collection's averages is updated in place, quietly.
    """
    wanted = {name: (match.score, dict(match.matched)) for name, match in matches.items() if name in themes}
    current = {row.theme.name: row for row in rows.select_related("theme")}
    if wanted == {name: (row.score, row.matched) for name, row in current.items()}:
        moved = [
            row
            for name, row in current.items()
            if (row.weight, row.basis) != (matches[name].weight, matches[name].basis)
        ]
        for row in moved:
            row.weight, row.basis = matches[row.theme.name].weight, matches[row.theme.name].basis
        rows.model.objects.bulk_update(moved, ["weight", "basis"])
        return False
    rows.all().delete()
    rows.model.objects.bulk_create(
        rows.model(
            theme=themes[name],
            score=matches[name].score,
            matched=matches[name].matched,
            weight=matches[name].weight,
            basis=matches[name].basis,
            **owner,
        )
        for name in wanted
    )

    return True


def _theme_context(specs: Sequence[ThemeSpec] | None) -> tuple[list[ThemeSpec], dict[str, Theme]]:
    specs = theme_specs() if specs is None else list(specs)
    return specs, {theme.name: theme for theme in Theme.objects.all()}


def _store_plan_evidence(
    plan: Plan, specs: Sequence[ThemeSpec], themes: Mapping[str, Theme]
) -> list[Section]:
    """Keyword counts and shares of every theme from the plan's text, stored; returns its sections."""
    sections = list(plan.sections.order_by("order"))
    _store_evidence(plan, plan_evidence(plan.text, outline_entries(sections), specs), themes)
    return sections


def _decide_sections(sections: Sequence[Section], specs, themes, stats: CollectionStats) -> bool:
    """Each section's themes against the collection's densities, and the sections whose themes the density
    threshold decides (SectionDensity, for _reconcile_sections); True if any section's themes changed.
    Reads the sections' current rows in two queries and writes only what differs."""
    ids = [section.pk for section in sections]
    current: dict[int, dict[str, SectionTheme]] = {pk: {} for pk in ids}
    for row in SectionTheme.objects.filter(section__in=ids).select_related("theme"):
        current[row.section_id][row.theme.name] = row
    densities: dict[int, dict[str, float]] = {pk: {} for pk in ids}
    for section_id, name, density in SectionDensity.objects.filter(section__in=ids).values_list(
        "section_id", "theme__name", "density"
    ):
        densities[section_id][name] = density
    replaced, created, moved, redensified, new_densities = [], [], [], [], []
    for section in sections:
        matches = {
            name: match
            for name, match in section_themes(section.heading, section.text, specs, stats).items()
            if name in themes
        }
        rows = current[section.pk]
        if {n: (m.score, m.matched) for n, m in matches.items()} != {
            n: (r.score, r.matched) for n, r in rows.items()
        }:
            replaced.append(section.pk)
            created += [
                SectionTheme(
                    section=section,
                    theme=themes[name],
                    score=m.score,
                    matched=m.matched,
                    weight=m.weight,
                    basis=m.basis,
                )
                for name, m in matches.items()
            ]
        else:
            for name, row in rows.items():
                if (row.weight, row.basis) != (matches[name].weight, matches[name].basis):
                    row.weight, row.basis = matches[name].weight, matches[name].basis
                    moved.append(row)
        decided = {
            n: d for n, d in density_decided(section.heading, section.text, specs).items() if n in themes
        }
        if decided != densities[section.pk]:
            redensified.append(section.pk)
            new_densities += [
                SectionDensity(section=section, theme=themes[n], density=d) for n, d in decided.items()
            ]
    SectionTheme.objects.filter(section__in=replaced).delete()
    SectionTheme.objects.bulk_create(created)
    SectionTheme.objects.bulk_update(moved, ["weight", "basis"])
    SectionDensity.objects.filter(section__in=redensified).delete()
    SectionDensity.objects.bulk_create(new_densities)
    return bool(replaced)


def _decide_plan(plan: Plan, specs, themes, stats: CollectionStats) -> bool:
    """The plan's themes from its stored shares and the collection's averages; True if the set changed."""
    return _replace_theme_rows(
        plan.plan_themes, decide(_evidence_rows(plan), specs, stats), themes, plan=plan
    )


def _touch(plans: Iterable[Plan]) -> None:
    for plan in plans:
        plan.save(update_fields=["updated_at"])  # a save the search index hears about: themes are a facet


def _any_of(conditions: Iterable[Q]) -> Q:
    combined = Q(pk__in=[])  # matches nothing: no theme, no flip
    for condition in conditions:
        combined |= condition
    return combined


# Float sums of the same shares in another order differ in their last digits: margins are kept this much short.
MARGIN_SLACK = 1e-9
# A margin with no comparison that can change (a plan that mentions no theme often enough), kept finite for the DB.
MARGIN_NONE = 1e9
# The averages drift from the anchor, so more plans come near a flip with every ingest. Once the plans
# re-decided by margin since the anchor add up to this part of the collection (what one full pass reads), the
# next reconcile is a full pass that re-anchors: no sequence of ingests costs more than twice the best choice.
REANCHOR_FRACTION = 1.0
REANCHOR_MIN_PLANS = 50  # ... or to this many plans, in a small collection


def _chunks(ids: Sequence[int], size: int = 900) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _drift(specs: Sequence[ThemeSpec], stats: CollectionStats) -> float | None:
    """How far the averages have moved since the anchor: the largest change of any theme's average share (None:
    no anchor, or the taxonomy changed since, so no stored margin is valid)."""
    return _anchor_drift(specs, stats)[1]


def _anchor_drift(specs, stats: CollectionStats) -> tuple[ThemeAnchor | None, float | None]:
    anchor = ThemeAnchor.objects.first()
    if anchor is None or anchor.min_hits != {spec.name: spec.min_hits for spec in specs}:
        return anchor, None
    try:
        drift = max(
            (abs(stats.average_share(spec.name) - anchor.averages[spec.name]) for spec in specs), default=0.0
        )
    except KeyError:
        return anchor, None
    return anchor, drift


def _margin(
    evidence: Mapping[str, ThemeEvidence], specs, stats: CollectionStats, drift: float | None
) -> float:
    """The margin to store for a plan decided against `stats`, valid against the anchor (drift from it taken
    off: a lower bound); -1 when there is no anchor (the next reconcile re-anchors)."""
    if drift is None:
        return -1.0
    return min(decision_margin(evidence, specs, stats), MARGIN_NONE) - drift - MARGIN_SLACK


def _write_margins(margins: Iterable[tuple[int, float]]) -> None:
    """Store (plan id, margin) pairs: one parameterised UPDATE run for every pair (executemany), which both
    databases run far faster than bulk_update's CASE expression over thousands of rows."""
    table = connection.ops.quote_name(Plan._meta.db_table)
    column = connection.ops.quote_name(Plan._meta.get_field("theme_margin").column)
    key = connection.ops.quote_name(Plan._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {column} = %s WHERE {key} = %s",
            [(margin, pk) for pk, margin in margins],
        )


def _redecide(ids: Sequence[int], specs, themes, stats: CollectionStats, drift: float) -> list[Plan]:
    """Re-decide the plans `ids` from their stored shares (only their rows are read) and store their new
    margins; returns those whose themes changed."""
    evidence: dict[int, dict[str, ThemeEvidence]] = {pk: {} for pk in ids}
    held: dict[int, set[str]] = {pk: set() for pk in ids}
    for chunk in _chunks(ids):
        rows = ThemeShare.objects.filter(plan__in=chunk).values_list(
            "plan_id", "theme__name", "hits", "share", "score", "headed"
        )
        for plan_id, name, hits, share, score, headed in rows:
            evidence[plan_id][name] = ThemeEvidence(hits, {}, share, score, headed)
        for plan_id, name in PlanTheme.objects.filter(plan__in=chunk).values_list("plan_id", "theme__name"):
            held[plan_id].add(name)
    flips = [pk for pk in ids if set(decide(evidence[pk], specs, stats)) != held[pk]]
    changed = [
        plan
        for plan in Plan.objects.filter(pk__in=flips).defer("text")
        if _decide_plan(plan, specs, themes, stats)
    ]
    _write_margins((pk, _margin(evidence[pk], specs, stats, drift)) for pk in ids)
    ThemeAnchor.objects.update(redecided=F("redecided") + len(ids))
    return changed


def _reanchor(specs, themes, stats: CollectionStats) -> list[Plan]:
    """The full pass: re-decide every plan that the current averages change (reading every stored share), then
    make the current averages the anchor and store every plan's margin against them."""
    evidence: dict[int, dict[str, ThemeEvidence]] = {}
    rows = ThemeShare.objects.values_list("plan_id", "theme__name", "hits", "share", "score", "headed")
    for plan_id, name, hits, share, score, headed in rows.iterator(chunk_size=5000):
        evidence.setdefault(plan_id, {})[name] = ThemeEvidence(hits, {}, share, score, headed)
    held: dict[int, set[str]] = {}
    for plan_id, name in PlanTheme.objects.values_list("plan_id", "theme__name"):
        held.setdefault(plan_id, set()).add(name)
    flips = {
        plan_id
        for plan_id, items in evidence.items()
        if set(decide(items, specs, stats)) != held.get(plan_id, set())
    }
    flips.update(plan_id for plan_id in held if plan_id not in evidence)
    changed = [
        plan
        for plan in Plan.objects.filter(pk__in=flips).defer("text")
        if _decide_plan(plan, specs, themes, stats)
    ]
    ThemeAnchor.objects.all().delete()
    ThemeAnchor.objects.create(
        averages={spec.name: stats.average_share(spec.name) for spec in specs},
        min_hits={spec.name: spec.min_hits for spec in specs},
    )
    moved = []
    for pk, stored in Plan.objects.order_by("pk").values_list("pk", "theme_margin").iterator(chunk_size=5000):
        margin = _margin(evidence.get(pk, {}), specs, stats, 0.0)
        if margin != stored:
            moved.append((pk, margin))
    _write_margins(moved)
    return changed


def _reconcile(specs, themes, stats: CollectionStats, *, skip: int | None = None) -> list[Plan]:
    """Re-decide exactly the plans whose themes the current averages change, from the stored shares (no text
    read): this is how a new, changed or deleted plan moves the others (drift) without re-reading the collection.

    Every plan stores a margin: how far the averages may move from the anchor (ThemeAnchor, the averages of the
    last full pass) before its themes can change (themes.decision_margin). So only the plans whose margin is at
    most the drift since the anchor are read and re-decided (one indexed query); when they are too many (or there
    is no valid anchor) one full pass re-decides every plan and re-anchors. Returns the plans whose themes
    changed (saved, so the index hears of them)."""
    anchor, drift = _anchor_drift(specs, stats)
    changed = None
    if anchor is not None and drift is not None:
        budget = max(REANCHOR_MIN_PLANS, int(REANCHOR_FRACTION * stats.plans)) - anchor.redecided
        near = Plan.objects.filter(theme_margin__lte=drift)
        if skip is not None:
            near = near.exclude(pk=skip)
        ids = list(near.order_by("pk").values_list("pk", flat=True)[: max(budget, 0) + 1])
        if len(ids) <= budget:
            changed = _redecide(ids, specs, themes, stats, drift)
    if changed is None:
        changed = _reanchor(specs, themes, stats)
    _touch(changed)
    _reconcile_sections(specs, themes, stats, skip=skip)
    return changed


def _reconcile_sections(specs, themes, stats: CollectionStats, *, skip: int | None = None) -> None:
    """Re-decide exactly the sections a moved density threshold crosses: those above it without the theme and
    those holding it by density below it (SectionDensity, SectionTheme.score), reading those sections only."""
    limits = {
        themes[spec.name].pk: section_threshold(stats, spec.name) for spec in specs if spec.name in themes
    }
    above = _any_of(Q(theme_id=pk, density__gte=limit) for pk, limit in limits.items())
    below = _any_of(Q(theme_id=pk, score__lt=limit) for pk, limit in limits.items())
    held = SectionTheme.objects.filter(section=OuterRef("section"), theme=OuterRef("theme"))
    sections = set(
        SectionDensity.objects.filter(above).exclude(Exists(held)).values_list("section", flat=True)
    )
    by_density = SectionDensity.objects.filter(section=OuterRef("section"), theme=OuterRef("theme"))
    sections.update(
        SectionTheme.objects.filter(below).filter(Exists(by_density)).values_list("section", flat=True)
    )
    queryset = Section.objects.filter(pk__in=sections)
    if skip is not None:
        queryset = queryset.exclude(plan_id=skip)
    _decide_sections(list(queryset), specs, themes, stats)


@transaction.atomic
def sections_reconcile() -> None:
    """Bring every section's themes in line with the collection's current density thresholds (after plans were
    loaded in bulk); only the sections a threshold crosses are read."""
    specs, themes = _theme_context(None)
    _reconcile_sections(specs, themes, theme_stats())


_deferred: ContextVar[int] = ContextVar("themes_deferred", default=0)


@contextmanager
def themes_reconcile_deferred() -> Iterator[None]:
    """Within this block plan_assign_themes and plan_delete decide only their own plan; the other plans the
    moved averages change are re-decided once, when the block ends (a batch ingest: one reconcile, not one per
    file). Each plan still commits on its own. Should the process die before the end, nothing is lost: every
    plan's stored margin stays valid against the anchor, so the next reconcile (any ingest, delete, or
    `themes_reconcile`) re-decides exactly the plans the batch moved."""
    token = _deferred.set(_deferred.get() + 1)
    try:
        yield
    finally:
        _deferred.reset(token)
        if not _deferred.get():
            themes_reconcile()


@transaction.atomic
def themes_reconcile() -> list[Plan]:
    """Bring every plan's and section's themes in line with the collection's current averages (after a batch
    whose reconcile was deferred, or a crash inside one); returns the plans whose themes changed."""
    specs, themes = _theme_context(None)
    return _reconcile(specs, themes, theme_stats())


@transaction.atomic
def plan_assign_themes(*, plan: Plan, specs: Sequence[ThemeSpec] | None = None) -> bool:
    """(Re-)assign the themes of a plan and its sections from the current taxonomy, judged against the
    collection's averages with this plan counted in; True if anything of this plan changed.

    The averages move with the plan, so the few other plans they tip over a threshold are re-decided too
    (from their stored shares; see _reconcile), unless a batch defers that (themes_reconcile_deferred)."""
    specs, themes = _theme_context(specs)
    sections = _store_plan_evidence(plan, specs, themes)
    stats = theme_stats()
    changed = _decide_sections(sections, specs, themes, stats)
    changed |= _decide_plan(plan, specs, themes, stats)
    plan.theme_margin = _margin(_evidence_rows(plan), specs, stats, _drift(specs, stats))
    Plan.objects.filter(pk=plan.pk).update(theme_margin=plan.theme_margin)
    if changed:
        _touch([plan])
    if not _deferred.get():
        _reconcile(specs, themes, stats, skip=plan.pk)
    return changed


@transaction.atomic
def themes_reassign_all(*, specs: Sequence[ThemeSpec] | None = None, plans=None) -> list[Plan]:
    """Re-assign the themes of every plan (or of the `plans` queryset) from the current keywords; returns the
    plans whose themes changed. Two passes: each plan's text is read once for its shares, then every plan and
    section is decided against the averages of the whole collection (themes_decide_all)."""
    specs, themes = _theme_context(specs)
    queryset = (Plan.objects.all() if plans is None else plans).order_by("pk")
    for plan in queryset.iterator():
        _store_plan_evidence(plan, specs, themes)
    changed = {plan.pk: plan for plan in themes_decide_all(specs=specs, plans=queryset, touch=False)}
    if plans is not None:  # the subset's new shares moved the averages for the rest (those are touched there)
        for plan in _reconcile(specs, themes, theme_stats()):
            changed.pop(plan.pk, None)
    result = [changed[pk] for pk in sorted(changed)]
    _touch(result)
    return result


@transaction.atomic
def themes_decide_all(
    *, specs: Sequence[ThemeSpec] | None = None, plans=None, touch: bool = True
) -> list[Plan]:
    """Decide the themes of every plan (or of `plans`) and of its sections from the stored shares and the
    current averages, reading no plan text (after a bulk load, or as reassign's second pass); returns the plans
    whose themes changed, saved so that the index hears of them unless touch=False."""
    specs, themes = _theme_context(specs)
    stats = theme_stats()
    queryset = Plan.objects.all() if plans is None else Plan.objects.filter(pk__in=plans.values("pk"))
    changed = []
    for plan in (
        queryset.order_by("pk")
        .defer("text")
        .prefetch_related(Prefetch("sections", queryset=Section.objects.order_by("order")))
    ):
        sections = list(plan.sections.all())
        if _decide_sections(sections, specs, themes, stats) | _decide_plan(plan, specs, themes, stats):
            changed.append(plan)
    # Every margin (or the subset's, whose shares may be new) measured against the averages just used.
    if plans is None:
        _reanchor(specs, themes, stats)
    elif (drift := _drift(specs, stats)) is not None:
        _redecide(list(queryset.values_list("pk", flat=True)), specs, themes, stats, drift)
    if touch:
        _touch(changed)
    return changed
