"""Trends and keyword-in-context against brute-force truths over the normalised texts of real index data.

The truth: for each plan, normalise(title + "\\n" + text); a query matches when every piece of every
positive term is a substring and no excluded term's pieces all are; occurrences are str.count of each
piece; a region's first year is the earliest year of a matching plan. Plans are generated (seeded) with
overlapping repeats, traditional characters and full-width letters, plus the three seed plans through ingest.
"""

from __future__ import annotations

import datetime
import random
import re
from collections import Counter, defaultdict

import pytest

from plans.models import Plan
from plans.search import kwic, kwic_lines, parse_query, plan_occurrences, trends
from plans.search.highlight import clean_terms
from plans.search.kwic import SORT_KEY_CHARS
from plans.search.normalize import normalise
from plans.search.occurrences import non_overlapping
from plans.search.query import required_terms
from plans.search.types import SearchParams

pytestmark = [pytest.mark.django_db, pytest.mark.both_engines]  # the counts hold on every engine

FRAGMENTS = [
    "科技",
    "金融",
    "科技金融",
    "孵化器",
    "科技科技",
    "發展",
    "发展",
    "ＡＩ",
    "ai",
    "创新",
    "，",
    "。",
    "\n",
    "服务",
]
REGIONS = ["湖北", "江西", "北京", "广东"]
TERMS = [
    "科技",
    "科技金融",
    "科技科",
    "发展",
    "AI",
    "金融 孵化器",
    '"科技 金融"',
    "科技 -孵化器",
    "不存在的词",
]


def _text(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(FRAGMENTS) for _ in range(size))


@pytest.fixture
def corpus(make_plans):
    rng = random.Random(14)
    items = []
    for number in range(28):
        year = 2015 + rng.randrange(6)
        sections = [
            (f"{k + 1}、{_text(rng, 3)}", _text(rng, rng.randint(10, 60))) for k in range(rng.randint(1, 3))
        ]
        items.append(
            dict(
                title=f"{year}年{_text(rng, 2)}工作要点",
                region=REGIONS[number % len(REGIONS)] if number % 9 else None,
                year=year,
                published_on=datetime.date(year, 1 + number % 12, 1 + number % 27),
                themes=["科技金融"] if number % 3 == 0 else [],
                sections=sections,
            )
        )
    return make_plans(items)


def joined(plan: Plan) -> str:
    return normalise(f"{plan.title}\n{plan.text}")


def matches(plan: Plan, q: str) -> bool:
    parsed = parse_query(q)
    text = joined(plan)
    has = lambda term: all(piece in text for piece in term.split())  # noqa: E731
    return all(has(t) for t in required_terms(parsed)) and not any(has(t) for t in parsed.excluded)


def passes(plan: Plan, filters: SearchParams) -> bool:
    if filters.regions and (plan.region is None or plan.region.name not in filters.regions):
        return False
    if filters.themes and not set(filters.themes) & {t.name for t in plan.themes.all()}:
        return False
    if filters.year_from is not None and plan.year < filters.year_from:
        return False
    return not (filters.year_to is not None and plan.year > filters.year_to)


def truth(q: str, filters: SearchParams):
    """Per year and per (region, year): (matching plans, occurrences, all plans, characters)."""
    strings = clean_terms(parse_query(q).terms)
    years, cells = defaultdict(Counter), defaultdict(Counter)
    for plan in Plan.objects.select_related("region").prefetch_related("themes"):
        if not plan.year or not passes(plan, filters):
            continue
        found = sum(joined(plan).count(s) for s in strings)
        targets = [years[plan.year]] + ([cells[plan.region.name, plan.year]] if plan.region else [])
        for target in targets:
            target["total"] += 1
            target["chars"] += len(plan.title) + len(plan.text)
            if matches(plan, q):
                target["plans"] += 1
                target["occurrences"] += found
    return years, cells


FILTERS = [
    SearchParams(),
    SearchParams(regions=("湖北", "江西")),
    SearchParams(year_from=2016, year_to=2018),
    SearchParams(themes=("科技金融",)),
]


