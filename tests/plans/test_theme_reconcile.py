"""The margin-based reconcile and the batch deferral keep every plan's and section's themes exactly as a full
reassign gives them, while reading only the plans near a flip.

Oracles: decide() on every plan's evidence against statistics summed in the test from every plan's text
(test_theme_assignment's oracle), and, for the margin itself, decide() under random moves of the averages.
"""

import random
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plans import services
from plans.ingest import ingest_path
from plans.ingest.themes import (
    CollectionStats,
    ThemeEvidence,
    ThemeSpec,
    decide,
    decision_margin,
)
from plans.models import Plan, ThemeAnchor
from tests.plans.test_theme_assignment import (
    FILLER,
    add_plan,
    oracle,
    section_oracle,
    stored,
    stored_sections,
)

TOPICS = [
    "发展科技金融，引导创业投资。",
    "建设众创空间和孵化器。",
    "扩大就业，办好教育。",
    "推进科技成果转化，加强知识产权保护。",
]


def varied_text(rng: random.Random, number: int) -> str:
    """A plan whose evidence the seed controls: each section mixes filler with 0-6 sentences of one topic, and
    some top-level headings name a theme (headed plans decide by heading, the others by prominence)."""
    lines = [f"第{number}号工作要点"]
    for index, numeral in enumerate("一二三"):
        body = [FILLER] * rng.randint(1, 8) + [rng.choice(TOPICS)] * rng.choice([0, 1, 2, 3, 6])
        rng.shuffle(body)
        heading = rng.choice(["科技金融", "就业", f"重点工作{index}", f"重点工作{index}"])
        lines.append(f"{numeral}、{heading}\n" + "".join(body))
    return "\n".join(lines)


def assert_exact(label: str) -> None:
    assert stored() == oracle(), label
    assert stored_sections() == section_oracle(), label


@pytest.mark.django_db
@pytest.mark.parametrize("fraction, least", [(1.0, 50), (0.2, 2)])
def test_random_ingests_updates_deletes_and_batches_stay_exact(monkeypatch, fraction, least):
    """Two re-anchor budgets: full passes (re-anchoring) interleave with margin reconciles, seldom or often."""
    monkeypatch.setattr(services, "REANCHOR_FRACTION", fraction)
    monkeypatch.setattr(services, "REANCHOR_MIN_PLANS", least)
    rng = random.Random(7 + least)
    plans: list[Plan] = []
    number = 0
    for step in range(36):
        action = rng.random()
        if action < 0.5 or len(plans) < 4:
            number += 1
            plans.append(add_plan(varied_text(rng, number)))
        elif action < 0.7:
            services.plan_update(plan=rng.choice(plans), text=varied_text(rng, 100 + step))
        elif action < 0.82:
            services.plan_delete(plan=plans.pop(rng.randrange(len(plans))))
        else:  # a batch: the others are reconciled once, at its end
            with services.themes_reconcile_deferred():
                for _ in range(rng.randint(2, 4)):
                    number += 1
                    plans.append(add_plan(varied_text(rng, number)))
        assert_exact(f"step {step}")
    assert ThemeAnchor.objects.count() == 1
    assert any(stored().values()) and not all(stored().values())  # the rule tells plans apart
    assert services.themes_reassign_all() == []  # nothing left for a full reassign to change


def random_evidence(rng: random.Random, specs: list[ThemeSpec]) -> dict[str, ThemeEvidence]:
    evidence = {}
    for spec in specs:
        if rng.random() < 0.7:
            share = round(rng.choice([rng.uniform(0, 0.08), rng.uniform(0, 0.5)]), 4)
            hits = rng.randint(1, 6)
            evidence[spec.name] = ThemeEvidence(hits, {}, share, 1.0, rng.random() < 0.2)
    return evidence


