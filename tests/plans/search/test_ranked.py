"""A page ranked and faceted inside Tantivy (plans.search.ranked) equals the page search() defines from the
snapshot's columns: the same count, pages, plans in the same order, scores and facet counts, for plain, OR and
NOT queries, filters, pages deep into the ties, on an index of several segments with deleted documents."""

import random

import pytest

from plans.search import SearchParams, index_plans, remove_plan, search
from plans.search import engine as engine_module
from plans.search import ranked as ranked_module
from tests.plans.search.corpus import LEVELS, REGIONS, THEMES, generate

pytestmark = [pytest.mark.django_db, pytest.mark.parametrize("search_engine", ["tantivy"], indirect=True)]

TERMS = [
    "科技",
    "创新",
    "金融",
    "孵化器",
    "科技金融",
    "税",
    "县",
    "知识产权",
    "数字经济",
    "人工智能",
    "碳达峰",
]


@pytest.fixture
def collection(make_plans):
    """300 generated plans (the same sentences over and over: many equal scores), some of unknown year or
    region, written in two commits, with a few deleted."""
    items = generate(300, seed=7)
    for item in items[::11]:
        item["year"] = None  # in no year range
    for item in items[::13]:
        item["region"] = None
    plans = make_plans(items[:200]) + make_plans(items[200:])
    for plan in plans[::37]:
        remove_plan(plan.pk)
        plan.delete()
    index_plans([])  # nothing more: the removals are committed
    return plans


def answer(params: SearchParams, in_engine: bool, monkeypatch):
    monkeypatch.setattr(ranked_module, "RANK_IN_ENGINE", in_engine)
    result = search(params)
    facets = {name: [(v.value, v.count) for v in values] for name, values in result.facets.items()}
    return (
        result.count,
        result.page,
        result.pages,
        [hit.plan_id for hit in result.hits],
        [round(hit.score, 5) for hit in result.hits],
        facets,
    )


def random_query(rng: random.Random) -> str:
    terms = rng.sample(TERMS, rng.randint(1, 3))
    form = rng.choice(["and", "and", "or", "not", "group"])
    if form == "or":
        return " OR ".join(terms)
    if form == "not" and len(terms) > 1:
        return " ".join(terms[:-1]) + " -" + terms[-1]
    if form == "group" and len(terms) > 2:
        return f"({terms[0]} OR {terms[1]}) {terms[2]}"
    return " ".join(terms)


def random_params(rng: random.Random) -> SearchParams:
    return SearchParams(
        q=random_query(rng),
        regions=tuple(rng.sample(REGIONS, rng.choice([0, 0, 1, 2]))),
        years=tuple(rng.sample(range(2016, 2026), rng.choice([0, 0, 1, 3]))),
        themes=tuple(rng.sample(THEMES, rng.choice([0, 0, 1]))),
        levels=tuple(rng.sample(LEVELS, rng.choice([0, 0, 1]))),
        year_from=rng.choice([None, None, 2018]),
        year_to=rng.choice([None, None, 2023]),
        page=rng.choice([1, 1, 2, 3, 7, 99]),
        page_size=rng.choice([5, 20, 50]),
    )


def spy_on_engine_pages(monkeypatch) -> list:
    """The pages the engine's way answered (ranked.engine_page not None), from now on."""
    calls = []
    original = engine_module.engine_page

    def counting(*args, **kwargs):
        found = original(*args, **kwargs)
        if found is not None:
            calls.append(args)
        return found

    monkeypatch.setattr(engine_module, "engine_page", counting)
    return calls


def test_the_engine_page_equals_the_columns_page(collection, monkeypatch):
    calls = spy_on_engine_pages(monkeypatch)
    rng = random.Random(20261204)
    cases = [SearchParams(q=term) for term in TERMS] + [random_params(rng) for _ in range(160)]
    for params in cases:
        from plans.search import clear_term_cache

        clear_term_cache()
        in_engine = answer(params, True, monkeypatch)
        by_columns = answer(params, False, monkeypatch)
        assert in_engine == by_columns, params
    assert len(calls) >= len(cases)  # the engine's way answered every case


def test_pages_through_a_tie_of_every_plan_holding_a_term_once(make_plans, monkeypatch):
    """Equal texts score equally: the order is the date's (newest first, then the higher id) on every page."""
    plans = make_plans(
        [dict(title=f"文件{n}", text="推进科技金融工作。", year=2016 + n % 5) for n in range(45)]
    )
    expected = sorted(plans, key=lambda p: (-p.year, -p.pk))
    seen = []
    for page in (1, 2, 3):
        count, _page, pages, ids, _scores, _facets = answer(
            SearchParams(q="科技金融", page=page, page_size=20), True, monkeypatch
        )
        assert (count, pages) == (45, 3)
        seen += ids
    assert seen == [p.pk for p in expected]


def test_a_query_the_engine_cannot_decide_alone_is_answered_from_the_columns(make_plans, monkeypatch):
    plans = make_plans(
        [dict(title="甲", text="科技金融与孵化器。"), dict(title="乙", text="科技金融。其他。孵化器。")]
    )
    calls = spy_on_engine_pages(monkeypatch)
    for q in ("科技金融 /s 孵化器", "title:甲", "heading:科技", "科技 /p 孵化器 OR 税"):
        assert answer(SearchParams(q=q), True, monkeypatch) == answer(SearchParams(q=q), False, monkeypatch)
    assert calls == []
    ids = answer(SearchParams(q="科技金融 /s 孵化器"), True, monkeypatch)[3]
    assert ids == [plans[0].pk]


def test_an_index_without_the_facet_fields_is_answered_from_the_columns(make_plans, monkeypatch):
    from plans.search.engines.tantivy import schema

    make_plans([dict(title="甲", text="科技金融", themes=["科技金融"]), dict(title="乙", text="科技")])
    calls = spy_on_engine_pages(monkeypatch)
    monkeypatch.setattr(
        schema, "FACET_FIELDS", {k: v for k, v in schema.FACET_FIELDS.items() if k != "themes"}
    )
    from plans.search import clear_term_cache

    clear_term_cache()
    result = search(SearchParams(q="科技"))
    assert result.count == 2
    assert {v.value: v.count for v in result.facets["theme"]} == {"科技金融": 1}
    assert calls == []


def test_an_index_written_before_theme_facet_is_written_and_answered_as_before(make_plans, monkeypatch):
    """The field was added last: an older index keeps every other field's number, takes new documents
    without it, answers from the columns, and says that a rebuild ranks inside Tantivy."""
    from plans.search import clear_term_cache, rebuild_index
    from plans.search.engines.tantivy import schema
    from plans.search.snapshot import hub

    with monkeypatch.context() as patched:
        patched.setattr(schema, "schema", lambda: schema.build_schema(theme_facet=False))
        hub.engine.create_empty()
    calls = spy_on_engine_pages(monkeypatch)
    plans = make_plans(
        [dict(title="甲", text="科技金融", themes=["科技金融"]), dict(title="乙", text="科技")]
    )
    hub.reset()
    clear_term_cache()
    result = search(SearchParams(q="科技"))
    assert sorted(hit.plan_id for hit in result.hits) == sorted(p.pk for p in plans)
    assert {v.value: v.count for v in result.facets["theme"]} == {"科技金融": 1}
    assert calls == []
    assert "rebuild_index" in hub.engine.health()[1]

    rebuild_index(procs=1)
    clear_term_cache()
    assert answer(SearchParams(q="科技"), True, monkeypatch)[3] == [hit.plan_id for hit in result.hits]
    assert calls
    assert "rebuild_index" not in hub.engine.health()[1]
