"""related_plans: the most similar plans of other regions or years, by key terms and shared themes."""

import pytest

from plans.search import related_plans

pytestmark = [pytest.mark.django_db, pytest.mark.both_engines]


def test_related_plans_prefer_shared_terms_and_themes_and_skip_the_same_region_and_year(make_plans):
    base, same_slot, similar, unrelated, partly = make_plans(
        [
            dict(title="湖北科技金融", text="科技金融 创业投资 科技保险 孵化器 " * 5, region="湖北", year=2020,
                 themes=["科技金融"]),
            dict(title="湖北同年", text="科技金融 创业投资 科技保险 孵化器 " * 5, region="湖北", year=2020),
            dict(title="江西科技金融", text="科技金融 创业投资 科技保险 " * 5, region="江西", year=2020,
                 themes=["科技金融"]),
            dict(title="四川农业", text="乡村振兴 农业科技 特派员 " * 5, region="四川", year=2021),
            dict(title="湖北次年", text="创业投资 乡村振兴 " * 5, region="湖北", year=2021),
        ]
    )  # fmt: skip
    related = related_plans(base, limit=5)
    ids = [p.pk for p in related]
    assert base.pk not in ids and same_slot.pk not in ids
    assert ids[0] == similar.pk
    assert partly.pk in ids
    assert unrelated.pk not in ids
    assert related[0].region.name == "江西"


def test_related_plans_of_an_empty_plan(make_plan):
    plan = make_plan(title="空", text="。")
    assert related_plans(plan) == []
