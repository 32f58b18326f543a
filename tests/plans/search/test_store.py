"""Per-document columns follow every commit, re-reading only the segments that changed."""

import pytest

from plans.search import current_snapshot, index_plans, remove_plan
from plans.search.engines.whoosh import reader as reader_module


def live_columns():
    with current_snapshot() as snapshot:
        columns = snapshot.columns
    return {columns.plan_ids[d]: (columns.regions[d], columns.years[d]) for d in columns.live}


@pytest.mark.django_db
def test_columns_follow_commits_and_reuse_unchanged_segments(make_plans, monkeypatch):
    first = make_plans(
        [{"title": f"甲{i}", "text": "科技", "region": "湖北", "year": 2017 + i} for i in range(3)]
    )
    assert live_columns() == {p.pk: ("湖北", p.year) for p in first}
    reads = []
    original = reader_module.read_leaf_columns
    monkeypatch.setattr(
        reader_module, "read_leaf_columns", lambda leaf: reads.append(leaf.doc_count_all()) or original(leaf)
    )
    [second] = make_plans([{"title": "乙", "text": "科技", "region": "江西", "year": 2020}])
    assert live_columns() == {**{p.pk: ("湖北", p.year) for p in first}, second.pk: ("江西", 2020)}
    assert reads == [1]  # only the new one-document segment was read
    remove_plan(first[0].pk)
    index_plans([first[1].pk])  # re-indexed: its old document deleted, a new one added
    columns = live_columns()
    assert set(columns) == {first[1].pk, first[2].pk, second.pk}
    with current_snapshot() as snapshot:
        assert snapshot.columns.date_rank  # a rank for every document
