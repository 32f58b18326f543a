"""Near-identical sentences across plans: character shingles, MinHash signatures and LSH bands (datasketch).

A passage is a sentence of at least MIN_PASSAGE_CHARS letters. Two passages are the same text when the exact
Jaccard similarity of their shingle sets reaches SIMILARITY_THRESHOLD; LSH (bands of a MinHash signature, with
the band and row counts datasketch's MinHashLSH chooses for LSH_THRESHOLD) only proposes the candidates. The
band keys are plain integers so that they can live in a database table and be looked up by a new plan from any
process (datasketch's own storage is in memory or Redis).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from datasketch import MinHash, MinHashLSH

from plans.relations.text import content, sentences

MIN_PASSAGE_CHARS = 20  # letters and digits, punctuation not counted
SHINGLE = 3  # characters per shingle
NUM_PERM = 64
SIMILARITY_THRESHOLD = 0.7  # exact Jaccard of the shingle sets that confirms a candidate
# LSH is tuned below the confirming threshold so that pairs at 0.7 are candidates 98 % of the time (14 bands of
# 4 rows for 64 permutations); the exact check then drops the extra candidates.
LSH_THRESHOLD = 0.5
SEED = 1
# A passage is boilerplate (slogans, the opening formula), not reuse, when plans of at least this share of the
# collection's regions contain it (and never fewer than BOILERPLATE_MIN_REGIONS regions).
BOILERPLATE_SHARE = 0.5
BOILERPLATE_MIN_REGIONS = 3
# Oldest plans a passage group keeps (PassageGroup.earliest): a plan page shows the first three not of its own
# region, so twelve leave room for a region that wrote the passage year after year before others took it up.
EARLIEST_KEPT = 12


@dataclass(frozen=True)
class PassageText:
    start: int
    end: int
    text: str  # as written
    content: str  # what is compared (text.content)


def passages(text: str) -> list[PassageText]:
    """The sentences of a plan long enough to count as passages, with their offsets."""
    found = []
    for sentence in sentences(text):
        core = content(sentence.text)
        if len(core) >= MIN_PASSAGE_CHARS:
            found.append(PassageText(sentence.start, sentence.end, sentence.text, core))
    return found


def shingles(core: str) -> set[str]:
    """The character SHINGLE-grams of a passage's content."""
    return {core[i : i + SHINGLE] for i in range(len(core) - SHINGLE + 1)}


def similarity(a: str, b: str) -> float:
    """Exact Jaccard similarity of the shingle sets of two contents."""
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 1.0 if a == b else 0.0
    return len(sa & sb) / len(sa | sb)


def content_hash(core: str) -> str:
    """The key of an exact (after normalisation) passage."""
    return hashlib.blake2b(core.encode("utf-8"), digest_size=16).hexdigest()


@lru_cache(maxsize=1)
def _band_ranges() -> tuple[tuple[int, int], ...]:
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    return tuple(lsh.hashranges)


def band_keys_many(cores: Sequence[str]) -> list[list[int]]:
    """For each content, the signed 64-bit keys of its LSH bands (band number mixed in)."""
    if not cores:
        return []
    signatures = MinHash.bulk(
        [[s.encode("utf-8") for s in shingles(core)] for core in cores], num_perm=NUM_PERM, seed=SEED
    )
    ranges = _band_ranges()
    keys = []
    for signature in signatures:
        values = signature.hashvalues
        keys.append(
            [
                int.from_bytes(
                    hashlib.blake2b(
                        band.to_bytes(2, "big") + values[start:end].tobytes(), digest_size=8
                    ).digest(),
                    "big",
                    signed=True,
                )
                for band, (start, end) in enumerate(ranges)
            ]
        )
    return keys


def boilerplate_min_regions(regions_with_plans: int) -> int:
    """How many regions a passage must reach to count as boilerplate in a collection of that many regions."""
    return max(BOILERPLATE_MIN_REGIONS, math.ceil(regions_with_plans * BOILERPLATE_SHARE))
