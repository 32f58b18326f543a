"""The search-syntax pages: /search/advanced/ builds `q` and redirects to the canonical results; /help/search/
explains the syntax (Chinese and English); the results page and its JSON say how the query was read."""

from urllib.parse import parse_qsl, urlsplit

import pytest

from plans.search import parse_query
from plans.search.grammar import CHARS, SENTENCE, And, Near, Not, Or, Term
from searchui.advanced import build_query
from tests.searchui.test_views import corpus as views_corpus  # noqa: F401  (a fixture)
from tests.searchui.test_views import csp_problems

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("views_corpus")]


def redirect_state(response) -> list[tuple[str, str]]:
    assert response.status_code == 302, response.content.decode()[:2000]
    parts = urlsplit(response["Location"])
    assert parts.path == "/search/"
    return parse_qsl(parts.query)


@pytest.mark.parametrize("url", ["/search/advanced/", "/help/search/"])
def test_the_pages_render_without_inline_code(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert csp_problems(response.content.decode()) == []


def test_the_search_box_links_to_the_advanced_form_and_the_help(client):
    for url in ("/", "/search/?q=科技"):
        html = client.get(url).content.decode()
        assert 'href="/search/advanced/"' in html and 'href="/help/search/"' in html


def test_the_advanced_form_builds_the_query_and_redirects_to_the_canonical_results(client):
    response = client.get(
        "/search/advanced/",
        {
            "all_words": "科技 成果",
            "any_words": "金融 人才",
            "none_words": "江西",
            "phrase": "科技成果转化",
            "near_a": "完善",
            "near_kind": "sentence",
            "near_b": "体系",
            "scope": "title",
            "scope_term": "工作要点",
            "region": ["湖北"],
            "year_from": "2016",
            "sort": "-date",
        },
    )
    state = redirect_state(response)
    assert [name for name, _ in state] == ["q", "region", "year_from", "sort"]
    q = dict(state)["q"]
    assert q == '科技 成果 (金融 OR 人才) "科技成果转化" 完善 /s 体系 title:工作要点 -江西'
    assert parse_query(q).tree == And(
        (
            Term("科技"),
            Term("成果"),
            Or((Term("金融"), Term("人才"))),
            Term("科技成果转化"),
            Near(Term("完善"), Term("体系"), SENTENCE),
            Term("工作要点", scope="title"),
            Not(Term("江西")),
        )
    )
    results = client.get(response["Location"])
    assert results.status_code == 200  # canonical: no second redirect
    data = client.get(response["Location"] + "&format=json").json()
    assert [r["title"] for r in data["results"]] == ["2017年湖北省科技工作要点"]


def test_within_n_characters_and_a_field(client):
    response = client.get(
        "/search/advanced/",
        {"near_a": "科技", "near_kind": "chars", "near_n": "12", "near_b": "体系", "scope": "issuer",
         "scope_term": "科技厅", "sort": "relevance"},
    )  # fmt: skip
    q = dict(redirect_state(response))["q"]
    assert parse_query(q).tree == And(
        (Near(Term("科技"), Term("体系"), CHARS, 12), Term("科技厅", scope="issuer"))
    )


def test_words_with_punctuation_or_operator_names_are_quoted(client):
    q = build_query({"all_words": "R&D OR title:x", "none_words": "a/b"})
    tree = parse_query(q).tree
    assert tree == And((Term("r&d"), Term("or"), Term("title:x"), Not(Term("a/b"))))
    assert parse_query(q).notices == []


def test_only_filters_is_fine(client):
    state = redirect_state(client.get("/search/advanced/", {"level": ["national"], "sort": "relevance"}))
    assert state == [("level", "national")]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"near_a": "科技", "near_kind": "chars", "near_n": "600", "near_b": "金融"}, "500"),
        ({"near_a": "科技", "near_kind": "chars", "near_n": "0", "near_b": "金融"}, "1"),
        ({"near_a": "科技", "near_kind": "chars", "near_n": "abc", "near_b": "金融"}, "整数"),
        ({"near_a": "科技", "near_kind": "sentence"}, "两个词"),
        ({"near_kind": "sentence", "scope": "title", "sort": "relevance"}, "至少填写"),
        ({"year_from": "1800", "all_words": "科技"}, "1949"),
        ({"region": ["火星"], "all_words": "科技"}, "火星"),
    ],
)
def test_bad_input_shows_the_form_again_with_a_message(client, params, message):
    response = client.get("/search/advanced/", params)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'class="field-error"' in html or 'role="alert"' in html
    assert csp_problems(html) == []


def test_the_help_page_lists_every_form_with_a_working_example(client):
    html = client.get("/help/search/").content.decode()
    for syntax in (
        "A OR B",
        "-A",
        "A /s B",
        "A /句 B",
        "A /p B",
        "A /段 B",
        "A /N B",
        "标题:A",
        "文号:A",
        "章节:A",
    ):
        assert syntax in html
    examples = [href for href in _hrefs(html) if href.startswith("/search/?q=")]
    assert len(examples) >= 12
    for href in examples:
        response = client.get(href)
        assert response.status_code == 200, href  # canonical links, no redirect
        assert "按以下方式理解" in response.content.decode()


def test_the_help_page_in_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/help/search/"})
    html = client.get("/help/search/").content.decode()
    assert "Search syntax" in html and "in the same sentence" in html and "advanced search" in html.lower()
    html = client.get("/search/?q=科技 OR 金融 -税").content.decode()
    assert "Read as: “科技” OR (“金融” AND not “税”)" in html


def test_the_results_page_and_json_show_how_the_query_was_read(client):
    html = client.get("/search/", {"q": "科技金融 OR 人才 -江西"}).content.decode()
    assert "按以下方式理解：“科技金融”，或（“人才”，且不含“江西”）" in html
    data = client.get("/search/", {"q": "(科技 /0 金融", "format": "json"}).json()
    assert data["reading"] == "按以下方式理解：“科技”与“金融”相距不超过 1 个字"
    assert any("括号不成对" in n for n in data["notices"]) and any("距离 0" in n for n in data["notices"])


def _hrefs(html: str) -> list[str]:
    import re
    from html import unescape

    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


def test_compare_and_json_use_the_same_expression(client):
    q = "(科技金融 OR 人才) -江西"  # without the group: 科技金融 OR (人才 -江西), which holds 江西's plan too
    assert client.get("/search/", {"q": "科技金融 OR 人才 -江西", "format": "json"}).json()["count"] == 3
    data = client.get("/search/", {"q": q, "format": "json"}).json()
    titles = sorted(r["title"] for r in data["results"])
    assert titles == ["2017年湖北省科技工作要点", "2018年湖北省科技工作要点"]
    matrix = client.get("/compare/", {"q": q, "format": "json"}).json()
    assert matrix["count"] == data["count"] == 2
    assert {row["region"]: row["total"] for row in matrix["rows"]} == {"湖北": 2}
