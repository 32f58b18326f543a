"""The benchmark's trends / keyword-in-context step runs against a real index and reports what it measured."""

import pytest

from plans.benchmark.analysis import CASES_FIELDS, format_analysis, measure_analysis
from plans.search import SearchParams, kwic

pytestmark = pytest.mark.django_db


def test_measure_analysis_times_every_page_and_streams_the_csv(make_plans):
    make_plans(
        [
            dict(
                title=f"{2016 + n}年科技工作要点",
                year=2016 + n,
                region="湖北",
                text="推动发展，创新发展。" * 20,
            )
            for n in range(4)
        ]
    )
    figures = measure_analysis()
    assert set(figures["cases"]) == set(CASES_FIELDS)
    for stats in figures["cases"].values():
        assert stats["first"]["n"] >= 1 and stats["repeated"]["n"] == 3 * stats["first"]["n"]
    runs = {(run["q"], run["run"]): run["lines"] for run in figures["csv"]}
    assert runs[("发展", "first")] == runs[("发展", "repeated")] == kwic("发展", SearchParams()).count == 160
    table = "\n".join(format_analysis(figures))
    assert "trends_one_term" in table and "q=发展" in table