@pytest.mark.parametrize("filters", FILTERS, ids=["none", "regions", "range", "theme"])
def test_trends_figures_equal_the_brute_force_counts(corpus, filters):
    result = trends(TERMS[:5], filters)
    assert result.terms == TERMS[:5]
    for term in TERMS[:5]:
        years, cells = truth(term, filters)
        assert result.years == sorted(years)
        series = next(s for s in result.series if s.term == term)
        for f in series.years:
            t = years[f.year]
            assert (f.plans, f.total_plans, f.occurrences, f.chars) == (
                t["plans"], t["total"], t["occurrences"], t["chars"],
            ), (term, f.year)  # fmt: skip
            assert f.share == round(t["plans"] / t["total"], 4)
            assert f.per_10k_chars == round(t["occurrences"] * 10_000 / t["chars"], 3)
        regions = {r for r, _y in cells}
        assert {r.region for r in series.regions} == regions
        for region in series.regions:
            mentioned = sorted(y for (r, y), t in cells.items() if r == region.region and t["plans"])
            assert region.first_year == (mentioned[0] if mentioned else None)
            assert region.last_year == (mentioned[-1] if mentioned else None)
            for f in region.years:
                t = cells.get((region.region, f.year), Counter())
                assert (f.plans, f.total_plans, f.occurrences) == (t["plans"], t["total"], t["occurrences"])
            if mentioned:
                rates = {f.year: f.per_10k_chars for f in region.years if f.plans}
                assert region.peak_year == min(rates, key=lambda y: (-rates[y], y))
        firsts = [r.first_year for r in series.regions if r.first_year is not None]
        assert firsts == sorted(firsts)  # regions come in order of first mention
        assert [r.first_year for r in series.regions][len(firsts) :] == [None] * (
            len(series.regions) - len(firsts)
        )


def test_overlapping_occurrences_count_as_str_count_does(make_plan):
    plan = make_plan(title="标题", text="科技科技科技科", year=2020)
    result = trends(["科技科", "科技"], SearchParams())
    by_term = {s.term: s.years[0].occurrences for s in result.series}
    assert by_term == {"科技科": joined(plan).count("科技科"), "科技": 3}
    assert by_term["科技科"] == 2
    assert non_overlapping([0, 1, 2, 5], 3) == (0, 5)


def test_adoption_curve_counts_regions_by_first_mention(corpus):
    series = trends(["科技金融"], SearchParams()).series[0]
    _years, cells = truth("科技金融", SearchParams())
    first = {}
    for (region, year), t in sorted(cells.items(), key=lambda item: item[0][1]):
        if t["plans"]:
            first.setdefault(region, year)
    for year, count in series.adoption:
        assert count == sum(1 for y in first.values() if y <= year)


def oracle_lines(q: str, filters: SearchParams, width: int):
    """Every occurrence in newest-first plan order, then text order: (plan_id, start, match, left, right)."""
    strings = clean_terms(parse_query(q).terms)
    plans = [
        p for p in Plan.objects.select_related("region").prefetch_related("themes") if passes(p, filters)
    ]
    plans = [p for p in plans if matches(p, q)]
    plans.sort(key=lambda p: (p.published_on, p.pk), reverse=True)
    lines = []
    for plan in plans:
        original = f"{plan.title}\n{plan.text}"
        text = normalise(original)
        found = []
        for string in strings:
            start = text.find(string)
            while start >= 0:
                found.append((start, len(string)))
                start = text.find(string, start + len(string))
        for start, length in sorted(found):
            low, high = (
                (0, len(plan.title)) if start < len(plan.title) else (len(plan.title) + 1, len(original))
            )
            left = re.sub(r"\s+", " ", original[max(low, start - width) : start])
            right = re.sub(r"\s+", " ", original[start + length : min(high, start + length + width)])
            lines.append((plan.pk, start, original[start : start + length], left, right))
    return lines


