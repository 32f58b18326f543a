"""The upload page end to end with the Django test client: real files, the real ingest pipeline, the real
database and a real Whoosh index in a temp folder."""

import pytest
from django.test import Client

from plans.models import AuditEntry, Plan, Section
from tests.plans.admin import files
from tests.plans.admin.flow import (
    CONFIRM_URL,
    UPLOAD_URL,
    confirm,
    report_by_label,
    upload,
    upload_and_confirm,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_upload_page_is_linked_from_the_plan_list(staff_client):
    changelist = staff_client.get("/admin/plans/plan/")
    assert f'href="{UPLOAD_URL}"' in changelist.content.decode()
    page = staff_client.get(UPLOAD_URL)
    assert page.status_code == 200
    assert 'type="file"' in page.content.decode() and "multiple" in page.content.decode()


def test_a_logged_out_user_is_sent_to_login_and_nothing_is_written(client):
    response = upload(client, [("a.txt", files.gbk_txt())])
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert client.get(UPLOAD_URL)["Location"] == f"/admin/login/?next={UPLOAD_URL}"
    assert client.post(CONFIRM_URL, {"token": "x"}).status_code == 302
    assert Plan.objects.count() == 0


def test_a_non_staff_user_is_refused(client, django_user_model, staging_dir):
    user = django_user_model.objects.create_user("reader", password="pw-reader-123")
    client.force_login(user)
    response = upload(client, [("a.txt", files.gbk_txt())])
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert Plan.objects.count() == 0
    assert not staging_dir.exists() or not any(staging_dir.iterdir())


def test_staff_without_the_add_permission_get_403(client, django_user_model):
    user = django_user_model.objects.create_user("viewer", password="pw-viewer-123", is_staff=True)
    client.force_login(user)
    assert client.get(UPLOAD_URL).status_code == 403
    assert upload(client, [("a.txt", files.gbk_txt())]).status_code == 403


def test_posts_without_a_csrf_token_are_refused(staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert upload(client, [("a.txt", files.gbk_txt())]).status_code == 403
    assert Plan.objects.count() == 0


def test_every_format_is_previewed_then_saved_and_indexed(staff_client, staff):
    batch = [
        ("湖北科技工作要点.txt", files.gbk_txt("湖北", 2018)),
        ("jiangxi.html", files.gb18030_html("江西", 2019)),
        ("zhejiang.docx", files.docx("浙江", 2020)),
        ("sichuan.pdf", files.pdf("四川", 2021)),
    ]
    # WHEN the files are uploaded THEN the preview shows what was extracted and nothing is saved yet
    preview = upload(staff_client, batch)
    assert preview.status_code == 200
    rows = preview.context["items"]
    assert [item["row"].status for item in rows] == ["ready"] * 4
    shown = {item["row"].label: item["row"].preview for item in rows}
    assert shown["jiangxi.html"]["region"] == "江西" and shown["jiangxi.html"]["year"] == 2019
    assert shown["sichuan.pdf"]["title"].startswith("四川省2021年科技工作要点")
    assert len(shown["湖北科技工作要点.txt"]["sections"]) >= 3
    assert "科技成果转化" in [theme["name"] for theme in shown["湖北科技工作要点.txt"]["themes"]]
    html = preview.content.decode()
    for label in shown:
        assert label in html
    assert Plan.objects.count() == 0

    # WHEN staff confirm THEN every plan is saved with its metadata, indexed and audited
    report = confirm(staff_client, preview)
    assert report.status_code == 200
    statuses = {row.label: row.status for row in report.context["report"]}
    assert statuses == dict.fromkeys(shown, "ingested")
    plans = {plan.region.name: plan for plan in Plan.objects.select_related("region")}
    assert {name: plan.year for name, plan in plans.items()} == {
        "湖北": 2018,
        "江西": 2019,
        "浙江": 2020,
        "四川": 2021,
    }
    assert "版权所有" not in plans["江西"].text and "已阅" not in plans["江西"].text
    assert all(plan.sections.exists() for plan in plans.values())
    assert {plan.index_status for plan in plans.values()} == {Plan.IndexStatus.INDEXED}
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.UPLOAD)
    assert entries.count() == 4 and {entry.user for entry in entries} == {staff}


def test_each_member_of_a_zip_becomes_a_plan(staff_client):
    archive = files.zip_of(
        [
            ("2018/湖北.txt", files.gbk_txt("湖北", 2018)),
            ("2019/河南.txt", files.gbk_txt("河南", 2019)),
            ("广东.docx", files.docx("广东", 2020)),
        ]
    )
    report = upload_and_confirm(staff_client, [("batch.zip", archive)])
    rows = report_by_label(report)
    assert {label: row.status for label, row in rows.items()} == {
        "batch.zip › 2018/湖北.txt": "ingested",
        "batch.zip › 2019/河南.txt": "ingested",
        "batch.zip › 广东.docx": "ingested",
    }
    assert sorted(Plan.objects.values_list("region__name", flat=True)) == sorted(["湖北", "河南", "广东"])


def test_the_same_content_again_is_reported_as_a_duplicate(staff_client):
    upload_and_confirm(staff_client, [("a.txt", files.gbk_txt("湖北", 2018))])
    preview = upload(staff_client, [("again.txt", files.gbk_txt("湖北", 2018))])
    assert preview.context["items"][0]["row"].status == "duplicate"
    report = confirm(staff_client, preview)
    row = report_by_label(report)["again.txt"]
    assert row.status == "duplicate" and row.reason
    assert Plan.objects.count() == 1
    assert "重复" in report.content.decode()


def test_a_duplicate_can_update_the_existing_plan(staff_client):
    upload_and_confirm(staff_client, [("a.txt", files.gbk_txt("湖北", 2018))])
    preview = upload(staff_client, [("again.txt", files.gbk_txt("湖北", 2018))])
    report = confirm(staff_client, preview, edits={0: {"city": "武汉"}}, update=True)
    assert report_by_label(report)["again.txt"].status == "updated"
    assert Plan.objects.get().city == "武汉"
    assert AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).count() == 1


