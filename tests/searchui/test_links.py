"""Canonical URLs and the links that change one part of a search state."""

from urllib.parse import unquote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plans.search.types import SearchParams
from searchui import links

S = SearchParams


def decoded(url: str) -> str:
    return unquote_plus(url)


@pytest.mark.parametrize(
    ("params", "url"),
    [
        (S(), "/search/"),
        (S(q="科技成果转化"), "/search/?q=科技成果转化"),
        (S(q="a b&c=d"), "/search/?q=a b&c=d"),
        (S(regions=("湖北", "江西")), "/search/?region=江西&region=湖北"),
        (S(regions=("江西", "湖北")), "/search/?region=江西&region=湖北"),
        (S(years=(2018, 2017, 2018)), "/search/?year=2017&year=2018"),
        (
            S(
                q="税",
                page=2,
                sort="-date",
                themes=("科技金融",),
                regions=("湖北",),
                years=(2017,),
                levels=("provincial",),
            ),
            "/search/?q=税&region=湖北&year=2017&theme=科技金融&level=provincial&sort=-date&page=2",
        ),
        (S(year_from=2015, year_to=2020), "/search/?year_from=2015&year_to=2020"),
        (S(sort="relevance", page=1, page_size=20), "/search/"),
        (S(page_size=50), "/search/?page_size=50"),
    ],
)
def test_search_url_is_canonical(params, url):
    assert decoded(links.search_url(params)) == url


def test_query_string_is_percent_encoded():
    assert links.query_string(S(q="a+b", regions=("湖北",))) == "q=a%2Bb&region=%E6%B9%96%E5%8C%97"


def test_format_comes_last_and_html_is_default():
    assert decoded(links.search_url(S(q="x", page=2), format="json")) == "/search/?q=x&page=2&format=json"
    assert links.search_url(S(q="x"), format="html") == "/search/?q=x"


@pytest.mark.parametrize(
    ("params", "facet", "value", "url"),
    [
        (S(), "region", "湖北", "/search/?region=湖北"),
        (S(regions=("湖北",)), "region", "江西", "/search/?region=江西&region=湖北"),
        (S(regions=("湖北", "江西")), "region", "湖北", "/search/?region=江西"),
        (S(regions=("湖北",), page=5), "region", "江西", "/search/?region=江西&region=湖北"),
        (S(years=(2017,)), "year", "2017", "/search/"),
        (S(years=(2017,)), "year", 2018, "/search/?year=2017&year=2018"),
        (S(q="税", sort="-date", page=3), "theme", "科技金融", "/search/?q=税&theme=科技金融&sort=-date"),
        (S(levels=("national",)), "level", "national", "/search/"),
    ],
)
def test_toggle_value(params, facet, value, url):
    assert decoded(links.search_url(links.toggle_value(params, facet, value))) == url


def test_toggle_twice_gives_the_original_state():
    start = S(q="税", regions=("湖北",), years=(2017,))
    assert links.toggle_value(links.toggle_value(start, "region", "江西"), "region", "江西") == start


@pytest.mark.parametrize(
    ("params", "facet", "url"),
    [
        (S(regions=("湖北", "江西"), years=(2017,)), "region", "/search/?year=2017"),
        (S(years=(2017,), year_from=2010, year_to=2020, q="x"), "year", "/search/?q=x"),
        (S(themes=("科技金融",), page=4), "theme", "/search/"),
    ],
)
def test_clear_facet(params, facet, url):
    assert decoded(links.search_url(links.clear_facet(params, facet))) == url


def test_clear_filters_keeps_query_sort_and_page_size():
    state = S(
        q="税",
        regions=("湖北",),
        years=(2017,),
        themes=("科技金融",),
        levels=("provincial",),
        year_from=2010,
        year_to=2020,
        sort="date",
        page=3,
        page_size=50,
    )
    assert decoded(links.search_url(links.clear_filters(state))) == "/search/?q=税&sort=date&page_size=50"


