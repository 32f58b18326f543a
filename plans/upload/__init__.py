"""The admin upload page: several files or zip archives -> preview of what ingest extracted -> corrections ->
confirmation -> saved, indexed plans and a per-file report.

Every file goes through the one ingest pipeline (plans.ingest.prepare / save); this package only adds what a web
upload needs on top: safe zip expansion (archive), the preview state between requests (staging), the forms, the
batch services and the views mounted by PlanAdmin at /admin/plans/plan/upload/.
"""
