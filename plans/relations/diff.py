"""What changed between two plans: sections aligned by heading, then sentences inserted, deleted or replaced,
with a character-level diff inside each replaced sentence.

Headings are matched with rapidfuzz (a similarity matrix in one call), keeping the outline order: the pairs
chosen maximise the total similarity of matched headings (a small dynamic programme). Sentences are compared by
their content (text.content: normalised, spacing and punctuation ignored) with difflib; inside a block of
changed sentences, pairs that are still alike become replacements, the rest insertions and deletions.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz, process

from plans.relations.text import content, sentences

HEADING_MIN_SIMILARITY = 60  # rapidfuzz ratio (0-100) for two headings to be the same section
REPLACE_MIN_SIMILARITY = 50  # below this a changed sentence is a deletion plus an insertion

Op = Literal["equal", "insert", "delete", "replace"]


@dataclass(frozen=True)
class Chunk:
    """A piece of a plan to compare: the preamble (heading "") or one section."""

    heading: str
    anchor: str
    text: str


@dataclass(frozen=True)
class SentenceOp:
    op: Op
    a: str | None
    b: str | None

    def char_ops(self) -> list[tuple[str, str, str]]:
        """For a replacement: (tag, a piece, b piece) from difflib, tag equal/replace/delete/insert."""
        if self.op != "replace" or self.a is None or self.b is None:
            return []
        matcher = difflib.SequenceMatcher(None, self.a, self.b, autojunk=False)
        return [(tag, self.a[i1:i2], self.b[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes()]


@dataclass
class SectionDiff:
    heading_a: str | None  # None: the section is only in b
    heading_b: str | None
    anchor_a: str = ""
    anchor_b: str = ""
    ops: list[SentenceOp] = field(default_factory=list)

    def count(self, op: Op) -> int:
        return sum(1 for item in self.ops if item.op == op)


@dataclass
class PlanDiff:
    sections: list[SectionDiff]

    def count(self, op: Op) -> int:
        return sum(section.count(op) for section in self.sections)

    @property
    def unchanged(self) -> bool:
        return all(item.op == "equal" for section in self.sections for item in section.ops)


def chunks(text: str, sections: Sequence) -> list[Chunk]:
    """The preamble and each section of a plan, cut at the sections' offsets when they are consistent
    (else each section's stored text). `sections` are Section rows (or anything with heading, anchor,
    start, order and text)."""
    ordered = sorted(sections, key=lambda s: s.order)
    starts = [s.start for s in ordered]
    consistent = all(0 <= a < b for a, b in zip(starts, [*starts[1:], len(text)], strict=True))
    if not ordered:
        return [Chunk("", "", text)]
    if not consistent:
        return [Chunk("", "", "")] + [Chunk(s.heading, s.anchor, s.text) for s in ordered]
    found = [Chunk("", "", text[: ordered[0].start])]
    for section, end in zip(ordered, [*starts[1:], len(text)], strict=True):
        found.append(Chunk(section.heading, section.anchor, text[section.start : end]))
    return found


def _body_sentences(chunk: Chunk) -> list[str]:
    """A chunk's sentences without its heading line (the heading is compared apart)."""
    found = [s.text for s in sentences(chunk.text)]
    if (
        chunk.heading
        and found
        and content(chunk.heading)
        and content(found[0]).endswith(content(chunk.heading))
    ):
        found = found[1:]
    return found


def align_headings(a: Sequence[str], b: Sequence[str]) -> list[tuple[int | None, int | None]]:
    """Pairs (i, j) of matched headings in order, with (i, None) / (None, j) for the unmatched, merged in
    outline order. Empty headings (the preambles) match each other only."""
    if not a or not b:
        return [(i, None) for i in range(len(a))] + [(None, j) for j in range(len(b))]
    scores = process.cdist([content(h) for h in a], [content(h) for h in b], scorer=fuzz.ratio)
    for i, heading in enumerate(a):
        for j, other in enumerate(b):
            if not heading or not other:
                scores[i][j] = 100 if heading == other else 0
    n, m = len(a), len(b)
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        row, above = best[i], best[i - 1]
        for j in range(1, m + 1):
            score = scores[i - 1][j - 1]
            take = above[j - 1] + score if score >= HEADING_MIN_SIMILARITY else -1.0
            row[j] = max(above[j], row[j - 1], take)
    pairs: list[tuple[int | None, int | None]] = []
    i, j = n, m
    while i > 0 and j > 0:
        score = scores[i - 1][j - 1]
        if score >= HEADING_MIN_SIMILARITY and best[i][j] == best[i - 1][j - 1] + score:
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif best[i][j] == best[i][j - 1]:  # insertions first here, so after reversal deletions come first
            pairs.append((None, j - 1))
            j -= 1
        else:
            pairs.append((i - 1, None))
            i -= 1
    pairs.extend((None, k) for k in range(j - 1, -1, -1))
    pairs.extend((k, None) for k in range(i - 1, -1, -1))
    return pairs[::-1]