def test_only_year_replaces_years_and_range():
    state = S(q="x", years=(2015, 2016), year_from=2010, year_to=2020, page=2)
    assert decoded(links.search_url(links.only_value(state, "year", 2016))) == "/search/?q=x&year=2016"


def test_with_page_and_sort():
    state = S(q="x", page=3)
    assert decoded(links.search_url(links.with_page(state, 4))) == "/search/?q=x&page=4"
    assert decoded(links.search_url(links.with_sort(state, "-date"))) == "/search/?q=x&sort=-date"


def test_compare_url_drops_page_sort_and_page_size():
    state = S(q="x", regions=("湖北",), sort="-date", page=3, page_size=50)
    assert decoded(links.compare_url(state)) == "/compare/?q=x&region=湖北"


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ([], True),
        ([("q", "")], False),
        ([("q", "x"), ("sort", "relevance")], False),
        ([("region", "湖北"), ("q", "x")], False),
        ([("q", "x"), ("region", "湖北")], True),
        ([("q", "x"), ("region", "湖北"), ("format", "json"), ("utm", "1")], True),
    ],
)
def test_is_canonical(raw, canonical):
    params = S(q="x", regions=("湖北",)) if any(k == "q" and v == "x" for k, v in raw) else S()
    assert links.is_canonical(raw, params) is canonical


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("/search/?q=税&region=湖北", True),
        ("/search/", True),
        ("https://evil.example/search/?q=x", False),
        ("//evil.example/search/", False),
        ("javascript:alert(1)", False),
        ("/admin/", False),
        ("/search/../admin/", False),
        ("", False),
        (None, False),
        ("/search/?" + "q" * 3000, False),
    ],
)
def test_safe_back_url(value, safe):
    result = links.safe_back_url(value)
    assert (result is not None and result == value) is safe


@pytest.mark.parametrize(
    ("kwargs", "url"),
    [
        ({}, "/plans/7/"),
        ({"q": "科技"}, "/plans/7/?q=科技"),
        (
            {"q": "科技", "back": "/search/?q=科技&page=2", "anchor": "s1-2"},
            "/plans/7/?q=科技&back=/search/?q=科技&page=2#s1-2",
        ),
    ],
)
def test_plan_url(kwargs, url):
    assert decoded(links.plan_url(7, **kwargs)) == url


def test_has_filters():
    assert not links.has_filters(S(q="x", sort="-date", page=2))
    assert links.has_filters(S(year_to=2020))


_names = st.sampled_from(["湖北", "江西", "a b&c", "科技金融", "provincial", "x=y", "100%"])


@given(
    q=st.sampled_from(["", "税", "a b&c=d", "高新技术企业 /s 研发"]),
    regions=st.lists(_names, max_size=3),
    years=st.lists(st.integers(1990, 2030), max_size=3),
    themes=st.lists(_names, max_size=3),
    levels=st.lists(_names, max_size=2),
    year_from=st.none() | st.integers(1990, 2030),
    sort=st.sampled_from(["relevance", "-date", "date"]),
    page=st.integers(1, 5),
    page_size=st.sampled_from([20, 50]),
    facet=st.sampled_from(list(links.FACET_FIELD)),
    value=_names | st.integers(1990, 2030).map(str),
)
def test_toggle_urls_equal_the_toggled_states_canonical_url(
    q, regions, years, themes, levels, year_from, sort, page, page_size, facet, value
):
    """The pre-encoded toggle links are exactly search_url(toggle_value(...)) (the definition)."""
    if facet == "year" and not value.isdigit():
        value = "2017"
    params = S(
        q=q,
        regions=tuple(regions),
        years=tuple(years),
        themes=tuple(themes),
        levels=tuple(levels),
        year_from=year_from,
        sort=sort,
        page=page,
        page_size=page_size,
    )
    expected = links.search_url(links.toggle_value(params, facet, value))
    assert links.ToggleUrls(params).toggled(facet, value) == expected
