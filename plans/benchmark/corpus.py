"""Benchmark corpora: the real reports of a corpus folder, and synthetic plans recombined from them.

The corpus folder holds MANIFEST.tsv (file, region, year, title, ...) and the text files it names. Its text is
never copied into the repository: the path is always an argument.

Synthetic plans keep term frequencies realistic by being made of real paragraphs: each one takes a real report
as its template (so regions, years and plan lengths are spread exactly like the real ones, and themes follow from
the text), and replaces every paragraph by a real paragraph drawn, with a fixed seed, from the same relative
position of another report (openings stay openings, closing words stay at the end).
"""

from __future__ import annotations

import csv
import hashlib
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from plans.taxonomy import REGIONS

NATIONAL_ISSUERS = {"国务院", "全国", "中央"}
POSITION_BUCKETS = 10
MAX_REPEATS = 1000  # duplicates in a row before giving up on a corpus too small for the count
# The upstream corpus marks the start of the next-year plan with "二&、"; the ingest pipeline strips it too.
UPSTREAM_MARKERS = ("&",)


@dataclass
class CorpusDoc:
    """One plan of a benchmark corpus; `key` is its id (the Plan id once loaded)."""

    key: int
    title: str
    text: str
    region: str | None  # Region.name (short), e.g. "湖北"; "全国" for national plans
    year: int | None
    level: str = "provincial"
    source: str = ""
    themes: list[str] = field(default_factory=list)

    @property
    def searchable(self) -> str:
        """What a substring search looks in: the title and the body."""
        return f"{self.title}\n{self.text}"

    @property
    def size_bytes(self) -> int:
        return len(self.title.encode()) + len(self.text.encode())

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


def region_short_name(manifest_region: str) -> str | None:
    """Map a manifest region (湖北省, 广西壮族自治区, 国务院) to Region.name (湖北, 广西, 全国)."""
    name = manifest_region.strip()
    if name in NATIONAL_ISSUERS:
        return "全国"
    for short, full, _kind in REGIONS:
        if name in (short, full):
            return short
    return None


def clean_upstream_text(text: str) -> str:
    """Strip the upstream editing markers and Windows line ends (what ingest's cleaning also does)."""
    for marker in UPSTREAM_MARKERS:
        text = text.replace(marker, "")
    return text.replace("\r\n", "\n")


def read_manifest(corpus_dir: Path) -> list[dict[str, str]]:
    """Rows of MANIFEST.tsv; raise FileNotFoundError with the path when it is missing."""
    manifest = Path(corpus_dir) / "MANIFEST.tsv"
    if not manifest.is_file():
        raise FileNotFoundError(f"{manifest} not found: the corpus folder needs a MANIFEST.tsv")
    with manifest.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def read_corpus(corpus_dir: Path | str, *, limit: int | None = None) -> list[CorpusDoc]:
    """The real reports in manifest order, keyed 1..n, text cleaned of upstream markers."""
    corpus_dir = Path(corpus_dir)
    docs = []
    for row in read_manifest(corpus_dir)[:limit]:
        region = region_short_name(row.get("region", ""))
        year = int(row["year"]) if row.get("year", "").isdigit() else None
        text = clean_upstream_text((corpus_dir / row["file"]).read_text(encoding="utf-8"))
        docs.append(
            CorpusDoc(
                key=len(docs) + 1,
                title=row.get("title") or Path(row["file"]).stem,
                text=text,
                region=region,
                year=year,
                level="national" if region == "全国" else "provincial",
                source=row["file"],
            )
        )
    return docs


def paragraphs(text: str) -> list[str]:
    """Non-blank lines: in these reports a line is a paragraph or a heading."""
    return [line for line in text.split("\n") if line.strip()]


def _position_pools(docs: Sequence[CorpusDoc]) -> list[list[str]]:
    """All paragraphs of the corpus, grouped by their relative position in their report."""
    pools: list[list[str]] = [[] for _ in range(POSITION_BUCKETS)]
    for doc in docs:
        paras = paragraphs(doc.text)
        for index, para in enumerate(paras):
            pools[index * POSITION_BUCKETS // len(paras)].append(para)
    return pools


def synthesize(docs: Sequence[CorpusDoc], count: int, *, seed: int = 20261122) -> Iterator[CorpusDoc]:
    """Yield `count` synthetic plans keyed 1..count, the same ones for the same corpus and seed.

    Generated lazily, so 100,000 plans never sit in memory at once.
    """
    if not docs:
        raise ValueError("cannot synthesize plans from an empty corpus")
    rng = random.Random(seed)
    pools = _position_pools(docs)
    templates = [(doc, len(paragraphs(doc.text))) for doc in docs]
    seen: set[str] = set()
    key = 0
    repeats = 0
    while key < count:
        template, length = templates[rng.randrange(len(templates))]
        chosen = []
        for index in range(length):
            pool = pools[index * POSITION_BUCKETS // length]
            chosen.append(pool[rng.randrange(len(pool))])
        text = "\n\n".join(chosen)
        digest = hashlib.sha256(text.encode()).hexdigest()
        if digest in seen:  # vanishingly rare on a real corpus, but checksums are unique in the database
            repeats += 1
            if repeats > MAX_REPEATS:
                raise ValueError(f"the corpus is too small for {count} distinct plans (made {key})")
            continue
        repeats = 0
        seen.add(digest)
        key += 1
        yield CorpusDoc(
            key=key,
            title=f"{template.title}（合成样本{key:06d}）",
            text=text,
            region=template.region,
            year=template.year,
            level=template.level,
            source=f"synthetic:{seed}:{key}",
        )
