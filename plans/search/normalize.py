"""Length-preserving text normalisation shared by indexing, querying and highlighting.

Every character maps to exactly one character, so an offset in the normalised text is the same offset
in the original text: highlights found on the normalised text can be drawn on the original.
  - traditional -> simplified, character by character (OpenCC's TSCharacters table, first candidate);
  - full-width ASCII forms and the ideographic space -> their half-width forms;
  - ASCII letters -> lower case.
"""

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import opencc


@lru_cache(maxsize=1)
def _table() -> dict[int, int]:
    table: dict[int, int] = {}
    ts_file = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    for line in ts_file.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) != 2:
            continue
        source, targets = parts[0], parts[1].split(" ")[0]
        if len(source) == 1 and len(targets) == 1 and source != targets:
            table[ord(source)] = ord(targets)
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII variants
        table[code] = code - 0xFEE0
    table[0x3000] = 0x20  # ideographic space
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = code + 32
    # Full-width capitals first fold to half-width capitals; map them straight to lower case.
    for code in range(0xFF21, 0xFF3B):
        table[code] = code - 0xFEE0 + 32
    # A traditional character whose simplified form is itself folded again (rare) ends at the final form.
    for key, value in list(table.items()):
        seen = 0
        while value in table and table[value] != value and seen < 4:
            value = table[value]
            seen += 1
        table[key] = value
    return table


@lru_cache(maxsize=1)
def _lookup() -> list[int]:
    """_table() as a list indexed by code point (up to its highest key; beyond, str.translate's IndexError
    leaves a character as it is): str.translate looks a list up about 1.4x as fast as a dict, whose misses
    (most characters) raise and catch a KeyError each."""
    table = _table()
    lookup = list(range(max(table) + 1))
    for source, target in table.items():
        lookup[source] = target
    return lookup


def normalise(text: str) -> str:
    """Return `text` folded for matching; always exactly as long as `text`."""
    return text.translate(_lookup())


@lru_cache(maxsize=1)
def _preimages() -> dict[str, str]:
    """For each normalised character, every character that normalises to it (itself first)."""
    sources: dict[str, list[str]] = {}
    for source, target in _table().items():
        sources.setdefault(chr(target), [chr(target)]).append(chr(source))
    return {target: "".join(chars) for target, chars in sources.items()}


@lru_cache(maxsize=512)
def _variants(term: str) -> str:
    """The regex source of every string that normalises to the normalised `term` (see variant_pattern)."""
    preimages = _preimages()
    parts = []
    for ch in normalise(term):
        variants = preimages.get(ch)
        parts.append(f"[{re.escape(variants)}]" if variants else re.escape(ch))
    return "".join(parts)


@lru_cache(maxsize=512)
def _variant_search(term: str) -> tuple[str, tuple[str, ...], re.Pattern]:
    """(the normalised term, the characters other than its own that fold to one of its characters, the
    regex of its variants)."""
    normal = normalise(term)
    preimages = _preimages()
    others = tuple(dict.fromkeys(c for ch in normal for c in preimages.get(ch, ch)[1:]))
    return normal, others, re.compile(_variants(term))


def variant_forms(term: str) -> tuple[str, tuple[str, ...]]:
    """(the normalised `term`, the characters other than its own that normalise to one of its characters).

    A text holding none of those others contains the term exactly where normalise(text) does, so it can be
    searched (or counted) for the normalised term itself, without normalising it."""
    normal, others, _pattern = _variant_search(term)
    return normal, others


# The kinds of characters that normalise to another one, as bits. A text's kinds (variant_kinds, written into
# the index with its text) tell, without reading the text, that it holds no other form of a term's characters
# when it holds none of their kinds (term_variant_kinds): a simplified-Chinese plan has full-width punctuation
# and capitals but no traditional character, so a term with traditional forms is counted in it as it stands.
TRADITIONAL, FULL_WIDTH, UPPER_CASE = 1, 2, 4
ALL_KINDS = TRADITIONAL | FULL_WIDTH | UPPER_CASE


def _kind(ch: str) -> int:
    code = ord(ch)
    if 0xFF01 <= code <= 0xFF5E or code == 0x3000:
        return FULL_WIDTH
    if "A" <= ch <= "Z":
        return UPPER_CASE
    return TRADITIONAL


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _char_class(chars: list[str]) -> re.Pattern | None:
    return re.compile("[" + "".join(map(re.escape, chars)) + "]") if chars else None


@lru_cache(maxsize=1)
def _kind_patterns() -> tuple[tuple[int, re.Pattern | None, re.Pattern | None], ...]:
    """Per kind: a character class of its characters in the Basic Multilingual Plane (compiled to a bitmap:
    ~50 µs over a 16,000-character plan) and one of the others (searched only in a text holding any)."""
    chars: dict[int, tuple[list[str], list[str]]] = {}
    for code in sorted(_table()):
        bmp, astral = chars.setdefault(_kind(chr(code)), ([], []))
        (bmp if code <= 0xFFFF else astral).append(chr(code))
    return tuple((kind, _char_class(bmp), _char_class(astral)) for kind, (bmp, astral) in chars.items())


def variant_kinds(text: str) -> int:
    """The kinds of characters in `text` that normalise to another one (a bit mask of TRADITIONAL, …)."""
    astral = _ASTRAL.search(text) is not None
    kinds = 0
    for kind, bmp, others in _kind_patterns():
        if (bmp and bmp.search(text)) or (astral and others and others.search(text)):
            kinds |= kind
    return kinds


def term_variant_kinds(others: Iterable[str]) -> int:
    """The kinds of a term's other forms (variant_forms): a text holding none of them holds none of those."""
    kinds = 0
    for ch in others:
        kinds |= _kind(ch)
    return kinds


def non_overlapping(starts: Iterable[int], length: int) -> tuple[int, ...]:
    """The occurrences str.count counts, from the sorted starts of every (overlapping) occurrence."""
    kept: list[int] = []
    free_from = -1
    for start in starts:
        if start >= free_from:
            kept.append(start)
            free_from = start + length
    return tuple(kept)


def variant_starts(text: str, term: str) -> list[int]:
    """The start of every occurrence, overlapping ones included, of the normalised `term` in normalise(text),
    found in the ORIGINAL `text` (equal to str.find repeated on normalise(text), without normalising it).

    A text holding no other form of the term's characters (the usual case: a simplified-Chinese plan and a
    simplified term) is searched for the term itself with str.find; otherwise a regex of the variants is
    restarted one character after each match. Both skip to candidates at C speed (normalising a long plan
    first cost ~100 x more).
    """
    if not term:
        return []
    normal, others, pattern = _variant_search(term)
    found = []
    if not any(other in text for other in others):
        at = text.find(normal)
        while at >= 0:
            found.append(at)
            at = text.find(normal, at + 1)
        return found
    match = pattern.search(text)
    while match is not None:
        at = match.start()
        found.append(at)
        match = pattern.search(text, at + 1)
    return found


@lru_cache(maxsize=512)
def variant_pattern(term: str) -> re.Pattern:
    """A regex matching, in ORIGINAL text, every string that normalises to the normalised `term`.

    Highlighting searches the original text with it instead of normalising whole documents first
    (normalising costs ~150 ns a character; this regex scans at C speed). Matches may overlap.
    """
    return re.compile(f"(?=({_variants(term)}))")
