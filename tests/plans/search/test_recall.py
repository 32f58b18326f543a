"""Recall and precision against the plain substring truth: a query finds exactly the plans containing it."""

import random

import pytest

from plans.models import Plan
from plans.search import SearchParams, search
from plans.search.normalize import normalise
from tests.plans.search.corpus import generate

pytestmark = [pytest.mark.django_db, pytest.mark.both_engines]


def found_ids(q: str) -> set[int]:
    # The set is what counts here: date order skips the ranking work.
    result = search(SearchParams(q=q, page_size=100, sort="-date", with_facets=False, with_snippets=False))
    ids = {hit.plan_id for hit in result.hits}
    for page in range(2, result.pages + 1):
        more = search(
            SearchParams(q=q, page=page, page_size=100, sort="-date", with_facets=False, with_snippets=False)
        )
        ids |= {hit.plan_id for hit in more.hits}
    assert len(ids) == result.count
    return ids


def truth(*terms: str, texts: dict[int, str] | None = None) -> set[int]:
    """Ids of the plans whose normalised title or text contains every term (the plain substring truth)."""
    texts = texts if texts is not None else normalised_texts()
    return {pk for pk, text in texts.items() if all(normalise(t) in text for t in terms)}


def normalised_texts() -> dict[int, str]:
    return {
        pk: normalise(f"{title}\n{text}")
        for pk, title, text in Plan.objects.values_list("pk", "title", "text")
    }


def test_random_substrings_of_a_generated_corpus_find_exactly_the_plans_containing_them(make_plans):
    """GIVEN 200 generated plans WHEN searching 200 random substrings of 1-8 characters
    THEN each result set equals the set of plans whose text contains the substring."""
    make_plans(generate(200))
    rng = random.Random(7)
    corpus = normalised_texts()
    texts = list(Plan.objects.values_list("text", flat=True))
    checked, failures = 0, []
    while checked < 200:
        text = rng.choice(texts)
        length = rng.randint(1, 8)
        start = rng.randrange(0, max(1, len(text) - length))
        q = text[start : start + length]
        if not all(ch.isalnum() for ch in q):  # punctuation splits a query into terms: tested elsewhere
            continue
        checked += 1
        expected = truth(q, texts=corpus)
        got = found_ids(q)
        if got != expected:
            failures.append((q, len(expected), len(got)))
    assert failures == []


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("创新", ["创新"]),
        ("型省份", ["型省份"]),
        ("税", ["税"]),
        ("县", ["县"]),
        ('"科技成果转化"', ["科技成果转化"]),
        ("科技金融 孵化器", ["科技金融", "孵化器"]),
        ("5G", ["5g"]),
        ("r&d", ["R&D"]),
        ("2025年", ["2025年"]),
    ],
)
def test_named_queries_match_the_substring_truth(make_plans, query, terms):
    make_plans(generate(40, seed=3))
    assert found_ids(query) == truth(*terms)
    assert truth(*terms), "the corpus must contain the query for this test to mean something"


def test_a_word_inside_a_longer_word_is_found(make_plans):
    only_longer, plain, other = make_plans(
        [
            dict(title="甲", text="加快建设创新型省份。"),
            dict(title="乙", text="坚持创新驱动。"),
            dict(title="丙", text="优化营商环境。"),
        ]
    )
    assert found_ids("创新") == {only_longer.pk, plain.pk}
    assert found_ids("型省份") == {only_longer.pk}


def test_single_characters_are_found(make_plans):
    tax, county, neither = make_plans(
        [
            dict(title="甲", text="落实减税降费。"),
            dict(title="乙", text="支持县域经济。"),
            dict(title="丙", text="其他。"),
        ]
    )
    assert found_ids("税") == {tax.pk}
    assert found_ids("县") == {county.pk}


def test_quoted_phrase_finds_exactly_the_plans_containing_the_string(make_plans):
    exact, scattered = make_plans(
        [
            dict(title="甲", text="着力加快科技成果转化，推动发展。"),
            dict(title="乙", text="科技投入增加，成果丰硕，转化加快。"),
        ]
    )
    assert found_ids('"科技成果转化"') == {exact.pk}
    assert found_ids("“科技成果转化”") == {exact.pk}


def test_phrase_keeps_its_punctuation(make_plans):
    with_comma, without = make_plans(
        [dict(title="甲", text="科技创新，成果转化。"), dict(title="乙", text="科技创新成果转化。")]
    )
    assert found_ids('"科技创新，成果转化"') == {with_comma.pk}


def test_several_words_are_anded_with_substring_semantics(make_plans):
    both, finance, incubator = make_plans(
        [
            dict(title="甲", text="发展科技金融，建设孵化器。"),
            dict(title="乙", text="发展科技金融。"),
            dict(title="丙", text="建设科技企业孵化器。"),
        ]
    )
    assert found_ids("科技金融 孵化器") == {both.pk}
    assert found_ids("科技金融，孵化器") == {both.pk}


def test_excluded_terms(make_plans):
    both, finance = make_plans([dict(title="甲", text="科技金融与孵化器"), dict(title="乙", text="科技金融")])
    assert found_ids("科技金融 -孵化器") == {finance.pk}
    assert found_ids("科技金融 NOT 孵化器") == {finance.pk}


def test_traditional_characters_find_simplified_text(make_plans):
    simplified, other = make_plans(
        [dict(title="甲", text="推动科技创新和高质量发展"), dict(title="乙", text="其他内容")]
    )
    assert found_ids("科技創新") == {simplified.pk}
    assert found_ids("高質量發展") == {simplified.pk}


def test_traditional_text_is_found_by_simplified_query(make_plans):
    traditional = make_plan_text(make_plans, "推動科技創新與產業發展")
    assert found_ids("科技创新") == {traditional.pk}


def make_plan_text(make_plans, text):
    return make_plans([dict(title="繁體", text=text)])[0]


def test_full_width_and_case_are_folded(make_plans):
    plan = make_plan_text(make_plans, "加快５Ｇ基站建设，Ｒ＆Ｄ投入达到２０２５年目标")
    for q in ("5G", "5g", "r&d", "R&D", "2025年", "５Ｇ"):
        assert found_ids(q) == {plan.pk}, q


def test_title_text_is_searchable_but_does_not_join_the_body(make_plans):
    plan = make_plans([dict(title="数字经济规划", text="发展实体")])[0]
    assert found_ids("数字经济") == {plan.pk}
    assert found_ids("规划发展") == set()


def test_only_excluded_terms_browse_everything_else(make_plans):
    both, finance = make_plans([dict(title="甲", text="科技金融与孵化器"), dict(title="乙", text="科技金融")])
    assert found_ids("-孵化器") == {finance.pk}


def test_overlapping_repeated_terms_are_matched_exactly(make_plans):
    repeated, broken = make_plans(
        [dict(title="甲", text="创新创新创新"), dict(title="乙", text="创新与创新")]
    )
    assert found_ids("创新创新") == {repeated.pk}
    assert found_ids("新创新创") == {repeated.pk}
    assert found_ids("创新与创") == {broken.pk}


@pytest.mark.django_db
def test_clearing_the_term_cache_changes_no_answer(make_plans):
    from plans.search import SearchParams, clear_term_cache, search

    make_plans([{"title": f"规划{i}", "text": "科技成果转化" if i % 2 else "数字经济"} for i in range(6)])
    first = [h.plan_id for h in search(SearchParams(q="科技成果转化")).hits]
    clear_term_cache()
    assert [h.plan_id for h in search(SearchParams(q="科技成果转化")).hits] == first and len(first) == 3
