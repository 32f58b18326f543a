"""The ingest steps in order: extract -> decode -> clean -> metadata -> sections -> themes -> save.

`prepare` runs every step but the last and touches nothing; `save` writes one document in one transaction.
`ingest_bytes` / `ingest_path` never raise for bad input: they return an outcome with status "rejected".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from django.conf import settings
from django.db import IntegrityError, transaction

from plans import services
from plans.ingest.clean import Cleaned, checksum, clean
from plans.ingest.errors import IngestError
from plans.ingest.extract import Extracted, extract, file_kind
from plans.ingest.metadata import Metadata, Overrides, extract_metadata
from plans.ingest.sections import PreparedSection, parse_sections
from plans.ingest.themes import OutlineEntry, ThemeMatch, ThemeSpec, decide, plan_evidence, section_themes
from plans.models import Plan, Region

logger = logging.getLogger(__name__)

Status = Literal["ingested", "duplicate", "updated", "rejected"]
# Fields `save(update=True)` refreshes from the file unless a person set them by hand (method "manual").
_METADATA_FIELDS = ("title", "issuer", "level", "city", "year", "published_on", "doc_number", "index_number")


@dataclass
class Document:
    """What the pure steps make of a file (no database involved): text, cleaning record, metadata."""

    extracted: Extracted
    cleaned: Cleaned
    metadata: Metadata
    checksum: str


@dataclass
class PreparedPlan:
    """A plan ready to save: metadata, cleaned text, outline and themes, and how each field was found."""

    filename: str
    data: bytes
    title: str
    issuer: str
    region: str
    level: str
    city: str
    year: int | None
    published_on: date | None
    doc_number: str
    index_number: str
    text: str
    checksum: str
    sections: list[PreparedSection]
    plan_themes: dict[str, ThemeMatch]
    section_themes: list[dict[str, ThemeMatch]]
    extraction: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    needs_review: bool = False
    review_notes: str = ""

    def summary(self) -> str:
        """One line: title [region year]."""
        return f"{self.title} [{self.region or '?'} {self.year or '?'}]"


@dataclass
class IngestOutcome:
    """What happened to one file."""

    status: Status
    plan: Plan | None
    reason: str
    filename: str
    warnings: list[str] = field(default_factory=list)


def read_document(data: bytes, filename: str, *, overrides: Overrides | None = None) -> Document:
    """Extract, decode, clean and read the metadata of a file; raises IngestError."""
    extracted = extract(data, filename)
    cleaned = clean(extracted.text)
    if not cleaned.text.strip():
        raise IngestError("文件中除网页框架外没有正文")
    metadata = extract_metadata(extracted.text, cleaned.text, filename, overrides)
    return Document(extracted, cleaned, metadata, checksum(cleaned.text))


def check_size(size: int) -> None:
    """Raise IngestError when a file of `size` bytes exceeds settings.PLAN_MAX_FILE_BYTES."""
    limit = settings.PLAN_MAX_FILE_BYTES
    if size > limit:
        raise IngestError(f"文件超过 {limit / 1024 / 1024:g} MB 上限（{size / 1024 / 1024:.1f} MB）")


def prepare(
    data: bytes,
    filename: str,
    *,
    overrides: Overrides | None = None,
    specs: list[ThemeSpec] | None = None,
) -> PreparedPlan:
    """Every step but save: returns the plan as it would be stored; raises IngestError for a bad file."""
    file_kind(filename)
    check_size(len(data))
    document = read_document(data, filename, overrides=overrides)
    meta = document.metadata
    text = document.cleaned.text
    specs = services.theme_specs() if specs is None else specs
    sections = parse_sections(text)
    outline = [OutlineEntry(s.heading, s.text, s.parent, s.start, s.end) for s in sections]
    evidence = plan_evidence(text, outline, specs)
    judged = services.theme_stats().including(evidence)  # the collection with this plan counted in
    extraction = dict(meta.extraction)
    title = meta.title
    if not title:
        # A plan needs a title to be listed; the file name stands in, and the review note says so.
        title = Path(filename).stem
        extraction["title"] = {
            "value": title,
            "method": "filename-fallback",
            "evidence": "",
            "confidence": 0.3,
        }
    extraction["file"] = {
        "kind": document.extracted.kind,
        "encoding": document.extracted.encoding,
        "method": document.extracted.method,
        "removed_lines": [[line, rule] for line, rule in document.cleaned.removed],
    }
    return PreparedPlan(
        filename=Path(filename).name,
        data=data,
        title=title,
        issuer=meta.issuer,
        region=meta.region,
        level=meta.level,
        city=meta.city,
        year=meta.year,
        published_on=meta.published_on,
        doc_number=meta.doc_number,
        index_number=meta.index_number,
        text=text,
        checksum=document.checksum,
        sections=sections,
        plan_themes=decide(evidence, specs, judged),
        section_themes=[section_themes(s.heading, s.text, specs, judged) for s in sections],
        extraction=extraction,
        warnings=list(meta.warnings),
        needs_review=bool(meta.review_notes),
        review_notes="\n".join(meta.review_notes),
    )


def _region(prepared: PreparedPlan) -> Region | None:
    """The Region row of the prepared region; a name missing from the table is flagged, never dropped silently."""
    if not prepared.region:
        return None
    region = Region.objects.filter(name=prepared.region).first()
    if region is None:
        note = f"地区“{prepared.region}”不在地区表中，未能关联，请在后台补上"
        prepared.warnings.append(note)
        prepared.needs_review = True
        prepared.review_notes = "\n".join(filter(None, [prepared.review_notes, note]))
    return region


def save(prepared: PreparedPlan, *, update: bool = False, user=None) -> IngestOutcome:
    """Write one prepared plan in one transaction; a known checksum is a duplicate unless update=True."""
    stored: list[Plan] = []  # plans whose original file is on disk, to remove if the transaction fails
    try:
        with transaction.atomic():
            existing = Plan.objects.select_for_update().filter(checksum=prepared.checksum).first()
            if existing and not update:
                return IngestOutcome(
                    "duplicate",
                    existing,
                    f"与已有文件“{existing.title}”(#{existing.pk}) 内容相同",
                    prepared.filename,
                )
            if existing:
                plan = _update(existing, prepared, user)
                status: Status = "updated"
            else:
                plan = _create(prepared, user)
                status = "ingested"
            stored.append(plan)
            services.plan_set_outline(plan=plan, sections=prepared.sections)
    except IntegrityError:
        _remove_stored_files(stored)
        # Another process stored the same content between our check and our insert.
        existing = Plan.objects.filter(checksum=prepared.checksum).first()
        return IngestOutcome("duplicate", existing, "同时导入了内容相同的文件", prepared.filename)
    except Exception:
        _remove_stored_files(stored)
        raise
    logger.info("%s %s -> plan %s", status, prepared.filename, plan.pk)
    return IngestOutcome(status, plan, "", prepared.filename, list(prepared.warnings))


def _remove_stored_files(plans: list[Plan]) -> None:
    """The transaction rolled back: the original files written for it must not linger on disk."""
    for plan in plans:
        if plan.original_file:
            plan.original_file.storage.delete(plan.original_file.name)


def _create(prepared: PreparedPlan, user) -> Plan:
    region = _region(prepared)
    extraction = dict(prepared.extraction)
    if user is not None:
        extraction["ingested_by"] = getattr(user, "get_username", lambda: str(user))()
    return services.plan_create(
        title=prepared.title,
        text=prepared.text,
        checksum=prepared.checksum,
        issuer=prepared.issuer,
        region=region,
        level=prepared.level,
        city=prepared.city,
        year=prepared.year,
        published_on=prepared.published_on,
        doc_number=prepared.doc_number,
        index_number=prepared.index_number,
        source=prepared.filename,
        original_filename=prepared.filename,
        original_data=prepared.data,
        extraction=extraction,
        needs_review=prepared.needs_review,
        review_notes=prepared.review_notes,
    )


def _update(plan: Plan, prepared: PreparedPlan, user) -> Plan:
    """Refresh a plan from its file again, keeping every field a person corrected by hand."""
    manual = {
        name
        for name, info in plan.extraction.items()
        if isinstance(info, dict) and info.get("method") == "manual"
    }
    changes: dict[str, Any] = {
        name: getattr(prepared, name) for name in _METADATA_FIELDS if name not in manual
    }
    if "region" not in manual:
        changes["region"] = _region(prepared)
    extraction = {**prepared.extraction, **{name: plan.extraction[name] for name in manual}}
    if user is not None:
        extraction["updated_by"] = getattr(user, "get_username", lambda: str(user))()
    return services.plan_update(
        plan=plan,
        text=prepared.text,
        source=prepared.filename,
        extraction=extraction,
        needs_review=prepared.needs_review or plan.needs_review,
        review_notes=prepared.review_notes or plan.review_notes,
        original_filename=prepared.filename,
        original_data=prepared.data,
        **changes,
    )


def ingest_bytes(
    data: bytes,
    filename: str,
    *,
    overrides: Overrides | None = None,
    update: bool = False,
    user=None,
) -> IngestOutcome:
    """prepare + save; a bad file gives status "rejected" with the reason, and nothing is written."""
    name = Path(filename).name
    try:
        prepared = prepare(data, filename, overrides=overrides)
    except IngestError as error:
        return IngestOutcome("rejected", None, error.reason, name)
    except Exception as error:  # a reader library failing on a file we did not foresee: keep the batch going
        logger.exception("unexpected error preparing %s", name)
        return IngestOutcome("rejected", None, f"无法处理此文件（{type(error).__name__}），详情见日志", name)
    return save(prepared, update=update, user=user)


def ingest_path(
    path: str | Path,
    *,
    overrides: Overrides | None = None,
    update: bool = False,
    user=None,
) -> IngestOutcome:
    """Ingest one file from disk; unreadable files are rejected like bad content."""
    path = Path(path)
    try:
        file_kind(path.name)
        check_size(path.stat().st_size)
        data = path.read_bytes()
    except IngestError as error:
        return IngestOutcome("rejected", None, error.reason, path.name)
    except OSError as error:
        return IngestOutcome("rejected", None, f"无法读取文件（{error.strerror or error}）", path.name)
    return ingest_bytes(data, path.name, overrides=overrides, update=update, user=user)


def assign_themes(plan: Plan) -> bool:
    """Re-assign the themes of one plan (and its sections) from the current taxonomy; True if they changed."""
    return services.plan_assign_themes(plan=plan)


def reassign_all_themes(plans=None) -> int:
    """Re-assign themes of every plan (or of `plans`) after the taxonomy changed; returns how many changed.

    Each plan's text is read once; every plan is then judged against the averages of the whole collection."""
    return len(services.themes_reassign_all(plans=plans))