def test_no_move_of_the_averages_within_the_margin_changes_a_decision():
    """Brute force: random plans and collections; every average moved by less than the margin (in any
    direction) leaves decide() as it was; and the margin is tight enough that larger moves do flip some."""
    rng = random.Random(3)
    specs = [ThemeSpec(f"t{i}", (f"k{i}",), rng.choice([1, 2, 3])) for i in range(5)]
    flipped_beyond = 0
    for _ in range(400):
        evidence = random_evidence(rng, specs)
        plans = rng.randint(0, 300)
        stats = CollectionStats(plans, {s.name: rng.uniform(0, 0.1) * plans for s in specs})
        margin = decision_margin(evidence, specs, stats)
        before = set(decide(evidence, specs, stats))
        for scale, inside in ((0.999, True), (3.0, False)):
            if margin == float("inf"):
                continue
            for _ in range(10):
                moved = dict(stats.share_sums)
                for name in moved:  # average = (sum + prior) / (plans + prior): move the sum to move it
                    moved[name] += rng.uniform(-1, 1) * margin * scale * (plans + 10)
                after = set(decide(evidence, specs, CollectionStats(plans, moved)))
                if inside:
                    assert after == before, (evidence, stats, margin)
                else:
                    flipped_beyond += after != before
    assert flipped_beyond > 0


@pytest.mark.django_db
def test_a_reconcile_reads_the_shares_of_the_candidate_plans_only():
    rng = random.Random(5)
    for number in range(1, 31):
        add_plan(varied_text(rng, number))
    services.themes_decide_all()  # a full pass: anchors every margin at the current averages
    plan = add_plan(varied_text(rng, 99))  # moves the averages a little; reconciled as it is saved
    specs, themes = services._theme_context(None)
    stats = services.theme_stats()
    drift = services._drift(specs, stats)
    candidates = set(Plan.objects.filter(theme_margin__lte=drift).values_list("pk", flat=True)) - {plan.pk}
    assert len(candidates) < Plan.objects.count() - 1  # the margins keep most plans out
    with CaptureQueriesContext(connection) as queries:
        services._reconcile(specs, themes, stats, skip=plan.pk)
    share_reads = [q["sql"] for q in queries if re.match(r'SELECT .* FROM "plans_themeshare"', q["sql"])]
    read_ids = set()
    for sql in share_reads:
        listed = re.search(r'"plans_themeshare"\."plan_id" (?:IN \(([^)]*)\)|= (\d+))', sql)
        assert listed, sql  # never a read of every plan's shares
        read_ids.update(int(pk) for pk in (listed.group(1) or listed.group(2)).split(","))
    assert read_ids == candidates
    assert_exact("after the margin reconcile")


def write_files(folder: Path, rng: random.Random, count: int) -> list[Path]:
    folder.mkdir(exist_ok=True)
    paths = []
    for number in range(count):
        path = folder / f"plan{number}.txt"
        path.write_text(varied_text(rng, 500 + number), encoding="utf-8")
        paths.append(path)
    return paths


@pytest.mark.django_db
def test_a_batch_reconciles_the_others_once_and_a_crash_is_repaired_by_the_next(monkeypatch, tmp_path):
    rng = random.Random(11)
    for number in range(1, 13):
        add_plan(varied_text(rng, number))
    calls = []
    real = services._reconcile

    def counting(*args, **kwargs):
        calls.append(kwargs.get("skip"))
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_reconcile", counting)
    with services.themes_reconcile_deferred():
        outcomes = [ingest_path(path) for path in write_files(tmp_path / "a", rng, 6)]
    assert [o.status for o in outcomes] == ["ingested"] * 6
    assert calls == [None]  # one reconcile, at the end of the batch
    assert_exact("after the batch")

    # The process dies inside a batch: the deferral is never closed, so no reconcile runs for its files.
    token = services._deferred.set(1)
    for path in write_files(tmp_path / "b", rng, 6):
        ingest_path(path)
    services._deferred.reset(token)
    assert len(calls) == 1
    add_plan(varied_text(rng, 900))  # the next ingest's reconcile repairs everything the batch moved
    assert_exact("after the next ingest")
