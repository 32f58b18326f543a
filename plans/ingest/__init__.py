"""The ingest pipeline: extract -> decode -> clean -> metadata -> sections -> themes -> save.

Public API:
    prepare(data: bytes, filename: str, *, overrides: Overrides | None = None) -> PreparedPlan
        runs every step but save; raises IngestError with a reason a person can act on.
    save(prepared: PreparedPlan, *, update: bool = False, user=None) -> IngestOutcome
        one transaction per document; a duplicate checksum is reported (or updated with update=True).
    ingest_bytes(data, filename, ...) / ingest_path(path, ...) -> IngestOutcome
        prepare + save; never raise for bad input (status "rejected" with the reason, nothing written).
    assign_themes(plan) -> bool / reassign_all_themes(plans=None) -> int
        re-assign themes after the taxonomy changed.
"""

from plans.ingest.errors import IngestError
from plans.ingest.metadata import Overrides
from plans.ingest.pipeline import (
    IngestOutcome,
    PreparedPlan,
    assign_themes,
    ingest_bytes,
    ingest_path,
    prepare,
    read_document,
    reassign_all_themes,
    save,
)
from plans.ingest.sections import PreparedSection
from plans.ingest.themes import ThemeMatch

__all__ = [
    "IngestError",
    "IngestOutcome",
    "Overrides",
    "PreparedPlan",
    "PreparedSection",
    "ThemeMatch",
    "assign_themes",
    "ingest_bytes",
    "ingest_path",
    "prepare",
    "read_document",
    "reassign_all_themes",
    "save",
]
