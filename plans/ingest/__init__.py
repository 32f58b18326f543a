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

The pipeline writes through plans.services, which uses this package's text steps (clean, sections, themes).
So that importing one of those steps never imports the pipeline (and through it plans.services again), the
public names are loaded on first use (PEP 562) instead of at package import: there is no import cycle.
"""

import importlib

_PUBLIC = {
    "IngestError": "plans.ingest.errors",
    "Overrides": "plans.ingest.metadata",
    "PreparedSection": "plans.ingest.sections",
    "ThemeMatch": "plans.ingest.themes",
    **{
        name: "plans.ingest.pipeline"
        for name in (
            "IngestOutcome",
            "PreparedPlan",
            "assign_themes",
            "ingest_bytes",
            "ingest_path",
            "prepare",
            "read_document",
            "reassign_all_themes",
            "save",
        )
    },
}


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # looked up once
    return value


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
