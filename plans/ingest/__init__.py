"""The ingest pipeline: extract -> decode -> clean -> metadata -> sections -> themes -> save.

Public API (implemented by the foundation issue):
    prepare(data: bytes, filename: str, *, overrides: Overrides | None = None) -> PreparedPlan
        runs every step but save; raises IngestError with a reason a person can act on.
    save(prepared: PreparedPlan, *, update: bool = False, user=None) -> IngestOutcome
        one transaction per document; a duplicate checksum is reported (or updated with update=True).
    ingest_bytes(data, filename, ...) / ingest_path(path, ...) -> IngestOutcome
"""
