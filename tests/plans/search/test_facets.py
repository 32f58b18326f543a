"""Facet counts equal what the database says for the same filter; filters OR within a facet, AND across."""

from collections import Counter

import pytest
from django.db.models import Q

from plans.models import Plan
from plans.search import SearchParams, cross_counts, search
from tests.plans.search.corpus import generate

pytestmark = [pytest.mark.django_db, pytest.mark.both_engines]


def db_counts(params: SearchParams, matching_ids: set[int]) -> dict[str, Counter]:
    """Counts of each facet from the ORM: every filter applied except the facet's own selection."""

    def base(skip: str):
        qs = Plan.objects.filter(pk__in=matching_ids)
        if params.regions and skip != "region":
            qs = qs.filter(region__name__in=params.regions)
        if params.years and skip != "year":
            qs = qs.filter(year__in=params.years)
        if params.levels and skip != "level":
            qs = qs.filter(level__in=params.levels)
        if params.themes and skip != "theme":
            qs = qs.filter(Q(themes__name__in=params.themes)).distinct()
        if params.year_from is not None:
            qs = qs.filter(year__gte=params.year_from)
        if params.year_to is not None:
            qs = qs.filter(year__lte=params.year_to)
        return qs

    return {
        "region": Counter(r for r in base("region").values_list("region__name", flat=True) if r),
        "year": Counter(str(y) for y in base("year").values_list("year", flat=True) if y),
        "level": Counter(v for v in base("level").values_list("level", flat=True) if v),
        "theme": Counter(
            Plan.themes.through.objects.filter(plan__in=base("theme")).values_list("theme__name", flat=True)
        ),
    }


def engine_counts(result) -> dict[str, Counter]:
    return {
        name: Counter({v.value: v.count for v in values if v.count}) for name, values in result.facets.items()
    }


@pytest.mark.parametrize(
    "params",
    [
        SearchParams(q=""),
        SearchParams(q="创新"),
        SearchParams(q="科技金融", regions=("湖北", "江西")),
        SearchParams(q="税", years=(2018, 2020), themes=("科技金融",)),
        SearchParams(q="", levels=("provincial",), year_from=2018, year_to=2022),
        SearchParams(q="孵化器 众创空间", regions=("北京",), levels=("municipal", "national")),
        SearchParams(q="", themes=("科技金融", "科技成果转化"), regions=("广东",)),
    ],
)
def test_facet_counts_equal_database_counts(make_plans, params):
    make_plans(generate(40, seed=11))
    result = search(params)
    matching = {
        p.pk for p in Plan.objects.all() if all(t in f"{p.title}\n{p.text}".lower() for t in result.terms)
    }
    expected = db_counts(params, matching)
    assert engine_counts(result) == expected
    filtered = db_counts_total(params, matching)
    assert result.count == filtered


def db_counts_total(params, matching_ids) -> int:
    return db_filtered(params, matching_ids).count()


def db_filtered(params, matching_ids):
    """The matching plans that pass every filter of `params`, by the ORM."""
    qs = Plan.objects.filter(pk__in=matching_ids)
    if params.regions:
        qs = qs.filter(region__name__in=params.regions)
    if params.years:
        qs = qs.filter(year__in=params.years)
    if params.levels:
        qs = qs.filter(level__in=params.levels)
    if params.themes:
        qs = qs.filter(themes__name__in=params.themes).distinct()
    if params.year_from is not None:
        qs = qs.filter(year__gte=params.year_from)
    if params.year_to is not None:
        qs = qs.filter(year__lte=params.year_to)
    return qs


def test_selected_values_are_listed_even_without_results(make_plan):
    make_plan(title="甲", text="科技", region="湖北", year=2020)
    result = search(SearchParams(q="科技", regions=("西藏",)))
    assert result.count == 0
    assert {v.value: v.count for v in result.facets["region"]} == {"湖北": 1, "西藏": 0}


def test_level_facet_has_labels(make_plan):
    make_plan(title="甲", text="科技", level="municipal")
    result = search(SearchParams(q="科技"))
    assert [(v.value, v.label, v.count) for v in result.facets["level"]] == [("municipal", "市级", 1)]


def test_sort_by_date_uses_published_on_then_year(make_plans):
    import datetime

    a, b, c = make_plans(
        [
            dict(title="甲", text="科技", year=2019, published_on=datetime.date(2019, 12, 1)),
            dict(title="乙", text="科技", year=2020),
            dict(title="丙", text="科技", year=2019, published_on=datetime.date(2019, 2, 1)),
        ]
    )
    newest_first = search(SearchParams(q="科技", sort="-date"))
    assert [h.plan_id for h in newest_first.hits] == [b.pk, a.pk, c.pk]
    oldest_first = search(SearchParams(q="", sort="date"))
    assert [h.plan_id for h in oldest_first.hits] == [c.pk, a.pk, b.pk]


def test_paging(make_plans):
    plans = make_plans([dict(title=f"规划{i}", text="科技创新") for i in range(7)])
    first = search(SearchParams(q="科技", page_size=3))
    third = search(SearchParams(q="科技", page_size=3, page=3))
    beyond = search(SearchParams(q="科技", page_size=3, page=99))
    assert (first.count, first.pages, len(first.hits)) == (7, 3, 3)
    assert len(third.hits) == 1 and beyond.page == 3
    seen = {h.plan_id for p in (1, 2, 3) for h in search(SearchParams(q="科技", page_size=3, page=p)).hits}
    assert seen == {p.pk for p in plans}


def test_hits_carry_the_plan_with_region_and_themes(make_plan, django_assert_max_num_queries):
    make_plan(title="甲", text="科技金融", region="湖北", themes=["科技金融"])
    result = search(SearchParams(q="科技金融"))
    with django_assert_max_num_queries(0):
        hit = result.hits[0]
        assert hit.plan.region.name == "湖北"
        assert [t.name for t in hit.plan.themes.all()] == ["科技金融"]
    assert result.took_ms > 0
    assert result.terms == ["科技金融"]


@pytest.mark.parametrize(
    "params",
    [
        SearchParams(q=""),
        SearchParams(
            q="创新", regions=("湖北",), years=(2019,)
        ),  # the two facets' own selections do not apply
        SearchParams(q="税", themes=("科技金融",)),
        SearchParams(q="", levels=("provincial",), year_from=2018, year_to=2022),
        SearchParams(q="科技 -孵化器"),
    ],
)
def test_cross_counts_equal_database_counts_by_region_and_year(make_plans, params):
    make_plans(generate(40, seed=11))
    terms = search(params).terms
    matching = {p.pk for p in Plan.objects.all() if all(t in f"{p.title}\n{p.text}".lower() for t in terms)}
    if "-孵化器" in params.q:
        matching = {
            p.pk for p in Plan.objects.filter(pk__in=matching) if "孵化器" not in f"{p.title}\n{p.text}"
        }
    free = SearchParams(**{**params.__dict__, "regions": (), "years": ()})  # the two facets' own selections
    kept = set(db_filtered(free, matching).values_list("pk", flat=True))  # ids: a theme filter is distinct()
    placed = Plan.objects.filter(pk__in=kept, region__isnull=False, year__gt=0)
    expected = Counter((r, str(y)) for r, y in placed.values_list("region__name", "year"))
    assert cross_counts(params, "region", "year") == dict(expected)
    assert sum(expected.values()) > 0


def test_cross_counts_refuses_unknown_facets():
    with pytest.raises(ValueError):
        cross_counts(SearchParams(), "theme", "year")
