"""Hostile text is shown as text: in a plan's title, text, issuer and section headings, in the query string and
every other parameter, and in an uploaded file's name. A real Chromium loads each page and checks that

- no script ran (each payload would set window.__xss, and the page listens for CSP violations too),
- no element of a payload exists in the DOM (so escaping, not only the Content-Security-Policy, stopped it),
- the payload is visible as literal text where the page shows that value,
- no link leads to a javascript: URL.

The `page` fixture also fails the test on any console error, which includes a CSP violation report.
"""

from urllib.parse import urlencode

import pytest

# Each payload would set window.__xss if it were interpreted as markup or script.
PAYLOADS = [
    '<script>window.__xss="script"</script>',
    '"><img src=x onerror="window.__xss=\'img\'">',
    "'><svg onload=\"window.__xss='svg'\"></svg>",
    "</title></textarea><iframe srcdoc=\"<script>parent.__xss='iframe'</script>\"></iframe>",
]
HOSTILE = "".join(PAYLOADS)
INJECTED_SELECTOR = "img[src='x'], svg[onload], iframe[srcdoc], script:not([src])"

WATCH_SCRIPT = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(e.violatedDirective));
"""


@pytest.fixture
def hostile_plan(make_plan):
    return make_plan(
        title="恶意标题" + HOSTILE,
        issuer="发布机构" + PAYLOADS[1],
        region="湖北",
        year=2020,
        themes=["科技金融"],
        sections=[
            ("一、" + PAYLOADS[2], "科技成果转化 " + HOSTILE + " 科技金融"),
            ("二、重点任务", "javascript:window.__xss='text' 与 {{ 7|add:1 }} 原样显示。"),
        ],
    )


@pytest.fixture
def guarded_page(page):
    """The page fixture, with a listener for CSP violations installed before any page script runs, and
    favicon requests answered (the site has no icon; Chromium's 404 for it would count as a console error)."""
    page.add_init_script(WATCH_SCRIPT)
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    return page


def assert_nothing_ran(page, url: str):
    response = page.goto(url)
    assert response.status == 200, f"{url}: {response.status}"
    page.wait_for_load_state("load")
    assert page.evaluate("window.__xss") is None, (
        f"{url}: injected script ran ({page.evaluate('window.__xss')})"
    )
    assert page.evaluate("window.__cspViolations") == [], f"{url}: an injected script reached the browser"
    injected = page.evaluate(f"document.querySelectorAll({INJECTED_SELECTOR!r}).length")
    assert injected == 0, f"{url}: {injected} injected element(s) in the DOM"
    hrefs = page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))")
    assert not [h for h in hrefs if h.strip().lower().startswith("javascript:")], f"{url}: javascript: link"


@pytest.mark.django_db(transaction=True)
def test_hostile_plan_is_shown_as_text_everywhere(live_server, guarded_page, hostile_plan):
    page = guarded_page
    base = live_server.url

    # The plan page: title, issuer, headings and text, with a hostile query highlighted and a hostile back link.
    query = urlencode({"q": "科技" + PAYLOADS[0], "back": "javascript:window.__xss='back'"})
    assert_nothing_ran(page, f"{base}/plans/{hostile_plan.pk}/?{query}")
    assert page.locator("h1.plan-title").inner_text() == "恶意标题" + HOSTILE
    body = page.locator("main").inner_text()
    assert PAYLOADS[1] in body and PAYLOADS[2] in body
    assert "javascript:window.__xss='text' 与 {{ 7|add:1 }} 原样显示。" in body
    assert page.title().startswith("恶意标题" + HOSTILE)

    # Search results: the hostile title and snippet of a hit.
    assert_nothing_ran(page, f"{base}/search/?q=科技成果转化")
    assert "恶意标题" + HOSTILE in page.locator("main").inner_text()

    # The home page lists the latest plans.
    assert_nothing_ran(page, f"{base}/")
    assert "恶意标题" + HOSTILE in page.locator("main").inner_text()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/search/", "/compare/"])
def test_hostile_parameters_are_shown_as_text(live_server, guarded_page, hostile_plan, path):
    page = guarded_page
    # The query is echoed in the search box; unknown filter values are quoted back in notices.
    query = urlencode(
        [
            ("q", HOSTILE),
            ("region", PAYLOADS[1]),
            ("theme", PAYLOADS[2]),
            ("sort", PAYLOADS[0]),
            ("page", PAYLOADS[3]),
        ]
    )
    assert_nothing_ran(page, f"{live_server.url}{path}?{query}")
    assert page.locator("input[name=q]").first.input_value() == " ".join(HOSTILE.split())[:200]


@pytest.fixture
def staff_page(live_server, guarded_page, django_user_model, settings, tmp_path):
    settings.UPLOAD_STAGING_DIR = tmp_path / "staging"
    django_user_model.objects.create_superuser("editor", "editor@example.org", "pw-editor-123")
    page = guarded_page
    page.goto(live_server.url + "/admin/login/?next=/admin/plans/plan/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "pw-editor-123")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/plans/plan/")
    return page


def assert_page_is_clean(page, where: str):
    assert page.evaluate("window.__xss") is None, f"{where}: injected script ran"
    assert page.evaluate("window.__cspViolations") == [], f"{where}: an injected script reached the browser"
    injected = page.evaluate(f"document.querySelectorAll({INJECTED_SELECTOR!r}).length")
    assert injected == 0, f"{where}: {injected} injected element(s) in the DOM"


@pytest.mark.django_db(transaction=True)
def test_hostile_uploaded_file_names_are_shown_as_text(live_server, staff_page):
    page = staff_page
    # No "/" (a path separator: only the base name is kept) and no '"' (the browser percent-encodes it).
    good_name = "湖北<svg onload=window.__xss='name'>2021年科技工作要点<b>.txt"
    bad_name = "'><img src=x onerror=window.__xss='rejected'>.txt"
    text = (
        "2021年湖北省科技工作要点" + PAYLOADS[1] + "\n湖北省科学技术厅\n一、总体要求\n加快科技成果转化。" * 3
    )
    page.goto(live_server.url + "/admin/plans/plan/upload/")
    page.set_input_files(
        "input[type=file]",
        files=[
            {"name": good_name, "mimeType": "text/plain", "buffer": text.encode("utf-8")},
            {"name": bad_name, "mimeType": "text/plain", "buffer": b""},  # empty: rejected, its name reported
        ],
    )
    page.click("input[name=_preview]")
    page.wait_for_selector("#preview-form")
    assert_page_is_clean(page, "preview")
    labels = page.locator("fieldset.upload-file h2").all_inner_texts()
    assert any(good_name in label for label in labels) and any(bad_name in label for label in labels), labels

    page.click("input[name=_confirm]")
    page.wait_for_selector("#upload-report")
    assert_page_is_clean(page, "report")
    report = page.locator("#upload-report").inner_text()
    assert good_name in report and bad_name in report

    # The plan list and the public plan page show the hostile title as text too.
    page.goto(live_server.url + "/admin/plans/plan/")
    assert_page_is_clean(page, "plan list")
    from plans.models import Plan

    plan = Plan.objects.get(source__contains="<svg onload")
    assert_nothing_ran(page, f"{live_server.url}{plan.get_absolute_url()}")
