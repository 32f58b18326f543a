"""Query parsing (robust, never raises); engine-neutral (each adapter turns terms into its ranking query).

Grammar, deliberately small: terms separated by spaces or punctuation are AND-ed; "a quoted phrase" (ASCII or
Chinese quotes) is one term that keeps its punctuation; NOT x or -x excludes; OR and Whoosh syntax are not
operators here, they are dropped and the user is told. Each term, normalised, matches exactly the plans whose
title or text contains it (snapshot.term_docs decides the result set); the engine's scores only order it.
"""

from __future__ import annotations

import unicodedata

from plans.search.normalize import normalise
from plans.search.types import ParsedQuery

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
MAX_TERM_CHARS = 40

# Characters that stay inside an unquoted term although they are not letters or digits (R&D, 5.0, C++, 3-5).
_JOINERS = frozenset("&+.-_#%/·'")
_QUOTES = {'"': '"', "“": "”", "”": "“", "「": "」", "『": "』", "«": "»", "《": "》"}
_OPERATORS = {"AND", "OR", "NOT", "&&", "||", "!"}


def _is_term_char(ch: str) -> bool:
    return ch.isalnum() or ch in _JOINERS


def _clean(q: str, notices: list[str]) -> str:
    """Drop control and format characters, emoji and other symbols; cut an over-long query."""
    out = []
    dropped = False
    for ch in q:
        cat = unicodedata.category(ch)
        if ch in "\t\n\r" or cat == "Zs":
            out.append(" ")
        elif cat[0] == "C" or cat in ("So", "Sk") or 0xD800 <= ord(ch) <= 0xDFFF:
            dropped = True
            out.append(" ")
        else:
            out.append(ch)
    text = "".join(out)
    if dropped:
        notices.append("查询已简化：已忽略无法检索的符号（如表情符号、控制字符）。")
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notices.append(f"查询过长，只检索前 {MAX_QUERY_CHARS} 个字符。")
    return text


def _split_quoted(text: str, notices: list[str]) -> list[tuple[str, bool]]:
    """Split into (chunk, quoted) pieces; an unbalanced quote is ignored with a notice."""
    pieces: list[tuple[str, bool]] = []
    i, start = 0, 0
    while i < len(text):
        ch = text[i]
        if ch in _QUOTES:
            close = _QUOTES[ch]
            end = text.find(close, i + 1)
            if ch == "”":  # a closing quote first: treat both curly quotes as plain quotes
                end = min([e for e in (text.find("”", i + 1), text.find("“", i + 1)) if e >= 0], default=-1)
            if end < 0:
                notices.append("查询已简化：引号不成对，已按普通词检索。")
                text = text[:i] + " " + text[i + 1 :]
                continue
            pieces.append((text[start:i], False))
            pieces.append((text[i + 1 : end], True))
            i = start = end + 1
            continue
        i += 1
    pieces.append((text[start:], False))
    return [(chunk, quoted) for chunk, quoted in pieces if chunk.strip()]


def parse_query(q: str) -> ParsedQuery:
    """Parse a user's query; never raises, whatever the input."""
    parsed = ParsedQuery()
    notices = parsed.notices
    if not isinstance(q, str):
        q = "" if q is None else str(q)
    text = _clean(q, notices)
    terms: list[str] = []
    phrases: list[str] = []
    excluded: list[str] = []
    simplified = False
    ignored_ops: set[str] = set()
    for chunk, quoted in _split_quoted(text, notices):
        if quoted:
            phrase = normalise(" ".join(chunk.split()))
            if phrase.strip():
                terms.append(phrase)
                phrases.append(phrase)
            continue
        negate_next = False
        for raw in chunk.split():
            if raw in _OPERATORS or raw.upper() in ("AND", "OR", "NOT"):
                if raw.upper() == "NOT" or raw == "!":
                    negate_next = True
                else:
                    ignored_ops.add(raw.upper())
                continue
            negate = negate_next
            negate_next = False
            if raw.startswith("-") and len(raw) > 1:
                negate, raw = True, raw[1:]
            parts = []
            current = []
            for ch in raw:
                if _is_term_char(ch):
                    current.append(ch)
                else:
                    simplified = True
                    if current:
                        parts.append("".join(current))
                    current = []
            if current:
                parts.append("".join(current))
            for part in parts:
                part = normalise(part.strip("-_.'/"))
                if not part:
                    continue
                (excluded if negate else terms).append(part)
    if ignored_ops:
        notices.append("查询已简化：不支持 OR 等逻辑运算符，多个词按“同时包含”检索。")
    if simplified:
        notices.append("查询已简化：标点和特殊符号被当作词语之间的分隔。")
    terms = _dedupe(terms)
    excluded = [t for t in _dedupe(excluded) if t not in terms]
    long_terms = [t for t in terms if len(t) > MAX_TERM_CHARS]
    if long_terms:
        terms = [t[:MAX_TERM_CHARS] if len(t) > MAX_TERM_CHARS else t for t in terms]
        phrases = [t[:MAX_TERM_CHARS] if len(t) > MAX_TERM_CHARS else t for t in phrases]
        notices.append(f"查询已简化：过长的词只检索前 {MAX_TERM_CHARS} 个字。")
    if len(terms) > MAX_TERMS:
        terms = terms[:MAX_TERMS]
        notices.append(f"查询已简化：只检索前 {MAX_TERMS} 个词。")
    parsed.terms = terms
    parsed.phrases = [p for p in _dedupe(phrases) if p in terms]
    parsed.excluded = excluded[:MAX_TERMS]
    return parsed


def _dedupe(items: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)


def required_terms(parsed: ParsedQuery) -> list[str]:
    """The terms that decide the result set: a term contained in another one adds nothing to an AND."""
    return [t for t in parsed.terms if not any(t != o and t in o for o in parsed.terms)]
