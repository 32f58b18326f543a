"""A researcher's account in a real Chromium: log in, save a search, a new matching plan arrives through the
ingest pipeline, the saved search shows it as new, its private feed lists it, send_alerts delivers one digest
(to a real SMTP server on loopback); collections and citations; axe-core finds no violation on these pages."""

from __future__ import annotations

import feedparser
import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.mail import body_parts, running_smtp_server
from tests.searchui.sample_plans import create_sample_plans

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "browser-test-password-31"
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "best-practice"]}}
NEW_PLAN = """2026年湖北省新型研发机构培育工作方案

一、总体要求
大力培育新型研发机构，推动科技成果转化。
二、重点任务
支持高校院所与企业共建新型研发机构。
"""


@pytest.fixture
def smtp_server(settings):
    with running_smtp_server(settings) as mailbox:
        yield mailbox


@pytest.fixture
def researcher(django_user_model):
    return django_user_model.objects.create_user("researcher", "researcher@example.org", PASSWORD)


def _log_in(page, base: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", "researcher")
    page.fill("#id_password", PASSWORD)
    page.click(".account-form button[type=submit]")
    page.wait_for_url("**/me/searches/")


def _axe(page, reports: list[str], label: str) -> None:
    results = Axe().run(page, options=AXE_OPTIONS)
    if results.violations_count:
        reports.append(f"{label}\n{results.generate_report()}")


def test_save_a_search_then_a_new_plan_is_new_in_the_list_the_feed_and_the_digest(
    live_server,
    page,
    search_index,
    researcher,
    smtp_server,
    settings,
    screenshot_dir,
):
    from django.core.management import call_command

    from plans.ingest import Overrides, ingest_bytes
    from plans.search import wait_for_indexing

    create_sample_plans(count=6)
    base = live_server.url
    settings.SITE_URL = base
    _log_in(page, base)

    page.goto(base + "/search/?q=新型研发机构")
    count_before = int(page.locator("#results-summary strong").inner_text())
    page.fill("#save-name", "新型研发机构跟踪")
    page.click(".save-search-form button[type=submit]")
    page.wait_for_url("**/search/?q=*")
    assert "已保存检索“新型研发机构跟踪”" in page.locator(".messages").inner_text()
    assert "新型研发机构跟踪" in page.locator(".saved-note").inner_text()

    page.goto(base + "/me/searches/")
    entry = page.locator(".saved-search").first
    assert f"共 {count_before} 份" in entry.inner_text() and "无新增" in entry.inner_text()

    outcome = ingest_bytes(NEW_PLAN.encode(), "hubei-2026.txt", overrides=Overrides(region="湖北", year=2026))
    assert outcome.plan is not None, outcome.reason
    assert wait_for_indexing(timeout=60)

    page.reload()
    entry = page.locator(".saved-search").first
    assert f"共 {count_before + 1} 份" in entry.inner_text()
    assert entry.locator(".new-count").inner_text() == "新增 1 份"
    page.screenshot(path=str(screenshot_dir / "saved-searches.png"), full_page=True)

    feed_url = entry.locator("input.feed-url").input_value()
    response = page.request.get(feed_url)
    assert response.ok and response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.body())
    assert not feed.bozo and feed.version == "atom10"
    assert feed.entries[0].title == outcome.plan.title  # the newest by date

    call_command("send_alerts")
    call_command("send_alerts")  # a second run sends nothing again
    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    text, html = body_parts(message)
    assert recipients == ["researcher@example.org"]
    assert "新型研发机构跟踪" in text and outcome.plan.title in text and outcome.plan.title in html
    assert f"{base}/plans/{outcome.plan.pk}/?q=" in text

    # Opening the search from the list marks it read: nothing is new any more.
    entry.locator(".saved-name button").click()
    page.wait_for_url("**/search/?q=*")
    page.goto(base + "/me/searches/")
    assert "无新增" in page.locator(".saved-search").first.inner_text()


def test_collections_citations_and_accessibility(live_server, page, search_index, researcher):
    plans = create_sample_plans(count=6)
    base = live_server.url
    reports: list[str] = []
    page.goto(base + "/accounts/login/")
    _axe(page, reports, "/accounts/login/")
    _log_in(page, base)

    page.goto(base + "/search/?q=科技")
    _axe(page, reports, "/search/ (logged in)")
    first = page.locator(".hit").first
    title = first.locator(".hit-title a").inner_text()
    first.locator(".add-form input[name=new_name]").fill("阅读清单")
    first.locator(".add-form button").click()
    page.wait_for_url("**/search/?q=*")
    assert "已加入收藏夹“阅读清单”" in page.locator(".messages").inner_text()

    plan = plans[-1]
    page.goto(f"{base}/plans/{plan.pk}/")
    page.locator(".citations summary").click()
    assert "[EB/OL]" in page.locator(".citation-gbt").inner_text()
    assert page.locator(".citation-bibtex").inner_text().startswith(f"@report{{plan{plan.pk},")
    _axe(page, reports, "/plans/<id>/ (logged in, citations open)")
    page.fill("#note-plan", "对照去年的任务清单")
    page.click(".add-form button")
    page.wait_for_url(f"**/plans/{plan.pk}/")
    assert "已加入收藏夹“阅读清单”" in page.locator(".messages").inner_text()
    page.click(".in-collections a")
    page.wait_for_url("**/me/collections/*/")
    assert page.locator(".collection-item").count() == 2
    assert page.locator(".collection-item .hit-title a").all_inner_texts() == [title, plan.title]
    page.locator(".collection-item").nth(1).locator("button", has_text="上移").click()
    page.wait_for_url("**/me/collections/*/**")
    assert page.locator(".collection-item .hit-title a").all_inner_texts() == [plan.title, title]
    assert (
        page.locator(
            "#note-" + page.locator(".collection-item").first.get_attribute("id").removeprefix("item-")
        ).input_value()
        == "对照去年的任务清单"
    )
    _axe(page, reports, "/me/collections/<id>/")
    with page.expect_download() as download:
        page.click("a[href$='?format=ris']")
    assert download.value.suggested_filename.endswith(".ris")

    for path in (
        "/me/searches/",
        "/me/collections/",
        "/accounts/password_change/",
        "/accounts/password_reset/",
    ):
        page.goto(base + path)
        _axe(page, reports, path)
    page.click(".lang-form button[value=en]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Reset password"
    _axe(page, reports, "English")
    assert not reports, "\n".join(reports)