@pytest.mark.parametrize("q", ["科技", "科技金融", "發展", "AI", "金融 孵化器", "科技 -孵化器"])
@pytest.mark.parametrize("filters", FILTERS[:3], ids=["none", "regions", "range"])
def test_kwic_lists_every_occurrence_with_its_context(corpus, q, filters):
    expected = oracle_lines(q, filters, 12)
    page_size = 7
    got = []
    first = kwic(q, filters, width=12, page_size=page_size)
    assert first.count == len(expected)
    for page in range(1, first.pages + 1):
        result = kwic(q, filters, width=12, page=page, page_size=page_size)
        got += [(line.plan_id, line.start, line.match, line.left, line.right) for line in result.lines]
    assert got == expected
    assert [(line.plan_id, line.start) for line in kwic_lines(q, filters, width=12)] == [
        e[:2] for e in expected
    ]
    # the same occurrences trends adds up
    total = sum(f.occurrences for f in trends([q], filters).series[0].years)
    undated = sum(1 for e in expected if not Plan.objects.get(pk=e[0]).year)
    assert first.count == total + undated


def test_kwic_sorts(corpus):
    lines = list(kwic_lines("科技", SearchParams(), sort="left", width=10))
    by_plan = {p.pk: p for p in Plan.objects.all()}

    def left_key(line):
        plan = by_plan[line.plan_id]
        original = f"{plan.title}\n{plan.text}"
        low = 0 if line.in_title else len(plan.title) + 1
        key = normalise(original[max(low, line.start - SORT_KEY_CHARS) : line.start])[::-1]
        return re.sub(r"\s+", " ", key).strip()

    keys = [left_key(line) for line in lines]
    assert keys == sorted(keys) and len(lines) == kwic("科技", SearchParams()).count
    right = list(kwic_lines("科技", SearchParams(), sort="right", width=10))
    assert sorted((x.plan_id, x.start) for x in right) == sorted((x.plan_id, x.start) for x in lines)
    oldest = list(kwic_lines("科技", SearchParams(), sort="date"))
    dates = [by_plan[line.plan_id].published_on for line in oldest]
    assert dates == sorted(dates)
    by_region = list(kwic_lines("科技", SearchParams(), sort="region", region_order={"北京": 0, "湖北": 1}))
    names = [by_plan[line.plan_id].region.name if by_plan[line.plan_id].region else "" for line in by_region]
    assert names[: names.count("北京")] == ["北京"] * names.count("北京")
    assert names[-1] == ""  # plans without a region last
    paged = kwic("科技", SearchParams(), sort="left", page=2, page_size=5)
    assert [(x.plan_id, x.start) for x in paged.lines] == [(x.plan_id, x.start) for x in lines[5:10]]


def test_kwic_sections_and_width(make_plan):
    plan = make_plan(
        title="科技工作要点",
        sections=[("一、总体要求", "推进科技金融。"), ("二、重点任务", "发展科技，" + "很" * 200 + "科技")],
    )
    lines = plan_occurrences(plan.pk, "科技", width=100)
    assert [(line.anchor, line.in_title) for line in lines] == [
        ("", True),
        ("s1", False),
        ("s2", False),
        ("s2", False),
    ]
    assert lines[0].right == "工作要点"  # the title's context stops at its end
    assert lines[1].left.startswith("一、总体要求")  # the body's context never reaches into the title
    assert len(lines[3].left) == 100 and lines[3].right.strip() == ""
    page = kwic("科技", SearchParams(), width=500)
    assert max(len(line.left) for line in page.lines) == 100  # width is capped
    assert plan_occurrences(plan.pk, "") == [] and plan_occurrences(999_999, "科技") == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_seed_plans_through_ingest_match_the_truth(search_index):
    from tests.searchui.sample_plans import create_sample_plans

    create_sample_plans(count=6)
    for term in ["科技成果转化", "创新", "科技金融"]:
        years, cells = truth(term, SearchParams())
        series = trends([term], SearchParams()).series[0]
        assert {f.year: (f.plans, f.occurrences) for f in series.years} == {
            y: (t["plans"], t["occurrences"]) for y, t in years.items()
        }
        assert kwic(term, SearchParams()).count == sum(
            joined(p).count(term) for p in Plan.objects.all() if term in joined(p)
        )


