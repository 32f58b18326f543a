"""Policy themes of a plan and of each section, by keyword, weighed against the whole collection.

Keywords are counted leftmost-longest without overlaps, so "科技成果转化" counts once for itself and not again
for the shorter "成果转化" inside it.

The rule, in two steps (every assignment keeps its keyword counts and the figures it passed, as its explanation):

1. A **section** carries a theme when its heading names the theme (a keyword in the heading: the section is
   devoted to it), or when the theme's keywords fill its own text: at least SECTION_MIN_HITS occurrences, at
   least SECTION_MIN_DENSITY per 1,000 characters, and at least SECTION_MIN_WEIGHT times the density of the
   collection's average plan (so 就业 and 教育 in passing do not place a work report's every section in 社会民生).
2. A **plan**'s *share* of a theme is the part of its text (in characters) about the theme: the sentences that
   hold one of its keywords, and every section (with its subsections) whose heading names it. The plan gets the
   theme when the share is at least PLAN_MIN_SHARE, its keywords occur at least `min_hits` times, and the share
   is at least PLAN_MIN_WEIGHT times the share of the collection's average plan. The ratio is the
   assignment's *weight*. A theme that every plan treats alike (社会民生 in government work reports) thus marks
   only the plans that give it markedly more room; a single mention never carries a real share.

3. Among the themes a plan passes in step 2, it keeps those it says itself it is about: the themes one of its
   top-level section headings names (its *headed* themes). A plan whose top-level headings name none of them
   keeps those that lead it: a theme's *prominence* is its excess share (its share above the collection's
   average share) over the sum of the excess shares of every theme the plan mentions, and must be at least
   PLAN_MIN_PROMINENCE. A plan that gives many themes more room than the average plan (a science work plan in a
   collection of government work reports gives every science theme more) so keeps the few its outline or its
   text puts first, instead of all of them; a plan with one or two marked themes keeps them.

The collection's average share of a theme is sum(shares) / plans, and its average density sum(hits per 1,000
characters) / plans, taken over the stored evidence of every plan (plans.models.ThemeShare, one aggregate query:
no plan text is re-read; plans.services keeps every stored decision in line with the current averages). While the collection is small it is
smoothed towards PRIOR_SHARE as if PRIOR_PLANS plans of that share were there, so a first plan is judged by the
floor alone (PRIOR_SHARE * PLAN_MIN_WEIGHT == PLAN_MIN_SHARE) and the average takes over as plans arrive.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

SECTION_MIN_HITS = 2  # keyword occurrences in a section's own text ...
SECTION_MIN_DENSITY = 3.0  # ... at this many per 1,000 characters (short sections count as 1,000)
SECTION_MIN_WEIGHT = 1.5  # ... and this many times the collection's average plan's density
PLAN_MIN_SHARE = 0.02  # the least part of a plan's text about the theme
PLAN_MIN_WEIGHT = 1.5  # the plan's share over the collection's average share
PLAN_MIN_PROMINENCE = 0.1  # the theme's part of all the room the plan gives themes beyond the average plan
PRIOR_PLANS = 10  # pseudo-plans that smooth the average of a small collection ...
PRIOR_SHARE = PLAN_MIN_SHARE / PLAN_MIN_WEIGHT  # ... at this share each


@dataclass(frozen=True)
class ThemeSpec:
    """A theme as the matcher needs it (read from the Theme table, or written in a test)."""

    name: str
    keywords: tuple[str, ...]
    min_hits: int = 2


@dataclass(frozen=True)
class OutlineEntry:
    """One section as the matcher needs it: heading, own text (heading line included), parent's list index,
    and where it lies in the plan's text ([start, end), empty when unknown)."""

    heading: str
    text: str
    parent: int | None = None
    start: int = 0
    end: int = 0


