"""Our own highlighter: exact (normalised) matches of the query terms, marked in HTML-escaped text.

Matching runs on the normalised text, whose offsets are those of the original (normalize.py), and the output
is built from slices of the original text, each escaped on its own: marks never nest (overlapping matches
are merged) and never cut an entity (entities only appear after escaping).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from html import escape

from plans.search.normalize import normalise, variant_pattern

MAX_MATCHES_PER_TERM = 2000
_SPACE_RUN = re.compile(r"\s+")


def clean_terms(terms) -> list[str]:
    """The distinct normalised pieces of the query terms (a term with spaces gives several), in order."""
    out = []
    for term in terms or ():
        if not isinstance(term, str):
            continue
        for piece in normalise(term).split():
            if piece and piece not in out:
                out.append(piece)
    return out


def find_matches(
    text: str, terms: list[str], start: int = 0, end: int | None = None
) -> list[tuple[int, int, int]]:
    """(start, end, term index) of every occurrence of every (normalised) term in text[start:end], sorted.

    `text` is the original text: each term is searched with a regex of its variants (variant_pattern),
    so traditional, full-width or upper-case spellings in the text are found without normalising it.
    """
    end = len(text) if end is None else end
    found = []
    for index, term in enumerate(terms):
        length = len(term)
        for count, match in enumerate(variant_pattern(term).finditer(text, start, end), start=1):
            if match.start() + length > end:
                break
            found.append((match.start(), match.start() + length, index))
            if count >= MAX_MATCHES_PER_TERM:
                break
    found.sort()
    return found


def _merge(matches) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end, _ in matches:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _render(text: str, start: int, end: int, matches, collapse_space: bool) -> str:
    parts = []
    cursor = start
    for m_start, m_end in _merge(m for m in matches if m[0] >= start and m[1] <= end):
        parts.append(_plain(text[cursor:m_start], collapse_space))
        parts.append("<mark>" + escape(text[m_start:m_end]) + "</mark>")
        cursor = m_end
    parts.append(_plain(text[cursor:end], collapse_space))
    return "".join(parts)


def _plain(chunk: str, collapse_space: bool) -> str:
    if collapse_space:
        chunk = _SPACE_RUN.sub(" ", chunk)
    return escape(chunk)


def highlight_html(text: str, terms) -> str:
    """The whole `text`, HTML-escaped, with <mark> around every occurrence of every term."""
    text = text or ""
    clean = clean_terms(terms)
    if not clean:
        return escape(text)
    return _render(text, 0, len(text), find_matches(text, clean), collapse_space=False)


def _best_window(matches, n_terms: int, width: int) -> tuple[int, int]:
    """The window start (a match start) covering the most distinct terms, then the most matches."""
    best = (-1, -1, 0)
    j = 0
    for i in range(len(matches)):
        limit = matches[i][0] + width
        if j < i:
            j = i
        while j + 1 < len(matches) and matches[j + 1][1] <= limit:
            j += 1
        window = matches[i : j + 1]
        score = (len({m[2] for m in window}), len(window))
        if score > best[:2]:
            best = (score[0], score[1], i)
            if score[0] == n_terms and score[1] >= 3:
                break
    return matches[best[2]][0], best[0]


def matches_within(matches, start: int, end: int) -> list[tuple[int, int, int]]:
    """The matches (sorted, from find_matches over a whole text) lying entirely inside text[start:end]."""
    first = bisect_left(matches, (start, -1, -1))
    last = bisect_left(matches, (end, -1, -1), lo=first)
    return [m for m in matches[first:last] if m[1] <= end]


def snippet_html(
    text: str, terms, width: int = 120, *, start: int = 0, end: int | None = None, matches=None
) -> str:
    """About `width` characters of `text` around the best matches, escaped, every term in <mark>.

    When the best window misses some terms, short extra fragments show them, joined with an ellipsis.
    Without any match it is the beginning of the text (or of text[start:end]). `matches` may pass
    find_matches(text, clean_terms(terms)) already computed over the whole text (several snippets of one text).
    """
    text = text or ""
    end = len(text) if end is None else min(end, len(text))
    clean = clean_terms(terms)
    if not clean:
        matches = []
    elif matches is None:
        matches = find_matches(text, clean, start, end)
    else:
        matches = matches_within(matches, start, end)
    if not matches:
        cut = min(end, start + width)
        return _render(text, start, cut, [], True) + ("…" if cut < end else "")
    anchor, covered = _best_window(matches, len(clean), width)
    fragments = [_snap(_window(anchor, width, start, end), matches)]
    if covered < len(clean):
        in_first = {m[2] for m in matches if fragments[0][0] <= m[0] and m[1] <= fragments[0][1]}
        for index in range(len(clean)):
            if index in in_first or len(fragments) >= 3:
                continue
            first = next((m for m in matches if m[2] == index), None)
            if first is not None and not any(f[0] <= first[0] and first[1] <= f[1] for f in fragments):
                fragments.append(_snap(_window(first[0], max(30, width // 3), start, end), matches))
        fragments.sort()
    out = []
    for f_start, f_end in fragments:
        piece = _render(text, f_start, f_end, matches, True)
        out.append(("…" if f_start > start else "") + piece.strip() + ("…" if f_end < end else ""))
    return " ".join(out).replace("……", "…")


def _window(anchor: int, width: int, lower: int, upper: int) -> tuple[int, int]:
    lead = min(width // 5, anchor - lower)
    begin = max(lower, anchor - lead)
    finish = min(upper, begin + width)
    begin = max(lower, min(begin, finish - width))
    return begin, finish


def _snap(window: tuple[int, int], matches) -> tuple[int, int]:
    """Widen a window so that no match is cut in half at its edges."""
    begin, finish = window
    for m_start, m_end, _ in matches:
        if m_start < begin < m_end:
            begin = m_start
        if m_start < finish < m_end:
            finish = m_end
    return begin, finish
