"""BM25F ranking: whole words in the title beat the body; words standing together beat scattered ones; and our
scorer gives Whoosh's own scores, on single and multi-segment indexes, with deletions."""

import pytest

from plans.search import SearchParams, current_snapshot, index_plans, rebuild_index, remove_plan, search
from plans.search.engine import query_docs
from plans.search.engines.whoosh.ranking import ranking_query

pytestmark = [pytest.mark.django_db, pytest.mark.both_engines]


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


# --- our scorer against Whoosh's ---------------------------------------------------------------------------

TEXTS = [
    "推进科技金融发展，建设孵化器。科技金融服务实体经济。",
    "发展数字经济和人工智能，培育集成电路产业。",
    "创新型省份建设，高新技术企业倍增。科技金融试点。",
    "生态旅游与全域旅游并进，生态保护优先。",
    "实施乡村振兴战略，发展数字经济，推动税费改革。",
    "科技成果转化，众创空间和孵化器提质增效。",
]
QUERIES = [
    ["科技金融"],
    ["数字经济"],
    ["生态", "旅游"],
    ["孵化器"],
    ["税"],
    ["型省份"],
    ["人工智能", "集成电路"],
]


def whoosh_scores(searcher, query, docs):
    results = searcher.search(query, limit=None, filter=set(docs), terms=False)
    return {docnum: score for score, docnum in results.top_n}


def assert_same_scores():
    with current_snapshot() as snapshot:
        compare_scores(snapshot)


def compare_scores(snapshot):
    searcher = snapshot.reader.searcher
    checked = 0
    for terms in QUERIES:
        query = ranking_query(terms)
        docs = query_docs(snapshot, terms, [])
        ours = snapshot.scores(terms, docs)
        theirs = whoosh_scores(searcher, query, docs)
        assert set(ours) == set(theirs), terms
        for docnum, score in theirs.items():
            assert ours[docnum] == pytest.approx(score, rel=1e-12), terms
        checked += len(theirs)
    assert checked > 10  # the comparison really compared something


@pytest.mark.whoosh_only
def test_scores_equal_whooshs_on_one_segment(make_plans):
    make_plans(
        [{"title": f"规划{i}", "text": text * (1 + i % 3)} for i, text in enumerate(TEXTS * 3)], index=False
    )
    rebuild_index(procs=1)
    assert_same_scores()


@pytest.mark.whoosh_only
def test_scores_equal_whooshs_on_several_segments_with_deleted_documents(make_plans):
    plans = make_plans([{"title": f"规划{i}", "text": text} for i, text in enumerate(TEXTS)])
    make_plans(
        [{"title": f"补充{i}", "text": text + text} for i, text in enumerate(TEXTS)]
    )  # a second segment
    remove_plan(plans[0].pk)  # a deletion inside a segment
    index_plans([plans[2].pk])  # a re-index: delete + add
    with current_snapshot() as snapshot:
        assert len(snapshot.reader.reader.leaf_readers()) >= 2
    assert_same_scores()


def test_the_array_ranking_gives_the_order_of_the_reference_ranking_on_every_page(make_plans):
    """search() ranks with whole-array operations (_rank_array); _rank is the plain definition (score the
    group, the best `needed` by score then date, the rest by date; plans where the terms stand together
    first, or scores times the proximity factor). Many ties (same texts, same scores) and several groups: the
    orders must be equal for any page."""
    import random

    import numpy as np

    from plans.search.engine import PROXIMITY_WEIGHT, _matched_array, _rank, _rank_array
    from plans.search.grammar import has_proximity
    from plans.search.matching import closeness_array
    from plans.search.query import parse_query, required_terms

    rng = random.Random(5)
    pieces = ["科技金融", "孵化器", "数字经济", "其他工作。", "科技", "金融孵化器"]
    make_plans(
        [
            dict(
                title=rng.choice(["科技金融规划", "工作要点", "孵化器建设"]),
                text="".join(rng.choice(pieces) for _ in range(rng.randrange(1, 12))),
                year=2010 + rng.randrange(6),
            )
            for _ in range(60)
        ]
    )
    with current_snapshot() as snapshot:
        columns = snapshot.columns
        queries = ["科技金融", "科技金融 孵化器", "孵化器 科技", "科技 金融 孵化器", "其他工作"]
        proximity = [
            "科技 /s 孵化器",
            "金融 /3 孵化器",
            "数字经济 /p 科技 OR 孵化器 /0 其他",
            "科技 /s 金融 -数字经济",
        ]
        for q in queries + proximity:
            parsed = parse_query(q)
            required = required_terms(parsed)
            kept = _matched_array(snapshot, parsed)
            kept = kept[np.argsort(columns.date_rank_array[kept])]
            for needed in (1, 3, 10, 25, len(kept) + 5):
                reference, reference_scores = _rank(
                    snapshot, columns, parsed, required, kept.tolist(), needed
                )
                closeness = None
                if has_proximity(parsed.tree):
                    closeness = closeness_array(snapshot, parsed.tree, PROXIMITY_WEIGHT)
                fast, fast_scores = _rank_array(snapshot, columns, required, kept, needed, closeness)
                assert fast == reference[:needed], (q, needed)
                assert fast_scores == {d: reference_scores[d] for d in fast if d in fast_scores}
                assert set(fast_scores) <= set(reference_scores)