@dataclass
class ThemeMatch:
    """Why a theme was assigned: {keyword: count}, a score (hits per 1,000 characters), the weight it carries
    (plan: share over the collection's average share; section: density over its threshold) and `basis`, the
    figures and thresholds of the rule it passed."""

    matched: dict[str, int] = field(default_factory=dict)
    score: float = 0.0
    weight: float = 0.0
    basis: dict[str, Any] = field(default_factory=dict)

    @property
    def hits(self) -> int:
        """Total keyword occurrences."""
        return sum(self.matched.values())


@dataclass(frozen=True)
class ThemeEvidence:
    """What one plan holds of one theme, whether assigned or not: stored per plan (ThemeShare) so that the
    collection's averages and a re-decision need no text. `headed`: a top-level section heading names it."""

    hits: int
    matched: dict[str, int]
    share: float
    score: float
    headed: bool = False


@dataclass(frozen=True)
class CollectionStats:
    """The collection's shares of each theme: how many plans, and the sum of their shares per theme."""

    plans: int = 0
    share_sums: Mapping[str, float] = field(default_factory=dict)
    density_sums: Mapping[str, float] = field(
        default_factory=dict
    )  # of each plan's hits per 1,000 characters

    def average_share(self, name: str) -> float:
        """The share of `name` in the collection's average plan, smoothed towards PRIOR_SHARE while small."""
        total = self.share_sums.get(name, 0.0) + PRIOR_PLANS * PRIOR_SHARE
        return total / (self.plans + PRIOR_PLANS)

    def average_density(self, name: str) -> float:
        """Keyword hits of `name` per 1,000 characters in the average plan (smoothed towards 0 while small)."""
        return self.density_sums.get(name, 0.0) / (self.plans + PRIOR_PLANS)

    def including(self, evidence: Mapping[str, ThemeEvidence]) -> CollectionStats:
        """These statistics with one more plan (the one being judged) counted in."""
        shares, densities = dict(self.share_sums), dict(self.density_sums)
        for name, item in evidence.items():
            shares[name] = shares.get(name, 0.0) + item.share
            densities[name] = densities.get(name, 0.0) + item.score
        return CollectionStats(self.plans + 1, shares, densities)


