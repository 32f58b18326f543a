#!/usr/bin/env python
"""Search quality over a real corpus: recall and precision@10 of 50 queries against the substring truth.

    .venv/bin/python scripts/eval_search.py ../shared/corpus/gwr [--json out.json] [--repeats 5]

The corpus is ingested through the project's pipeline (plans.ingest.ingest_path) into a new temporary SQLite
database and index (or the PostgreSQL database named by --database-url, which is emptied first), so data/ and the
test database are never touched. For each of the 50 queries (plans.benchmark.queries.EVAL_QUERIES) it reports how
many plans contain the query (the truth), how many the engine returned, recall over the whole result set,
precision@10 of the first page, and the median time of `plans.search.search` with facets and snippets.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pad(text: str, width: int) -> str:
    """Left-justify for a terminal, counting CJK characters as two columns."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)


def configure(workdir: Path, database_url: str | None, index_dir: Path | None = None) -> None:
    """Point Django at a private database and index before it starts."""
    os.environ.pop("SEARCH_URL", None)
    os.environ.update(
        DATABASE_URL=database_url or f"sqlite:///{workdir / 'eval.sqlite3'}",
        SEARCH_INDEX_DIR=str(index_dir or workdir / "index"),
        DATA_DIR=str(workdir / "data"),
        JIEBA_CACHE_DIR=str(workdir / "jieba-cache"),
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(40),
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="folder with MANIFEST.tsv, e.g. ../shared/corpus/gwr")
    parser.add_argument("--json", type=Path, help="also write the table as JSON here")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per query (after one warm-up)")
    parser.add_argument(
        "--database-url", help="a PostgreSQL database to use instead of a temporary SQLite file"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--existing",
        type=Path,
        metavar="INDEX_DIR",
        help="evaluate the already loaded --database-url with this index folder (no flush, no ingest)",
    )
    parser.add_argument("--limit", type=int, help="only the first N reports of the manifest (a quick check)")
    args = parser.parse_args()
    if not (args.corpus / "MANIFEST.tsv").is_file():
        parser.error(f"{args.corpus} has no MANIFEST.tsv")
    if args.existing and not args.database_url:
        parser.error("--existing needs --database-url")

    workdir = Path(tempfile.mkdtemp(prefix="policy-search-eval-"))
    try:
        configure(workdir, args.database_url, args.existing)
        return evaluate(args, workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept {workdir}", file=sys.stderr)


def evaluate(args, workdir: Path) -> int:
    from django.core.management import call_command

    from plans.benchmark.load import dump_plans, ingest_corpus, read_dump
    from plans.benchmark.queries import EVAL_QUERIES
    from plans.benchmark.systems import EngineAPI
    from plans.benchmark.truth import precision_at, recall_precision, substring_truth
    from plans.models import Plan
    from plans.search import wait_for_indexing

    load_s = None
    if not args.existing:
        if args.database_url:
            call_command("flush", interactive=False, verbosity=0)
        call_command("migrate", verbosity=0)
        if args.database_url:
            Plan.objects.all().delete()
        started = time.perf_counter()
        loaded = ingest_corpus(args.corpus, limit=args.limit)
        wait_for_indexing(timeout=3600)
        load_s = time.perf_counter() - started
        print(
            f"ingested {loaded.plans} files ({loaded.outcomes}) and indexed them in {load_s:.0f} s",
            file=sys.stderr,
        )
    dump = workdir / "plans.jsonl"
    plans, _size = dump_plans(dump)
    truth = substring_truth(read_dump(dump), EVAL_QUERIES)

    engine = EngineAPI()
    rows = []
    for query in EVAL_QUERIES:
        engine.run(query)  # warm-up
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            outcome = engine.run(query)
            times.append((time.perf_counter() - start) * 1000)
        found = engine.all_ids(query)
        recall, precision = recall_precision(found, truth[query])
        rows.append(
            {
                "query": query.label,
                "kind": query.kind,
                "truth": len(truth[query]),
                "found": len(found),
                "count": outcome.count,
                "recall": recall,
                "precision": precision,
                "p_at_10": precision_at(outcome.ranked, truth[query], 10),
                "median_ms": statistics.median(times),
            }
        )

    print(f"{'query':<22}{'kind':<9}{'truth':>6}{'found':>6}{'recall':>8}{'prec':>7}{'P@10':>6}{'ms':>8}")
    for row in rows:
        print(
            f"{pad(row['query'], 22)}{row['kind']:<9}{row['truth']:>6}{row['found']:>6}{row['recall']:>8.3f}"
            f"{row['precision']:>7.3f}{row['p_at_10']:>6.2f}{row['median_ms']:>8.1f}"
        )
    summary = {
        "plans": plans,
        "queries": len(rows),
        "mean_recall": statistics.mean(row["recall"] for row in rows),
        "min_recall": min(row["recall"] for row in rows),
        "mean_precision": statistics.mean(row["precision"] for row in rows),
        "mean_p_at_10": statistics.mean(row["p_at_10"] for row in rows),
        "median_query_ms": statistics.median(row["median_ms"] for row in rows),
        "load_s": load_s,
    }
    print(
        f"\n{plans} plans, {len(rows)} queries: mean recall {summary['mean_recall']:.3f}"
        f" (min {summary['min_recall']:.3f}), mean precision {summary['mean_precision']:.3f},"
        f" mean precision@10 {summary['mean_p_at_10']:.3f}, median query time {summary['median_query_ms']:.1f} ms"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"summary": summary, "rows": rows}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