def _pair_changed(a: list[str], b: list[str]) -> list[SentenceOp]:
    """A block of changed sentences: alike pairs (in order) become replacements, the rest deletions and
    insertions, kept in reading order."""
    if not a or not b:
        return [SentenceOp("delete", s, None) for s in a] + [SentenceOp("insert", None, s) for s in b]
    scores = process.cdist([content(s) for s in a], [content(s) for s in b], scorer=fuzz.ratio)
    n, m = len(a), len(b)
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            score = scores[i - 1][j - 1]
            take = best[i - 1][j - 1] + score if score >= REPLACE_MIN_SIMILARITY else -1.0
            best[i][j] = max(best[i - 1][j], best[i][j - 1], take)
    ops: list[SentenceOp] = []
    i, j = n, m
    while i > 0 and j > 0:
        score = scores[i - 1][j - 1]
        if score >= REPLACE_MIN_SIMILARITY and best[i][j] == best[i - 1][j - 1] + score:
            ops.append(SentenceOp("replace", a[i - 1], b[j - 1]))
            i, j = i - 1, j - 1
        elif best[i][j] == best[i][j - 1]:
            ops.append(SentenceOp("insert", None, b[j - 1]))
            j -= 1
        else:
            ops.append(SentenceOp("delete", a[i - 1], None))
            i -= 1
    ops.extend(SentenceOp("insert", None, b[k]) for k in range(j - 1, -1, -1))
    ops.extend(SentenceOp("delete", a[k], None) for k in range(i - 1, -1, -1))
    return ops[::-1]


def diff_sentences(a: list[str], b: list[str]) -> list[SentenceOp]:
    """Sentence operations turning `a` into `b`."""
    matcher = difflib.SequenceMatcher(None, [content(s) for s in a], [content(s) for s in b], autojunk=False)
    ops: list[SentenceOp] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            ops.extend(SentenceOp("equal", x, y) for x, y in zip(a[i1:i2], b[j1:j2], strict=True))
        else:
            ops.extend(_pair_changed(a[i1:i2], b[j1:j2]))
    return ops


def diff_chunks(a: Sequence[Chunk], b: Sequence[Chunk]) -> PlanDiff:
    """Align two plans' chunks by heading and diff the sentences of each pair."""
    result = []
    for i, j in align_headings([c.heading for c in a], [c.heading for c in b]):
        left = a[i] if i is not None else None
        right = b[j] if j is not None else None
        if (
            left is not None
            and right is not None
            and not left.heading
            and not left.text.strip()
            and not right.text.strip()
        ):
            continue  # two empty preambles
        ops = diff_sentences(_body_sentences(left) if left else [], _body_sentences(right) if right else [])
        if not ops and (left is None or right is None) and not (left or right).heading:
            continue  # an empty preamble on one side only
        result.append(
            SectionDiff(
                heading_a=left.heading if left else None,
                heading_b=right.heading if right else None,
                anchor_a=left.anchor if left else "",
                anchor_b=right.anchor if right else "",
                ops=ops,
            )
        )
    return PlanDiff(result)


def diff_texts(text_a: str, sections_a: Sequence, text_b: str, sections_b: Sequence) -> PlanDiff:
    """Diff two plans given their texts and Section rows. When only one of them has an outline, both are
    compared as one body (aligning a whole text against headings would call everything moved)."""
    if bool(sections_a) != bool(sections_b):
        return diff_chunks([Chunk("", "", text_a)], [Chunk("", "", text_b)])
    return diff_chunks(chunks(text_a, sections_a), chunks(text_b, sections_b))
