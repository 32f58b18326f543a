"""The full text of a plan cut into its sections, each with an anchor, paragraphs and highlighted terms.

Sections store character offsets into the cleaned text (Section.start). When they are consistent the page
shows the exact text, cut at each section's start; otherwise (older or hand-made sections) it falls back to
each section's own heading and text, so a plan page always renders.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from plans.models import Section

Highlighter = Callable[[str], str]


@dataclass
class Block:
    """The preamble (section None) or one section of the text."""

    section: Section | None
    paragraphs: list[SafeString] = field(default_factory=list)
    heading: SafeString | None = None  # the section's heading line, highlighted

    @property
    def anchor(self) -> str:
        return self.section.anchor if self.section else "preamble"

    @property
    def themes(self) -> list[tuple[str, list[tuple[str, int]], dict]]:
        """The section's themes with the keywords that placed it there (most frequent first) and the rule's
        figures (`basis`: heading named it, keyword density and its threshold)."""
        if not self.section:
            return []
        return [
            (st.theme.name, matched_keywords(st.matched), st.basis or {})
            for st in self.section.section_themes.all()
        ]

    @property
    def depth(self) -> int:
        return min(self.section.depth, 4) if self.section else 0


def matched_keywords(matched: dict) -> list[tuple[str, int]]:
    """{keyword: count} as pairs, most frequent first (JSON key order differs between databases)."""
    pairs = [(str(k), int(v)) for k, v in (matched or {}).items() if isinstance(v, int | float)]
    return sorted(pairs, key=lambda kv: (-kv[1], kv[0]))


def plain(text: str) -> str:
    return escape(text)


def _paragraphs(text: str, highlight: Highlighter) -> list[SafeString]:
    # highlight() returns escaped HTML (plans.search contract; `plain` escapes too).
    return [mark_safe(highlight(line.strip())) for line in text.splitlines() if line.strip()]  # noqa: S308


_HEADING_END = "。：:．.，,；;"


def _section_block(section: Section, chunk: str, highlight: Highlighter) -> Block:
    """A section's block: its heading line apart (so it can be a real heading), then its paragraphs.
    A heading that runs on into its paragraph (1.完善科技政策法规体系。梳理…) is cut after the heading."""
    lines = [line.strip() for line in chunk.splitlines() if line.strip()]
    first = lines[0] if lines else ""
    heading_text = f"{section.number}{section.heading}".strip()
    for candidate in (heading_text, f"{section.number} {section.heading}".strip()):
        if candidate and first.startswith(candidate):
            cut = len(candidate)
            if first[cut : cut + 1] and first[cut] in _HEADING_END:
                cut += 1
            rest = first[cut:].strip()
            lines = ([rest] if rest else []) + lines[1:]
            heading_text = first[:cut]
            break
    return Block(
        section,
        [mark_safe(highlight(line)) for line in lines],  # noqa: S308
        heading=mark_safe(highlight(heading_text)),  # noqa: S308
    )


def offsets_consistent(text: str, sections: Sequence[Section]) -> bool:
    """Whether every section starts inside the text, in order, at a line that contains its heading."""
    previous = -1
    for section in sections:
        if section.start <= previous or section.start >= len(text):
            return False
        line_end = text.find("\n", section.start)
        line = text[section.start : line_end if line_end != -1 else len(text)]
        if section.heading.strip()[:10] not in line:
            return False
        previous = section.start
    return True


def text_blocks(text: str, sections: Sequence[Section], highlight: Highlighter = plain) -> list[Block]:
    """The plan's text as blocks: a preamble before the first section, then one block per section."""
    sections = sorted(sections, key=lambda s: s.order)
    if not sections:
        return [Block(None, _paragraphs(text, highlight))]
    if offsets_consistent(text, sections):
        blocks = []
        preamble = text[: sections[0].start]
        if preamble.strip():
            blocks.append(Block(None, _paragraphs(preamble, highlight)))
        for section, following in zip(sections, [*sections[1:], None], strict=True):
            end = following.start if following else len(text)
            blocks.append(_section_block(section, text[section.start : end], highlight))
        return blocks
    return [_section_block(section, section.text, highlight) for section in sections]
