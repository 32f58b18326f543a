"""/trends/ and /kwic/ through the Django test client on a real index: HTML, JSON, CSV, canonical URLs, bad input,
the links from the results page, the plan page's own occurrences and /compare/'s intensity and first mentions."""

from __future__ import annotations

import csv
import datetime
import io
import re
from urllib.parse import parse_qsl, unquote_plus, urlsplit

import pytest

from plans.search.normalize import normalise

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(make_plans):
    return make_plans(
        [
            dict(
                title="2017年湖北省科技工作要点",
                region="湖北",
                year=2017,
                published_on=datetime.date(2017, 3, 1),
                themes=["科技金融"],
                sections=[
                    ("一、深化科技体制改革", "发展科技金融，完善科技金融服务体系。"),
                    ("二、提升创新能力", "建设孵化器，培育高新技术企业。"),
                ],
            ),
            dict(
                title="2018年湖北省科技工作要点",
                region="湖北",
                year=2018,
                published_on=datetime.date(2018, 2, 20),
                sections=[("一、人才", "引进高层次人才，推动科技金融创新。=SUM(A1)")],
            ),
            dict(
                title="2018年江西省科技工作要点",
                region="江西",
                year=2018,
                published_on=datetime.date(2018, 4, 2),
                text="江西省大力发展科技金融，建设孵化器和众创空间。",
            ),
            dict(
                title="2019年江西省科技工作要点",
                region="江西",
                year=2019,
                published_on=datetime.date(2019, 4, 2),
                text="实施创新驱动发展战略。",
            ),
        ]
    )


def pairs_of(url: str):
    return parse_qsl(urlsplit(url).query)


# --- /trends/ ------------------------------------------------------------------------------------------


def test_trends_json_has_the_contract_shape(client, corpus):
    response = client.get("/trends/", {"term": ["科技金融", "孵化器"], "format": "json"})
    assert response.status_code == 200
    data = response.json()
    assert set(data) >= {"terms", "years", "series", "notices"}
    assert data["terms"] == ["科技金融", "孵化器"] and data["years"] == [2017, 2018, 2019]
    first = data["series"][0]
    assert first["term"] == "科技金融"
    assert first["years"][0] == {
        "year": 2017, "plans": 1, "total_plans": 1, "share": 1.0, "occurrences": 2,
        "per_10k_chars": round(2 * 10_000 / (len(corpus[0].title) + len(corpus[0].text)), 3),
    }  # fmt: skip
    assert first["years"][1]["plans"] == 2 and first["years"][1]["total_plans"] == 2
    assert first["years"][2]["plans"] == 0 and first["years"][2]["share"] == 0.0
    regions = {r["region"]: r for r in first["regions"]}
    assert [r["region"] for r in first["regions"]] == ["湖北", "江西"]  # order of first mention
    assert (regions["湖北"]["first_year"], regions["湖北"]["last_year"]) == (2017, 2018)
    assert regions["江西"]["first_year"] == 2018 and regions["江西"]["peak_year"] == 2018
    assert set(regions["湖北"]["years"][0]) >= {"year", "plans", "occurrences", "per_10k_chars"}
    second = data["series"][1]
    assert [r["first_year"] for r in second["regions"]] == [2017, 2018]


def test_trends_html_draws_charts_with_links_and_tables(client, corpus):
    response = client.get("/trends/?term=科技金融&term=孵化器")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<svg class="chart"') == 4  # share, rate, two adoption curves
    assert html.count('<svg class="heatmap"') == 2
    assert html.count('class="first-mark"') == 4  # two regions per term
    links = [
        unquote_plus(h.replace("&amp;", "&"))
        for h in re.findall(r'<a href="(/search/\?[^"]+)"><title>', html)
    ]
    assert "/search/?q=科技金融&region=湖北&year=2017" in links
    assert "/search/?q=孵化器&year=2018" in links
    assert "<title" in html and "<desc" in html and "<table" in html
    for href in set(links):  # every point and cell leads to the plans it counts
        assert client.get(href).status_code == 200


