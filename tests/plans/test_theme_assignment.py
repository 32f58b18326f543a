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


def test_the_seeds_keep_a_few_themes_their_top_headings_name_and_differ():
    """The three science work plans through the real ingest pipeline: each keeps a few themes, those its own
    top-level section headings name when they name any (else its leading ones), each explained, and the three
    lists differ (before the prominence step each seed kept 13-14 of the 19 themes)."""
    from plans.ingest import ingest_path
    from plans.ingest.themes import count_keywords
    from tests.plans.ingest.conftest import SEED_FILES

    seeds = {key: ingest_path(path).plan for key, path in SEED_FILES.items()}
    assert reassign_all_themes() == 0
    assert stored() == oracle()
    keywords = {spec.name: spec.keywords for spec in services.theme_specs()}
    kept = {}
    for key, plan in seeds.items():
        rows = list(plan.plan_themes.select_related("theme"))
        names = {row.theme.name for row in rows}
        assert 1 <= len(names) <= 5, (key, names)
        top_headings = list(plan.sections.filter(parent=None).values_list("heading", flat=True))
        headed = {n for n in keywords if any(count_keywords(h, keywords[n]) for h in top_headings)}
        for row in rows:
            assert row.matched and row.weight >= row.basis["min_weight"]
            assert row.basis["headed"] == (row.theme.name in headed)
            assert row.basis["headed"] or row.basis["prominence"] >= row.basis["min_prominence"]
        if any(row.basis["headed"] for row in rows):
            assert names <= headed, (key, names - headed)
        kept[key] = names
    assert "科技体制改革" in kept["000"]  # 一、深化科技体制改革，全面推进创新体系建设
    assert {"科技成果转化", "科技金融"} <= kept[
        "003"
    ]  # （三）完善科技成果转移转化应用体系, （六）大力推进科技金融工作
    assert len({frozenset(names) for names in kept.values()}) == 3


def test_a_plan_giving_many_themes_more_room_keeps_the_leading_ones():
    """Step 3 without headings: prominence is the theme's share above average over the plan's summed excess."""
    from plans.ingest import themes as rule

    specs = services.theme_specs()
    stats = CollectionStats(100, {spec.name: 100 * 0.01 for spec in specs})
    shares = {"科技金融": 0.30, "科技人才": 0.20, "科学普及": 0.04, "基础研究": 0.035, "党建与作风": 0.03}
    evidence = {name: rule.ThemeEvidence(5, {name: 5}, share, 1.0) for name, share in shares.items()}
    found = decide(evidence, specs, stats)
    average = stats.average_share("科技金融")
    excess = {name: share - average for name, share in shares.items()}
    expected = {
        name for name, value in excess.items() if value / sum(excess.values()) >= rule.PLAN_MIN_PROMINENCE
    }
    assert set(found) == expected == {"科技金融", "科技人才"}
    assert found["科技金融"].basis["prominence"] == pytest.approx(
        excess["科技金融"] / sum(excess.values()), abs=0.001
    )
    # every one of them passes steps 1-2 (their share is well above the threshold): step 3 alone drops them
    assert all(share >= rule.threshold_share(stats, name) for name, share in shares.items())
    # a heading naming a theme at the top level keeps it, whatever its prominence
    evidence["科学普及"] = rule.ThemeEvidence(5, {"科普": 5}, 0.04, 1.0, headed=True)
    assert set(decide(evidence, specs, stats)) == {"科学普及"}
