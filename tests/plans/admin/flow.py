"""Drive the upload page like a browser does: POST the files, then POST the preview form back."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile

UPLOAD_URL = "/admin/plans/plan/upload/"
CONFIRM_URL = "/admin/plans/plan/upload/confirm/"


def upload(client, files: list[tuple[str, bytes]], **extra):
    """POST files to the upload page; returns the preview response."""
    payload = [SimpleUploadedFile(name, data) for name, data in files]
    return client.post(UPLOAD_URL, {"files": payload, **extra})


def preview_form_data(preview, edits: dict[int, dict] | None = None, skip: set[int] = frozenset()) -> dict:
    """The POST data the preview page would send: every form with the values shown, plus `edits` per form."""
    formset = preview.context["formset"]
    data = {"token": preview.context["token"]}
    management = formset.management_form
    for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
        data[f"{formset.prefix}-{name}"] = management.initial.get(name, management[name].value())
    for number, form in enumerate(formset.forms):
        values = {**{name: form.initial.get(name) for name in form.fields}, **(edits or {}).get(number, {})}
        values["include"] = number not in skip and values.get("include", True)
        for name, value in values.items():
            if name == "include":
                if value:
                    data[form.add_prefix(name)] = "on"
                continue
            data[form.add_prefix(name)] = "" if value is None else str(value)
    return data


def confirm(client, preview, edits=None, skip=frozenset(), update=False):
    """Confirm a preview (optionally with corrections); returns the report response."""
    data = preview_form_data(preview, edits, skip)
    if update:
        data["update_duplicates"] = "on"
    return client.post(CONFIRM_URL, data)


def upload_and_confirm(client, files, **kwargs):
    preview = upload(client, files)
    assert preview.status_code == 200, preview.content[:500]
    return confirm(client, preview, **kwargs)


def report_by_label(report) -> dict[str, object]:
    return {row.label: row for row in report.context["report"]}


def _form_values(form) -> dict:
    values = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if callable(value):
            value = value()
        if isinstance(field, forms.BooleanField):
            if value:
                values[form.add_prefix(name)] = "on"
            continue
        if hasattr(value, "pk"):
            value = value.pk
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        if isinstance(value, list | tuple):
            values[form.add_prefix(name)] = [getattr(v, "pk", v) for v in value]
            continue
        values[form.add_prefix(name)] = "" if value is None else value
    return values


def change_form_data(response, **changes) -> dict:
    """The POST data of an admin change page as it was rendered (the plan form and its inlines), with `changes`
    applied to the main form's fields."""
    data = _form_values(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
            data[f"{formset.prefix}-{name}"] = management.initial.get(name, management[name].value())
        for form in formset.forms:
            data.update(_form_values(form))
    data.update(changes)
    return data
