"""Views of the upload page, mounted by PlanAdmin (which wraps them in admin_site.admin_view: staff login and CSRF).

GET  upload/           the form
POST upload/           files -> preview (nothing saved yet)
POST upload/confirm/   corrections -> saved and indexed plans -> per-file report
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from plans.upload import batch as batches
from plans.upload import staging
from plans.upload.forms import CORRECTABLE_FIELDS, CorrectionFormSet, UploadForm

FORMSET_PREFIX = "files"


def upload(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    """The upload form; a valid POST extracts every file and shows the preview."""
    _require_add_permission(request, model_admin)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploads = [(file.name, file.read()) for file in form.cleaned_data["files"]]
        preview = batches.preview_uploads(uploads=uploads, user_id=request.user.pk)
        formset = CorrectionFormSet(initial=[_initial(row) for row in preview.ready], prefix=FORMSET_PREFIX)
        return _render_preview(
            request, model_admin, preview.token, preview.rows, formset, form.cleaned_data["update_duplicates"]
        )
    return _render(
        request,
        model_admin,
        "admin/plans/plan/upload.html",
        {"form": form, "title": "上传规划文件", "limits": _limits()},
    )


def confirm(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    """Save the previewed files with the staff's corrections, index them and show the per-file report."""
    _require_add_permission(request, model_admin)
    if request.method != "POST":
        return redirect("admin:plans_plan_upload")
    token = request.POST.get("token", "")
    try:
        batch = staging.load(token, user_id=request.user.pk)
    except staging.StagingError as error:
        messages.error(request, str(error))
        return redirect("admin:plans_plan_upload")
    rows = batches.rows_from_batch(batch)
    ready = [row for row in rows if row.number is not None]
    formset = CorrectionFormSet(request.POST, initial=[_initial(row) for row in ready], prefix=FORMSET_PREFIX)
    update = request.POST.get("update_duplicates") == "on"
    if not formset.is_valid() or formset.total_form_count() != len(ready):
        if formset.is_bound and formset.total_form_count() != len(ready):
            messages.error(request, "预览表单与这批文件不一致，请检查后重新提交。")
            formset = CorrectionFormSet(initial=[_initial(row) for row in ready], prefix=FORMSET_PREFIX)
        return _render_preview(request, model_admin, token, rows, formset, update)
    corrections = {
        row.number: (form.corrections() if form.cleaned_data.get("include") else None)
        for row, form in zip(ready, formset.forms, strict=True)
    }
    report = batches.confirm_batch(batch=batch, corrections=corrections, update=update, user=request.user)
    counts: dict[str, int] = {}
    for row in report:
        counts[row.status] = counts.get(row.status, 0) + 1
        if row.index_status == "failed":
            counts["failed_index"] = counts.get("failed_index", 0) + 1
    return _render(
        request,
        model_admin,
        "admin/plans/plan/upload_report.html",
        {"title": "上传结果", "report": report, "counts": counts},
    )


def _render_preview(request, model_admin, token, rows, formset, update) -> HttpResponse:
    forms_by_number = dict(
        zip([row.number for row in rows if row.number is not None], formset.forms, strict=True)
    )
    items = [{"row": row, "form": forms_by_number.get(row.number)} for row in rows]
    return _render(
        request,
        model_admin,
        "admin/plans/plan/upload_preview.html",
        {
            "title": "确认上传",
            "token": token,
            "items": items,
            "formset": formset,
            "update_duplicates": update,
            "ready_count": len(forms_by_number),
        },
    )


def _limits() -> dict[str, int]:
    mb = 1024 * 1024
    return {
        "file_mb": settings.PLAN_MAX_FILE_BYTES // mb,
        "batch_mb": settings.UPLOAD_MAX_BATCH_BYTES // mb,
        "files": settings.UPLOAD_MAX_FILES,
        "zip_members": settings.UPLOAD_ZIP_MAX_MEMBERS,
        "zip_total_mb": settings.UPLOAD_ZIP_MAX_TOTAL_BYTES // mb,
        "zip_ratio": settings.UPLOAD_ZIP_MAX_RATIO,
    }


def _initial(row: batches.PreviewRow) -> dict[str, Any]:
    # Duplicates stay ticked: saving them reports "duplicate" (or updates them when staff ask for that).
    initial: dict[str, Any] = {"include": True}
    for name in CORRECTABLE_FIELDS:
        value = row.preview.get(name)
        if name == "published_on" and value:
            value = dt.date.fromisoformat(value)  # a date, so has_changed compares like with like
        initial[name] = value if value not in (None, "") else None
    return initial


def _render(request: HttpRequest, model_admin: ModelAdmin, template: str, context: dict) -> HttpResponse:
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": opts,
        "app_label": opts.app_label,
        **context,
    }
    return TemplateResponse(request, template, context)


def _require_add_permission(request: HttpRequest, model_admin: ModelAdmin) -> None:
    if not model_admin.has_add_permission(request):
        raise PermissionDenied("没有添加规划文件的权限。")
