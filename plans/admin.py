"""Curation of plans in the Django admin: plans, sections, themes, regions and the audit trail.

Writes go through the same services as ingest (plans.services / plans.ingest): an edited text or title is parsed
again into sections and themes; every change is re-indexed after the database commits; a plan whose indexing failed
is flagged (index_status=failed) and repaired by the "重新索引" action or `check_index --fix`. The upload page
(plans.upload) is mounted at /admin/plans/plan/upload/.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from plans import audit, curation, services
from plans.models import AuditEntry, Plan, PlanTheme, Region, Section, Theme
from plans.upload import views as upload_views

admin.site.site_header = "政策检索 · 管理"
admin.site.site_title = "政策检索 管理"
admin.site.index_title = "规划文件的上传与整理"


class SectionInline(admin.TabularInline):
    model = Section
    fk_name = "plan"
    fields = ("order", "depth", "number", "heading", "anchor")
    readonly_fields = ("anchor",)
    extra = 0
    show_change_link = True
    ordering = ("order",)
    verbose_name_plural = "章节（修改正文后会按正文重新解析）"


class PlanThemeInline(admin.TabularInline):
    model = PlanTheme
    fields = ("theme", "weight", "share_basis", "score", "matched_keywords")
    readonly_fields = ("weight", "share_basis", "score", "matched_keywords")
    extra = 0
    verbose_name = "主题"
    verbose_name_plural = "主题（主题占比达到全库平均的倍数才赋予；修改正文或重新分配主题时重新计算）"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "theme":
            field.label = "主题"
        return field

    @admin.display(description="命中关键词")
    def matched_keywords(self, obj: PlanTheme) -> str:
        return _keywords_text(obj.matched)

    @admin.display(description="判定依据")
    def share_basis(self, obj: PlanTheme) -> str:
        basis = obj.basis or {}
        if "share" not in basis:
            return "—"
        text = (
            f"占全文 {basis['share']:.1%}，全库平均 {basis['average_share']:.1%}（{basis['plans']} 份文件），"
            f"门槛 {basis['min_weight']:g} 倍且不低于 {basis['min_share']:.0%}"
        )
        if basis.get("headed"):
            text += "；一级章节标题点名"
        elif basis.get("min_prominence") is not None:
            text += f"；居前程度 {basis['prominence']:.0%}（不低于 {basis['min_prominence']:.0%}）"
        return text


class IndexStatusFilter(admin.SimpleListFilter):
    """Index status with the failed plans first, since those need action."""

    title = "索引状态"
    parameter_name = "index_status"

    def lookups(self, request, model_admin):
        return [
            (Plan.IndexStatus.FAILED, "索引失败"),
            *[c for c in Plan.IndexStatus.choices if c[0] != "failed"],
        ]

    def queryset(self, request, queryset):
        return queryset.filter(index_status=self.value()) if self.value() else queryset


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "region",
        "year",
        "level",
        "published_on",
        "theme_names",
        "needs_review",
        "index_badge",
        "created_at",
    )
    list_display_links = ("title",)
    list_filter = (
        "region",
        "year",
        ("themes", admin.RelatedOnlyFieldListFilter),
        "level",
        "needs_review",
        IndexStatusFilter,
    )
    search_fields = ("title", "issuer", "doc_number", "index_number", "source", "city")
    list_select_related = ("region",)
    list_per_page = 50
    actions = ("reindex", "reparse", "mark_reviewed")
    inlines = (PlanThemeInline, SectionInline)
    readonly_fields = (
        "checksum",
        "original_file_link",
        "extraction_table",
        "index_status",
        "indexed_at",
        "created_at",
        "updated_at",
        "audit_trail",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "issuer",
                    ("region", "level", "city"),
                    ("year", "published_on"),
                    ("doc_number", "index_number"),
                    "source",
                )
            },
        ),
        ("审核", {"fields": ("needs_review", "review_notes")}),
        (
            "正文",
            {"fields": ("text",), "description": "修改正文或标题后，保存时会重新解析章节与主题并重新索引。"},
        ),
        ("抽取说明", {"fields": ("extraction_table",)}),
        ("索引", {"fields": ("index_status", "indexed_at")}),
        ("文件", {"fields": ("original_file_link", "checksum", "created_at", "updated_at")}),
        ("审计记录", {"fields": ("audit_trail",)}),
    )

    class Media:
        css = {"all": ("plans/admin.css",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Plan]:
        return super().get_queryset(request).prefetch_related("themes")

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("upload/", wrap(self.upload_view), name="plans_plan_upload"),
            path("upload/confirm/", wrap(self.upload_confirm_view), name="plans_plan_upload_confirm"),
            path("<int:plan_id>/original/", wrap(self.original_file_view), name="plans_plan_original"),
            *super().get_urls(),
        ]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        """Plans are added from files, through the ingest pipeline: "add" opens the upload page."""
        return redirect("admin:plans_plan_upload")

    def original_file_view(self, request: HttpRequest, plan_id: int):
        """The file a plan was made from, for staff only (uploaded files are never served publicly)."""
        plan = get_object_or_404(Plan, pk=plan_id)
        if not self.has_view_permission(request, plan) or not plan.original_file:
            raise Http404("没有原始文件")
        return FileResponse(
            plan.original_file.open("rb"),
            as_attachment=True,
            filename=plan.original_file.name.rsplit("/", 1)[-1],
        )

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        extra_context = {**(extra_context or {}), "show_save_and_add_another": False}
        return super().change_view(request, object_id, form_url, extra_context)

    def upload_view(self, request: HttpRequest):
        return upload_views.upload(request, self)

    def upload_confirm_view(self, request: HttpRequest):
        return upload_views.confirm(request, self)

    # --- columns and read-only fields -------------------------------------------------------------------------

    @admin.display(description="主题")
    def theme_names(self, obj: Plan) -> str:
        return "、".join(theme.name for theme in obj.themes.all())

    @admin.display(description="索引", ordering="index_status")
    def index_badge(self, obj: Plan) -> str:
        return format_html(
            '<span class="index-{}">{}</span>', obj.index_status, obj.get_index_status_display()
        )

    @admin.display(description="原始文件")
    def original_file_link(self, obj: Plan) -> str:
        if not obj.original_file:
            return "（无）"
        url = reverse("admin:plans_plan_original", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_file.name.rsplit("/", 1)[-1])

    @admin.display(description="抽取说明")
    def extraction_table(self, obj: Plan) -> str:
        """How ingest derived each field (method, evidence, confidence), as a table."""
        if not obj.extraction:
            return "（无）"
        rows = []
        for name, detail in obj.extraction.items():
            try:
                label = str(Plan._meta.get_field(name).verbose_name)
            except Exception:
                label = name
            rows.append((label, _explain(detail)))
        body = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
        return format_html('<table class="extraction-table">{}</table>', body)

    @admin.display(description="审计记录")
    def audit_trail(self, obj: Plan) -> str:
        entries = audit.for_plan(obj) if obj.pk else []
        if not entries:
            return "（无）"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                    entry.username or "（系统）",
                    entry.get_action_display(),
                    entry.summary,
                    _changes_text(entry.changes),
                )
                for entry in entries
            ),
        )
        head = mark_safe("<tr><th>时间</th><th>用户</th><th>操作</th><th>摘要</th><th>字段变化</th></tr>")
        return format_html('<table class="audit-table">{}{}</table>', head, rows)

    # --- saving, deleting ------------------------------------------------------------------------------------

    def save_model(self, request, obj: Plan, form, change: bool) -> None:
        """Nothing here for an edit: save_related saves the plan, its inlines and the audit entry together,
        since it is the one step that sees the form and the formsets at once (no state is carried from one
        admin hook to the next on the request)."""
        if not change:  # plans are created by ingest and uploads; kept correct should adding be allowed
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change: bool) -> None:
        """Save through plans.services.plan_update (as ingest does): a new text re-parses sections and themes,
        each corrected field is marked "manual" in the explanation, and the search package re-indexes. Then the
        inlines (except sections and themes that a new text has just replaced) and one audit entry."""
        if not change:
            super().save_related(request, form, formsets, change)
            return
        stored = Plan.objects.get(pk=form.instance.pk)
        before = audit.snapshot(stored)
        edited = {
            name: form.cleaned_data[name] for name in form.changed_data if name in services.EDITABLE_FIELDS
        }
        services.plan_update(plan=stored, manual=True, **edited)
        changes = audit.diff(before, audit.snapshot(stored))
        reparsed = "text" in changes
        form.instance = stored
        form.save_m2m()
        inline_changed = []
        for formset in formsets:
            if reparsed and formset.model in (Section, PlanTheme):
                # the new text replaced these rows: edits made to the old ones in the same submission are void
                if formset.has_changed():
                    messages.warning(
                        request,
                        f"正文已修改并重新解析，本次对“{formset.model._meta.verbose_name}”的修改未保存。",
                    )
                formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []  # the log
                continue
            if formset.has_changed():
                inline_changed.append(str(formset.model._meta.verbose_name))
            self.save_formset(request, form, formset, change)
        parts = [audit.summarise(changes)] if changes else []
        if inline_changed:
            parts.append("修改了：" + "、".join(inline_changed))
        if reparsed:
            parts.append("已按新正文重新解析章节与主题")
            messages.info(request, "正文已修改：已按新内容重新解析章节与主题。")
        audit.record(
            user=request.user,
            action=AuditEntry.Action.CHANGE,
            plan=stored,
            summary="；".join(parts) or "没有字段变化",
            changes=changes,
        )

    def delete_model(self, request, obj: Plan) -> None:
        audit.record(
            user=request.user, action=AuditEntry.Action.DELETE, plan=obj, summary=f"删除《{obj.title}》"
        )
        services.plan_delete(plan=obj)  # the search package removes it from the index after the commit

    def delete_queryset(self, request, queryset: QuerySet[Plan]) -> None:
        for plan in list(queryset):
            self.delete_model(request, plan)

    # --- actions ---------------------------------------------------------------------------------------------

    @admin.action(description="重新索引", permissions=["change"])
    def reindex(self, request: HttpRequest, queryset: QuerySet[Plan]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        failed = curation.reindex(ids)
        for plan in Plan.objects.filter(pk__in=ids):
            audit.record(user=request.user, action=AuditEntry.Action.REINDEX, plan=plan, summary="重新索引")
        if failed:
            self.message_user(
                request, f"已重新索引 {len(ids) - failed} 份，{failed} 份仍然失败。", messages.ERROR
            )
        else:
            self.message_user(request, f"已重新索引 {len(ids)} 份规划文件。", messages.SUCCESS)

    @admin.action(description="按正文重新解析章节与主题", permissions=["change"])
    def reparse(self, request: HttpRequest, queryset: QuerySet[Plan]) -> None:
        plans = list(queryset)
        for plan in plans:
            curation.reparse(plan)
            audit.record(
                user=request.user, action=AuditEntry.Action.REPARSE, plan=plan, summary="重新解析章节与主题"
            )
        curation.reindex([plan.pk for plan in plans])
        self.message_user(request, f"已重新解析 {len(plans)} 份规划文件。", messages.SUCCESS)

    @admin.action(description="标记为已审核", permissions=["change"])
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[Plan]) -> None:
        plans = list(queryset.filter(needs_review=True))
        for plan in plans:
            services.plan_update(plan=plan, manual=True, needs_review=False)
            audit.record(
                user=request.user,
                action=AuditEntry.Action.CHANGE,
                plan=plan,
                summary="标记为已审核",
                changes={"needs_review": (True, False)},
            )
        self.message_user(request, f"已将 {len(plans)} 份文件标记为已审核。", messages.SUCCESS)


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("heading", "number", "depth", "plan", "anchor")
    list_filter = ("depth", "plan__region", "themes")
    search_fields = ("heading", "plan__title")
    list_select_related = ("plan",)
    raw_id_fields = ("plan", "parent")
    readonly_fields = ("section_themes_text",)

    @admin.display(description="主题与命中关键词")
    def section_themes_text(self, obj: Section) -> str:
        items = obj.section_themes.select_related("theme") if obj.pk else []
        return "；".join(f"{st.theme.name}（{_keywords_text(st.matched)}）" for st in items) or "（无）"

    def save_model(self, request, obj: Section, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit.record(
            user=request.user,
            action=AuditEntry.Action.CHANGE,
            plan=obj.plan,
            summary=f"修改章节「{obj.heading}」：" + "、".join(form.changed_data),
        )
        plan_id = obj.plan_id
        # A section is not a Plan: queue its plan's re-index ourselves, after the commit.
        transaction.on_commit(lambda: curation.reindex_later([plan_id]))


class ThemeForm(forms.ModelForm):
    reassign_after_save = forms.BooleanField(
        label="保存后按新的关键词重新分配所有规划文件的主题",
        required=False,
        initial=True,
        help_text="关键词或最少命中次数改变时才需要；完成后会报告有多少份文件的主题发生了变化。",
    )

    class Meta:
        model = Theme
        fields = ("name", "slug", "group", "description", "keywords", "min_hits", "order")


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    form = ThemeForm
    list_display = ("name", "group", "min_hits", "keyword_count", "plan_count", "order")
    list_filter = ("group",)
    search_fields = ("name", "keywords", "description")
    prepopulated_fields = {"slug": ("name",)}
    actions = ("reassign_all",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_plans=Count("plan_themes", distinct=True))

    @admin.display(description="关键词数")
    def keyword_count(self, obj: Theme) -> int:
        return len(obj.keyword_list)

    @admin.display(description="文件数", ordering="_plans")
    def plan_count(self, obj: Theme) -> int:
        return obj._plans

    def save_model(self, request, obj: Theme, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        rule_changed = {"keywords", "min_hits"} & set(form.changed_data) or not change
        audit.record(
            user=request.user,
            action=AuditEntry.Action.THEME_CHANGE,
            summary=f"主题「{obj.name}」"
            + ("新增" if not change else "修改了：" + "、".join(form.changed_data)),
        )
        if form.cleaned_data.get("reassign_after_save") and rule_changed:
            self._reassign(request)  # in the same transaction as the new keywords: all or nothing

    @admin.action(description="按关键词重新分配所有规划文件的主题", permissions=["change"])
    def reassign_all(self, request: HttpRequest, queryset: QuerySet[Theme]) -> None:
        self._reassign(request)

    def _reassign(self, request: HttpRequest) -> None:
        changed = curation.reassign_themes(user=request.user)
        self.message_user(
            request, f"主题已按关键词重新分配：{changed} 份规划文件的主题有变化。", messages.SUCCESS
        )


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "full_name", "kind", "order", "plan_count")
    list_filter = ("kind",)
    search_fields = ("name", "full_name")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_plans=Count("plans"))

    @admin.display(description="文件数", ordering="_plans")
    def plan_count(self, obj: Region) -> int:
        return obj._plans

    # A renamed region changes a facet value of its plans: the search package's signals re-index them.


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the trail is written by the code, never edited by hand."""

    list_display = ("created_at", "username", "action", "plan_link", "summary")
    list_filter = ("action", "username")
    search_fields = ("plan_title", "username", "summary")
    date_hierarchy = "created_at"

    @admin.display(description="规划文件")
    def plan_link(self, obj: AuditEntry) -> str:
        if obj.plan_id is None:
            return obj.plan_title
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:plans_plan_change", args=[obj.plan_id]), obj.plan_title
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _keywords_text(matched: dict) -> str:
    return "、".join(f"{keyword}×{count}" for keyword, count in (matched or {}).items())


def _changes_text(changes: dict) -> str:
    return "；".join(
        f"{name}: {old or '（空）'} → {new or '（空）'}" for name, (old, new) in (changes or {}).items()
    )


def _explain(detail) -> str:
    """One line per field: the value, then how it was found (method, evidence, confidence)."""
    if not isinstance(detail, dict):
        return str(detail)
    if "method" in detail and "value" in detail:
        value = "（空）" if detail["value"] in (None, "") else detail["value"]
        parts = [f"方法 {detail['method']}"]
        if detail.get("evidence"):
            parts.append(f"依据「{detail['evidence']}」")
        if detail.get("confidence") is not None:
            parts.append(f"置信度 {detail['confidence']}")
        return f"{value}（{'，'.join(parts)}）"
    if "kind" in detail:  # how the file was read
        removed = detail.get("removed_lines") or []
        encoding = f"，编码 {detail['encoding']}" if detail.get("encoding") else ""
        return f"{detail['kind']}{encoding}，{detail.get('method', '')}；清除网页框架 {len(removed)} 行"
    return "；".join(f"{key}: {value}" for key, value in detail.items())
