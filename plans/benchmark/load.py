"""Put a benchmark corpus into the current database, and dump it back out for the other systems.

Two paths, and the results say which one ran:
- "ingest": every real report goes through the project's ingest API (`plans.ingest.ingest_path`), the pipeline a
  staff upload takes (extraction, cleaning, metadata, sections, themes, save, index).
- "bulk": plans are written with `bulk_create` (ids = corpus keys), themes assigned from the taxonomy keywords by
  ingest's rule (plans/ingest/themes.py, weighed against the whole loaded collection), then indexed with `plans.search.rebuild_index()`. Used for
  synthetic corpora (ingest per plan would spend the time budget on the extractor, not the index), and for loading
  a dump into a peer database so that every system searches exactly the same text under the same ids.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.core.management.color import no_style
from django.db import connection, transaction

from plans.benchmark.corpus import CorpusDoc, read_manifest
from plans.models import Plan, PlanTheme, Region, Section, SectionDensity, SectionTheme, Theme, ThemeShare
from plans.services import section_from_prepared, themes_reconcile_deferred

BULK_BATCH = 500


@dataclass
class LoadStats:
    """What loading cost: plans, bytes of title+text, seconds, and the path taken."""

    path: str
    plans: int = 0
    bytes: int = 0
    seconds: float = 0.0
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def plans_per_s(self) -> float:
        return self.plans / self.seconds if self.seconds else 0.0

    @property
    def mb_per_s(self) -> float:
        return self.bytes / 1e6 / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {**asdict(self), "plans_per_s": self.plans_per_s, "mb_per_s": self.mb_per_s}


def _reset_sequences() -> None:
    """After writing explicit ids, move PostgreSQL's id sequences past them (SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), [Plan, PlanTheme, Section, SectionTheme])
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _write_outline(plans: list[Plan], docs: list[CorpusDoc], specs, themes: dict[str, Theme]) -> None:
    """Sections, section themes and theme shares the way ingest derives them (its own parser and matcher),
    written in bulk. Plan themes are decided once every plan is in (_decide_plan_themes): they are weighed
    against the whole collection. Section themes here use the density floor alone (no collection yet)."""
    from plans.ingest.sections import parse_sections
    from plans.ingest.themes import OutlineEntry, density_decided, plan_evidence, section_themes

    share_rows: list[ThemeShare] = []
    sections: list[Section] = []
    parents: list[tuple[Section, Section]] = []
    section_matches: list[tuple[Section, dict]] = []
    for plan, doc in zip(plans, docs, strict=True):
        outline = parse_sections(doc.text)
        entries = [OutlineEntry(s.heading, s.text, s.parent, s.start, s.end) for s in outline]
        for name, item in plan_evidence(doc.text, entries, specs).items():
            share_rows.append(
                ThemeShare(
                    plan=plan,
                    theme=themes[name],
                    hits=item.hits,
                    share=item.share,
                    score=item.score,
                    matched=item.matched,
                    headed=item.headed,
                )
            )
        created: list[Section] = []
        for prepared in outline:
            section = section_from_prepared(plan=plan, prepared=prepared)
            if prepared.parent is not None:
                parents.append((section, created[prepared.parent]))
            created.append(section)
            section_matches.append((section, section_themes(prepared.heading, prepared.text, specs)))
        sections += created
    ThemeShare.objects.bulk_create(share_rows)
    Section.objects.bulk_create(sections)
    for section, parent in parents:
        section.parent = parent
    Section.objects.bulk_update([section for section, _ in parents], ["parent"], batch_size=1000)
    SectionDensity.objects.bulk_create(
        [
            SectionDensity(section=section, theme=themes[name], density=density)
            for section in sections
            for name, density in density_decided(section.heading, section.text, specs).items()
        ]
    )
    SectionTheme.objects.bulk_create(
        [
            SectionTheme(
                section=section,
                theme=themes[name],
                score=match.score,
                matched=match.matched,
                weight=match.weight,
                basis=match.basis,
            )
            for section, matches in section_matches
            for name, match in matches.items()
        ]
    )


DECIDE_BATCH = 5_000  # plan themes written at a time when deciding a bulk-loaded collection


def _decide_plan_themes(specs, themes: dict[str, Theme]) -> None:
    """Every bulk-loaded plan's themes from the stored shares and the whole collection's averages, in bulk.

    The shares are streamed in plan order and decided one plan at a time, the rows written DECIDE_BATCH at a
    time: at 100,000 plans the 1.5 million share rows never sit in memory at once."""
    from plans.ingest.themes import ThemeEvidence, decide
    from plans.services import theme_stats

    stats = theme_stats()
    fields = ("plan_id", "theme__name", "hits", "matched", "share", "score", "headed")
    rows: list[PlanTheme] = []

    def decided(plan_id: int, items: dict[str, ThemeEvidence]) -> None:
        for name, match in decide(items, specs, stats).items():
            rows.append(
                PlanTheme(
                    plan_id=plan_id,
                    theme=themes[name],
                    score=match.score,
                    matched=match.matched,
                    weight=match.weight,
                    basis=match.basis,
                )
            )

    shares = ThemeShare.objects.order_by("plan_id").values_list(*fields).iterator(chunk_size=10_000)
    with transaction.atomic():
        current, items = None, {}
        for plan_id, name, hits, matched, share, score, headed in shares:
            if plan_id != current:
                if current is not None:
                    decided(current, items)
                current, items = plan_id, {}
                if len(rows) >= DECIDE_BATCH:
                    PlanTheme.objects.bulk_create(rows, batch_size=1000)
                    rows.clear()
            items[name] = ThemeEvidence(hits, matched, share, score, headed)
        if current is not None:
            decided(current, items)
        PlanTheme.objects.bulk_create(rows, batch_size=1000)


