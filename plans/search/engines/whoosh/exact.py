"""Exact substring matching over the character views: which documents hold a term, and where.

A term of one character is the unigram posting list, two characters one bigram posting list. For n >= 3
characters, the candidates are the documents holding all n-1 bigrams (document ids only, cheap); each
candidate is then checked on the positions of a covering subset of bigrams (offsets 0, 2, 4, … and n-2):
the term occurs at p exactly when bigram k occurs at p + k for each of them (the checked bigrams cover
every character of the term). Reading fewer position lists, rarest first with an early exit, a block of
postings at a time (postings.py), and set arithmetic in C, this is several times cheaper than Whoosh's
SpanNear-based Phrase matcher (profiled: _get_spans dominated search time).

Terms here are normalised and contain no whitespace (reader.py handles the rest). Caching is the
snapshot's business (plans/search/snapshot.py: memo), not this module's.
"""

from __future__ import annotations

from plans.search.engines.whoosh.postings import doc_ids, values_for


def _grams(term: str) -> list[str]:
    return [term[i : i + 2] for i in range(len(term) - 1)]


def _candidates(reader, term: str) -> tuple[set[int], dict[str, int]]:
    """Documents holding every bigram of the term, and each bigram's document frequency."""
    grams = _grams(term)
    frequencies = {g: reader.doc_frequency("chars", g) for g in set(grams)}
    if not all(frequencies.values()):
        return set(), frequencies
    ordered = sorted(set(grams), key=frequencies.get)
    candidates = doc_ids(reader, "chars", ordered[0])
    for gram in ordered[1:]:
        if not candidates:
            break
        candidates &= doc_ids(reader, "chars", gram)
    return candidates, frequencies


def _starts(reader, term: str, alive: set[int], frequencies: dict[str, int], checks) -> dict[int, set[int]]:
    """For each document of `alive`, the offsets p where bigram k occurs at p + k for every (k, bigram)."""
    decode = reader.schema["chars"].format.decode_positions
    starts: dict[int, set[int]] = {}
    for step, (k, gram) in enumerate(sorted(checks, key=lambda item: frequencies[item[1]])):
        narrowed: dict[int, set[int]] = {}
        for docnum, value in values_for(reader, "chars", gram, alive).items():
            shifted = {p - k for p in decode(value)}
            if step:
                shifted &= starts[docnum]
            if shifted:
                narrowed[docnum] = shifted
        starts = narrowed
        alive = set(narrowed)
        if not alive:
            break
    return starts


def substring_docs(reader, term: str) -> frozenset[int]:
    """Live docnums whose normalised title + "\\n" + text contains `term` (no whitespace in it)."""
    if len(term) == 1:
        return frozenset(doc_ids(reader, "unigrams", term))
    candidates, frequencies = _candidates(reader, term)
    if len(term) == 2 or not candidates:
        return frozenset(candidates)
    grams = _grams(term)
    offsets = sorted(set(range(0, len(grams), 2)) | {len(grams) - 1})
    return frozenset(_starts(reader, term, candidates, frequencies, [(k, grams[k]) for k in offsets]))


def substring_positions(reader, term: str, docnums: frozenset[int]) -> dict[int, list[int]]:
    """Sorted start offsets of every occurrence (overlapping included) of `term` (2+ characters, no
    whitespace) in each of `docnums` that holds it."""
    grams = _grams(term)
    frequencies = {g: reader.doc_frequency("chars", g) for g in set(grams)}
    if not all(frequencies.values()):
        return {}
    offsets = sorted(set(range(0, len(grams), 2)) | {len(grams) - 1})
    starts = _starts(reader, term, set(docnums), frequencies, [(k, grams[k]) for k in offsets])
    return {docnum: sorted(found) for docnum, found in starts.items()}
