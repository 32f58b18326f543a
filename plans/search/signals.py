"""Signal handlers: after a commit, queue the index work for saved, edited or deleted plans."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from plans.search.indexing import enqueue_index, enqueue_remove

_STATUS_FIELDS = frozenset({"index_status", "indexed_at"})


def _plan_saved(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw or (update_fields and set(update_fields) <= _STATUS_FIELDS):
        return
    if instance.index_status != sender.IndexStatus.PENDING:
        sender.objects.filter(pk=instance.pk).update(index_status=sender.IndexStatus.PENDING)
        instance.index_status = sender.IndexStatus.PENDING
    plan_id = instance.pk
    transaction.on_commit(lambda: enqueue_index([plan_id]), robust=True)


def _plan_deleted(sender, instance, **kwargs):
    plan_id = instance.pk
    transaction.on_commit(lambda: enqueue_remove([plan_id]), robust=True)


def _plan_theme_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    plan_id = instance.plan_id
    transaction.on_commit(lambda: enqueue_index([plan_id]), robust=True)


def _themes_m2m_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    from plans.models import Plan

    if not reverse:
        ids = [instance.pk]
    elif pk_set:
        ids = list(pk_set)
    else:
        ids = (
            list(Plan.objects.filter(themes=instance).values_list("pk", flat=True))
            if action != "post_clear"
            else []
        )
    transaction.on_commit(lambda: enqueue_index(ids), robust=True)


def _facet_source_saved(sender, instance, raw=False, created=False, **kwargs):
    """A renamed region or theme changes facet values of its plans."""
    if raw or created:
        return
    ids = list(instance.plans.values_list("pk", flat=True))
    if ids:
        transaction.on_commit(lambda: enqueue_index(ids), robust=True)


def connect() -> None:
    """Connect the handlers (called once from PlansConfig.ready)."""
    from plans.models import Plan, PlanTheme, Region, Theme

    post_save.connect(_plan_saved, sender=Plan, dispatch_uid="search-plan-saved")
    post_delete.connect(_plan_deleted, sender=Plan, dispatch_uid="search-plan-deleted")
    post_save.connect(_plan_theme_changed, sender=PlanTheme, dispatch_uid="search-plantheme-saved")
    post_delete.connect(_plan_theme_changed, sender=PlanTheme, dispatch_uid="search-plantheme-deleted")
    m2m_changed.connect(_themes_m2m_changed, sender=Plan.themes.through, dispatch_uid="search-themes-m2m")
    post_save.connect(_facet_source_saved, sender=Region, dispatch_uid="search-region-saved")
    post_save.connect(_facet_source_saved, sender=Theme, dispatch_uid="search-theme-saved")
