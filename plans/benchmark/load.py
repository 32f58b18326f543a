"""Put a benchmark corpus into the current database, and dump it back out for the other systems.

Two paths, and the results say which one ran:
- "ingest": every real report goes through the project's ingest API (`plans.ingest.ingest_path`), the pipeline a
  staff upload takes (extraction, cleaning, metadata, sections, themes, save, index).
- "bulk": plans are written with `bulk_create` (ids = corpus keys), themes assigned from the taxonomy keywords the
  way the taxonomy defines them (plain substring counts), then indexed with `plans.search.rebuild_index()`. Used for
  synthetic corpora (ingest per plan would spend the time budget on the extractor, not the index), and for loading
  a dump into a peer database so that every system searches exactly the same text under the same ids.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from django.core.management.color import no_style
from django.db import connection, transaction

from plans.benchmark.corpus import CorpusDoc, read_manifest
from plans.models import Plan, PlanTheme, Region, Theme

BULK_BATCH = 500


@dataclass
class LoadStats:
    """What loading cost: plans, bytes of title+text, seconds, and the path taken."""

    path: str
    plans: int = 0
    bytes: int = 0
    seconds: float = 0.0

    @property
    def plans_per_s(self) -> float:
        return self.plans / self.seconds if self.seconds else 0.0

    @property
    def mb_per_s(self) -> float:
        return self.bytes / 1e6 / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {**asdict(self), "plans_per_s": self.plans_per_s, "mb_per_s": self.mb_per_s}


def assign_themes(text: str, themes: list[Theme]) -> list[tuple[Theme, int, dict[str, int]]]:
    """Themes whose keywords occur at least `min_hits` times in `text`, with the counts that decided it."""
    assigned = []
    for theme in themes:
        matched = {kw: text.count(kw) for kw in theme.keyword_list}
        matched = {kw: n for kw, n in matched.items() if n}
        total = sum(matched.values())
        if total >= theme.min_hits:
            assigned.append((theme, total, matched))
    return assigned


def _reset_sequences() -> None:
    """After writing explicit ids, move PostgreSQL's id sequences past them (SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), [Plan, PlanTheme])
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def bulk_load(docs: Iterable[CorpusDoc]) -> LoadStats:
    """Write plans and their themes in batches, ids taken from the corpus keys. Does not index."""
    regions = {region.name: region for region in Region.objects.all()}
    themes = list(Theme.objects.all())
    stats = LoadStats(path="bulk")
    start = time.perf_counter()
    batch: list[CorpusDoc] = []

    def flush() -> None:
        with transaction.atomic():
            Plan.objects.bulk_create(
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
            PlanTheme.objects.bulk_create(
                [
                    PlanTheme(plan_id=doc.key, theme=theme, score=score, matched=matched)
                    for doc in batch
                    for theme, score, matched in assign_themes(doc.text, themes)
                ]
            )
        batch.clear()

    for doc in docs:
        batch.append(doc)
        stats.plans += 1
        stats.bytes += doc.size_bytes
        if len(batch) >= BULK_BATCH:
            flush()
    if batch:
        flush()
    _reset_sequences()
    stats.seconds = time.perf_counter() - start
    return stats


def ingest_corpus(corpus_dir: Path) -> LoadStats:
    """Ingest every report of a corpus folder through `plans.ingest.ingest_path`, manifest metadata as overrides.

    Raises ImportError when the ingest pipeline is not in this tree (the caller falls back to the bulk path).
    """
    from plans import ingest

    ingest_path = ingest.ingest_path  # AttributeError -> ImportError below keeps the fallback simple
    overrides_type = getattr(ingest, "Overrides", None)
    from plans.benchmark.corpus import region_short_name

    stats = LoadStats(path="ingest")
    start = time.perf_counter()
    for row in read_manifest(corpus_dir):
        path = Path(corpus_dir) / row["file"]
        region = region_short_name(row.get("region", ""))
        year = int(row["year"]) if row.get("year", "").isdigit() else None
        kwargs = {}
        if overrides_type is not None:
            kwargs["overrides"] = _overrides(overrides_type, title=row.get("title"), region=region, year=year)
        ingest_path(path, **kwargs)
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
