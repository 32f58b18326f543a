"""The search pages in a real Chromium: search, facets, bookmarkable URLs, back button, plan page, accessibility.

Data: the three seed plans and generated work plans, all through the real ingest pipeline and search index.
Screenshots of the results page and a plan page go to the screenshot folder (README: Search pages and URLs).
"""

from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from plans.search.types import SearchParams
from searchui import links
from tests.searchui.sample_plans import create_sample_plans

# serialized_rollback, like the engine's transactional tests: the flush after each test keeps the content types and
# the next serialized test gets the migrated data back (create_sample_plans also reloads regions and themes).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def sample(search_index):
    return create_sample_plans(count=18)


@pytest.fixture
def small_sample(search_index):
    return create_sample_plans(count=6)


def state_of(url: str) -> list[tuple[str, str]]:
    """The query pairs of a page URL, decoded, in order."""
    return parse_qsl(urlsplit(url).query)


def hit_titles(page) -> list[str]:
    return page.locator(".hit-title a").all_inner_texts()


def count_text(page) -> str:
    return page.locator("#results-summary strong").inner_text()


def facet_link(page, facet: str, value: str):
    return page.locator(f'section[aria-labelledby="facet-{facet}"] a.facet-item[data-facet-value="{value}"]')


def new_page(browser, **options):
    """A page in its own context (other viewport, no JavaScript, …) that fails the test on console errors."""
    context = browser.new_context(locale="zh-CN", **options)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


def test_search_filter_reload_back_and_open_a_plan(live_server, page, sample, screenshot_dir):
    base = live_server.url
    page.goto(base + "/")
    page.fill("#q", "科技金融")
    page.press("#q", "Enter")
    page.wait_for_url("**/search/?q=*")
    assert state_of(page.url) == [("q", "科技金融")]
    total = int(count_text(page))
    assert total > 5

    # Two regions, clicked in the "wrong" order: the URL is canonical (values sorted) either way.
    facet_link(page, "region", "湖北").click()
    page.wait_for_url("**region=*")
    facet_link(page, "region", "江西").click()
    page.wait_for_url("**region=*region=*")
    assert state_of(page.url) == [("q", "科技金融"), ("region", "江西"), ("region", "湖北")]
    assert facet_link(page, "region", "湖北").get_attribute("class").endswith("is-selected")
    two_regions_url = page.url
    two_regions_count = count_text(page)
    two_regions_titles = hit_titles(page)

    year_items = page.locator('section[aria-labelledby="facet-year"] a.facet-item')
    year = year_items.first.get_attribute("data-facet-value")
    year_items.first.click()
    page.wait_for_url(f"**year={year}*")
    expected = links.search_url(SearchParams(q="科技金融", regions=("江西", "湖北"), years=(int(year),)))
    assert unquote(page.url) == base + unquote(expected)
    titles = hit_titles(page)
    assert titles and all(year in title for title in titles)
    assert all(("湖北" in t or "江西" in t or "全省" in t) for t in titles)
    page.screenshot(path=str(screenshot_dir / "results-filtered.png"))

    # The same URL gives the same page.
    filtered_count, filtered_titles = count_text(page), titles
    page.reload()
    assert count_text(page) == filtered_count and hit_titles(page) == filtered_titles

    # Back restores the previous state.
    page.go_back()
    page.wait_for_url(two_regions_url)
    assert count_text(page) == two_regions_count and hit_titles(page) == two_regions_titles
    page.screenshot(path=str(screenshot_dir / "results.png"))

    # Open a plan at its best-matching section.
    section_link = page.locator(".hit-sections a").first
    anchor = section_link.get_attribute("href").rsplit("#", 1)[1]
    section_link.click()
    page.wait_for_url(f"**/plans/**#{anchor}")
    target = page.locator(f"#{anchor}")
    assert target.is_visible()
    box = target.bounding_box()
    assert 0 <= box["y"] < 900, "the browser jumped to the section"
    assert page.locator(".plan-text mark").count() > 0, "the query is highlighted"
    page.screenshot(path=str(screenshot_dir / "plan.png"))

    # Jump through the outline, then go back to the results with their URL intact.
    outline_link = page.locator(".outline a").nth(2)
    outline_anchor = outline_link.get_attribute("href")[1:]
    outline_link.click()
    page.wait_for_url(f"**#{outline_anchor}")
    assert 0 <= page.locator(f"#{outline_anchor}").bounding_box()["y"] < 900
    page.click(".back-link a")
    page.wait_for_url(two_regions_url)
    assert hit_titles(page) == two_regions_titles


