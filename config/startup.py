"""Prepare a deployment before the web server starts: `python -m config.startup` (run by docker/entrypoint.sh).

1. Apply database migrations.
2. On first start (no plans in the database) ingest the seed plans, unless SEED_ON_FIRST_START=false.
3. Make the search index match the database, the source of truth: rebuild it when it is missing or does not
   open (e.g. after a crash or a lost volume), otherwise index the plans that are missing from it.

Each step logs one line; a failure exits non-zero so the container does not start half-prepared.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import time
from pathlib import Path

logger = logging.getLogger("policy_search.startup")
SEED_DIR = Path(__file__).resolve().parent.parent / "seeds"


def migrate() -> None:
    """Apply all migrations without prompting."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    logger.info("database migrated")


def plan_count() -> int:
    """How many plans the database holds."""
    from plans.models import Plan

    return Plan.objects.count()


def seed_if_empty(seed_dir: Path = SEED_DIR) -> int:
    """Ingest the seed plans when the database has no plan at all; returns how many were saved."""
    from plans.ingest import ingest_path

    if plan_count():
        return 0
    if not seed_dir.is_dir():
        logger.warning("no seed folder at %s; starting with an empty database", seed_dir)
        return 0
    from plans.services import themes_reconcile_deferred

    saved = 0
    with themes_reconcile_deferred():  # one reconcile of the other plans' themes for the whole seed
        for path in sorted(p for p in seed_dir.iterdir() if p.is_file()):
            outcome = ingest_path(path)
            logger.info("seed %s: %s %s", path.name, outcome.status, outcome.reason)
            saved += outcome.status == "ingested"
    return saved


def reconcile_index() -> None:
    """Rebuild the index when it is missing or unreadable, else index missing/stale plans and drop orphans."""
    from plans.search import check_index

    report = check_index(fix=True)
    summary = f"index: {report.docs_in_index} document(s) for {report.plans_in_db} plan(s)"
    if report.rebuilt:
        summary += ", rebuilt from the database"
    elif report.fixed:
        summary += ", repaired"
    if not report.ok:
        raise RuntimeError(f"{summary}; still inconsistent: {report.error or report}")
    logger.info(summary)


def requeue_unindexed_plans() -> int:
    """Queue for indexing the plans whose index write never finished (a worker killed mid-write, a failed
    write); called by each gunicorn worker as it starts. Never raises: a worker must boot even without a DB."""
    try:
        from plans.models import Plan
        from plans.search import enqueue_index

        unfinished = list(
            Plan.objects.filter(
                index_status__in=[Plan.IndexStatus.PENDING, Plan.IndexStatus.FAILED]
            ).values_list("pk", flat=True)
        )
        if unfinished:
            enqueue_index(unfinished)
            logger.info("queued %d plan(s) whose indexing had not finished", len(unfinished))
        return len(unfinished)
    except Exception as exc:
        logger.warning("could not look for unindexed plans: %s", exc)
        return 0


# The collector's thresholds in a serving process (gunicorn worker; the benchmark's page timings apply the same).
# CPython's default (700, 10, 10) runs a full collection every few plan pages once the worker holds a search
# generation's columns and memo: measured at 10,000 plans, a full collection took ~37 ms and landed in one page
# in five, which made the plan page's p95. Fewer, larger young collections leave refcounting to free what
# requests allocate, as it does; cycles are still collected, less often.
GC_THRESHOLDS = (10_000, 20, 20)


def tune_gc() -> None:
    """Set the collector's thresholds of a serving process (GC_THRESHOLDS)."""
    gc.set_threshold(*GC_THRESHOLDS)


def warm_search() -> None:
    """Open the search index and run one search in this process (a gunicorn worker as it starts). Never raises:
    a worker must boot even when the index or the database is unavailable (its searches then say so).
    The start-up steps before gunicorn already reconciled the index, so a worker schedules no repair here."""
    if os.environ.get("SEARCH_WARM", "1") == "0":
        return
    try:
        from plans.search import warm

        started = time.perf_counter()
        plans = warm(repair=False)
        logger.info(
            "search warmed in worker %d: %s plan(s), %.0f ms",
            os.getpid(),
            plans,
            (time.perf_counter() - started) * 1000,
        )
    except Exception as exc:
        logger.warning("could not warm the search engine: %s", exc)


def seeding_enabled() -> bool:
    from config.env import env_bool

    return env_bool("SEED_ON_FIRST_START", True)


def run() -> None:
    """Run every step in order."""
    migrate()
    if seeding_enabled():
        seeded = seed_if_empty()
        if seeded:
            logger.info("first start: %d seed plan(s) ingested", seeded)
            settle_background_indexing()  # their save signals queued index work in this process
    logger.info("database holds %d plan(s)", plan_count())
    reconcile_index()


def settle_background_indexing(timeout: float = 300) -> None:
    """Let this process's index queue (fed by the seeds' save signals) finish before the process exits."""
    from plans.search import wait_for_indexing

    if not wait_for_indexing(timeout=timeout):
        raise RuntimeError(f"background indexing did not finish within {timeout:.0f} s")


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # jieba is loaded only if this process indexes something; gunicorn, exec'd afterwards, warms it itself.
    os.environ.setdefault("SEARCH_WARM", "0")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    try:
        run()
    except Exception:
        logger.exception("start-up preparation failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
