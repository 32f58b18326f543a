"""Prepare a deployment before the web server starts: `python -m config.startup` (run by docker/entrypoint.sh).

1. Apply database migrations.
2. On first start (no plans in the database) ingest the seed plans, unless SEED_ON_FIRST_START=false.
3. Make the search index match the database, the source of truth: rebuild it when it is missing or does not
   open (e.g. after a crash or a lost volume), otherwise index the plans that are missing from it.

Each step logs one line; a failure exits non-zero so the container does not start half-prepared.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

logger = logging.getLogger("policy_search.startup")


def migrate() -> None:
    """Apply all migrations without prompting."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    logger.info("database migrated")


def plan_count() -> int:
    """How many plans the database holds."""
    from plans.models import Plan

    return Plan.objects.count()


def run() -> None:
    """Run every step in order."""
    migrate()
    logger.info("database holds %d plan(s)", plan_count())


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
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
