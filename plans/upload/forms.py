"""Forms of the upload page: the files themselves, then one correction form per previewed file."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.forms import formset_factory

from plans.models import PLAN_METADATA_FIELDS, Level, Region

# Fields staff may correct in the preview; each maps to a Plan field of the same name.
CORRECTABLE_FIELDS = (*PLAN_METADATA_FIELDS, "needs_review")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.Field):
    """Several files from one <input type=file multiple>. Empty files are kept: ingest rejects them with a reason
    in the per-file report instead of failing the whole form."""

    widget = MultipleFileInput

    def to_python(self, data):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        for file in files:
            if not isinstance(file, UploadedFile):
                raise forms.ValidationError("提交的内容不是文件。")
        return list(files)


class UploadForm(forms.Form):
    files = MultipleFileField(
        label="文件",
        help_text="可一次选择多个 .txt、.html、.docx、.pdf 文件，或 .zip 压缩包（其中每个文件成为一份规划）。",
    )
    update_duplicates = forms.BooleanField(
        label="内容相同的文件已存在时，用新上传的元数据更新它", required=False
    )

    def clean_files(self) -> list[UploadedFile]:
        files = self.cleaned_data["files"]
        if len(files) > settings.UPLOAD_MAX_FILES:
            raise forms.ValidationError(
                f"一次最多上传 {settings.UPLOAD_MAX_FILES} 个文件，这次有 {len(files)} 个。"
            )
        total = sum(file.size or 0 for file in files)
        if total > settings.UPLOAD_MAX_BATCH_BYTES:
            limit_mb = settings.UPLOAD_MAX_BATCH_BYTES // (1024 * 1024)
            raise forms.ValidationError(f"这批文件共 {total / 1048576:.1f} MB，超过上限 {limit_mb} MB。")
        return files


class CorrectionForm(forms.Form):
    """One previewed file: keep it or not, and the metadata as staff corrected it. Initial values are what ingest
    extracted, so `changed_data` says exactly what staff corrected."""

    include = forms.BooleanField(label="保存", required=False, initial=True)
    title = forms.CharField(
        label="标题",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "vLargeTextField"}),
    )
    issuer = forms.CharField(
        label="发布机构",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "vTextField"}),
    )
    region = forms.ModelChoiceField(
        label="地区",
        queryset=Region.objects.all(),
        required=False,
        to_field_name="name",
        empty_label="（未定）",
    )
    level = forms.ChoiceField(label="层级", choices=[("", "（未定）"), *Level.choices], required=False)
    city = forms.CharField(label="城市", max_length=50, required=False)
    year = forms.IntegerField(label="年份", min_value=1949, max_value=2100, required=False)
    published_on = forms.DateField(
        label="发布日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    doc_number = forms.CharField(label="文号", max_length=100, required=False)
    index_number = forms.CharField(label="索引号", max_length=100, required=False)
    needs_review = forms.BooleanField(label="待审核", required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("include") and not (cleaned.get("title") or "").strip():
            self.add_error("title", "保存的文件必须有标题。")
        return cleaned

    def corrections(self) -> dict:
        """The fields staff changed, as {field: value} (a Region for region)."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name in CORRECTABLE_FIELDS}


CorrectionFormSet = formset_factory(CorrectionForm, extra=0, max_num=10_000)
