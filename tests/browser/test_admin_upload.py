"""Staff upload two plans through the admin in a real Chromium, confirm the preview, and find them on the
search page."""

import pytest

from plans.models import Plan
from tests.plans.admin import files

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def staff_login(live_server, page, django_user_model):
    django_user_model.objects.create_superuser("editor", "editor@example.org", "pw-editor-123")
    page.goto(live_server.url + "/admin/login/?next=/admin/plans/plan/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "pw-editor-123")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/plans/plan/")
    return page


def test_staff_upload_two_files_confirm_and_find_them(
    staff_login, live_server, screenshot_dir, tmp_path, settings
):
    page = staff_login
    settings.UPLOAD_STAGING_DIR = tmp_path / "staging"
    page.click("#upload-plans-link")
    page.wait_for_url("**/admin/plans/plan/upload/")
    page.set_input_files(
        "input[type=file]",
        files=[
            {
                "name": "湖北省2018年科技工作要点.txt",
                "mimeType": "text/plain",
                "buffer": files.gbk_txt("湖北", 2018, "揭榜挂帅"),
            },
            {
                "name": "浙江.docx",
                "mimeType": "application/octet-stream",
                "buffer": files.docx("浙江", 2020, "揭榜挂帅"),
            },
        ],
    )
    page.click("input[name=_preview]")
    page.wait_for_selector("#preview-form")
    assert page.locator("fieldset.upload-file").count() == 2
    assert page.locator("fieldset.status-ready").count() == 2
    # correct one field in the preview: the city of the Zhejiang plan
    zhejiang = page.locator("fieldset.upload-file", has_text="浙江.docx")
    zhejiang.locator("input[name$=-city]").fill("杭州")
    page.screenshot(path=str(screenshot_dir / "admin-upload-preview.png"), full_page=True)
    page.click("input[name=_confirm]")
    page.wait_for_selector("#upload-report")
    assert page.locator("#upload-report tbody tr.report-ingested").count() == 2
    assert "人工修正：城市" in page.locator("#upload-report").inner_text()
    page.screenshot(path=str(screenshot_dir / "admin-upload-report.png"), full_page=True)

    # the plan's admin page shows the extraction explanation and who uploaded it
    page.click("#upload-report a:has-text('浙江省2020年科技工作要点')")
    page.wait_for_selector(".audit-table")
    assert "editor" in page.locator(".audit-table").inner_text()
    assert page.locator(".extraction-table").count() == 1
    page.screenshot(path=str(screenshot_dir / "admin-plan-change.png"), full_page=True)

    assert Plan.objects.get(region__name="浙江").city == "杭州"
    assert set(Plan.objects.values_list("index_status", flat=True)) == {Plan.IndexStatus.INDEXED}

    # the researcher's search page finds both new plans
    page.goto(live_server.url + "/search/?q=揭榜挂帅")
    titles = page.locator(".hit-title a").all_inner_texts()
    assert sorted(titles) == ["浙江省2020年科技工作要点", "湖北省2018年科技工作要点"]
