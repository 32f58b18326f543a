"""The outline of a plan, parsed from the numbering at the start of lines.

Numbering styles (and the corpus's variants): 第一部分 / 第一章, 一、, （一） or (一), 1. 1． 1、, （1） or (1).
Depth is not fixed per style: the first style met is depth 1, a new style under it depth 2, and so on, as a
reader understands an outline (a plan numbered 一、 then 1. has 1. at depth 2; one numbered only （一） has it at
depth 1). A numbered line only counts as a heading when its number continues the sequence of its style (一 after
nothing, 二 after 一 ...); "三、" at the start of a quoted list in the middle of a paragraph does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN_NUMERAL = "零一二三四五六七八九十百"
_STYLES: list[tuple[str, re.Pattern[str]]] = [
    ("part", re.compile(r"^第(?P<n>[一二三四五六七八九十]{1,3})(?:部分|章|篇)\s*(?P<rest>.*)$")),
    ("cn", re.compile(r"^(?P<n>[一二三四五六七八九十]{1,3})\s*[、．.]\s*(?P<rest>.+)$")),
    ("cn-paren", re.compile(r"^[（(]\s*(?P<n>[一二三四五六七八九十]{1,3})\s*[）)]\s*、?\s*(?P<rest>.+)$")),
    ("arabic", re.compile(r"^(?P<n>\d{1,2})\s*(?:[、．]|\.(?!\d))\s*(?P<rest>\D.*)$")),
    ("arabic-paren", re.compile(r"^[（(]\s*(?P<n>\d{1,2})\s*[）)]\s*(?P<rest>.+)$")),
    ("circled", re.compile(r"^(?P<n>[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳])\s*(?P<rest>.+)$")),
]
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
MAX_HEADING = 120


@dataclass
class PreparedSection:
    """One heading of the outline with the text under it (up to the next heading) and its place in the tree."""

    order: int
    depth: int
    number: str
    heading: str
    text: str
    anchor: str
    start: int
    end: int
    parent: int | None  # index into the list of sections, None at the top


def _value(style: str, numeral: str) -> int:
    if style in ("arabic", "arabic-paren"):
        return int(numeral)
    if style == "circled":
        return _CIRCLED.index(numeral) + 1
    if "十" not in numeral:
        return _CN_NUMERAL.index(numeral) if len(numeral) == 1 else 0
    tens, _, ones = numeral.partition("十")
    return (_CN_NUMERAL.index(tens) if tens else 1) * 10 + (_CN_NUMERAL.index(ones) if ones else 0)


def heading_of(rest: str) -> str:
    """The heading part of a numbered line: its first sentence ("完善科技政策法规体系。梳理…" -> 完善科技政策法规体系)."""
    first = re.split(r"(?<=[。！？；])|[:：](?=.{20,})", rest, maxsplit=1)[0].strip()
    first = first.rstrip("。；;，,：:")
    if len(first) > MAX_HEADING:
        first = first[: MAX_HEADING - 1] + "…"
    return first


def parse_sections(text: str) -> list[PreparedSection]:
    """The outline of a cleaned text; offsets index into `text`."""
    heads: list[tuple[int, int, str, str, str]] = []  # (start offset, depth, style, number, heading)
    stack: list[tuple[str, int]] = []  # (style, last value) per open depth
    last_seen: dict[
        str, int
    ] = {}  # style -> last value, across parents (some plans number 1.-22. throughout)
    offset = 0
    for line in text.split("\n"):
        start = offset
        offset += len(line) + 1
        stripped = line.strip()
        if not stripped:
            continue
        for style, pattern in _STYLES:
            match = pattern.match(stripped)
            if not match:
                continue
            value = _value(style, match["n"])
            depth = _accept(stack, style, value, last_seen.get(style, 0))
            if depth is None:
                break
            last_seen[style] = value
            heading = heading_of(match["rest"]) or stripped
            number = stripped[: match.start("rest")].strip() if match["rest"] else stripped
            heads.append((start + (len(line) - len(line.lstrip())), depth, style, number, heading))
            break
    return _build(text, heads)


def _accept(stack: list[tuple[str, int]], style: str, value: int, last_seen: int) -> int | None:
    """Update the style stack for a numbered line; its depth (1-based), or None when it is not a heading."""
    for level, (open_style, last) in enumerate(stack):
        if open_style == style:
            if value == last + 1:
                del stack[level + 1 :]
                stack[level] = (style, value)
                return level + 1
            if value == 1 and level == len(stack) - 1:
                return None  # a fresh list inside a paragraph's text, not a new outline level
            return None
    if value == 1 or (value == last_seen + 1 and stack):
        stack.append((style, value))
        return len(stack)
    return None


def _build(text: str, heads: list[tuple[int, int, str, str, str]]) -> list[PreparedSection]:
    sections: list[PreparedSection] = []
    open_at_depth: dict[int, int] = {}  # depth -> index of the latest section at that depth
    counters: dict[int | None, int] = {}
    for index, (start, depth, _style, number, heading) in enumerate(heads):
        end = heads[index + 1][0] if index + 1 < len(heads) else len(text)
        parent = open_at_depth.get(depth - 1) if depth > 1 else None
        counters[parent] = counters.get(parent, 0) + 1
        anchor = (
            f"{sections[parent].anchor}-{counters[parent]}" if parent is not None else f"s{counters[parent]}"
        )
        sections.append(
            PreparedSection(
                order=index + 1,
                depth=depth,
                number=number[:20],
                heading=heading,
                text=text[start:end].rstrip(),
                anchor=anchor,
                start=start,
                end=end,
                parent=parent,
            )
        )
        open_at_depth[depth] = index
        for deeper in [d for d in open_at_depth if d > depth]:
            del open_at_depth[deeper]
    return sections