def test_figures_are_memoised_per_generation_and_a_new_plan_counts(make_plan):
    make_plan(title="标题", text="发展科技金融。科技金融", year=2020, region="湖北")
    first = trends(["科技金融"], SearchParams()).series[0]
    assert trends(["科技金融"], SearchParams()).series[0] is first  # the same generation: remembered
    assert kwic("科技金融", SearchParams()).count == 2
    make_plan(title="科技金融工作要点", text="科技金融，科技金融。", year=2020, region="江西")
    again = trends(["科技金融"], SearchParams()).series[0]
    assert again is not first  # the commit made a new generation, whose memo starts empty
    assert (again.years[0].plans, again.years[0].total_plans, again.years[0].occurrences) == (2, 2, 5)
    assert sorted((r.region, r.first_year) for r in again.regions) == [("江西", 2020), ("湖北", 2020)]
    assert kwic("科技金融", SearchParams()).count == 5
    added = Plan.objects.get(title="科技金融工作要点").pk
    lines = list(kwic_lines("科技金融", SearchParams(), sort="left"))
    assert len(lines) == 5 and [line.plan_id for line in lines].count(added) == 3


def test_positions_of_several_terms_at_once_equal_each_terms_own(corpus):
    from plans.search import clear_term_cache
    from plans.search.occurrences import prefetch_starts, string_starts
    from plans.search.snapshot import current_snapshot

    terms = ["科技", "發展", "ＡＩ", "科技科", "金融", "不存在的词", "科技"]
    with current_snapshot() as snapshot:
        together = snapshot.terms_positions(terms)
        assert set(together) == set(terms)
        for term in terms:
            assert together[term] == snapshot.term_positions(term), term
        one_by_one = {s: dict(string_starts(snapshot, s)) for s in terms}
        clear_term_cache()
        prefetch_starts(snapshot, terms)
        assert all(snapshot.remembers(("occurrences.starts", s)) for s in terms)
        assert {s: dict(string_starts(snapshot, s)) for s in terms} == one_by_one
    assert one_by_one["科技"] and one_by_one["發展"] and not one_by_one["不存在的词"]


def test_counts_without_positions_equal_str_count_at_the_byte_traps(make_plans):
    """Counted in the text file's bytes (Tantivy) or from positions (Whoosh), counts are str.count's on the
    normalised text: a term's UTF-16 bytes straddling two other characters (턀啓乜 holds 发展's four bytes at
    an odd offset), characters outside the BMP before a match, other forms of the term's characters (發展,
    ＡＩ), overlapping repeats and the title."""
    from plans.search import clear_term_cache
    from plans.search.occurrences import string_counts, string_starts
    from plans.search.snapshot import current_snapshot

    assert "发展".encode("utf-16-le") in "턀啓乜".encode("utf-16-le")
    plans = make_plans(
        [
            dict(title="发展规划", text="턀啓乜，𠀀𠀀发展发展。"),
            dict(title="标题", text="發展与发展、ＡＩ和ai，科技科技科技科"),
            dict(title="标题", text="턀啓乜𠀀"),
        ]
    )
    terms = ["发展", "展", "ai", "科技科", "𠀀发展", "啓"]
    truth = {
        term: {p.pk: joined(p).count(normalise(term)) for p in plans if normalise(term) in joined(p)}
        for term in terms
    }
    with current_snapshot() as snapshot:
        plan_of = snapshot.columns.plan_ids
        for term in terms:
            clear_term_cache()
            counted = {plan_of[d]: n for d, n in string_counts(snapshot, term).items()}
            assert counted == truth[term], term
            starts = {plan_of[d]: len(s) for d, s in string_starts(snapshot, term).items()}
            assert starts == truth[term], term
        clear_term_cache()
        together = snapshot.terms_counts(terms)
        assert {t: {plan_of[d]: n for d, n in c.items()} for t, c in together.items()} == truth
    assert truth["发展"] == {plans[0].pk: 3, plans[1].pk: 2}  # the straddling bytes are not an occurrence
