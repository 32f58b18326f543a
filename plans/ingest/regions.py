"""Which province-level region a text belongs to: names, normalisation, and inference from place names."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from plans.ingest.errors import IngestError
from plans.ingest.gazetteer import PROVINCE_NAMES, find_places

NATIONAL = "全国"
FULL_NAMES = {short: spellings[0] for short, spellings in PROVINCE_NAMES.items()}
SPELLING_TO_REGION = {
    spelling: short for short, spellings in PROVINCE_NAMES.items() for spelling in spellings
}
REGION_IN_NAME = re.compile(
    "|".join(sorted((re.escape(s) for s in [*SPELLING_TO_REGION, "国务院", "全国"]), key=len, reverse=True))
)


def normalise_region(value: str) -> str:
    """Normalise a region a person typed: 湖北省 / 湖北 -> 湖北, 国务院 / 国家 -> 全国; IngestError otherwise."""
    value = value.strip()
    if value in ("全国", "国家", "国务院", "中央"):
        return NATIONAL
    region = SPELLING_TO_REGION.get(value)
    if region is None:
        raise IngestError(f"未知的地区“{value}”：请用省级行政区的名称，如 湖北 或 湖北省，或 全国")
    return region


def full_region_name(region: str) -> str:
    """The full name of a region: 湖北 -> 湖北省 (全国 stays 全国)."""
    return FULL_NAMES.get(region, region)


def regions_named(text: str) -> list[str]:
    """Every province-level region a short text names outright, in order ("国务院" and "全国" count as 全国)."""
    return [
        NATIONAL if m.group() in ("国务院", "全国") else SPELLING_TO_REGION[m.group()]
        for m in REGION_IN_NAME.finditer(text)
    ]


@dataclass
class RegionGuess:
    """The region a text's place names point to, how sure that is, and what it rests on."""

    region: str = ""
    confidence: float = 0.0  # the region's share of all weighted mentions
    mentions: int = 0  # how many names of that region the text has
    evidence: str = ""  # the top three regions with their most frequent names
    cities: Counter[str] = field(default_factory=Counter)  # cities of that region, for municipal plans


def infer_region(text: str) -> RegionGuess:
    """Region by the place names a text mentions, weighted by position (the opening counts three times) and
    by deliberateness (a full name such as 天津市 counts one and a half times)."""
    scores: defaultdict[str, float] = defaultdict(float)
    names: defaultdict[str, Counter[str]] = defaultdict(Counter)
    cities: defaultdict[str, Counter[str]] = defaultdict(Counter)
    opening = min(len(text), max(300, len(text) // 10))
    for mention in find_places(text):
        weight = 3.0 if mention.start < opening else 1.0
        if mention.name in SPELLING_TO_REGION and len(mention.name) > len(mention.region):
            weight *= 1.5
        scores[mention.region] += weight
        names[mention.region][mention.name] += 1
        if mention.is_city:
            cities[mention.region][mention.name.removesuffix("市")] += 1
    if not scores:
        return RegionGuess()
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    region, top = ranked[0]
    evidence = "；".join(
        f"{name}：{'、'.join(f'{n}×{c}' for n, c in names[name].most_common(4))}" for name, _ in ranked[:3]
    )
    return RegionGuess(
        region, top / sum(scores.values()), sum(names[region].values()), evidence, cities[region]
    )


def city_named(text: str) -> str:
    """The first prefecture-level city a short text (an issuer, a title) names with its suffix: 武汉市科技局 -> 武汉."""
    for mention in find_places(text):
        if mention.is_city and text[
            mention.start + len(mention.name) : mention.start + len(mention.name) + 1
        ] in ("市", "州"):
            return mention.name
        if mention.is_city and mention.name.endswith("市"):
            return mention.name.removesuffix("市")
    return ""
