"""/trends/ and /kwic/ in a real Chromium: charts drawn without JavaScript, links from points and cells, the
concordance aligned in one column, phone width, axe-core clean (Chinese and English), screenshots.

Screenshots: trends.png, trends-phone.png, kwic.png, kwic-phone.png in the screenshot folder.
"""

from urllib.parse import parse_qsl, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.searchui.sample_plans import create_sample_plans

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "best-practice"]}}
TRENDS = "/trends/?term=科技金融&term=科技成果转化&term=专精特新"
KWIC = "/kwic/?q=科技金融&sort=left"


@pytest.fixture
def sample(search_index):
    return create_sample_plans(count=18)


def new_page(browser, **options):
    context = browser.new_context(locale="zh-CN", **options)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


def axe_report(page) -> str:
    results = Axe().run(page, options=AXE_OPTIONS)
    return results.generate_report() if results.violations_count else ""


def test_trends_page_charts_links_and_accessibility(live_server, browser, sample, screenshot_dir):
    context, page, errors = new_page(
        browser, viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    try:
        page.goto(live_server.url + "/trends/")
        page.fill("#term-1", "科技金融")
        page.click(".trends-form button[type=submit]")
        page.wait_for_url("**/trends/?term=*")
        assert parse_qsl(urlsplit(page.url).query) == [
            ("term", "科技金融")
        ]  # the form lands on the canonical URL

        page.goto(live_server.url + TRENDS)
        assert page.locator("svg.chart").count() == 2 + 3
        assert page.locator("svg.heatmap").count() == 3
        assert page.locator("svg.heatmap .first-mark").count() >= 3
        assert page.locator("#chart-share title").first.text_content()
        page.screenshot(path=str(screenshot_dir / "trends.png"), full_page=True)

        # A heat map cell leads to the plans it counts: that term, region and year.
        cell = page.locator("#heatmap-0 a").first
        href = cell.get_attribute("href")
        state = dict(parse_qsl(urlsplit(href).query))
        assert state["q"] == "科技金融" and "region" in state and "year" in state
        page.goto(live_server.url + href)
        count = int(page.locator("#results-summary strong").inner_text())
        assert count >= 1
    finally:
        context.close()
    assert not errors


def test_kwic_page_aligns_matches_and_links_to_sections(live_server, browser, sample, screenshot_dir):
    context, page, errors = new_page(browser, viewport={"width": 1280, "height": 900})
    try:
        page.goto(live_server.url + KWIC)
        matches = page.locator("td.kwic-match mark")
        assert matches.count() == 20
        # one column: every match starts at the same x
        xs = {round(box["x"]) for box in (matches.nth(i).bounding_box() for i in range(matches.count()))}
        assert max(xs) - min(xs) <= 8, xs
        page.screenshot(path=str(screenshot_dir / "kwic.png"), full_page=True)
        link = page.locator("td.kwic-match a").first
        href = link.get_attribute("href")
        link.click()
        page.wait_for_url("**/plans/**")
        anchor = urlsplit(href).fragment
        if anchor:
            assert page.locator(f"#{anchor}").is_visible()
        assert page.locator(".occurrence-list li").count() >= 1  # the plan lists its own occurrences
    finally:
        context.close()
    assert not errors


def test_phone_width_and_axe(live_server, browser, sample, screenshot_dir):
    context, page, errors = new_page(browser, viewport={"width": 375, "height": 812})
    reports = []
    try:
        for path, shot in [(TRENDS, "trends-phone.png"), (KWIC, "kwic-phone.png")]:
            page.goto(live_server.url + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
            page.screenshot(path=str(screenshot_dir / shot), full_page=True)
        for path in [TRENDS, KWIC, "/trends/", "/kwic/", "/compare/?q=科技金融"]:
            page.goto(live_server.url + path)
            report = axe_report(page)
            if report:
                reports.append(f"{path} (phone)\n{report}")
    finally:
        context.close()
    context, page, errors_desktop = new_page(browser, viewport={"width": 1280, "height": 900})
    try:
        for path in [TRENDS, KWIC, "/compare/?q=科技金融"]:
            page.goto(live_server.url + path)
            report = axe_report(page)
            if report:
                reports.append(f"{path}\n{report}")
        page.goto(live_server.url + TRENDS)
        page.click(".lang-form button[value=en]")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"
        report = axe_report(page)
        if report:
            reports.append(f"English trends\n{report}")
    finally:
        context.close()
    assert not reports, "\n".join(reports)
    assert not errors and not errors_desktop
