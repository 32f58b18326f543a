"""The query-string grammar: every parameter validated, invalid values dropped with a notice."""

from urllib.parse import parse_qsl

import pytest
from django.http import QueryDict
from hypothesis import given, settings
from hypothesis import strategies as st

from plans.search.types import SearchParams
from plans.selectors import level_aliases
from searchui import links
from searchui.params import MAX_QUERY_LENGTH, Vocabulary, clean_text, parse_int, parse_search

VOCABULARY = Vocabulary(
    regions={"湖北": "湖北", "湖北省": "湖北", "江西": "江西", "江西省": "江西", "全国": "全国"},
    themes={"科技金融": "科技金融", "sci-tech-finance": "科技金融", "科技人才": "科技人才"},
    levels=level_aliases(),
)


def parse(qs: str):
    return parse_search(QueryDict(qs), VOCABULARY)


@pytest.mark.parametrize(
    ("qs", "expected"),
    [
        ("", SearchParams()),
        ("q=科技成果转化", SearchParams(q="科技成果转化")),
        ("q=++科技%20%20金融++", SearchParams(q="科技 金融")),
        ("q=ＡＢＣ１２３", SearchParams(q="ABC123")),
        ("region=湖北&region=江西", SearchParams(regions=("江西", "湖北"))),
        ("region=江西&region=湖北", SearchParams(regions=("江西", "湖北"))),
        ("region=湖北省", SearchParams(regions=("湖北",))),
        ("region=湖北&region=湖北省", SearchParams(regions=("湖北",))),
        ("region=", SearchParams()),
        ("year=2017&year=2015", SearchParams(years=(2015, 2017))),
        ("year=２０１７", SearchParams(years=(2017,))),
        ("theme=sci-tech-finance", SearchParams(themes=("科技金融",))),
        ("level=provincial&level=national", SearchParams(levels=("national", "provincial"))),
        ("level=省级", SearchParams(levels=("provincial",))),
        ("year_from=2015&year_to=2020", SearchParams(year_from=2015, year_to=2020)),
        ("sort=-date", SearchParams(sort="-date")),
        ("sort=date", SearchParams(sort="date")),
        ("sort=relevance", SearchParams()),
        ("page=3", SearchParams(page=3)),
        ("page_size=100", SearchParams(page_size=100)),
        ("utm_source=mail&q=税", SearchParams(q="税")),
    ],
)
def test_valid_parameters(qs, expected):
    parsed = parse(qs)
    assert parsed.params == expected
    assert parsed.notices == ()


@pytest.mark.parametrize(
    ("qs", "expected", "dropped"),
    [
        ("year=abc", SearchParams(), "year"),
        ("year=1800", SearchParams(), "year"),
        ("year=99999999999999999999", SearchParams(), "year"),
        ("year=2017&year=abc", SearchParams(years=(2017,)), "year"),
        ("page=-1", SearchParams(), "page"),
        ("page=0", SearchParams(), "page"),
        ("page=abc", SearchParams(), "page"),
        ("page=99999", SearchParams(), "page"),
        ("page_size=0", SearchParams(), "page_size"),
        ("page_size=101", SearchParams(), "page_size"),
        ("page_size=1e3", SearchParams(), "page_size"),
        ("theme=不存在的主题", SearchParams(), "theme"),
        ("region=火星&region=湖北", SearchParams(regions=("湖北",)), "region"),
        ("level=galactic", SearchParams(), "level"),
        ("sort=random", SearchParams(), "sort"),
        ("year_from=abc&year_to=2020", SearchParams(year_to=2020), "year_from"),
        ("year_from=2020&year_to=2015", SearchParams(year_from=2015, year_to=2020), "year_from"),
        ("region=湖北&region=湖北", SearchParams(regions=("湖北",)), "region"),
        ("region=" + "湖" * 5000, SearchParams(), "region"),
        ("q=" + "科" * 500, SearchParams(q="科" * MAX_QUERY_LENGTH), "q"),
        ("format=xml", SearchParams(), "format"),
    ],
)
def test_invalid_values_are_dropped_with_a_notice(qs, expected, dropped):
    parsed = parse(qs)
    assert parsed.params == expected
    assert dropped in parsed.dropped
    assert parsed.notices, "an invalid value must be explained on the page"
    assert all(len(notice) < 200 for notice in parsed.notices), "a notice quotes a huge value only in part"


def test_too_many_values_are_cut():
    qs = "&".join(f"year={year}" for year in range(1950, 2050))
    parsed = parse(qs)
    assert len(parsed.params.years) == 40
    assert "year" in parsed.dropped


@pytest.mark.parametrize(("qs", "fmt"), [("format=json", "json"), ("format=CSV", "csv"), ("", "html")])
def test_format(qs, fmt):
    assert parse(qs).format == fmt


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2017", 2017),
        (" 2017 ", 2017),
        ("２０１７", 2017),
        ("-3", -3),
        ("", None),
        ("1e3", None),
        ("1234567", None),
    ],
)
def test_parse_int(raw, expected):
    assert parse_int(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"), [("  a\tb\n c ", "a b c"), ("科技\x00金融", "科技 金融"), ("（全角）", "(全角)")]
)
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


states = st.builds(
    SearchParams,
    q=st.text(alphabet="科技金融成果转化 abc\"'&=+%#?", max_size=30).map(clean_text),
    regions=st.lists(st.sampled_from(["湖北", "江西", "全国"]), unique=True).map(tuple),
    years=st.lists(st.integers(1949, 2100), unique=True, max_size=5).map(tuple),
    themes=st.lists(st.sampled_from(["科技金融", "科技人才"]), unique=True).map(tuple),
    levels=st.lists(st.sampled_from(["national", "provincial", "municipal"]), unique=True).map(tuple),
    year_from=st.none() | st.integers(1949, 2000),
    year_to=st.none() | st.integers(2000, 2100),
    sort=st.sampled_from(["relevance", "-date", "date"]),
    page=st.integers(1, 10_000),
    page_size=st.integers(1, 100),
)


@settings(max_examples=200, deadline=None)
@given(states)
def test_canonical_url_round_trips(params):
    """GIVEN any valid state WHEN its canonical URL is parsed THEN the same state comes back, without notices,
    and the URL counts as canonical (so the view never redirects it again)."""
    query = links.query_string(params)
    parsed = parse(query)
    assert parsed.notices == ()
    assert parsed.params == links.normalized(params)
    assert links.is_canonical(parse_qsl(query, keep_blank_values=True), parsed.params)
