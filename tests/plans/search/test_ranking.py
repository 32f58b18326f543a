"""BM25F ranking: whole words in the title beat the body; words standing together beat scattered ones."""

import pytest

from plans.search import SearchParams, search

pytestmark = pytest.mark.django_db


def ranked(q):
    return [hit.plan_id for hit in search(SearchParams(q=q)).hits]


def test_title_beats_body(make_plans):
    body, title = make_plans(
        [
            dict(title="年度工作要点", text="今年要推进科技金融工作，做好其他工作。"),
            dict(title="科技金融专项行动", text="今年要推进相关工作，做好其他工作。"),
        ]
    )
    assert ranked("科技金融") == [title.pk, body.pk]


def test_words_standing_together_beat_scattered_words(make_plans):
    scattered, together = make_plans(
        [
            dict(title="甲", text="发展科技金融。" + "其他工作。" * 30 + "建设孵化器。"),
            dict(title="乙", text="其他工作。" * 15 + "发展科技金融孵化器。" + "其他工作。" * 15),
        ]
    )
    assert ranked("科技金融 孵化器") == [together.pk, scattered.pk]


def test_more_occurrences_rank_higher(make_plans):
    once, often = make_plans(
        [
            dict(title="甲", text="推进数字经济。" + "其他工作。" * 10),
            dict(title="乙", text="推进数字经济，数字经济核心产业，数字经济规模。" + "其他工作。" * 7),
        ]
    )
    assert ranked("数字经济") == [often.pk, once.pk]


def test_empty_query_browses_everything_newest_first(make_plans):
    old, new = make_plans([dict(title="甲", text="一", year=2016), dict(title="乙", text="二", year=2024)])
    result = search(SearchParams(q=""))
    assert [h.plan_id for h in result.hits] == [new.pk, old.pk]
    assert result.count == 2
