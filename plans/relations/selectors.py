"""Read-only queries for the relation pages: diffs, the previous year's plan, citations, reused passages."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, Min, OuterRef, Q, Window
from django.db.models.functions import DenseRank

from plans.models import Citation, CitedDocument, Passage, PassageGroup, Plan, Region
from plans.relations import reuse
from plans.relations.diff import PlanDiff, diff_texts

OCCURRENCES_SHOWN = 3  # other plans named beside a reused passage on a plan page
CITING_PLANS_SHOWN = 10  # citing plans listed under a document on /cited/

# ------------------------------------------------------------------------------------------------- diffs


def diff_plans(a: Plan, b: Plan) -> PlanDiff:
    """The diff of two plans (sections aligned by heading, sentences, characters inside replacements)."""
    return diff_texts(a.text, list(a.sections.all()), b.text, list(b.sections.all()))


_KIND_WORDS = (
    ("科技", ("科技", "科学技术", "科委")),
    ("政府", ("人民政府", "政府")),
    ("发改", ("发展和改革", "发改")),
)


def issuer_kind(issuer: str, title: str = "") -> str:
    """The kind of body that issued a plan (科技 / 政府 / 发改 / the issuer itself): what makes two years of one
    region comparable. Without an issuer, the title's kind of document (政府工作报告, 科技工作要点 …)."""
    for kind, words in _KIND_WORDS:
        if any(word in issuer for word in words):
            return kind
    if issuer:
        return issuer
    return re.sub(r"[\d\s年省市区县全]+|^[\u4e00-\u9fff]{2,3}(?:省|市|自治区)", "", title)


def previous_year_plan(plan: Plan) -> Plan | None:
    """The latest plan before `plan`'s year of the same region, level, city and kind of issuer."""
    if plan.year is None or plan.region_id is None:
        return None
    kind = issuer_kind(plan.issuer, plan.title)
    candidates = (
        Plan.objects.filter(region_id=plan.region_id, level=plan.level, city=plan.city, year__lt=plan.year)
        .order_by("-year", F("published_on").desc(nulls_last=True), "-pk")
        .only("pk", "title", "issuer", "year")
    )
    for candidate in candidates[:50]:
        if issuer_kind(candidate.issuer, candidate.title) == kind:
            return candidate
    return None


# --------------------------------------------------------------------------------------------- citations


@dataclass(frozen=True)
class Cite:
    title: str
    doc_number: str
    plan_id: int | None
    document_id: int


def cites(plan: Plan) -> list[Cite]:
    """The documents a plan names, in the order it first names them."""
    rows = Citation.objects.filter(plan=plan).select_related("document").order_by("offset")
    return [
        Cite(row.document.title or row.title, row.document.doc_number, row.document.plan_id, row.document_id)
        for row in rows
    ]


@dataclass(frozen=True)
class CitingPlan:
    plan_id: int
    title: str
    region: str | None
    year: int | None


def cited_by(plan: Plan) -> list[CitingPlan]:
    """The plans that name this plan (by its number or its title), oldest first."""
    rows = (
        Citation.objects.filter(document__plan=plan)
        .exclude(plan=plan)
        .values_list("plan_id", "plan__title", "plan__region__name", "plan__year")
        .order_by(F("plan__year").asc(nulls_last=True), "plan__title", "plan_id")
        .distinct()
    )
    return [CitingPlan(*row) for row in rows]


@dataclass
class RankedDocument:
    document: CitedDocument
    count: int  # citing plans
    by_region: list[tuple[str, int]] = field(default_factory=list)
    by_year: list[tuple[int, int]] = field(default_factory=list)
    citing: list[CitingPlan] = field(default_factory=list)


def most_cited(offset: int, limit: int) -> tuple[int, list[RankedDocument]]:
    """(number of cited documents, one page of them) ranked by citing plans, with counts by region and year."""
    ranked = CitedDocument.objects.annotate(count=Count("citations__plan", distinct=True)).select_related(
        "plan"
    )
    total = ranked.count()
    page = list(ranked.order_by("-count", "title", "pk")[offset : offset + limit])
    return total, _with_breakdown(page)


