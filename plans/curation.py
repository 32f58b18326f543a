"""Curation services the admin and the reassign_themes command call.

Thin on purpose: writes go through plans.services (the same functions ingest uses); indexing is the search
package's, whose signals queue index work after every commit that saves or deletes a plan (so the database always
commits first and a failed index write leaves the plan saved with index_status=failed). This module adds what
curation needs on top: re-parsing, a synchronous re-index for the repair action, a bounded wait for the index
queue, theme re-assignment that reports which plans changed, and the audit trail of each.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction

from plans import audit, services
from plans.ingest.sections import parse_sections
from plans.models import AuditEntry, Plan

logger = logging.getLogger(__name__)


def reparse(plan: Plan) -> None:
    """Parse the plan's current text again into sections, and re-assign plan and section themes."""
    services.plan_set_outline(plan=plan, sections=parse_sections(plan.text))


def reindex(plan_ids: list[int]) -> int:
    """Index these plans now, in the calling thread (an explicit staff action, so it may take a moment).

    Returns how many are still failed afterwards; the search package records each plan's index_status.
    """
    from plans import search

    ids = list(plan_ids)
    if not ids:
        return 0
    try:
        search.index_plans(ids)
    except Exception:  # logged and flagged failed by the search package; the caller reports the count
        logger.warning("re-indexing %d plans failed", len(ids))
    return Plan.objects.filter(pk__in=ids, index_status=Plan.IndexStatus.FAILED).count()


def reindex_later(plan_ids: list[int]) -> None:
    """Queue plans for the background indexer (for changes the search package's signals do not see)."""
    from plans import search

    search.enqueue_index(plan_ids)


def wait_for_index() -> bool:
    """Wait (bounded by UPLOAD_INDEX_WAIT_SECONDS) until the background index queue has caught up; False on
    timeout. The upload report waits so that it can say whether each new plan was indexed."""
    from plans import search

    return search.wait_for_indexing(timeout=settings.UPLOAD_INDEX_WAIT_SECONDS)


def reassign_themes(*, user: Any = None, dry_run: bool = False) -> int:
    """Re-assign the themes of every plan (and its sections) from the current keywords; return how many plans
    changed. Each changed plan is saved, so the search package re-indexes it; each gets an audit entry.
    With dry_run nothing is kept (the work runs in a transaction that is rolled back)."""
    with transaction.atomic():
        changed = services.themes_reassign_all()
        if dry_run:
            transaction.set_rollback(True)
            return len(changed)
        for plan in changed:
            audit.record(
                user=user,
                action=AuditEntry.Action.REASSIGN_THEMES,
                plan=plan,
                summary="按新的主题关键词重新分配主题",
            )
    logger.info("themes re-assigned: %d plans changed", len(changed))
    return len(changed)
