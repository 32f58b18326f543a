"""Curation in the plan admin: filters and search, every field correctable, re-parse and re-index on edit,
removal from the index on delete, the audit trail, and the 重新索引 repair of a real indexing failure."""

import pytest
from django.core.management import call_command
from django.test import Client

from plans.models import AuditEntry, Plan, Region, Theme
from plans.search import SearchParams, search
from tests.plans.admin import files
from tests.plans.admin.flow import change_form_data, report_by_label, upload_and_confirm

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def found(q: str, **filters) -> set[int]:
    return {hit.plan_id for hit in search(SearchParams(q=q, page_size=100, **filters)).hits}


@pytest.fixture
def two_plans(staff_client):
    upload_and_confirm(
        staff_client,
        [
            ("hubei.txt", files.gbk_txt("湖北", 2018, "科技金融")),
            ("henan.txt", files.gbk_txt("河南", 2019, "基础研究")),
        ],
    )
    return Plan.objects.get(region__name="湖北"), Plan.objects.get(region__name="河南")


def result_titles(response) -> set[str]:
    return {plan.title for plan in response.context["cl"].result_list}


def test_list_filters_and_search(staff_client, two_plans):
    hubei, henan = two_plans
    url = "/admin/plans/plan/"
    assert result_titles(staff_client.get(url, {"region__id__exact": hubei.region_id})) == {hubei.title}
    assert result_titles(staff_client.get(url, {"year": 2019})) == {henan.title}
    assert result_titles(staff_client.get(url, {"q": "河南"})) == {henan.title}
    theme = hubei.themes.exclude(pk__in=henan.themes.all()).first()
    assert theme is not None
    assert result_titles(staff_client.get(url, {"themes__id__exact": theme.pk})) == {hubei.title}
    Plan.objects.update(needs_review=False, level="provincial")
    Plan.objects.filter(pk=henan.pk).update(needs_review=True, level="municipal")
    assert result_titles(staff_client.get(url, {"needs_review__exact": 1})) == {henan.title}
    assert result_titles(staff_client.get(url, {"level__exact": "municipal"})) == {henan.title}
    assert result_titles(staff_client.get(url, {"index_status": "indexed"})) == {hubei.title, henan.title}
    assert result_titles(staff_client.get(url, {"index_status": "failed"})) == set()


