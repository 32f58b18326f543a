"""The substring truth and the quality measures computed against it."""

import pytest

from plans.benchmark.corpus import CorpusDoc
from plans.benchmark.queries import QUERY_MIX, BenchQuery
from plans.benchmark.truth import precision_at, query_terms, recall_precision, substring_truth


@pytest.mark.parametrize(
    ("q", "terms"),
    [
        ("创新", ["创新"]),
        ("科技金融 孵化器", ["科技金融", "孵化器"]),
        ('"高新技术企业"', ["高新技术企业"]),
        ('"R&D 投入" 5G', ["r&d 投入", "5g"]),
        ("“一带一路” 港", ["一带一路", "港"]),
        ('"不成对 引号', ["不成对", "引号"]),
        ("创新 创新", ["创新"]),
        ("   ", []),
    ],
)
def test_query_terms(q, terms):
    assert query_terms(q) == terms


DOCS = [
    CorpusDoc(1, "湖北科技金融", "建设孵化器，支持创新型企业。", "湖北", 2017),
    CorpusDoc(2, "江西工作报告", "科技金融改革；税收。R&D投入增长", "江西", 2018),
    CorpusDoc(3, "全国工作报告", "孵化器 与 科技 金融", "全国", 2019, level="national"),
]


def test_truth_is_substring_containment_of_every_term_in_title_or_text():
    queries = [
        BenchQuery("4char", "科技金融"),
        BenchQuery("and", "科技金融 孵化器"),
        BenchQuery("2char", "创新"),
        BenchQuery("latin", "r&d"),
        BenchQuery("filtered", "科技金融", regions=("江西",)),
        BenchQuery("filtered", "孵化器", year_from=2018),
        BenchQuery("browse", "", years=(2017, 2019)),
    ]
    truth = substring_truth(DOCS, queries)
    assert [sorted(truth[q]) for q in queries] == [[1, 2], [1], [1], [2], [2], [3], [1, 3]]


def test_recall_precision_and_precision_at_10():
    assert recall_precision({1, 2, 3}, {2, 3, 4, 5}) == (0.5, pytest.approx(2 / 3))
    assert recall_precision(set(), set()) == (1.0, 1.0)
    assert recall_precision({1}, set()) == (1.0, 0.0)
    assert recall_precision(set(), {1}) == (0.0, 0.0)
    assert precision_at([5, 1, 2, 9], {1, 2, 3}, 10) == 0.5
    assert precision_at(list(range(20)), set(range(5)), 10) == 0.5
    assert precision_at([], {1}) == 0.0


def test_the_query_mix_covers_every_form():
    kinds = {query.kind for query in QUERY_MIX}
    assert {"1char", "2char", "4char", "6+char", "phrase", "and", "filtered"} <= kinds
    assert all(len(query.q) >= 6 for query in QUERY_MIX if query.kind == "6+char")
    assert len(set(QUERY_MIX)) == len(QUERY_MIX)
