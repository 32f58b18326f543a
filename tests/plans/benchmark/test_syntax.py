"""The benchmark's search-syntax part: the mix, the expression truth, the p95 ratios and their tables."""

import pytest

from plans.benchmark.corpus import CorpusDoc
from plans.benchmark.markdown import syntax_table
from plans.benchmark.queries import SYNTAX_FORMS, SYNTAX_MIX, SYNTAX_PAIRS, BenchQuery
from plans.benchmark.runner import syntax_lines
from plans.benchmark.truth import expression_truth
from plans.benchmark.worker import syntax_ratios

DOCS = [
    CorpusDoc(1, "要点", "科技创新。金融服务", "湖北", 2017),
    CorpusDoc(2, "要点", "科技金融", "江西", 2018),
    CorpusDoc(3, "要点", "科技" + "之" * 25 + "金融\n人才", "湖北", 2019),
    CorpusDoc(4, "科技", "金融服务；人才", "北京", 2020),
    CorpusDoc(5, "要点", "人才", "北京", 2020),
]


def test_the_mix_has_every_form_for_every_pair():
    assert len(SYNTAX_MIX) == len(SYNTAX_PAIRS) * len(SYNTAX_FORMS)
    assert {q.kind for q in SYNTAX_MIX} == {"and", "or", "sentence", "paragraph", "near20"}


@pytest.mark.parametrize(
    ("q", "keys"),
    [
        ("科技 金融", [1, 2, 3, 4]),
        ("科技 OR 人才", [1, 2, 3, 4, 5]),
        ("科技 /s 金融", [2, 3]),
        ("科技 /p 金融", [1, 2, 3]),
        ("科技 /20 金融", [1, 2, 4]),
        ("科技 /25 金融", [1, 2, 3, 4]),
        ("金融 /p 人才 OR 科技 -金融", [4]),
        ("(科技 OR 人才) -金融", [5]),
    ],
)
def test_the_expression_truth_follows_the_definitions(q, keys):
    query = BenchQuery("x", q)
    assert sorted(expression_truth(DOCS, [query])[query]) == keys


def test_the_expression_truth_applies_the_filters():
    query = BenchQuery("x", "科技 OR 人才", regions=("湖北",))
    assert sorted(expression_truth(DOCS, [query])[query]) == [1, 3]


def test_scopes_are_refused_rather_than_guessed():
    with pytest.raises(ValueError):
        expression_truth(DOCS, [BenchQuery("x", "title:科技")])


def record():
    def timing(p50, p95):
        return {"p50_by_kind_ms": p50, "p95_by_kind_ms": p95, "latency_ms": {}, "error_count": 0}

    api = timing({"and": 5.0, "or": 6.0, "sentence": 8.0}, {"and": 10.0, "or": 12.0, "sentence": 19.0})
    cold = timing({"and": 50.0, "or": 70.0, "sentence": 90.0}, {"and": 100.0, "or": 150.0, "sentence": 210.0})
    return {
        "syntax": {
            "pairs": [["科技", "金融"]],
            "quality": {"mean_recall": 1.0, "min_recall": 1.0, "mean_precision": 1.0},
            "systems": {
                "engine-api": {"timing": api, "p95_over_and_p95": syntax_ratios(api)},
                "engine-api-uncached": {"timing": cold, "p95_over_and_p95": syntax_ratios(cold)},
            },
        }
    }


def test_ratios_are_p95_over_the_p95_of_and():
    ratios = record()["syntax"]["systems"]["engine-api-uncached"]["p95_over_and_p95"]
    assert ratios == {"or": 1.5, "sentence": 2.1}


def test_the_tables_carry_every_form_and_ratio():
    text = "\n".join(syntax_lines(record()["syntax"]))
    assert "recall 1.000" in text and "2.10" in text and "1.90" in text
    markdown = "\n".join(syntax_table(record()))
    assert "| sentence | 8.0 | 19.0 | 1.90 | 90.0 | 210 | 2.10 |" in markdown


def test_a_second_engine_gets_its_own_syntax_table():
    """bench --engines whoosh,tantivy: the second engine's syntax figures are merged beside the first one's."""
    from plans.benchmark.runner import _merge_syntax

    first = {"engine": "whoosh", **record()}
    _merge_syntax(first, record()["syntax"], "tantivy")
    assert set(first["syntax"]["systems"]) == {
        "engine-api",
        "engine-api-uncached",
        "tantivy-api",
        "tantivy-api-uncached",
    }
    markdown = "\n".join(syntax_table(first))
    assert markdown.count("| sentence | 8.0 | 19.0 | 1.90 | 90.0 | 210 | 2.10 |") == 2
    assert "| tantivy-api: form |" in markdown
    assert "whoosh recall 1.000" in markdown and "tantivy recall 1.000" in markdown