def cited_document(document_id: int) -> RankedDocument | None:
    """One cited document with every plan that cites it."""
    document = CitedDocument.objects.select_related("plan").filter(pk=document_id).first()
    if document is None:
        return None
    document.count = Citation.objects.filter(document=document).values("plan").distinct().count()
    return _with_breakdown([document], citing_limit=None)[0]


def _with_breakdown(documents: Sequence[CitedDocument], citing_limit: int | None = CITING_PLANS_SHOWN):
    ids = [d.pk for d in documents]
    regions: dict[int, list] = defaultdict(list)
    years: dict[int, list] = defaultdict(list)
    citing: dict[int, list] = defaultdict(list)
    rows = Citation.objects.filter(document_id__in=ids)
    for doc, region, n in (
        rows.values_list("document_id", "plan__region__name")
        .annotate(n=Count("plan", distinct=True))
        .order_by()
    ):
        regions[doc].append((region or "—", n))
    for doc, year, n in (
        rows.values_list("document_id", "plan__year").annotate(n=Count("plan", distinct=True)).order_by()
    ):
        years[doc].append((year, n))
    for doc, *plan in rows.values_list(
        "document_id", "plan_id", "plan__title", "plan__region__name", "plan__year"
    ).order_by(F("plan__year").asc(nulls_last=True), "plan_id"):
        if citing_limit is None or len(citing[doc]) < citing_limit:
            citing[doc].append(CitingPlan(*plan))
    return [
        RankedDocument(
            document=d,
            count=d.count,
            by_region=sorted(regions[d.pk], key=lambda rn: (-rn[1], rn[0])),
            by_year=sorted(((y, n) for y, n in years[d.pk] if y is not None), key=lambda yn: yn[0]),
            citing=citing[d.pk],
        )
        for d in documents
    ]


# -------------------------------------------------------------------------------------------------- reuse


def boilerplate_threshold() -> int:
    """Regions a passage must reach to be boilerplate in the collection as it is now."""
    # One probe of the plans' region index per region, not a scan of the plans.
    regions = Region.objects.filter(Exists(Plan.objects.filter(region=OuterRef("pk")))).count()
    return reuse.boilerplate_min_regions(regions)


@dataclass(frozen=True)
class Occurrence:
    plan_id: int
    title: str
    region: str | None
    year: int | None
    text: str = ""


@dataclass
class ReusedPassage:
    text: str
    start: int
    end: int
    regions: int  # regions whose plans contain it
    others: list[Occurrence] = field(default_factory=list)  # earliest first, other regions only
    more: int = 0  # further plans of other regions not listed
    plans: int = 0  # plans whose text contains it, of any region


@dataclass
class PlanReuse:
    reused: list[ReusedPassage]
    boilerplate: list[ReusedPassage]
    threshold: int

    def by_text(self) -> dict[str, ReusedPassage]:
        return {p.text: p for p in self.reused}


