"""Plain data passed across the search API boundary, independent of the engine behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from plans.search.limits import DEFAULT_PAGE_SIZE, DEFAULT_SORT
from plans.search.registry import FACET_NAMES

if TYPE_CHECKING:
    from plans.models import Plan

SortOrder = Literal["relevance", "-date", "date"]
FACET_FIELDS = FACET_NAMES  # the facets, in their order (registry.FACETS)


@dataclass(frozen=True)
class SearchParams:
    """A validated search request. Values of one facet are OR-ed; different facets are AND-ed."""

    q: str = ""
    regions: tuple[str, ...] = ()  # Region.name, e.g. "湖北"
    years: tuple[int, ...] = ()
    themes: tuple[str, ...] = ()  # Theme.name, e.g. "科技金融"
    levels: tuple[str, ...] = ()  # Level values: national / provincial / municipal
    year_from: int | None = None
    year_to: int | None = None
    sort: SortOrder = DEFAULT_SORT
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    with_facets: bool = True
    with_snippets: bool = True


@dataclass(frozen=True)
class Where:
    """The facet selections that narrow a result set, as an engine applies them: for each facet column
    (registry.FACETS) with a selection, the values one of which a plan must have; and the inclusive year range
    (a plan of unknown year, 0, is outside every range). Hashable: it keys memo entries."""

    values: tuple[tuple[str, frozenset], ...] = ()  # (snapshot column, selected values), registry order
    years: tuple[int, int] | None = None


@dataclass
class SectionHit:
    """A section of a hit that matched the query, for a link to /plans/<id>/#<anchor>."""

    heading: str
    anchor: str
    snippet: str = ""  # escaped HTML with <mark>


@dataclass
class Hit:
    """One plan in a result page; `plan` is loaded from the database with region and themes."""

    plan_id: int
    score: float
    plan: Plan | None = None
    snippet: str = ""  # escaped HTML, about 120 characters, every query term in <mark>
    sections: list[SectionHit] = field(default_factory=list)


@dataclass
class FacetValue:
    """One value of a facet with its count over the current result set."""

    value: str
    count: int
    label: str = ""


@dataclass
class SearchResult:
    """A page of hits plus facet counts over the whole result set."""

    query: str  # the query as the engine ran it (after simplification)
    count: int
    page: int
    pages: int
    page_size: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    terms: list[str] = field(default_factory=list)  # normalised terms, for highlighting elsewhere
    notices: list[str] = field(default_factory=list)  # e.g. "查询已简化：…"
    took_ms: float = 0.0
    reading: str = ""  # how the query was understood: "按以下方式理解：…" (empty without a query)


@dataclass
class ParsedQuery:
    """A user's query string, made safe: an expression tree over exact (normalised) substrings.

    `tree` decides the result set (grammar.py: And / Or / Not / Term / Near; None for an empty query).
    `terms` are the normalised positive terms (phrases included; for highlighting and ranking), `phrases`
    the quoted ones, `excluded` the terms under a NOT; `notices` say, in the active language, how the query
    was repaired.
    """

    terms: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    tree: object = None

    @property
    def text(self) -> str:
        """The query as the engine runs it, in the query syntax (it parses back to the same tree)."""
        from plans.search.grammar import to_text

        return to_text(self.tree)

    @property
    def reading(self) -> str:
        """How the query was understood, for people, in the active language ("按以下方式理解：…")."""
        from plans.search.grammar import describe

        return describe(self.tree)

    @property
    def is_empty(self) -> bool:
        return self.tree is None


@dataclass
class IndexReport:
    """What check_index found: plans missing from the index, stale in it, or indexed but gone from the DB."""

    plans_in_db: int = 0
    docs_in_index: int = 0
    missing: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    orphans: list[int] = field(default_factory=list)
    rebuilt: bool = False  # the index was unreadable and was rebuilt from the database
    fixed: bool = False
    error: str = ""
    engine: str = ""  # which engine answers (SEARCH_URL): whoosh or tantivy

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.orphans or self.error)
