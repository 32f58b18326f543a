"""ThemeTotal, the per-theme sums the database keeps by triggers, equals a sum over the ThemeShare rows exactly
after every kind of write (ingest, update, delete, reassign, bulk writes, a cascade), on each database; and the
collection statistics read from it equal the float aggregate over the rows to rounding."""

import random

import pytest
from django.db.models import Sum

from plans import services
from plans.models import THEME_UNITS, Plan, Theme, ThemeShare, ThemeTotal
from tests.plans.test_theme_assignment import add_plan
from tests.plans.test_theme_reconcile import varied_text

pytestmark = pytest.mark.django_db


def kept() -> dict[int, tuple[int, int]]:
    rows = ThemeTotal.objects.values_list("theme_id", "share_units", "score_units")
    return {pk: (shares, scores) for pk, shares, scores in rows if shares or scores}


def recounted() -> dict[int, tuple[int, int]]:
    return {pk: units for pk, units in services.theme_totals_recounted().items() if any(units)}


def assert_totals_exact(label: str) -> None:
    assert kept() == recounted(), label
    stats = services.theme_stats()
    names = dict(Theme.objects.values_list("pk", "name"))
    sums = ThemeShare.objects.values("theme_id").annotate(s=Sum("share"), d=Sum("score")).order_by()
    for row in sums:
        name = names[row["theme_id"]]
        assert stats.share_sums[name] == pytest.approx(row["s"], abs=1e-6), label
        assert stats.density_sums[name] == pytest.approx(row["d"], abs=1e-6), label
    assert stats.plans == Plan.objects.count()


def test_the_kept_totals_equal_a_sum_over_the_rows_after_every_kind_of_write():
    rng = random.Random(11)
    plans = []
    for step in range(24):
        action = rng.random()
        if action < 0.5 or len(plans) < 3:
            plans.append(add_plan(varied_text(rng, step)))
        elif action < 0.7:
            services.plan_update(plan=rng.choice(plans), text=varied_text(rng, 100 + step))
        elif action < 0.85:
            services.plan_delete(plan=plans.pop(rng.randrange(len(plans))))
        else:
            services.themes_reassign_all()
        assert_totals_exact(f"step {step}")
    assert kept(), "the plans hold themes: the totals are not all zero"

    # writes that bypass the services: a bulk update, a queryset delete, a cascade from a deleted plan
    ThemeShare.objects.filter(pk__in=ThemeShare.objects.order_by("pk").values("pk")[:5]).update(
        share=0.123456789
    )
    assert_totals_exact("bulk update")
    ThemeShare.objects.filter(pk__in=ThemeShare.objects.order_by("-pk").values("pk")[:3]).delete()
    assert_totals_exact("queryset delete")
    Plan.objects.filter(pk=plans[0].pk).delete()
    assert_totals_exact("cascade from a plan")
    theme = Theme.objects.filter(theme_shares__isnull=False).first()
    other = Theme.objects.exclude(pk=theme.pk).first()
    ThemeShare.objects.filter(theme=theme).exclude(plan__theme_shares__theme=other).update(theme=other)
    assert_totals_exact("rows moved to another theme")


def test_the_units_are_whole_and_sum_in_any_order():
    """2**32 units a share: a share of 1.0 is THEME_UNITS, and totals are integers (no drift with the order)."""
    plan = add_plan(varied_text(random.Random(5), 1))
    row = ThemeShare.objects.filter(plan=plan).first()
    ThemeShare.objects.filter(pk=row.pk).update(share=1.0, score=0.5)
    before = kept()[row.theme_id]
    ThemeShare.objects.filter(pk=row.pk).update(share=0.0, score=0.0)
    after = kept().get(row.theme_id, (0, 0))
    assert (before[0] - after[0], before[1] - after[1]) == (THEME_UNITS, THEME_UNITS // 2)
