"""Read-only queries for the researcher-facing pages. No writes here (those live in services)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, QuerySet

from plans import services
from plans.ingest.themes import CollectionStats, threshold_share
from plans.models import Level, Plan, PlanTheme, Region, Section, SectionTheme, Theme, ThemeShare

LISTING_DEFERRED = ("text", "extraction", "review_notes")


def _with_region_and_themes(plans: QuerySet[Plan]) -> QuerySet[Plan]:
    """Region, themes (taxonomy order) and plan_themes (best score first, with the matched keywords)."""
    plan_themes = PlanTheme.objects.select_related("theme").order_by("-weight", "-score", "theme__order")
    return plans.select_related("region").prefetch_related(
        "themes", Prefetch("plan_themes", queryset=plan_themes)
    )


def plans_for_listing() -> QuerySet[Plan]:
    """Plans with what a list item shows (region, themes) in a fixed number of queries, without the text."""
    return _with_region_and_themes(Plan.objects.defer(*LISTING_DEFERRED))


def latest_plans(limit: int = 10) -> list[Plan]:
    """The most recently issued plans (by date, then year, then when they were added)."""
    return list(
        plans_for_listing().order_by(
            F("published_on").desc(nulls_last=True), F("year").desc(nulls_last=True), "-created_at", "-pk"
        )[:limit]
    )


def region_aliases() -> dict[str, str]:
    """Every accepted spelling of a region (简称 and 全称) mapped to its short name."""
    aliases: dict[str, str] = {}
    for name, full_name in Region.objects.values_list("name", "full_name"):
        aliases[name] = name
        aliases.setdefault(full_name, name)
    return aliases


def region_order() -> dict[str, int]:
    """Region short name -> its place in the national statistical order (for listing regions)."""
    return dict(Region.objects.values_list("name", "order"))


def theme_aliases() -> dict[str, str]:
    """Every accepted spelling of a theme (name and slug) mapped to its name."""
    aliases: dict[str, str] = {}
    for name, slug in Theme.objects.values_list("name", "slug"):
        aliases[name] = name
        aliases.setdefault(slug, name)
    return aliases


def level_aliases() -> dict[str, str]:
    """Level values (national/provincial/municipal) and their Chinese labels mapped to the value."""
    aliases = {value: value for value in Level.values}
    for value, label in Level.choices:
        aliases.setdefault(str(label), value)
    return aliases


@dataclass
class FacetCount:
    value: str
    label: str
    count: int


@dataclass
class Overview:
    """Counts of all plans by facet, for the home page."""

    total: int
    regions: list[FacetCount] = field(default_factory=list)
    years: list[FacetCount] = field(default_factory=list)
    themes: list[FacetCount] = field(default_factory=list)
    levels: list[FacetCount] = field(default_factory=list)


def facet_overview() -> Overview:
    """Plan counts per region, year, theme and level over the whole collection (values with no plan left out)."""
    plans = Plan.objects.all()
    regions = (
        Region.objects.annotate(n=Count("plans"))
        .filter(n__gt=0)
        .order_by("-n", "order")
        .values_list("name", "n")
    )
    years = (
        plans.exclude(year=None)
        .values_list("year")
        .annotate(n=Count("pk"))
        .order_by("-year")
        .values_list("year", "n")
    )
    themes = (
        Theme.objects.annotate(n=Count("plan_themes"))
        .filter(n__gt=0)
        .order_by("-n", "order")
        .values_list("name", "n")
    )
    level_counts = dict(
        plans.exclude(level="").values_list("level").annotate(n=Count("pk")).values_list("level", "n")
    )
    return Overview(
        total=plans.count(),
        regions=[FacetCount(name, name, n) for name, n in regions],
        years=[FacetCount(str(year), str(year), n) for year, n in years],
        themes=[FacetCount(name, name, n) for name, n in themes],
        levels=[
            FacetCount(value, str(label), level_counts[value])
            for value, label in Level.choices
            if value in level_counts
        ],
    )


@dataclass
class ThemeEntry:
    theme: Theme
    plan_count: int
    section_count: int
    examples: list[Plan]
    url: str = ""  # filled in by the view: the results for this theme
    rule: ThemeWeight | None = None  # filled in by the view: the average share and the share a plan needs
    example_weights: list[float] = field(default_factory=list)

    @property
    def examples_with_weights(self) -> list[tuple[Plan, float]]:
        """Each example plan with the weight it carries the theme by."""
        return list(zip(self.examples, self.example_weights, strict=False))

    average_percent: float | None = None  # the rule's figures as the page prints them (filled in by the view)
    threshold_percent: float | None = None


@dataclass
class ThemeGroup:
    value: str
    label: str
    themes: list[ThemeEntry]


def themes_overview(examples: int = 3) -> list[ThemeGroup]:
    """The taxonomy by group, each theme with its plan and section counts and its best-scoring plans."""
    # Two grouped counts, not one query with two Count()s: joining both relations multiplies their rows.
    plan_counts = dict(
        PlanTheme.objects.values_list("theme").annotate(n=Count("pk")).values_list("theme", "n")
    )
    section_counts = dict(
        SectionTheme.objects.values_list("theme").annotate(n=Count("pk")).values_list("theme", "n")
    )
    groups: dict[str, ThemeGroup] = {
        value: ThemeGroup(value, str(label), []) for value, label in Theme.Group.choices
    }
    for theme in Theme.objects.order_by("order", "name"):
        best_rows = list(
            PlanTheme.objects.filter(theme=theme)
            .select_related("plan__region")
            .defer(*(f"plan__{name}" for name in LISTING_DEFERRED))
            .order_by("-weight", "-score", F("plan__year").desc(nulls_last=True), "plan__pk")[:examples]
        )
        entry = ThemeEntry(
            theme,
            plan_counts.get(theme.pk, 0),
            section_counts.get(theme.pk, 0),
            [pt.plan for pt in best_rows],
            example_weights=[pt.weight for pt in best_rows],
        )
        groups.setdefault(theme.group, ThemeGroup(theme.group, theme.group, [])).themes.append(entry)
    return [group for group in groups.values() if group.themes]


@dataclass(frozen=True)
class ThemeWeight:
    """Why a plan has (or lacks) a theme today: its share, the collection's average share, their ratio."""

    share: float
    average_share: float
    threshold: float

    @property
    def weight(self) -> float:
        """How many times the average plan's share this plan gives the theme."""
        return round(self.share / self.average_share, 2) if self.average_share else 0.0