def _add_occurrences(plan: Plan, wanted: dict[int, ReusedPassage], kept: dict[int, list | None]) -> None:
    """For each group, the earliest OCCURRENCES_SHOWN plans of other regions and how many more there are.

    The plans come from the group's kept list of its oldest plans (PassageGroup.earliest); only a group whose
    list is not worked out, or is cut short before it names enough plans of other regions, has its members
    ranked here (_rank_members). How many more: the group's plans less those of this plan's region or of
    none, one probe of the (group, region, plan) index."""
    shown: dict[int, list[int]] = {}
    unranked: dict[int, ReusedPassage] = {}
    for group, oldest in kept.items():
        others = [item[0] for item in oldest or () if item[1] != plan.region_id][:OCCURRENCES_SHOWN]
        if oldest is None or (len(others) < OCCURRENCES_SHOWN and len(oldest) >= reuse.EARLIEST_KEPT):
            unranked[group] = wanted[group]
        else:
            shown[group] = others
    if unranked:
        _rank_members(plan, unranked)
    if not shown:
        return
    mine = Q(region=None) if plan.region_id is None else Q(region=None) | Q(region_id=plan.region_id)
    not_others = dict(
        Passage.objects.filter(mine, group_id__in=list(shown))
        .values("group_id")
        .annotate(n=Count("plan_id", distinct=True))
        .values_list("group_id", "n")
        .order_by()
    )
    ids = {pk for plans in shown.values() for pk in plans}
    about = {
        pk: Occurrence(pk, title, region, year)
        for pk, title, region, year in Plan.objects.filter(pk__in=ids)
        .values_list("pk", "title", "region__name", "year")
        .order_by()
    }
    for group, plans in shown.items():
        passage = wanted[group]
        passage.others = [about[pk] for pk in plans if pk in about]
        passage.more = max(0, passage.plans - not_others.get(group, 0) - len(passage.others))


def _rank_members(plan: Plan, wanted: dict[int, ReusedPassage]) -> None:
    """_add_occurrences for groups without a usable kept list: one query over the (group, region, plan)
    index ranks the members of other regions by date with DENSE_RANK (plan id last, so a plan with two
    passages in a group counts once), and again the other way, so that on any row rank + reverse rank - 1
    is the number of plans in the group. Only the shown plans come back to Python."""
    members = Passage.objects.filter(group_id__in=list(wanted)).exclude(region=None)
    if plan.region_id is not None:
        members = members.exclude(region_id=plan.region_id)
    fields = ("plan__year", "plan__published_on", "plan_id")
    ranked = (
        members.annotate(
            rank=Window(
                DenseRank(),
                partition_by=[F("group_id")],
                order_by=[F(f).asc(nulls_last=True) for f in fields],
            ),
            reverse=Window(
                DenseRank(),
                partition_by=[F("group_id")],
                order_by=[F(f).desc(nulls_first=True) for f in fields],
            ),
        )
        .filter(rank__lte=OCCURRENCES_SHOWN)
        .values_list(
            "group_id", "rank", "reverse", "plan_id", "plan__title", "plan__region__name", "plan__year"
        )
    )
    seen: set[tuple[int, int]] = set()
    for group, rank, reverse, plan_id, title, region, year in sorted(ranked.order_by(), key=lambda r: r[:2]):
        passage = wanted[group]
        if (group, plan_id) not in seen:
            seen.add((group, plan_id))
            passage.others.append(Occurrence(plan_id, title, region, year))
        passage.more = rank + reverse - 1 - len(passage.others)


def plan_reuse(plan: Plan, threshold: int | None = None) -> PlanReuse:
    """The plan's passages also found in plans of other regions (earliest first), and its boilerplate."""
    threshold = boilerplate_threshold() if threshold is None else threshold
    mine = list(
        Passage.objects.filter(plan=plan, group__region_count__gte=2)
        .values_list(
            "group_id", "start", "end", "group__region_count", "group__plan_count", "group__earliest"
        )
        .order_by("start")
    )
    reused, boilerplate, wanted, kept = [], [], {}, {}
    for group, start, end, regions, plans, oldest in mine:
        passage = ReusedPassage(plan.text[start:end], start, end, regions, plans=plans)
        if regions >= threshold:
            boilerplate.append(passage)
        elif group not in wanted:  # a sentence repeated inside the plan is marked once
            wanted[group] = passage
            kept[group] = oldest
            reused.append(passage)
    if wanted:
        _add_occurrences(plan, wanted, kept)
        reused = [p for p in reused if p.others]
    return PlanReuse(reused, boilerplate, threshold)


