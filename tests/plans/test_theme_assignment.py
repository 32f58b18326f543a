"""Themes stored in the database follow the rule against the whole collection after every write.

The oracle: each plan's themes decided from its own text and the statistics of all plans' texts summed in the
test (plans.ingest.themes on texts only), compared with what the services stored one write at a time.
"""

import random

import pytest

from plans import selectors, services
from plans.ingest import reassign_all_themes
from plans.ingest.sections import parse_sections
from plans.ingest.themes import CollectionStats, OutlineEntry, decide, plan_evidence, section_themes
from plans.models import Plan, PlanTheme, Section, SectionTheme, ThemeShare

pytestmark = pytest.mark.django_db

FILLER = "全面落实各项工作任务，确保各项目标按期完成。"
TOPICS = ["发展科技金融，引导创业投资。", "建设众创空间和孵化器。", "扩大就业，办好教育。"]


def generated_text(rng: random.Random, number: int) -> str:
    """A plan of a few sections, each mixing filler with a random number of sentences of one topic."""
    lines = [f"第{number}号工作要点"]
    for index, numeral in enumerate("一二三四"):
        topic = rng.choice(TOPICS)
        body = [FILLER] * rng.randint(2, 8) + [topic] * rng.choice([0, 0, 1, 2, 5])
        rng.shuffle(body)
        heading = "科技金融" if index == 0 and number % 5 == 0 else f"重点工作{index}"
        lines.append(f"{numeral}、{heading}\n" + "".join(body))
    return "\n".join(lines)


def collection_stats(evidence: dict) -> CollectionStats:
    shares: dict[str, float] = {}
    densities: dict[str, float] = {}
    for items in evidence.values():
        for name, item in items.items():
            shares[name] = shares.get(name, 0.0) + item.share
            densities[name] = densities.get(name, 0.0) + item.score
    return CollectionStats(len(evidence), shares, densities)


def all_evidence() -> dict:
    specs = services.theme_specs()
    evidence = {}
    for plan in Plan.objects.all():
        sections = parse_sections(plan.text)
        entries = [OutlineEntry(s.heading, s.text, s.parent, s.start, s.end) for s in sections]
        evidence[plan.pk] = plan_evidence(plan.text, entries, specs)
    return evidence


def oracle() -> dict[int, set[str]]:
    evidence = all_evidence()
    stats = collection_stats(evidence)
    specs = services.theme_specs()
    return {pk: set(decide(items, specs, stats)) for pk, items in evidence.items()}


def section_oracle() -> dict[tuple[int, str], set[str]]:
    stats = collection_stats(all_evidence())
    specs = services.theme_specs()
    return {
        (plan.pk, s.anchor): set(section_themes(s.heading, s.text, specs, stats))
        for plan in Plan.objects.all()
        for s in parse_sections(plan.text)
    }


def stored_sections() -> dict[tuple[int, str], set[str]]:
    result = {(s.plan_id, s.anchor): set() for s in Section.objects.all()}
    for plan_id, anchor, name in SectionTheme.objects.values_list(
        "section__plan_id", "section__anchor", "theme__name"
    ):
        result[(plan_id, anchor)].add(name)
    return result


def stored() -> dict[int, set[str]]:
    result: dict[int, set[str]] = {pk: set() for pk in Plan.objects.values_list("pk", flat=True)}
    for plan_id, name in PlanTheme.objects.values_list("plan_id", "theme__name"):
        result[plan_id].add(name)
    return result


def add_plan(text: str) -> Plan:
    plan = services.plan_create(title=text.splitlines()[0], text=text)
    services.plan_set_outline(plan=plan, sections=parse_sections(text))
    return plan


def test_every_write_leaves_the_collection_as_the_rule_decides_it():
    rng = random.Random(13)
    plans = []
    for number in range(1, 19):
        plans.append(add_plan(generated_text(rng, number)))
        assert stored() == oracle(), f"after plan {number}"
        assert stored_sections() == section_oracle(), f"sections after plan {number}"
    assert any(stored().values()) and not all(stored().values())  # the rule tells plans apart
    services.plan_update(plan=plans[3], text=generated_text(rng, 99))
    assert stored() == oracle()
    services.plan_delete(plan=plans[0])
    services.plan_delete(plan=plans[5])
    assert stored() == oracle()
    assert stored_sections() == section_oracle()
    assert reassign_all_themes() == 0  # nothing left to catch up on


def test_shares_are_kept_for_every_mentioned_theme_and_explain_the_assignment():
    rng = random.Random(7)
    for number in range(1, 8):
        add_plan(generated_text(rng, number))
    stats = services.theme_stats()
    assert stats.plans == 7
    for row in PlanTheme.objects.select_related("theme", "plan"):
        share = ThemeShare.objects.get(plan=row.plan, theme=row.theme)
        assert row.basis["share"] == share.share and row.matched == share.matched
        # the stored weight is the one the plan was decided with; the pages show it against today's average
        assert row.weight == pytest.approx(share.share / row.basis["average_share"], rel=0.01)
        assert row.weight >= row.basis["min_weight"] and share.share >= row.basis["min_share"]
        current = selectors.theme_weights(row.plan)[row.theme.name]
        assert current.average_share == pytest.approx(stats.average_share(row.theme.name))
        assert current.weight == pytest.approx(share.share / stats.average_share(row.theme.name), rel=0.01)
    mentioned = ThemeShare.objects.filter(hits__gt=0).count()
    assert mentioned > PlanTheme.objects.count()  # weaker mentions are kept (and searchable), not assigned