def test_bad_files_are_rejected_with_a_reason_and_the_rest_of_the_batch_is_saved(staff_client):
    docx = files.docx("浙江", 2020)
    pdf = files.pdf("四川", 2021)
    batch = [
        ("empty.txt", b""),
        ("binary.txt", files.BINARY),
        ("truncated.docx", docx[: len(docx) // 2]),
        ("truncated.pdf", pdf[: len(pdf) // 3]),
        ("good.txt", files.gbk_txt("湖北", 2018)),
    ]
    preview = upload(staff_client, batch)
    statuses = {item["row"].label: item["row"].status for item in preview.context["items"]}
    assert statuses == {**dict.fromkeys([name for name, _ in batch[:4]], "refused"), "good.txt": "ready"}
    report = confirm(staff_client, preview)
    rows = report_by_label(report)
    for name, _ in batch[:4]:
        assert rows[name].status == "rejected", name
        assert rows[name].reason, name
        assert rows[name].reason in report.content.decode()
    assert rows["good.txt"].status == "ingested"
    plan = Plan.objects.get()
    assert plan.region.name == "湖北"
    assert Section.objects.exclude(plan=plan).count() == 0


def test_unsafe_zip_members_are_refused_and_safe_ones_saved(staff_client):
    archive = files.zip_of(
        [
            ("../evil.txt", files.gbk_txt("河南", 2019)),
            ("/abs/evil.txt", files.gbk_txt("河南", 2020)),
            ("inner.zip", files.zip_of([("x.txt", files.gbk_txt("河南", 2021))])),
            ("photo.jpg", b"\xff\xd8\xff\xe0 jpeg"),
            ("ok.txt", files.gbk_txt("广东", 2019)),
        ]
    )
    report = upload_and_confirm(staff_client, [("mixed.zip", archive)])
    rows = report_by_label(report)
    assert "路径不安全" in rows["mixed.zip › ../evil.txt"].reason
    assert "路径不安全" in rows["mixed.zip › abs/evil.txt"].reason
    assert "嵌套" in rows["mixed.zip › inner.zip"].reason
    assert "不是规划文件" in rows["mixed.zip › photo.jpg"].reason
    assert rows["mixed.zip › ok.txt"].status == "ingested"
    assert list(Plan.objects.values_list("region__name", flat=True)) == ["广东"]


def test_a_zip_bomb_is_refused_whole(staff_client, settings):
    settings.UPLOAD_ZIP_MAX_RATIO = 100
    bomb = files.zip_of([("ok.txt", files.gbk_txt("湖北", 2018)), ("zeros.txt", b"0" * (8 * 1024 * 1024))])
    assert len(bomb) < 100 * 1024  # 8 MB of data in well under 100 KB
    preview = upload(staff_client, [("bomb.zip", bomb), ("next.txt", files.gbk_txt("河南", 2019))])
    rows = {item["row"].label: item["row"] for item in preview.context["items"]}
    assert rows["bomb.zip"].status == "refused" and "压缩炸弹" in rows["bomb.zip"].reason
    report = confirm(staff_client, preview)
    assert report_by_label(report)["bomb.zip"].status == "rejected"
    assert list(Plan.objects.values_list("region__name", flat=True)) == ["河南"]


def test_corrections_in_the_preview_are_saved_and_audited(staff_client, staff):
    preview = upload(staff_client, [("plan.txt", files.gbk_txt("湖北", 2018))])
    report = confirm(
        staff_client,
        preview,
        edits={0: {"region": "湖南", "year": 2017, "title": "湖南省2017年科技工作要点（修正）"}},
    )
    row = report_by_label(report)["plan.txt"]
    assert row.status == "ingested" and set(row.corrected) == {"region", "year", "title"}
    plan = Plan.objects.get()
    assert (plan.region.name, plan.year, plan.title) == ("湖南", 2017, "湖南省2017年科技工作要点（修正）")
    entry = AuditEntry.objects.get(plan=plan)
    assert entry.user == staff and entry.changes["region"] == ["湖北", "湖南"]
    assert entry.changes["year"] == ["2018", "2017"] or entry.changes["year"] == [2018, 2017]
    # the trail is on the plan's admin page
    page = staff_client.get(f"/admin/plans/plan/{plan.pk}/change/").content.decode()
    assert "审计记录" in page and "人工修正" in page and "editor" in page


def test_files_left_unticked_are_not_saved(staff_client):
    preview = upload(
        staff_client, [("a.txt", files.gbk_txt("湖北", 2018)), ("b.txt", files.gbk_txt("河南", 2019))]
    )
    report = confirm(staff_client, preview, skip={0})
    assert {row.label: row.status for row in report.context["report"]} == {
        "a.txt": "skipped",
        "b.txt": "ingested",
    }
    assert Plan.objects.count() == 1


def test_an_invalid_correction_shows_the_preview_again_with_nothing_saved(staff_client):
    preview = upload(staff_client, [("a.txt", files.gbk_txt("湖北", 2018))])
    again = confirm(staff_client, preview, edits={0: {"year": "二〇一八", "title": ""}})
    assert again.status_code == 200 and again.context["formset"].errors[0].keys() >= {"year", "title"}
    assert Plan.objects.count() == 0
    # the same batch can still be confirmed once fixed
    report = confirm(staff_client, again, edits={0: {"year": 2018, "title": "湖北省2018年科技工作要点"}})
    assert report_by_label(report)["a.txt"].status == "ingested"


def test_a_batch_is_confirmed_once_and_only_by_its_uploader(staff_client, django_user_model):
    preview = upload(staff_client, [("a.txt", files.gbk_txt("湖北", 2018))])
    other = Client()
    other.force_login(django_user_model.objects.create_superuser("other", "o@example.org", "pw-other-123"))
    refused = confirm(other, preview)
    assert refused.status_code == 302 and Plan.objects.count() == 0
    assert confirm(staff_client, preview).status_code == 200
    replay = confirm(staff_client, preview)
    assert replay.status_code == 302 and Plan.objects.count() == 1


def test_a_forged_token_is_refused(staff_client):
    preview = upload(staff_client, [("a.txt", files.gbk_txt("湖北", 2018))])
    from tests.plans.admin.flow import preview_form_data

    data = preview_form_data(preview)
    data["token"] = data["token"][:-2] + "xx"
    response = staff_client.post(CONFIRM_URL, data, follow=True)
    assert "上传批次无效" in response.content.decode()
    assert Plan.objects.count() == 0


def test_size_limits_come_from_settings(staff_client, settings):
    settings.UPLOAD_MAX_BATCH_BYTES = 1000
    response = upload(staff_client, [("a.txt", files.gbk_txt("湖北", 2018) * 5)])
    assert response.status_code == 200 and "超过上限" in response.content.decode()
    assert "token" not in (response.context or {})
    settings.UPLOAD_MAX_BATCH_BYTES = 10 * 1024 * 1024
    settings.PLAN_MAX_FILE_BYTES = 500
    preview = upload(staff_client, [("big.txt", files.gbk_txt("湖北", 2018) * 5)])
    assert preview.context["items"][0]["row"].status == "refused"
    assert Plan.objects.count() == 0