def theme_weights(plan: Plan, stats: CollectionStats | None = None) -> dict[str, ThemeWeight]:
    """The plan's share of every theme it mentions, against the collection's current averages."""
    stats = services.theme_stats() if stats is None else stats
    return {
        name: ThemeWeight(share, stats.average_share(name), threshold_share(stats, name))
        for name, share in ThemeShare.objects.filter(plan=plan).values_list("theme__name", "share")
    }


def theme_thresholds(stats: CollectionStats | None = None) -> dict[str, ThemeWeight]:
    """Each theme's average share in the collection and the share a plan needs to get it."""
    stats = services.theme_stats() if stats is None else stats
    return {
        name: ThemeWeight(0.0, stats.average_share(name), threshold_share(stats, name))
        for name in Theme.objects.values_list("name", flat=True)
    }


def plan_for_page(plan_id: int) -> Plan | None:
    """One plan with its region, themes (and the keywords that placed them) and its sections with theirs."""
    section_themes = SectionTheme.objects.select_related("theme").order_by("-score", "theme__order")
    sections = Section.objects.order_by("order").prefetch_related(
        Prefetch("section_themes", queryset=section_themes)
    )
    return (
        _with_region_and_themes(Plan.objects.all())
        .prefetch_related(Prefetch("sections", queryset=sections))
        .filter(pk=plan_id)
        .first()
    )
