#!/usr/bin/env python
"""How well the themes tell plans apart: per-theme plan share and the themes-per-plan distribution.

    .venv/bin/python scripts/eval_themes.py ../shared/corpus/gwr [--seeds seeds] [--json out.json]

Every `.txt` under CORPUS/txt (or CORPUS) and the seed plans are ingested one by one through the project's
pipeline (plans.ingest.ingest_path) into a new temporary SQLite database, so data/ and the test database are never
touched. The search index is not needed for themes: its signals are disconnected, nothing is indexed. Printed:
for each theme the number and share of plans (and of sections) that carry it, the themes per plan (median, p90,
mean, max) and per section, the seeds' themes, and how many plans a full `reassign_all_themes()` changes afterwards
(the drift that one-by-one ingest left behind; 0 when each ingest keeps the collection consistent). Runs against any checkout of the
project (`--project DIR`), so the same script measures the rule before and after a change.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pad(text: str, width: int) -> str:
    """Left-justify for a terminal, counting CJK characters as two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)


def configure(workdir: Path, project: Path) -> None:
    """Point Django at a private SQLite database before it starts."""
    os.environ.pop("SEARCH_URL", None)
    os.environ.update(
        DATABASE_URL=f"sqlite:///{workdir / 'themes.sqlite3'}",
        SEARCH_INDEX_DIR=str(workdir / "index"),
        DATA_DIR=str(workdir / "data"),
        JIEBA_CACHE_DIR=str(workdir / "jieba-cache"),
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(40),
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    sys.path.insert(0, str(project))
    import django

    django.setup()
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from plans.models import Plan, PlanTheme, Region, Theme

    for signal, sender, uid in [
        (post_save, Plan, "search-plan-saved"),
        (post_delete, Plan, "search-plan-deleted"),
        (post_save, PlanTheme, "search-plantheme-saved"),
        (post_delete, PlanTheme, "search-plantheme-deleted"),
        (m2m_changed, Plan.themes.through, "search-themes-m2m"),
        (post_save, Region, "search-region-saved"),
        (post_save, Theme, "search-theme-saved"),
    ]:
        signal.disconnect(sender=sender, dispatch_uid=uid)


def corpus_files(corpus: Path) -> list[Path]:
    folder = corpus / "txt" if (corpus / "txt").is_dir() else corpus
    return sorted(folder.rglob("*.txt"))


def percentile(values: list[int], fraction: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0


def measure(files: list[Path], seeds: Path | None) -> dict:
    from django.core.management import call_command
    from django.db.models import Count

    from plans.ingest import ingest_path, reassign_all_themes
    from plans.models import Plan, Section, Theme

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    outcomes: dict[str, int] = {}
    for path in files:
        outcome = ingest_path(path)
        outcomes[outcome.status] = outcomes.get(outcome.status, 0) + 1
    ingest_s = time.perf_counter() - started
    started = time.perf_counter()
    drift = reassign_all_themes()
    reassign_s = time.perf_counter() - started

    plans = list(Plan.objects.prefetch_related("themes").order_by("pk"))
    total = len(plans)
    per_plan = [len(plan.themes.all()) for plan in plans]
    counts = {theme.name: 0 for theme in Theme.objects.order_by("order")}
    for plan in plans:
        for theme in plan.themes.all():
            counts[theme.name] = counts.get(theme.name, 0) + 1
    sections = Section.objects.count()
    section_counts = dict(Theme.objects.annotate(n=Count("section_themes")).values_list("name", "n"))
    per_section = list(Section.objects.annotate(n=Count("section_themes")).values_list("n", flat=True))
    seed_names = {path.name for path in seeds.glob("*.txt")} if seeds else set()
    return {
        "plans": total,
        "outcomes": outcomes,
        "ingest_s": round(ingest_s, 1),
        "reassign_s": round(reassign_s, 1),
        "changed_by_reassign": drift,
        "themes": [
            {
                "theme": name,
                "plans": n,
                "share": round(n / total, 3) if total else 0,
                "sections": section_counts.get(name, 0),
                "section_share": round(section_counts.get(name, 0) / sections, 3) if sections else 0,
            }
            for name, n in counts.items()
        ],
        "sections": sections,
        "per_section": {
            "mean": round(statistics.mean(per_section), 2) if per_section else 0,
            "with_a_theme": round(sum(1 for n in per_section if n) / len(per_section), 3)
            if per_section
            else 0,
        },
        "per_plan": {
            "median": statistics.median(per_plan) if per_plan else 0,
            "p90": percentile(per_plan, 0.9),
            "mean": round(statistics.mean(per_plan), 2) if per_plan else 0,
            "max": max(per_plan, default=0),
        },
        "seeds": {
            plan.source: sorted(theme.name for theme in plan.themes.all())
            for plan in plans
            if plan.source in seed_names
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "corpus", type=Path, help="a folder of .txt plans (or with a txt/ folder), e.g. ../shared/corpus/gwr"
    )
    parser.add_argument(
        "--seeds", type=Path, default=ROOT / "seeds", help="seed plans to add (default: seeds/)"
    )
    parser.add_argument("--no-seeds", action="store_true", help="the corpus alone")
    parser.add_argument("--project", type=Path, default=ROOT, help="the checkout whose rule is measured")
    parser.add_argument("--limit", type=int, help="only the first N corpus files (a quick check)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    seeds = None if args.no_seeds else args.seeds
    files = corpus_files(args.corpus)[: args.limit] + (sorted(seeds.glob("*.txt")) if seeds else [])
    if not files:
        parser.error(f"no .txt files under {args.corpus}")

    workdir = Path(tempfile.mkdtemp(prefix="policy-search-themes-"))
    try:
        configure(workdir, args.project.resolve())
        result = measure(files, seeds)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"{'theme':<20}{'plans':>7}{'share':>8}{'sections':>10}{'share':>8}")
    for row in sorted(result["themes"], key=lambda row: -row["plans"]):
        print(
            f"{pad(row['theme'], 20)}{row['plans']:>7}{row['share']:>8.1%}"
            f"{row['sections']:>10}{row['section_share']:>8.1%}"
        )
    dist = result["per_plan"]
    print(
        f"\n{result['plans']} plans ({result['outcomes']}), ingested in {result['ingest_s']} s;"
        f" themes per plan: median {dist['median']}, p90 {dist['p90']}, mean {dist['mean']}, max {dist['max']};"
        f" a full reassign afterwards changed {result['changed_by_reassign']} plans in {result['reassign_s']} s"
    )
    sections = result["per_section"]
    print(
        f"{result['sections']} sections: {sections['mean']} themes per section,"
        f" {sections['with_a_theme']:.1%} with at least one"
    )
    for source, names in result["seeds"].items():
        print(f"seed {source}: {len(names)} themes: {'、'.join(names)}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
