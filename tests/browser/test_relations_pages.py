"""The relation pages in a real Chromium: the diff page (summary, marks, folded unchanged sentences), the plan page's
link to it and its reuse marks, /cited/ and /reuse/, all axe-clean in Chinese and English."""

import random

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.plans.relations.generated import ingest, outline, render, sentence

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "best-practice"]}}


@pytest.fixture
def two_years(search_index):
    """湖北 2017 and 2018 (one sentence gone, one added, one rewritten) and 江西 2019 sharing a passage."""
    rng = random.Random(21)
    body = outline(rng)
    shared = body[2][1][0]
    changed = [(h, list(s)) for h, s in body]
    changed[0][1].pop(1)
    changed[1][1].append(sentence(rng))
    changed[3][1][0] = changed[3][1][0][:10] + "加快建设" + changed[3][1][0][14:]
    cite = "落实《国家创新驱动发展战略纲要》（中发〔2016〕4号）。"
    a = ingest(
        render("2017年科技工作要点", "湖北省科学技术厅", 2017, body, cite), region="湖北", year=2017, name="a"
    )
    b = ingest(
        render("2018年科技工作要点", "湖北省科学技术厅", 2018, changed, cite),
        region="湖北",
        year=2018,
        name="b",
    )
    other = outline(rng)
    other[0][1].append(shared)
    c = ingest(
        render("2019年科技工作安排", "江西省科学技术厅", 2019, other, cite),
        region="江西",
        year=2019,
        name="c",
    )
    return a, b, c


def test_diff_page_from_the_plan_page_and_axe(live_server, page, two_years, screenshot_dir):
    a, b, c = two_years
    page.goto(f"{live_server.url}/plans/{b.pk}/")
    page.get_by_role("link", name="与上一年对比").click()
    page.wait_for_url(f"**/plans/{a.pk}/diff/{b.pk}/")
    summary = page.locator("#diff-summary")
    assert summary.locator(".count-insert").inner_text() == "1"
    assert summary.locator(".count-delete").inner_text() == "1"
    assert summary.locator(".count-replace").inner_text() == "2"  # the title (2017 -> 2018) and one sentence
    assert page.locator(".op-replace ins").count() >= 1 and page.locator(".op-replace del").count() >= 1
    folded = page.locator(".op-equal details").first
    assert not folded.locator("p").is_visible()
    folded.locator("summary").click()
    assert folded.locator("p").is_visible()
    page.screenshot(path=str(screenshot_dir / "diff.png"), full_page=True)
    reports = []
    paths = [
        f"/plans/{a.pk}/diff/{b.pk}/",
        f"/plans/{a.pk}/diff/{a.pk}/",
        f"/plans/{a.pk}/",
        "/cited/",
        "/reuse/?region=江西&region=湖北",
        "/reuse/",
    ]
    for path in paths:
        page.goto(live_server.url + path)
        results = Axe().run(page, options=AXE_OPTIONS)
        if results.violations_count:
            reports.append(f"{path}\n{results.generate_report()}")
    page.goto(f"{live_server.url}/plans/{a.pk}/diff/{b.pk}/")
    page.click(".lang-form button[value=en]")
    page.wait_for_load_state()
    assert "Compare" in page.locator("h1").inner_text()
    results = Axe().run(page, options=AXE_OPTIONS)
    if results.violations_count:
        reports.append(f"English\n{results.generate_report()}")
    assert not reports, "\n".join(reports)


def test_reuse_mark_links_to_the_other_region(live_server, page, two_years):
    a, b, c = two_years
    page.goto(f"{live_server.url}/plans/{a.pk}/")
    mark = page.locator(".see-also a", has_text="江西 2019")
    assert mark.count() == 2  # the shared sentence and the citation sentence all three plans open with
    mark.first.click()
    page.wait_for_url(f"**/plans/{c.pk}/?q=*")
    assert page.locator(".plan-text mark").count() >= 1
    page.goto(f"{live_server.url}/reuse/")
    page.get_by_label("江西").check()
    page.get_by_label("湖北").check()
    page.get_by_role("button", name="列出共有段落").click()
    page.wait_for_url("**/reuse/?region=*")
    assert page.locator(".shared-item").count() == 2  # the same two sentences
    assert "最早" in page.locator(".shared-item .occurrences li").first.inner_text()
