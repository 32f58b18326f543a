"""Percentile maths (numpy's linear interpolation, checked by hand) and the summary."""

import pytest

from plans.benchmark.stats import percentile, summarize


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        ([1, 2, 3, 4], 50, 2.5),
        ([1, 2, 3, 4], 0, 1),
        ([1, 2, 3, 4], 100, 4),
        ([4, 1, 3, 2], 25, 1.75),
        ([10, 20, 30, 40, 50], 95, 48.0),
        (list(range(1, 101)), 99, 99.01),
        ([7], 95, 7),
    ],
)
def test_percentile(values, p, expected):
    assert percentile(values, p) == pytest.approx(expected)


def test_percentile_refuses_nonsense():
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1], 101)


def test_summarize():
    summary = summarize([5.0, 1.0, 3.0])
    assert summary["n"] == 3
    assert summary["p50"] == 3.0
    assert summary["mean"] == 3.0
    assert summary["max"] == 5.0
    assert summary["p95"] == pytest.approx(4.8)
    assert summarize([]) == {"n": 0}
