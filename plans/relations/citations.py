"""The documents a plan names: 《titles》 and document numbers (国发〔2016〕43号), one identity however written.

A document number is written with 〔〕, [], (), 【】 or their full-width forms around the year, with or without
spaces and leading zeros; `canonical_number` writes every form as 国发〔2016〕43号. A number right after a
title (《…》（国发〔2016〕43号）) belongs to that title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from plans.search import normalise

MAX_TITLE = 100
MAX_PREFIX = 8  # issuer codes run from 国发 to 国科发资 / 鄂政办发 / 发改高技
TITLE_PATTERN = re.compile(rf"《([^《》\n]{{2,{MAX_TITLE}}})》")
NUMBER_PATTERN = re.compile(
    r"(?P<prefix>[\u4e00-\u9fff]{1,16})\s*[〔\[［(（【]\s*(?P<year>(?:19|20)\d{2})\s*[〕\]］)）】]"
    r"\s*第?\s*(?P<serial>\d{1,5})\s*号"
)
# Words that run into the issuer code in running text (根据国发…, 省政府印发鄂政发…): cut after the last one.
_LEAD_WORDS = re.compile(
    r".*(?:根据|按照|依据|依照|贯彻|落实|印发|转发|执行|参照|结合|对照|详见|见|和|及|与|或|即|的)"
)
# A title followed by its number: 《…》（国发〔2016〕43号） or 《…》国发〔2016〕43号.
_NUMBER_AFTER_TITLE_GAP = 3
# Title of a plan that publishes another document: 关于印发《X》的通知 is document X.
_PUBLISHES = re.compile(r"印发(?:《(?P<quoted>[^》]+)》|(?P<plain>.+?))(?:的)?(?:通知|意见|决定)$")


@dataclass(frozen=True)
class Mention:
    """One document named in a text: its title (may be empty), canonical number (may be empty), offset."""

    title: str
    doc_number: str
    offset: int
    written: str  # the text as it appears, for the record


def canonical_number(prefix: str, year: str | int, serial: str | int) -> str:
    """国发〔2016〕43号 from its parts (leading zeros dropped)."""
    return f"{prefix}〔{int(year)}〕{int(serial)}号"


def _clean_prefix(prefix: str) -> str:
    lead = _LEAD_WORDS.match(prefix)
    if lead:
        prefix = prefix[lead.end() :]
    return prefix[-MAX_PREFIX:]


def parse_number(text: str) -> str:
    """The canonical form of the first document number in `text` ("" when there is none)."""
    match = NUMBER_PATTERN.search(text or "")
    if not match:
        return ""
    prefix = _clean_prefix(match["prefix"])
    return canonical_number(prefix, match["year"], match["serial"]) if prefix else ""


def number_key(doc_number: str) -> str:
    """The identity of a canonical number (normalised: traditional/full-width folded)."""
    return normalise(doc_number) if doc_number else ""


def title_key(title: str) -> str:
    """The identity of a title: normalised, without spacing and quotation marks."""
    return re.sub(r"[\s“”\"'‘’「」]+", "", normalise(title or ""))[:320]


def mentions(text: str) -> list[Mention]:
    """Every document named in `text`, in order; a number right after a title is one mention with it."""
    numbers = []
    for match in NUMBER_PATTERN.finditer(text):
        prefix = _clean_prefix(match["prefix"])
        if prefix:
            start = match.start("prefix") + len(match["prefix"]) - len(prefix)
            numbers.append((start, match.end(), canonical_number(prefix, match["year"], match["serial"])))
    found: list[Mention] = []
    used: set[int] = set()
    for match in TITLE_PATTERN.finditer(text):
        title = match.group(1).strip()
        number = ""
        for index, (start, end, canonical) in enumerate(numbers):
            gap = text[match.end() : start]
            if 0 <= start - match.end() <= _NUMBER_AFTER_TITLE_GAP and not gap.strip("（( "):
                number = canonical
                used.add(index)
                written = text[match.start() : end]
                break
        else:
            written = match.group()
        found.append(Mention(title, number, match.start(), written))
    for index, (start, end, canonical) in enumerate(numbers):
        if index not in used:
            found.append(Mention("", canonical, start, text[start:end]))
    return sorted(found, key=lambda m: m.offset)


def plan_keys(title: str, doc_number: str) -> set[str]:
    """The keys a plan answers to when cited: its number, its title, and the document its title publishes."""
    keys = set()
    number = parse_number(doc_number)
    if number:
        keys.add("n:" + number_key(number))
    if title:
        keys.add("t:" + title_key(title))
        published = _PUBLISHES.search(title)
        if published:
            inner = published["quoted"] or published["plain"]
            if inner and len(inner) >= 2:
                keys.add("t:" + title_key(inner))
    return keys
