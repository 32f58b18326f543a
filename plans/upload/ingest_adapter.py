"""The only place that knows the shape of ingest's PreparedPlan: describe it for the preview, and apply the
corrections staff made in the preview before it is saved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from plans.ingest import Overrides, PreparedPlan
from plans.models import PLAN_METADATA_FIELDS

PREVIEW_FIELDS = (*PLAN_METADATA_FIELDS, "needs_review")
# Corrections ingest takes as overrides, so its later steps (and its explanation) see them.
OVERRIDE_FIELDS = ("region", "year", "level")


def describe(prepared: PreparedPlan) -> dict[str, Any]:
    """A JSON-safe summary of what ingest extracted: metadata, themes, sections, warnings, review notes."""
    preview: dict[str, Any] = {name: plain_value(getattr(prepared, name)) for name in PREVIEW_FIELDS}
    preview["checksum"] = prepared.checksum
    preview["chars"] = len(prepared.text)
    preview["warnings"] = list(prepared.warnings)
    preview["review_notes"] = [note for note in prepared.review_notes.splitlines() if note.strip()]
    preview["themes"] = [
        {"name": name, "matched": dict(match.matched)}
        for name, match in sorted(prepared.plan_themes.items(), key=lambda item: -item[1].score)
    ]
    preview["sections"] = [
        {"number": section.number, "heading": section.heading, "depth": section.depth}
        for section in prepared.sections
    ]
    file_info = prepared.extraction.get("file", {})
    preview["kind"] = file_info.get("kind", "")
    preview["encoding"] = file_info.get("encoding", "")
    return preview


def overrides_for(fixes: Mapping[str, Any]) -> Overrides | None:
    """Region, year and level corrections as ingest Overrides (None when staff corrected none of them)."""
    values = {name: plain_value(fixes[name]) for name in OVERRIDE_FIELDS if name in fixes}
    values = {name: value for name, value in values.items() if value not in (None, "")}
    return Overrides(**values) if values else None


def apply_corrections(prepared: PreparedPlan, fixes: Mapping[str, Any], *, user: Any) -> PreparedPlan:
    """Set the other corrected fields on the prepared plan and explain each as a manual correction, so that a
    later `ingest --update` of the same file keeps what a person set."""
    who = user.get_username() if user is not None and getattr(user, "is_authenticated", False) else ""
    for name, value in fixes.items():
        if name in OVERRIDE_FIELDS and value not in (None, ""):
            continue  # prepared with this value through Overrides
        value = _model_value(name, value)
        setattr(prepared, name, value)
        if name != "needs_review":
            prepared.extraction[name] = {
                "value": plain_value(value),
                "method": "manual",
                "evidence": f"上传预览中由 {who} 修正" if who else "上传预览中修正",
                "confidence": 1.0,
            }
    if "needs_review" in fixes and not fixes["needs_review"]:
        prepared.review_notes = ""
    return prepared


def _model_value(name: str, value: Any) -> Any:
    """The value as PreparedPlan holds it: strings for text fields ("" not None), a region's short name."""
    if name == "region":
        return value.name if value is not None else ""
    if name in {"year", "published_on", "needs_review"}:
        return value
    return "" if value is None else str(value)


def plain_value(value: Any) -> Any:
    """A value as JSON can hold it: dates as ISO strings, model instances (a Region) as their name."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "_meta"):
        return str(value)
    return value