@dataclass
class SharedPassage:
    text: str
    regions: int
    occurrences: list[Occurrence]  # in the chosen regions, oldest first

    @property
    def first(self) -> Occurrence:
        return self.occurrences[0]


@dataclass
class SharedPage:
    total: int
    passages: list[SharedPassage]
    boilerplate_total: int
    boilerplate: list[SharedPassage]


def _shared_groups(region_ids: Sequence[int]):
    """Groups with a passage in each of the regions (all regions' plans but these when only one is given)."""
    members = Passage.objects.filter(plan__region_id__in=region_ids)
    groups = members.values("group_id").annotate(
        n=Count("plan__region", distinct=True), first=Min("plan__year")
    )
    groups = groups.filter(n=len(region_ids)).filter(group__region_count__gte=2)
    return groups.values_list("group_id", "first", "group__region_count")


def shared_passages(
    regions: Sequence[Region], offset: int, limit: int, boilerplate_limit: int = 20
) -> SharedPage:
    """Passages found in plans of every one of `regions` (with one region: of it and any other), oldest
    first; boilerplate (found in most regions) counted and listed apart."""
    threshold = boilerplate_threshold()
    region_ids = [r.pk for r in regions]
    rows = list(_shared_groups(region_ids))
    rows.sort(key=lambda row: (row[1] if row[1] is not None else 9999, row[0]))
    reused = [row for row in rows if row[2] < threshold]
    common = [row for row in rows if row[2] >= threshold]
    page = reused[offset : offset + limit]
    shown_common = common[:boilerplate_limit]
    occurrences = _occurrences(
        [row[0] for row in page + shown_common], region_ids if len(region_ids) > 1 else None
    )
    counts = {row[0]: row[2] for row in rows}

    def build(selected):
        return [
            SharedPassage(occurrences[g][0].text, counts[g], occurrences[g])
            for g, *_ in selected
            if occurrences.get(g)
        ]

    return SharedPage(len(reused), build(page), len(common), build(shown_common))


def _occurrences(group_ids: Sequence[int], region_ids: Sequence[int] | None) -> dict[int, list[Occurrence]]:
    rows = Passage.objects.filter(group_id__in=list(group_ids)).exclude(plan__region=None)
    if region_ids is not None:
        rows = rows.filter(plan__region_id__in=region_ids)
    found: dict[int, list[Occurrence]] = defaultdict(list)
    seen: set[tuple[int, int]] = set()
    values = rows.values_list(
        "group_id", "plan_id", "plan__title", "plan__region__name", "plan__year", "start", "end"
    )
    values = list(
        values.order_by(
            F("plan__year").asc(nulls_last=True), F("plan__published_on").asc(nulls_last=True), "plan_id"
        )
    )
    plan_ids = {row[1] for row in values}
    texts = _plan_slices(plan_ids, [(row[1], row[5], row[6]) for row in values])
    for group, plan_id, title, region, year, start, end in values:
        if (group, plan_id) in seen:
            continue
        seen.add((group, plan_id))
        found[group].append(Occurrence(plan_id, title, region, year, texts[(plan_id, start, end)]))
    return found


def _plan_slices(plan_ids, spans) -> dict[tuple[int, int, int], str]:
    """The text of each (plan, start, end) span, reading each plan's text once."""
    wanted: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for plan_id, start, end in spans:
        wanted[plan_id].append((start, end))
    found = {}
    ids = sorted(plan_ids)
    for chunk_start in range(0, len(ids), 200):
        for pk, text in Plan.objects.filter(pk__in=ids[chunk_start : chunk_start + 200]).values_list(
            "pk", "text"
        ):
            for start, end in wanted[pk]:
                found[(pk, start, end)] = text[start:end]
    return found


def group_count() -> int:
    return PassageGroup.objects.count()


def regions_with_plans() -> list[Region]:
    """Regions that have plans, in the national order (the /reuse/ form)."""
    return list(Region.objects.filter(Q(plans__isnull=False)).distinct().order_by("order", "name"))