def test_sort_histogram_and_pagination(live_server, page, small_sample):
    page.goto(live_server.url + "/search/?q=科技")
    # The sort select submits itself (site.js); its button is hidden when JavaScript runs.
    assert not page.locator(".sort-form button").is_visible()
    page.select_option("#sort", "-date")
    page.wait_for_url("**sort=-date*")
    dates = page.locator(".hit .meta-date").all_inner_texts()
    assert dates == sorted(dates, reverse=True)

    bar = page.locator(".histogram a.bar-link").first
    label = bar.get_attribute("aria-label")
    bar.click()
    page.wait_for_url("**year=*")
    year = dict(state_of(page.url))["year"]
    assert label.startswith(year)
    assert ("sort", "-date") in state_of(page.url)

    page.goto(live_server.url + "/search/?q=科技&page_size=5")
    page.click(".pagination a[rel=next]")
    page.wait_for_url("**page=2*")
    assert page.locator(".pagination a[aria-current=page]").inner_text() == "2"


def test_pages_work_without_javascript(live_server, browser, small_sample):
    context, page, errors = new_page(browser, java_script_enabled=False)
    try:
        page.goto(live_server.url + "/search/?q=科技")
        assert page.locator(".sort-form button").is_visible()
        page.select_option("#sort", "date")
        page.click(".sort-form button")
        page.wait_for_url("**sort=date*")
        assert state_of(page.url) == [("q", "科技"), ("sort", "date")], "redirected to the canonical URL"
        page.fill("#year_from", "2016")
        page.fill("#year_to", "2018")
        page.click(".range-form button")
        page.wait_for_url("**year_to=2018*")
        assert state_of(page.url) == [
            ("q", "科技"),
            ("year_from", "2016"),
            ("year_to", "2018"),
            ("sort", "date"),
        ]
        years = [int(y.rstrip("年")) for y in page.locator(".hit .meta-year").all_inner_texts()]
        assert years and all(2016 <= y <= 2018 for y in years)
    finally:
        context.close()
    assert not errors


def test_phone_width_has_no_horizontal_scroll(live_server, browser, small_sample, screenshot_dir):
    context, page, errors = new_page(browser, viewport={"width": 375, "height": 812})
    try:
        plan = small_sample[0].pk
        for path in ["/", "/search/?q=科技", f"/plans/{plan}/?q=科技", "/themes/", "/compare/?q=科技"]:
            page.goto(live_server.url + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
        page.goto(live_server.url + "/search/?q=科技")
        assert not page.locator(".facet").first.is_visible(), "filters start folded on a phone"
        assert page.locator(".hit").first.is_visible(), "results on the first screen"
        page.click(".filters-summary")
        assert page.locator(".facet").first.is_visible()
        assert facet_link(page, "region", "湖北").count() == 1, page.locator(".sidebar").inner_text()
        page.screenshot(path=str(screenshot_dir / "results-phone.png"))
    finally:
        context.close()
    assert not errors


def test_bad_url_notice_and_language_switch(live_server, page, small_sample):
    response = page.goto(live_server.url + "/search/?q=科技&year=abc&page=-1&theme=不存在")
    assert response.status == 200
    assert len(page.locator(".notices li").all_inner_texts()) == 3
    assert int(count_text(page)) > 0

    page.goto(live_server.url + "/search/?q=科技")
    page.click(".lang-form button[value=en]")
    page.wait_for_url("**/search/?q=*")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator('label[for="sort"]').inner_text() == "Sort"
    page.click(".lang-form button[value=zh-hans]")
    page.wait_for_url("**/search/?q=*")
    assert page.locator('label[for="sort"]').inner_text() == "排序"


def test_accessibility(live_server, page, small_sample):
    """axe-core (WCAG 2 A/AA rules and best practices) finds no violation on any page: labels, contrast,
    landmarks, headings, link names, in Chinese and in English."""
    plan = small_sample[0].pk
    paths = ["/", "/search/?q=科技金融&region=湖北", f"/plans/{plan}/?q=科技", "/themes/", "/compare/?q=科技"]
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "best-practice"]}}
    reports = []
    for path in paths:
        page.goto(live_server.url + path)
        results = Axe().run(page, options=options)
        if results.violations_count:
            reports.append(f"{path}\n{results.generate_report()}")
    page.click(".lang-form button[value=en]")
    page.wait_for_load_state()
    results = Axe().run(page, options=options)
    if results.violations_count:
        reports.append(f"English\n{results.generate_report()}")
    assert not reports, "\n".join(reports)