def test_trends_csv_one_row_per_term_region_year(client, corpus):
    response = client.get("/trends/", {"term": ["科技金融", "孵化器"], "format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:8] == [
        "term",
        "region",
        "year",
        "plans",
        "total_plans",
        "share",
        "occurrences",
        "per_10k_chars",
    ]
    assert len(rows) - 1 == 2 * 2 * 3  # terms × regions × years
    assert rows[1][:7] == ["科技金融", "湖北", "2017", "1", "1", "1.0", "2"]


@pytest.mark.parametrize(
    "query, target",
    [
        ("?term=科技金融&region=湖北省", "/trends/?term=科技金融&region=湖北"),
        ("?region=江西&term=科技金融&region=湖北", "/trends/?term=科技金融&region=江西&region=湖北"),
        ("?q=科技金融", "/trends/?term=科技金融"),
        ("?term=科技金融&term=&sort=date&page=3", "/trends/?term=科技金融"),
        ("?term=+科技金融+", "/trends/?term=科技金融"),
    ],
)
def test_trends_non_canonical_urls_redirect(client, corpus, query, target):
    response = client.get("/trends/" + query)
    assert response.status_code == 302
    assert unquote_plus(response["Location"]) == target


@pytest.mark.parametrize(
    "query, notice",
    [
        ("term=a&term=b&term=c&term=d&term=e&term=f", "最多比较 5 个词"),
        ("term=科技&term=科技", "重复"),
        ("term=科技&year=abc", "年份"),
        ("term=科技&region=火星", "未知的地区"),
        ("term=科技&format=xml", "未知的格式"),
        ("term=" + "科" * 300, "过长"),
        ("term=%F0%9F%98%80", "没有可以计数"),
        ("term=科技&year_from=2019&year_to=2017", "对调"),
    ],
)
def test_trends_bad_input_gives_a_notice_not_an_error(client, corpus, query, notice):
    response = client.get("/trends/?" + query)
    assert response.status_code == 200
    assert notice in response.content.decode()
    if "format=" not in query:
        data = client.get("/trends/?" + query + "&format=json").json()
        assert any(notice in n for n in data["notices"])


def test_trends_without_terms_shows_the_form(client, corpus):
    response = client.get("/trends/")
    assert response.status_code == 200 and 'name="term"' in response.content.decode()
    assert client.get("/trends/?format=json").json()["series"] == []


# --- /kwic/ --------------------------------------------------------------------------------------------


def test_kwic_json_has_the_contract_shape(client, corpus):
    data = client.get("/kwic/", {"q": "科技金融", "format": "json", "page_size": 2}).json()
    assert set(data) >= {"query", "count", "page", "pages", "results", "notices"}
    assert data["count"] == 4 and data["pages"] == 2 and len(data["results"]) == 2
    line = data["results"][0]
    assert set(line) == {
        "plan_id",
        "title",
        "region",
        "year",
        "section",
        "anchor",
        "left",
        "match",
        "right",
        "url",
    }
    assert line["region"] == "江西" and line["year"] == 2018 and line["match"] == "科技金融"
    assert line["left"] == "江西省大力发展" and line["right"].startswith("，建设孵化器")
    hubei = [r for r in data["results"] + client.get(data["next"]).json()["results"] if r["region"] == "湖北"]
    assert {(r["section"], r["anchor"]) for r in hubei} >= {("一、人才", "s1")}
    assert hubei[0]["url"].startswith("http://testserver/plans/") and "#s1" in hubei[0]["url"]


def test_kwic_html_aligns_matches_and_links_each_line(client, corpus):
    response = client.get("/kwic/?q=科技金融&sort=left&width=5")
    html = response.content.decode()
    assert response.status_code == 200
    rows = re.findall(r'<td class="kwic-left">(.*?)</td>\s*<td class="kwic-match"><a href="([^"]+)">', html)
    assert len(rows) == 4
    lefts = [normalise(left)[::-1] for left, _ in rows]
    assert lefts == sorted(lefts)
    assert all(len(left) <= 5 for left, _ in rows)
    assert all(href.startswith("/plans/") for _, href in rows)


def test_kwic_csv_streams_formula_safe_rows(client, corpus):
    response = client.get("/kwic/?q=科技金融&width=100&format=csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == [
        "plan_id",
        "title",
        "region",
        "year",
        "section",
        "anchor",
        "left",
        "match",
        "right",
        "url",
    ]
    assert len(rows) == 5
    rights = [r[8] for r in rows[1:]]
    assert any(r.startswith("创新。=SUM") for r in rights)
    formula = client.get("/kwic/?q=SUM&width=1&format=csv")
    cells = list(csv.reader(io.StringIO(b"".join(formula.streaming_content).decode().lstrip("\ufeff"))))[1]
    assert cells[6] == "'="  # a left context starting with = gets its apostrophe


@pytest.mark.parametrize(
    "query, target",
    [
        ("?q=科技金融&sort=-date", "/kwic/?q=科技金融"),
        ("?q=科技金融&width=30&page=1", "/kwic/?q=科技金融"),
        ("?width=40&sort=left&q=科技金融", "/kwic/?q=科技金融&sort=left&width=40"),
        ("?q=科技金融&region=湖北省", "/kwic/?q=科技金融&region=湖北"),
    ],
)
def test_kwic_non_canonical_urls_redirect(client, corpus, query, target):
    response = client.get("/kwic/" + query)
    assert response.status_code == 302
    assert unquote_plus(response["Location"]) == target


@pytest.mark.parametrize(
    "query, notice",
    [
        ("q=科技&sort=best", "未知的排序方式"),
        ("q=科技&width=abc", "语境宽度"),
        ("q=科技&width=500", "最多 100"),
        ("q=科技&page=99", "第 99 页不存在"),
        ("q=科技&page=-1", "页码"),
        ("q=科技&page_size=1000", "每页条数"),
        ("q=科技&level=cosmic", "未知的层级"),
    ],
)
def test_kwic_bad_input_gives_a_notice_not_an_error(client, corpus, query, notice):
    response = client.get("/kwic/?" + query)
    assert response.status_code == 200
    assert notice in response.content.decode()
    assert any(notice in n for n in client.get("/kwic/?" + query + "&format=json").json()["notices"])


def test_kwic_pagination_links_stay_on_kwic(client, corpus):
    response = client.get("/kwic/?q=科技&sort=date&page_size=2")
    assert response.status_code == 200
    html = response.content.decode()
    hrefs = [unquote_plus(h).replace("&amp;", "&") for h in re.findall(r'<a href="(/kwic/[^"]+)"', html)]
    assert "/kwic/?q=科技&sort=date&page=2&page_size=2" in hrefs


# --- links from other pages ----------------------------------------------------------------------------


def test_results_page_links_to_trends_and_kwic_with_its_state(client, corpus):
    html = client.get("/search/?q=科技金融&region=湖北&sort=date").content.decode()
    hrefs = [unquote_plus(h).replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', html)]
    assert "/trends/?term=科技金融&region=湖北" in hrefs
    assert "/kwic/?q=科技金融&region=湖北&sort=date" in hrefs
    assert "趋势" in html and "语境" in html


def test_plan_page_lists_its_own_occurrences(client, corpus):
    html = client.get(f"/plans/{corpus[0].pk}/?q=科技金融").content.decode()
    items = re.findall(r'<li><a href="#([^"]+)">(.*?)</a>', html)
    occurrences = [(anchor, text) for anchor, text in items if "<mark>" in text]
    assert len(occurrences) == 2 and {a for a, _ in occurrences} == {"s1"}
    assert "本文出现 2 处" in html


def test_compare_gains_intensity_and_first_mentions(client, corpus):
    data = client.get("/compare/?q=科技金融&format=json").json()
    rows = {row["region"]: row for row in data["rows"]}
    assert rows["湖北"]["first_year"] == 2017 and rows["江西"]["first_year"] == 2018
    hubei_2017 = 2 * 10_000 / (len(corpus[0].title) + len(corpus[0].text))
    assert rows["湖北"]["per_10k_chars"][data["years"].index(2017)] == round(hubei_2017, 3)
    html = client.get("/compare/?q=科技金融").content.decode()
    assert html.count("first-mention") >= 2 and "intensity-" in html


def test_pages_and_notices_in_english(client, corpus):
    client.post("/i18n/setlang/", {"language": "en", "next": "/trends/"})
    html = client.get("/trends/?term=科技金融").content.decode()
    assert "Trends and diffusion" in html and "Adoption curve" in html and "per 10,000 characters" in html
    html = client.get("/kwic/?q=科技金融").content.decode()
    assert "Keyword in context" in html and "occurrences in" in html
    notices = client.get("/kwic/?q=科技&width=abc&format=json").json()["notices"]
    assert notices == ["The context width “abc” is not valid (1–100); using 30."]
    notices = client.get("/trends/?" + "&".join(f"term={t}" for t in "abcdef") + "&format=json").json()["notices"]  # fmt: skip
    assert notices == ["At most 5 terms can be compared; the first 5 were kept."]


@pytest.mark.parametrize(
    "filters",
    [
        dict(),
        dict(regions=("江西", "湖北"), themes=("科技金融",)),
        dict(years=(2017, 2018), levels=("provincial",)),
        dict(year_from=2016, year_to=2019, regions=("湖北",)),
    ],
)
@pytest.mark.parametrize("term", ["科技金融", '"科技 金融" -孵化器', "a&b=c?#%", "区域 OR 地区"])
def test_term_links_equal_the_canonical_search_urls(term, filters):
    from plans.search.types import SearchParams
    from searchui import links
    from searchui.analysis_views import TermLinks, _search_state

    state = SearchParams(**filters)
    urls = TermLinks(term, state)
    assert urls.whole == links.search_url(_search_state(term, state))
    for year in (2016, 2017, 2030):
        assert urls.year(year) == links.search_url(_search_state(term, state, year=year))
        for region in ("湖北", "北京", "内蒙古 & 西藏"):
            assert urls.cell(region, year) == links.search_url(
                _search_state(term, state, region=region, year=year)
            )