def test_the_change_page_shows_extracted_fields_explanation_sections_and_audit(staff_client, two_plans):
    hubei, _ = two_plans
    page = staff_client.get(f"/admin/plans/plan/{hubei.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    for text in ("抽取说明", "审计记录", "上传 hubei.txt", hubei.title, "已索引"):
        assert text in html
    assert hubei.sections.first().heading in html
    form = page.context["adminform"].form
    editable = {
        "title",
        "issuer",
        "region",
        "level",
        "city",
        "year",
        "published_on",
        "doc_number",
        "index_number",
    }
    assert editable | {"source", "text", "needs_review", "review_notes"} <= set(form.fields)


def test_editing_the_text_reparses_sections_and_themes_and_reindexes(staff_client, staff, two_plans):
    hubei, _ = two_plans
    url = f"/admin/plans/plan/{hubei.pk}/change/"
    new_text = "\n".join(
        [
            hubei.title,
            "一、科学普及",
            "建设科普基地和科技馆，开展科技活动周，提高公民科学素质，推进科学普及。",
            "二、国际科技合作",
            "深化国际科技合作，参与一带一路国际合作，开展对外科技交流。",
        ]
    )
    response = staff_client.post(url, change_form_data(staff_client.get(url), text=new_text, city="武汉"))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    hubei.refresh_from_db()
    assert [s.heading for s in hubei.sections.filter(depth=1)] == ["科学普及", "国际科技合作"]
    assert {"科学普及", "国际科技合作"} <= set(hubei.themes.values_list("name", flat=True))
    assert "科技金融" not in set(hubei.themes.values_list("name", flat=True))
    entry = AuditEntry.objects.filter(plan=hubei, action=AuditEntry.Action.CHANGE).get()
    assert entry.user == staff and {"text", "city"} <= entry.changes.keys()
    assert "正文" in entry.summary and "城市" in entry.summary
    from plans.curation import wait_for_index

    assert wait_for_index()
    hubei.refresh_from_db()
    assert hubei.index_status == Plan.IndexStatus.INDEXED
    assert hubei.pk in found("科普基地")
    assert hubei.pk not in found("科技金融")


def test_editing_metadata_reindexes_the_facets(staff_client, two_plans):
    hubei, _ = two_plans
    url = f"/admin/plans/plan/{hubei.pk}/change/"
    hunan = Region.objects.get(name="湖南")
    response = staff_client.post(url, change_form_data(staff_client.get(url), region=hunan.pk, year=2016))
    assert response.status_code == 302
    from plans.curation import wait_for_index

    assert wait_for_index()
    assert found("", regions=("湖南",), years=(2016,)) == {hubei.pk}
    assert found("", regions=("湖北",)) == set()


def test_deleting_a_plan_removes_it_from_the_index_and_is_audited(staff_client, staff, two_plans):
    hubei, henan = two_plans
    assert hubei.pk in found("工作要点")
    response = staff_client.post(f"/admin/plans/plan/{hubei.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    from plans.curation import wait_for_index

    assert wait_for_index()
    assert found("工作要点") == {henan.pk}
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DELETE)
    assert entry.plan is None and entry.plan_title == hubei.title and entry.user == staff


def test_an_indexing_failure_leaves_the_plan_saved_and_flagged_then_reindex_repairs_it(
    staff_client, settings, tmp_path
):
    # GIVEN an index path that is a regular file, so Whoosh cannot open or create the index there
    good = settings.HAYSTACK_CONNECTIONS["default"]["PATH"]
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("this is a file, not an index folder")
    settings.HAYSTACK_CONNECTIONS = {
        "default": {**settings.HAYSTACK_CONNECTIONS["default"], "PATH": str(blocker)}
    }

    # WHEN a plan is uploaded THEN it is saved, flagged failed, and the report says so
    report = upload_and_confirm(staff_client, [("hubei.txt", files.gbk_txt("湖北", 2018))])
    row = report_by_label(report)["hubei.txt"]
    assert row.status == "ingested"
    plan = Plan.objects.get()
    assert plan.index_status == Plan.IndexStatus.FAILED
    assert "索引失败" in report.content.decode()
    listing = staff_client.get("/admin/plans/plan/", {"index_status": "failed"})
    assert result_titles(listing) == {plan.title}

    # WHEN the index is reachable again and staff run 重新索引 THEN the plan is indexed and searchable
    settings.HAYSTACK_CONNECTIONS = {"default": {**settings.HAYSTACK_CONNECTIONS["default"], "PATH": good}}
    response = staff_client.post(
        "/admin/plans/plan/", {"action": "reindex", "_selected_action": [plan.pk]}, follow=True
    )
    assert "已重新索引 1 份" in response.content.decode()
    plan.refresh_from_db()
    assert plan.index_status == Plan.IndexStatus.INDEXED
    assert plan.pk in found("科技成果转化")
    assert AuditEntry.objects.filter(plan=plan, action=AuditEntry.Action.REINDEX).exists()


def test_check_index_fix_also_repairs_a_failed_plan(staff_client, settings, tmp_path):
    good = settings.HAYSTACK_CONNECTIONS["default"]["PATH"]
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file")
    settings.HAYSTACK_CONNECTIONS = {
        "default": {**settings.HAYSTACK_CONNECTIONS["default"], "PATH": str(blocker)}
    }
    upload_and_confirm(staff_client, [("hubei.txt", files.gbk_txt("湖北", 2018))])
    assert Plan.objects.get().index_status == Plan.IndexStatus.FAILED
    settings.HAYSTACK_CONNECTIONS = {"default": {**settings.HAYSTACK_CONNECTIONS["default"], "PATH": good}}
    call_command("check_index", "--fix")
    assert Plan.objects.get().index_status == Plan.IndexStatus.INDEXED


def test_mark_reviewed_action(staff_client, two_plans):
    hubei, henan = two_plans
    Plan.objects.update(needs_review=True)
    staff_client.post("/admin/plans/plan/", {"action": "mark_reviewed", "_selected_action": [hubei.pk]})
    assert list(Plan.objects.filter(needs_review=True)) == [henan]
    assert AuditEntry.objects.filter(plan=hubei, summary="标记为已审核").exists()


def test_add_opens_the_upload_page(staff_client):
    response = staff_client.get("/admin/plans/plan/add/")
    assert response.status_code == 302 and response["Location"] == "/admin/plans/plan/upload/"


@pytest.mark.parametrize(
    "url",
    [
        "/admin/plans/region/",
        "/admin/plans/section/",
        "/admin/plans/theme/",
        "/admin/plans/auditentry/",
        "/admin/plans/section/?q=总体要求",
        "/admin/plans/theme/?q=孵化器",
    ],
)
def test_the_other_admin_pages_render(staff_client, two_plans, url):
    assert staff_client.get(url).status_code == 200


def test_section_and_region_change_pages_are_editable(staff_client, two_plans):
    hubei, _ = two_plans
    section = hubei.sections.first()
    url = f"/admin/plans/section/{section.pk}/change/"
    response = staff_client.post(url, change_form_data(staff_client.get(url), heading="改过的标题"))
    assert response.status_code == 302
    section.refresh_from_db()
    assert section.heading == "改过的标题"
    assert AuditEntry.objects.filter(plan=hubei, summary__contains="改过的标题").exists()
    region_url = f"/admin/plans/region/{hubei.region_id}/change/"
    assert staff_client.get(region_url).status_code == 200
    theme_url = f"/admin/plans/theme/{Theme.objects.first().pk}/change/"
    assert "reassign_after_save" in staff_client.get(theme_url).content.decode()


def test_the_audit_trail_is_read_only(staff_client, two_plans):
    entry = AuditEntry.objects.first()
    assert staff_client.get("/admin/plans/auditentry/add/").status_code == 403
    assert (
        staff_client.post(f"/admin/plans/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    )


def test_the_original_file_is_downloadable_by_staff_only(staff_client, two_plans, django_user_model):
    hubei, _ = two_plans
    url = f"/admin/plans/plan/{hubei.pk}/original/"
    response = staff_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == files.gbk_txt("湖北", 2018, "科技金融")
    client = Client()
    assert client.get(url).status_code == 302  # logged out: to the login page
    reader = django_user_model.objects.create_user("reader", password="pw-reader-123")
    client.force_login(reader)
    assert client.get(url).status_code == 302
