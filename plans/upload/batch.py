"""The two steps of an upload batch, as services the views call.

1. `preview_uploads`: expand zips, run ingest's `prepare` on every file (nothing is written to the database), stage
   the files that can be saved, and describe what was extracted.
2. `confirm_batch`: read the staged bytes back, run `prepare` again with the staff's corrections, `save` each file
   in its own transaction, record the audit trail, then index the saved plans (the database commits first; an
   index failure leaves the plan saved with index_status=failed for the admin action and `check_index --fix`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from plans import audit, curation
from plans.ingest import IngestError, prepare, save
from plans.models import AuditEntry, Plan
from plans.services import themes_reconcile_deferred
from plans.upload import archive, staging
from plans.upload.ingest_adapter import apply_corrections, describe, overrides_for, plain_value


@dataclass
class PreviewRow:
    """One file of the preview: ready to save (maybe as a duplicate) or refused with a reason."""

    label: str
    status: str  # "ready" | "duplicate" | "refused"
    reason: str = ""
    number: int | None = None  # index of the staged file; None when refused
    preview: dict[str, Any] = field(default_factory=dict)


@dataclass
class Preview:
    token: str  # "" when nothing can be saved
    rows: list[PreviewRow]

    @property
    def ready(self) -> list[PreviewRow]:
        return [row for row in self.rows if row.number is not None]


@dataclass
class ReportRow:
    """One file of the report after confirmation."""

    label: str
    status: str  # "ingested" | "updated" | "duplicate" | "rejected" | "skipped"
    reason: str = ""
    plan: Plan | None = None
    corrected: list[str] = field(default_factory=list)

    @property
    def index_status(self) -> str:
        return self.plan.index_status if self.plan is not None else ""

    @property
    def corrected_labels(self) -> list[str]:
        """The corrected fields by their Chinese names, for the report."""
        return [str(Plan._meta.get_field(name).verbose_name) for name in self.corrected]


def preview_uploads(*, uploads: list[tuple[str, bytes]], user_id: int) -> Preview:
    """Extract every uploaded file (zip members included) and stage those that can be saved."""
    staged: list[tuple[staging.StagedFile, bytes]] = []
    refusals: list[dict[str, Any]] = []
    rows: list[PreviewRow] = []
    for position, entry in enumerate(archive.expand(uploads)):
        if isinstance(entry, archive.Refusal):
            refusals.append({"label": entry.label, "reason": entry.reason, "position": position})
            rows.append(PreviewRow(label=entry.label, status="refused", reason=entry.reason))
            continue
        try:
            prepared = prepare(entry.data, entry.name)
        except IngestError as error:
            refusals.append({"label": entry.label, "reason": error.reason, "position": position})
            rows.append(PreviewRow(label=entry.label, status="refused", reason=error.reason))
            continue
        preview = describe(prepared)
        duplicate = Plan.objects.filter(checksum=preview["checksum"]).values("pk", "title").first()
        preview["duplicate_of"] = duplicate
        number = len(staged)
        staged.append(
            (
                staging.StagedFile(
                    name=entry.name,
                    label=entry.label,
                    sha256=staging.checksum(entry.data),
                    size=len(entry.data),
                    position=position,
                    preview=preview,
                ),
                entry.data,
            )
        )
        rows.append(
            PreviewRow(
                label=entry.label,
                status="duplicate" if duplicate else "ready",
                reason=f"与已有文件《{duplicate['title']}》内容相同" if duplicate else "",
                number=number,
                preview=preview,
            )
        )
    token = staging.stage(user_id=user_id, files=staged, refusals=refusals) if staged else ""
    return Preview(token=token, rows=rows)


def rows_from_batch(batch: staging.Batch) -> list[PreviewRow]:
    """Rebuild the preview rows of a staged batch (to show the preview again when a correction is invalid)."""
    rows: list[tuple[int, PreviewRow]] = []
    for refusal in batch.refusals:
        rows.append((refusal["position"], PreviewRow(refusal["label"], "refused", refusal["reason"])))
    for number, staged in enumerate(batch.files):
        duplicate = staged.preview.get("duplicate_of")
        status = "duplicate" if duplicate else "ready"
        reason = f"与已有文件《{duplicate['title']}》内容相同" if duplicate else ""
        rows.append((staged.position, PreviewRow(staged.label, status, reason, number, staged.preview)))
    return [row for _, row in sorted(rows, key=lambda pair: pair[0])]


def confirm_batch(
    *,
    batch: staging.Batch,
    corrections: Mapping[int, Mapping[str, Any] | None],
    update: bool,
    user: Any,
) -> list[ReportRow]:
    """Save the staged files staff kept (corrections[number] is None for a file they left out) and index them.

    Each file is prepared again from the staged bytes (never from anything the browser sent back) and saved in its
    own transaction, so one bad file never stops the rest. The batch is discarded afterwards.
    """
    report: list[tuple[int, ReportRow]] = [
        (refusal["position"], ReportRow(refusal["label"], "rejected", refusal["reason"]))
        for refusal in batch.refusals
    ]
    saved_ids: list[int] = []
    with themes_reconcile_deferred():  # the other plans the batch moves are re-decided once, at its end
        for number, staged in enumerate(batch.files):
            fixes = corrections.get(number)
            if fixes is None:
                report.append((staged.position, ReportRow(staged.label, "skipped", "未勾选保存")))
                continue
            row = _save_one(batch, number, staged, fixes, update=update, user=user)
            if row.plan is not None and row.status in {"ingested", "updated"}:
                saved_ids.append(row.plan.pk)
            report.append((staged.position, row))
    staging.discard(batch)
    _index(saved_ids)
    rows = [row for _, row in sorted(report, key=lambda pair: pair[0])]
    fresh = Plan.objects.in_bulk([row.plan.pk for row in rows if row.plan is not None])
    for row in rows:
        if row.plan is not None:
            row.plan = fresh.get(row.plan.pk, row.plan)
    return rows


def _save_one(
    batch: staging.Batch,
    number: int,
    staged: staging.StagedFile,
    fixes: Mapping[str, Any],
    *,
    update: bool,
    user: Any,
) -> ReportRow:
    try:
        data = staging.read(batch, number)
        prepared = prepare(data, staged.name, overrides=overrides_for(fixes))
        prepared = apply_corrections(prepared, fixes, user=user)
    except (IngestError, staging.StagingError) as error:
        return ReportRow(staged.label, "rejected", getattr(error, "reason", str(error)))
    outcome = save(prepared, update=update, user=user)
    corrected = list(fixes)
    row = ReportRow(staged.label, outcome.status, outcome.reason or "", outcome.plan, corrected)
    if outcome.status in {"ingested", "updated"} and outcome.plan is not None:
        extracted = staged.preview
        audit.record(
            user=user,
            action=AuditEntry.Action.UPLOAD if outcome.status == "ingested" else AuditEntry.Action.UPDATE,
            plan=outcome.plan,
            summary=_upload_summary(staged.label, corrected),
            changes={name: (extracted.get(name), plain_value(value)) for name, value in fixes.items()},
        )
    return row


def _index(plan_ids: list[int]) -> None:
    """The saves above queued their index work after each commit (the search package's signals); wait a bounded
    time so the report can say whether indexing worked. A failure leaves the plan saved with index_status=failed."""
    if plan_ids:
        curation.wait_for_index()


def _upload_summary(label: str, corrected: list[str]) -> str:
    summary = f"上传 {label}"
    if corrected:
        names = [str(Plan._meta.get_field(name).verbose_name) for name in corrected]
        summary += "；人工修正：" + "、".join(names)
    return summary
