"""Sentences with their offsets, cut as the search grammar cuts them: at 。！？；!?; and at line breaks."""

from __future__ import annotations

import re
from dataclasses import dataclass

from plans.search import normalise
from plans.search.snapshot import LINE_BREAKS, SENTENCE_ENDS  # the search grammar's breaks, declared once

# A sentence: everything up to and including a run of end marks, or up to a line break.
_ENDS, _LINES = re.escape(SENTENCE_ENDS), re.escape(LINE_BREAKS)
_SENTENCE = re.compile(rf"[^{_ENDS}{_LINES}]+[{_ENDS}]*")
# What two sentences may differ by and still be the same text: spacing and punctuation.
_NOT_CONTENT = re.compile(r"[\s\W_]+")


@dataclass(frozen=True)
class Sentence:
    start: int  # offsets into the text the sentence was cut from
    end: int
    text: str


def sentences(text: str, offset: int = 0) -> list[Sentence]:
    """The sentences of `text` (stripped, blanks dropped); offsets are `offset` + the place in `text`."""
    found = []
    for match in _SENTENCE.finditer(text):
        raw = match.group()
        stripped = raw.strip()
        if not stripped or not _NOT_CONTENT.sub("", stripped):
            continue
        start = match.start() + (len(raw) - len(raw.lstrip()))
        found.append(Sentence(offset + start, offset + start + len(stripped), stripped))
    return found


def content(text: str) -> str:
    """The normalised letters and digits of a sentence (traditional -> simplified, full-width folded, lower
    case), without spacing and punctuation: what comparison and hashing look at."""
    return _NOT_CONTENT.sub("", normalise(text))
