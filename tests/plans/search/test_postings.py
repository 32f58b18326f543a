"""Block-wise posting reads give exactly what Whoosh's matchers give, across segments and deletions."""

import pytest

from plans.search import current_snapshot, index_plans, remove_plan
from plans.search.engines.whoosh.postings import blocks, doc_ids, values_for


def matcher_postings(reader, fieldname, text):
    matcher = reader.postings(fieldname, text)
    out = []
    while matcher.is_active():
        out.append((matcher.id(), matcher.weight(), matcher.value()))
        matcher.next()
    return out


@pytest.mark.django_db
def test_blocks_equal_whoosh_matchers_over_segments_and_deletions(make_plans):
    first = make_plans([{"title": f"甲{i}", "text": "科技金融，孵化器。" * (i + 1)} for i in range(5)])
    make_plans([{"title": f"乙{i}", "text": "科技金融与数字经济。"} for i in range(4)])  # a second segment
    remove_plan(first[1].pk)
    index_plans([first[3].pk])  # deleted in its segment, added again in a new one
    with current_snapshot() as snapshot:
        check_blocks(snapshot.reader.reader)


def check_blocks(reader):
    assert len(reader.leaf_readers()) >= 2 and reader.has_deletions()
    checked = 0
    for fieldname, text in [("chars", "科技"), ("chars", "孵化"), ("text", "数字经济"), ("unigrams", "金")]:
        expected = matcher_postings(reader, fieldname, text)
        got = [
            (d, w, v)
            for ids, ws, vs in blocks(reader, fieldname, text, weights=True, values=True)
            for d, w, v in zip(ids, ws, vs, strict=True)
        ]
        assert got == expected, (fieldname, text)
        assert doc_ids(reader, fieldname, text) == {d for d, _, _ in expected}
        some = {d for d, _, _ in expected[::2]}
        assert values_for(reader, fieldname, text, some) == {d: v for d, _, v in expected if d in some}
        checked += len(expected)
    assert checked > 20
    assert doc_ids(reader, "chars", "无此") == set()
