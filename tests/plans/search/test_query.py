"""parse_query: the search API's view of the grammar (test_grammar.py): never raises, says what it repaired."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plans.search import SearchParams, parse_query, search


@pytest.mark.parametrize(
    ("q", "terms", "phrases", "excluded"),
    [
        ("科技金融 孵化器", ["科技金融", "孵化器"], [], []),
        ('"科技成果转化"', ["科技成果转化"], ["科技成果转化"], []),
        ("“科技成果转化” 湖北", ["科技成果转化", "湖北"], ["科技成果转化"], []),
        ("科技創新", ["科技创新"], [], []),
        ("R&D 5G", ["r&d", "5g"], [], []),
        ("科技 -金融", ["科技"], [], ["金融"]),
        ("科技 NOT 金融", ["科技"], [], ["金融"]),
        ("科技 OR 金融", ["科技", "金融"], [], []),
        ("科技:金融*", ["科技", "金融"], [], []),
        ("", [], [], []),
        ("   ", [], [], []),
    ],
)
def test_parse_query(q, terms, phrases, excluded):
    parsed = parse_query(q)
    assert parsed.terms == terms
    assert parsed.phrases == phrases
    assert parsed.excluded == excluded


@pytest.mark.parametrize(
    "q",
    [
        '"科技成果',
        "科技 OR",
        "（科技 金融",
        "科技😀",
        "科技\x00\x07金融",
        "x" * 2000,
        " ".join(f"词{i}" for i in range(50)),
    ],
)
def test_simplified_queries_carry_a_notice(q):
    parsed = parse_query(q)
    assert parsed.notices
    assert all(isinstance(n, str) and n for n in parsed.notices)


def test_a_plain_query_has_no_notice():
    assert parse_query("科技成果转化 湖北").notices == []


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.text(max_size=300))
def test_parse_query_never_raises(q):
    parsed = parse_query(q)
    assert all(t.strip() for t in parsed.terms)


HOSTILE = [
    "AND",
    "OR OR NOT",
    "(((",
    ")))",
    '"""',
    "“",
    "field:value",
    "科技^3~2",
    "*:*",
    "[a TO b]",
    "{x}",
    "\\",
    "😀🚀",
    "\u200b\ufeff",
    "\x00",
    "-",
    "--科技",
    "科" * 2000,
    "科技 " * 400,
    "<script>alert(1)</script>",
    "'; DROP TABLE plans; --",
]


@pytest.mark.django_db
@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_return_results_not_errors(make_plan, q):
    make_plan(title="科技规划", text="科技创新 科技金融")
    result = search(SearchParams(q=q))
    assert result.count >= 0


@pytest.mark.django_db
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(q=st.text(alphabet=st.sampled_from('科技创新金融税县 "“”-:*()ANDORNT😀\x00&'), max_size=60))
def test_search_never_raises(make_plan, q):
    result = search(SearchParams(q=q, with_snippets=True))
    assert result.count >= 0