def bulk_load(docs: Iterable[CorpusDoc], *, outline: bool = True) -> LoadStats:
    """Write plans in batches, ids taken from the corpus keys; with `outline`, their sections and themes too.

    No model signals fire (bulk writes), so nothing is queued for indexing: the caller rebuilds the index.
    """
    regions = {region.name: region for region in Region.objects.all()}
    themes = {theme.name: theme for theme in Theme.objects.all()}
    specs = None
    if outline:
        from plans.services import theme_specs

        specs = theme_specs()
    stats = LoadStats(path="bulk" + (" with ingest's sections and themes" if outline else ""))
    start = time.perf_counter()
    batch: list[CorpusDoc] = []

    def flush() -> None:
        with transaction.atomic():
            plans = Plan.objects.bulk_create(
                [
                    Plan(
                        id=doc.key,
                        title=doc.title[:300],
                        text=doc.text,
                        region=regions.get(doc.region or ""),
                        level=doc.level,
                        year=doc.year,
                        source=doc.source[:500],
                        checksum=doc.checksum,
                        extraction={"benchmark": "bulk"},
                    )
                    for doc in batch
                ]
            )
            if outline:
                _write_outline(plans, batch, specs, themes)
        batch.clear()

    for doc in docs:
        batch.append(doc)
        stats.plans += 1
        stats.bytes += doc.size_bytes
        if len(batch) >= BULK_BATCH:
            flush()
    if batch:
        flush()
    if outline:
        from plans.services import themes_reconcile

        _decide_plan_themes(specs, themes)
        # The section themes written at the density floor, against the whole collection; and every plan's
        # theme margin against an anchor (one pass over the shares), so a later ingest re-decides few plans.
        themes_reconcile()
    _reset_sequences()
    stats.seconds = time.perf_counter() - start
    return stats


def ingest_corpus(corpus_dir: Path, *, limit: int | None = None) -> LoadStats:
    """Ingest every report of a corpus folder through `plans.ingest.ingest_path`, manifest metadata as overrides.

    Raises ImportError when the ingest pipeline is not in this tree (the caller falls back to the bulk path).
    """
    from plans import ingest

    ingest_path = ingest.ingest_path  # AttributeError -> ImportError below keeps the fallback simple
    overrides_type = getattr(ingest, "Overrides", None)
    from plans.benchmark.corpus import region_short_name

    stats = LoadStats(path="ingest")
    start = time.perf_counter()
    with (
        themes_reconcile_deferred()
    ):  # a batch: the other plans' themes are reconciled once, at its end (timed with it)
        for row in read_manifest(corpus_dir)[:limit]:
            path = Path(corpus_dir) / row["file"]
            region = region_short_name(row.get("region", ""))
            year = int(row["year"]) if row.get("year", "").isdigit() else None
            kwargs = {}
            if overrides_type is not None:
                level = "national" if region == "全国" else "provincial"
                kwargs["overrides"] = _overrides(overrides_type, region=region, year=year, level=level)
            outcome = ingest_path(path, **kwargs)
            stats.outcomes[outcome.status] = stats.outcomes.get(outcome.status, 0) + 1
            stats.plans += 1
            stats.bytes += path.stat().st_size
    stats.seconds = time.perf_counter() - start
    return stats


def _overrides(overrides_type, **values):
    """Build ingest's Overrides with whichever of these fields it declares."""
    fields = getattr(overrides_type, "__dataclass_fields__", {})
    return overrides_type(**{k: v for k, v in values.items() if k in fields and v is not None})


def dump_plans(path: Path) -> tuple[int, int]:
    """Write every plan of the database as JSON lines (the exact text every system will search)."""
    plans = 0
    size = 0
    with Path(path).open("w", encoding="utf-8") as out:
        queryset = Plan.objects.select_related("region").order_by("id")
        for plan in queryset.iterator(chunk_size=500):
            doc = CorpusDoc(
                key=plan.id,
                title=plan.title,
                text=plan.text,
                region=plan.region.name if plan.region else None,
                year=plan.year,
                level=plan.level,
                source=plan.source,
            )
            out.write(json.dumps(asdict(doc), ensure_ascii=False) + "\n")
            plans += 1
            size += doc.size_bytes
    return plans, size


def read_dump(path: Path) -> Iterator[CorpusDoc]:
    """Stream the plans of a dump written by `dump_plans`."""
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            yield CorpusDoc(**json.loads(line))


def directory_bytes(path: Path) -> int:
    """Total size of the files under `path` (an index folder)."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())