@lru_cache(maxsize=256)
def _pattern(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    cleaned = sorted({k.strip() for k in keywords if k.strip()}, key=len, reverse=True)
    return re.compile("|".join(re.escape(k) for k in cleaned)) if cleaned else None


def count_keywords(text: str, keywords: Iterable[str]) -> dict[str, int]:
    """Occurrences of each keyword in `text`, leftmost-longest, in order of first occurrence."""
    pattern = _pattern(tuple(keywords))
    counts: dict[str, int] = {}
    if pattern is None:
        return counts
    for match in pattern.finditer(text):
        counts[match.group()] = counts.get(match.group(), 0) + 1
    return counts


def _per_thousand(hits: int, length: int) -> float:
    """Hits per 1,000 characters; a text shorter than 1,000 characters counts as 1,000."""
    return round(hits * 1000 / max(length, 1000), 3)


def section_threshold(stats: CollectionStats | None, name: str) -> float:
    """The keyword density (hits per 1,000 characters) at which a section's text is filled with theme `name`."""
    average = stats.average_density(name) if stats else 0.0
    return round(max(SECTION_MIN_DENSITY, SECTION_MIN_WEIGHT * average), 3)


def section_match(
    heading: str, text: str, spec: ThemeSpec, stats: CollectionStats | None = None
) -> ThemeMatch | None:
    """The theme of one section (its own text, heading included) if the section carries it, else None; `stats`
    are the collection's (none: the SECTION_MIN_DENSITY floor alone)."""
    counts = count_keywords(text, spec.keywords)
    hits = sum(counts.values())
    named = bool(count_keywords(heading, spec.keywords))
    density = _per_thousand(hits, len(text))
    threshold = section_threshold(stats, spec.name)
    filled = hits >= SECTION_MIN_HITS and density >= threshold
    if not hits or not (named or filled):
        return None
    basis = {"heading": named, "density": density, "min_density": threshold, "min_hits": SECTION_MIN_HITS}
    return ThemeMatch(counts, density, round(density / threshold, 2), basis)


def density_decided(heading: str, text: str, specs: Sequence[ThemeSpec]) -> dict[str, float]:
    """The themes whose place in this section the collection's density threshold decides, with the section's
    density: enough hits, at least the SECTION_MIN_DENSITY floor, and a heading that does not name the theme."""
    found = {}
    for spec in specs:
        hits = sum(count_keywords(text, spec.keywords).values())
        density = _per_thousand(hits, len(text))
        if (
            hits >= SECTION_MIN_HITS
            and density >= SECTION_MIN_DENSITY
            and not count_keywords(heading, spec.keywords)
        ):
            found[spec.name] = density
    return found


def section_themes(
    heading: str, text: str, specs: Sequence[ThemeSpec], stats: CollectionStats | None = None
) -> dict[str, ThemeMatch]:
    """Themes of one section, best first."""
    found = {spec.name: match for spec in specs if (match := section_match(heading, text, spec, stats))}
    return dict(sorted(found.items(), key=lambda item: -item[1].score))


_SENTENCE_END = re.compile(r"[。！？；!?;\n]")


def _sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: the text between two of 。！？；!?; or a line break, the mark included."""
    spans, start = [], 0
    for mark in _SENTENCE_END.finditer(text):
        spans.append((start, mark.end()))
        start = mark.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _section_spans(outline: Sequence[OutlineEntry]) -> list[tuple[int, int]]:
    """Where each section lies in the plan's text, with its subsections (children follow their parent)."""
    spans = [(entry.start, entry.end) for entry in outline]
    for index in range(len(outline) - 1, -1, -1):
        parent = outline[index].parent
        if parent is not None:
            spans[parent] = (spans[parent][0], max(spans[parent][1], spans[index][1]))
    return spans


def plan_evidence(
    text: str, outline: Sequence[OutlineEntry], specs: Sequence[ThemeSpec]
) -> dict[str, ThemeEvidence]:
    """Each theme's keyword counts and share of this plan (themes it does not mention left out).

    The share is the part of the text (in characters) that is about the theme: the sentences holding one of its
    keywords, and whole sections (with their subsections) whose heading names it."""
    sentences = _sentences(text)
    starts = [start for start, _ in sentences]
    section_spans = _section_spans(outline)
    evidence = {}
    for spec in specs:
        pattern = _pattern(tuple(spec.keywords))
        matches = list(pattern.finditer(text)) if pattern else []
        if not matches:
            continue
        counts: dict[str, int] = {}
        marks = bytearray(len(text))
        for match in matches:
            counts[match.group()] = counts.get(match.group(), 0) + 1
            start, end = sentences[bisect_right(starts, match.start()) - 1]
            marks[start:end] = b"\x01" * (end - start)
        headed = False
        for entry, (start, end) in zip(outline, section_spans, strict=True):
            if end > start and count_keywords(entry.heading, spec.keywords):
                marks[start:end] = b"\x01" * (end - start)
                headed = headed or entry.parent is None
        share = round(marks.count(1) / max(len(text), 1), 4)
        hits = len(matches)
        evidence[spec.name] = ThemeEvidence(hits, counts, share, _per_thousand(hits, len(text)), headed)
    return evidence


def threshold_share(stats: CollectionStats, name: str) -> float:
    """The least share of a plan that gives it the theme `name` in this collection."""
    return max(PLAN_MIN_SHARE, PLAN_MIN_WEIGHT * stats.average_share(name))


def prominences(evidence: Mapping[str, ThemeEvidence], stats: CollectionStats) -> dict[str, float]:
    """Each mentioned theme's excess share (above the collection's average share, else 0) over the sum of the
    plan's excess shares (step 3 of the rule); all 0 when the plan gives no theme more room than average."""
    excess = {name: max(0.0, item.share - stats.average_share(name)) for name, item in evidence.items()}
    total = sum(excess.values())
    return {name: (value / total if total else 0.0) for name, value in excess.items()}


def decide(
    evidence: Mapping[str, ThemeEvidence], specs: Sequence[ThemeSpec], stats: CollectionStats
) -> dict[str, ThemeMatch]:
    """The themes a plan gets from its evidence, judged against `stats` (which count the plan in), best first."""
    found = {}
    leading = prominences(evidence, stats)
    passing = {
        spec.name
        for spec in specs
        if (item := evidence.get(spec.name)) is not None
        and item.hits >= spec.min_hits
        and item.share >= threshold_share(stats, spec.name)
    }
    headed = {name for name in passing if evidence[name].headed}
    for spec in specs:
        item = evidence.get(spec.name)
        if item is None:
            continue
        average = stats.average_share(spec.name)
        kept = spec.name in headed if headed else leading[spec.name] >= PLAN_MIN_PROMINENCE
        if spec.name in passing and kept:
            weight = round(item.share / average, 2)
            basis = {
                "share": item.share,
                "average_share": round(average, 4),
                "plans": stats.plans,
                "min_share": PLAN_MIN_SHARE,
                "min_weight": PLAN_MIN_WEIGHT,
                "min_hits": spec.min_hits,
                "headed": item.headed,
                "prominence": round(leading[spec.name], 3),
                "min_prominence": None if headed else PLAN_MIN_PROMINENCE,
            }
            found[spec.name] = ThemeMatch(dict(item.matched), item.score, weight, basis)
    return dict(sorted(found.items(), key=lambda item: (-item[1].weight, -item[1].score)))


def plan_themes(
    text: str,
    specs: Sequence[ThemeSpec],
    outline: Sequence[OutlineEntry] = (),
    stats: CollectionStats | None = None,
) -> dict[str, ThemeMatch]:
    """Themes of a whole plan, best first, judged against `stats` (the rest of the collection; none: the
    plan alone, that is the PLAN_MIN_SHARE floor)."""
    evidence = plan_evidence(text, outline, specs)
    return decide(evidence, specs, (stats or CollectionStats()).including(evidence))


def decision_margin(
    evidence: Mapping[str, ThemeEvidence], specs: Sequence[ThemeSpec], stats: CollectionStats
) -> float:
    """How far every theme's average share may move (at most, each) before decide() could give this plan other
    themes: the least distance of any comparison decide() makes to changing sign, in units of that movement.

    A threshold comparison (share >= max(PLAN_MIN_SHARE, PLAN_MIN_WEIGHT * average)) flips exactly when the
    average crosses share / PLAN_MIN_WEIGHT, and never when the share is below the PLAN_MIN_SHARE floor; a prominence comparison (excess >= PLAN_MIN_PROMINENCE * the sum of the k mentioned
    themes' excesses, each max(0, share - average): 1-Lipschitz) by at most δ * (1 + PLAN_MIN_PROMINENCE * k).
    Prominence matters only for the passing themes of a plan whose top-level headings name none of them (headed
    ones decide otherwise, and a flip of passing is a threshold comparison). inf: no comparison can change."""
    margin = float("inf")
    passing = []
    for spec in specs:
        item = evidence.get(spec.name)
        if item is None or item.hits < spec.min_hits:
            continue  # never passes, whatever the averages
        if item.share >= PLAN_MIN_SHARE:  # below the floor it fails at any average
            margin = min(margin, abs(item.share / PLAN_MIN_WEIGHT - stats.average_share(spec.name)))
        if item.share >= threshold_share(stats, spec.name):
            passing.append(spec.name)
    if passing and not any(evidence[name].headed for name in passing):
        excess = {name: max(0.0, item.share - stats.average_share(name)) for name, item in evidence.items()}
        total = sum(excess.values())
        lipschitz = 1 + PLAN_MIN_PROMINENCE * len(excess)
        for name in passing:
            margin = min(margin, abs(excess[name] - PLAN_MIN_PROMINENCE * total) / lipschitz)
    return margin
