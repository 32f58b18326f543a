"""The audit trail: who uploaded or changed which plan, when, and which fields changed.

Writers call `record(...)`; the plan admin page lists a plan's entries (newest first).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from plans.models import AuditEntry, Plan

# Long fields are summarised by length in `changes`, so an audit row never duplicates a whole plan text.
_LONG_FIELDS = {"text", "extraction"}
_MAX_VALUE_CHARS = 200


def record(
    *,
    user: Any,
    action: str,
    plan: Plan | None = None,
    summary: str = "",
    changes: Mapping[str, tuple[Any, Any]] | None = None,
) -> AuditEntry:
    """Write one audit entry. `changes` maps a field name to (old, new); values are stored as short strings."""
    is_user = user is not None and getattr(user, "is_authenticated", False)
    return AuditEntry.objects.create(
        user=user if is_user else None,
        username=user.get_username() if is_user else "",
        action=action,
        plan=plan if plan is not None and plan.pk else None,
        plan_title=plan.title[:300] if plan is not None else "",
        summary=summary,
        changes={
            name: [_describe(name, old), _describe(name, new)] for name, (old, new) in (changes or {}).items()
        },
    )


def snapshot(plan: Plan, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The current values of a plan's editable fields (foreign keys as their string), to diff later."""
    names = fields or [f.name for f in Plan._meta.concrete_fields if f.editable and not f.primary_key]
    values: dict[str, Any] = {}
    for name in names:
        field = Plan._meta.get_field(name)
        value = getattr(plan, name)
        if isinstance(field, models.ForeignKey):
            value = str(value) if value is not None else None
        elif isinstance(field, models.FileField):
            value = value.name if value else ""
        values[name] = value
    return values


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Fields whose value differs between two snapshots, as {field: (old, new)}."""
    return {
        name: (before.get(name), after.get(name)) for name in after if before.get(name) != after.get(name)
    }


def summarise(changes: Mapping[str, Any]) -> str:
    """A one-line summary naming the changed fields by their verbose (Chinese) names."""
    names = []
    for name in changes:
        try:
            names.append(str(Plan._meta.get_field(name).verbose_name))
        except Exception:  # a non-field key such as "themes"
            names.append(name)
    return "修改了：" + "、".join(names) if names else "没有字段变化"


def for_plan(plan: Plan, limit: int = 50) -> list[AuditEntry]:
    """A plan's audit entries, newest first."""
    return list(AuditEntry.objects.filter(plan=plan).select_related("user")[:limit])


def _describe(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if name in _LONG_FIELDS:
        return f"（{len(str(value))} 字）"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    text = str(value)
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"
