"""Policy themes of a plan and of each section, by keyword, with the matched keywords kept as the explanation.

Keywords are counted leftmost-longest without overlaps, so "科技成果转化" counts once for itself and not again
for the shorter "成果转化" inside it. A plan gets a theme when its keywords occur at least `min_hits` times and
at least PLAN_MIN_DENSITY times per 1,000 characters (a long work report mentions 教育 in passing without being
about it); a section when they occur at least min(2, min_hits) times, or once in its heading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

PLAN_MIN_DENSITY = 0.5  # keyword hits per 1,000 characters


@dataclass(frozen=True)
class ThemeSpec:
    """A theme as the matcher needs it (read from the Theme table, or written in a test)."""

    name: str
    keywords: tuple[str, ...]
    min_hits: int = 2


@dataclass
class ThemeMatch:
    """Why a theme was assigned: {keyword: count}, and a score (hits per 1,000 characters)."""

    matched: dict[str, int] = field(default_factory=dict)
    score: float = 0.0

    @property
    def hits(self) -> int:
        """Total keyword occurrences."""
        return sum(self.matched.values())


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


def _score(hits: int, length: int) -> float:
    return round(hits * 1000 / max(length, 1000), 3)


def plan_themes(text: str, specs: Sequence[ThemeSpec]) -> dict[str, ThemeMatch]:
    """Themes of a whole plan, best first."""
    found = {}
    for spec in specs:
        counts = count_keywords(text, spec.keywords)
        hits = sum(counts.values())
        if hits and hits >= max(spec.min_hits, PLAN_MIN_DENSITY * len(text) / 1000):
            found[spec.name] = ThemeMatch(counts, _score(hits, len(text)))
    return dict(sorted(found.items(), key=lambda item: -item[1].score))


def section_themes(heading: str, text: str, specs: Sequence[ThemeSpec]) -> dict[str, ThemeMatch]:
    """Themes of one section (its own text, heading included), best first."""
    found = {}
    for spec in specs:
        counts = count_keywords(text, spec.keywords)
        hits = sum(counts.values())
        in_heading = bool(count_keywords(heading, spec.keywords))
        if hits and (hits >= min(2, spec.min_hits) or in_heading):
            found[spec.name] = ThemeMatch(counts, _score(hits, len(text)))
    return dict(sorted(found.items(), key=lambda item: -item[1].score))
