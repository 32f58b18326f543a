"""Hypothesis throws random query strings at /search/, /compare/ and /plans/<id>/: never a 5xx.

Every parameter the pages read (and names they do not know) gets random Unicode, control characters, search
syntax, huge values, numbers far out of range and repeated keys; raw query strings add broken percent-escapes.
CSV answers are streamed, so their whole body is read: an error half-way through would otherwise go unseen.
"""

from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchui.links import PARAM_ORDER

SEARCH_PARAMS = (*PARAM_ORDER, "format")
PLAN_PARAMS = ("q", "format", "back")
FUZZ = settings(
    max_examples=100,
    deadline=None,  # no timing here: speed is measured by the benchmarks
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the same examples on every run and in CI: a failure is reproducible
)

unicode_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)  # no lone surrogates in a URL
control_text = st.text(st.characters(max_codepoint=0x20), max_size=10)
syntax = st.sampled_from(
    [
        '"',
        '""',
        '"科技',
        "(",
        ")",
        "*",
        "?",
        "AND",
        "OR",
        "NOT",
        "~2",
        "^3",
        ":",
        "[1 TO 2]",
        "{",
        "\\",
        "'",
        "-",
    ]
)
known = st.sampled_from(
    ["湖北", "湖北省", "江西", "全国", "天津", "科技金融", "provincial", "national", "municipal", "2017", "2019",
     "-date", "date", "relevance", "json", "csv", "html", "1", "2", "100"]
)  # fmt: skip
numbers = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.integers(0, 10**6).map(
        lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    ),
    st.sampled_from(["NaN", "inf", "-0", "1e9", "0x10", "1_000", "２０１７", " 2017 ", "2017.0"]),
)
huge = st.builds(
    lambda unit, times: unit * times,
    st.sampled_from(["科技", "a", "\u0000", "%", '"', "𠀀"]),
    st.integers(300, 6000),
)
value = st.one_of(
    unicode_text,
    control_text,
    syntax,
    known,
    numbers,
    huge,
    st.lists(syntax | known, max_size=6).map(" ".join),
)


def query_pairs(names: tuple[str, ...]):
    """Lists of (name, value): known and unknown names, repeated keys, in any order."""
    name = st.one_of(st.sampled_from(names), st.sampled_from(names), unicode_text.filter(bool))
    return st.lists(st.tuples(name, value), max_size=14)


raw_query = st.text(alphabet="%0123456789ABCDEFabcdefxyz&=+;#?科", max_size=200)


def assert_not_server_error(client, url: str):
    # Redirects (to the canonical URL of a search) are followed: the page behind them must work too.
    response = client.get(url, follow=True)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code < 500, f"{response.status_code} for {url[:300]!r}: {body[:500]!r}"


@pytest.fixture
def plans(make_plans):
    """A few indexed plans, so that searches have hits, facets, snippets and CSV rows to build."""
    return make_plans(
        [
            dict(title="2017年湖北省科技工作要点", region="湖北", year=2017, themes=["科技金融"],
                 sections=[("一、总体要求", "加快科技成果转化，发展科技金融。"), ("二、重点任务", "建设创新平台。")]),
            dict(title="江西省2019年科技工作安排", region="江西", year=2019,
                 text="推进高新技术企业培育，<script>alert(1)</script> 创新型省份建设。"),
            dict(title="2019年国务院政府工作报告", region="全国", year=2019, level="national",
                 text="稳增长、促改革、调结构、惠民生、防风险。科技创新。"),
        ]
    )  # fmt: skip


@pytest.mark.django_db
@FUZZ
@given(pairs=query_pairs(SEARCH_PARAMS))
def test_search_never_answers_5xx(client, plans, pairs):
    assert_not_server_error(client, "/search/?" + urlencode(pairs))


@pytest.mark.django_db
@FUZZ
@given(pairs=query_pairs(SEARCH_PARAMS))
def test_compare_never_answers_5xx(client, plans, pairs):
    assert_not_server_error(client, "/compare/?" + urlencode(pairs))


@pytest.mark.django_db
@FUZZ
@given(raw=raw_query, path=st.sampled_from(["/search/", "/compare/", "/plans/{id}/"]))
def test_broken_percent_escapes_never_answer_5xx(client, plans, raw, path):
    assert_not_server_error(client, path.format(id=plans[0].pk) + "?" + raw)


@pytest.mark.django_db
@FUZZ
@given(
    pairs=query_pairs(PLAN_PARAMS),
    which=st.one_of(st.integers(0, 2), st.integers(-(10**20), 10**25)),
)
def test_plan_page_never_answers_5xx(client, plans, pairs, which):
    plan_id = plans[which].pk if 0 <= which < len(plans) else abs(which)
    assert_not_server_error(client, f"/plans/{plan_id}/?" + urlencode(pairs))
