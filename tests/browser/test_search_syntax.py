"""The search syntax in Chromium: the advanced form builds a query and lands on the canonical results, the back
button returns to the form, the help page is reachable from the search box, and axe finds nothing on the pages."""

from urllib.parse import parse_qsl, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.test_search_pages import count_text, hit_titles, new_page
from tests.searchui.sample_plans import create_sample_plans

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "best-practice"]}}


@pytest.fixture
def sample(search_index):
    return create_sample_plans(count=8)


def test_advanced_form_to_results_and_back(live_server, page, sample, screenshot_dir):
    base = live_server.url
    page.goto(base + "/search/?q=科技")
    page.click(".search-links a[href='/search/advanced/']")
    page.wait_for_url("**/search/advanced/")
    page.fill("#id_all_words", "科技")
    page.fill("#id_any_words", "金融 人才")
    page.fill("#id_none_words", "瞪羚")
    page.fill("#id_near_a", "科技")
    page.select_option("#id_near_kind", "sentence")
    page.fill("#id_near_b", "体系")
    page.check("input[name=level][value=provincial]")
    page.fill("#id_year_from", "2016")
    page.screenshot(path=str(screenshot_dir / "advanced.png"), full_page=True)
    page.click(".advanced-form button[type=submit]")
    page.wait_for_url("**/search/?q=*")
    state = parse_qsl(urlsplit(page.url).query)
    assert state == [
        ("q", "科技 (金融 OR 人才) 科技 /s 体系 -瞪羚"),
        ("level", "provincial"),
        ("year_from", "2016"),
    ]
    reading = page.locator(".query-reading").inner_text()
    assert (
        reading == "按以下方式理解：“科技”，且（“金融”，或“人才”），且“科技”与“体系”在同一句中，且不含“瞪羚”"
    )
    total = int(count_text(page))
    assert total > 0
    snippet = page.locator(".hit .hit-snippet").first.inner_text()
    assert "科技" in snippet and "体系" in snippet
    titles = hit_titles(page)
    page.screenshot(path=str(screenshot_dir / "results-proximity.png"))

    page.go_back()
    page.wait_for_url("**/search/advanced/**")
    assert page.locator("#id_near_b").input_value() == "体系", "the form keeps what was typed"
    page.go_forward()
    page.wait_for_url("**/search/?q=*")
    assert int(count_text(page)) == total and hit_titles(page) == titles


def test_the_advanced_form_without_javascript_and_its_errors(live_server, browser, sample):
    context, page, errors = new_page(browser, java_script_enabled=False)
    try:
        page.goto(live_server.url + "/search/advanced/")
        page.fill("#id_near_a", "科技")
        page.select_option("#id_near_kind", "chars")
        page.fill("#id_near_n", "600")
        page.fill("#id_near_b", "金融")
        page.click(".advanced-form button[type=submit]")
        page.wait_for_load_state()
        assert urlsplit(page.url).path == "/search/advanced/"
        assert page.locator(".field-error").count() == 1
        page.fill("#id_near_n", "8")
        page.click(".advanced-form button[type=submit]")
        page.wait_for_url("**/search/?q=*")
        assert parse_qsl(urlsplit(page.url).query) == [("q", "科技 /8 金融")]
        assert "相距不超过 8 个字" in page.locator(".query-reading").inner_text()
    finally:
        context.close()
    assert not errors


def test_help_page_examples_lead_to_results(live_server, page, sample):
    page.goto(live_server.url + "/")
    page.click(".search-links a[href='/help/search/']")
    page.wait_for_url("**/help/search/")
    page.locator(".syntax-table a").nth(5).click()  # A /s B
    page.wait_for_url("**/search/?q=*")
    assert "在同一句中" in page.locator(".query-reading").inner_text()


def test_accessibility_of_the_syntax_pages(live_server, page, sample):
    paths = [
        "/search/advanced/",
        "/search/advanced/?near_a=科技&near_kind=chars&near_n=900&near_b=金融",
        "/help/search/",
        "/search/?q=科技+%2Fs+体系+OR+标题%3A要点",
    ]
    reports = []
    for path in paths:
        page.goto(live_server.url + path)
        results = Axe().run(page, options=AXE_OPTIONS)
        if results.violations_count:
            reports.append(f"{path}\n{results.generate_report()}")
    page.goto(live_server.url + "/help/search/")
    page.click(".lang-form button[value=en]")
    page.wait_for_load_state()
    results = Axe().run(page, options=AXE_OPTIONS)
    if results.violations_count:
        reports.append(f"English\n{results.generate_report()}")
    assert not reports, "\n".join(reports)
