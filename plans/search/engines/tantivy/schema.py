"""The Tantivy index of plans: its fields, its two analyzers and the document of one plan.

Fields (Tantivy field -> what it holds):
  plan_id                 the plan's id (indexed: delete and replace by id; fast: every hit's docnum)
  grams                   the normalised title + "\\n" + body cut into overlapping character pairs, with
                          positions: the pair at position p is text[p:p+2] (the last one a single
                          character), so position = character offset. A query string is the phrase of its
                          pairs at offsets 0, 2, 4 ... (and n-2 for an odd length n): exact substring
                          matching with one phrase query (reader.exact_query). The pairs are handed to
                          Tantivy joined by spaces (its whitespace tokenizer); whitespace inside the text
                          becomes WHITESPACE_MARK first, so every pair is one token. One overlapping field
                          instead of two offset ones (pairs from offset 0 and from offset 1) holds the same
                          positions with half the terms and postings: about a quarter less indexing CPU and a
                          smaller index, measured on the 704 real reports.
  title_words / body_words  jieba words (rjieba, our user dictionary) holding a letter or digit, joined by
                          spaces (BM25, the title boosted)
  themes_terms            one term per theme (related plans)
  region, level, themes, issuer, doc_number            string fast fields: the snapshot's columns
  year, date_key, title_len, text_len, layout          integer fast fields: the snapshot's columns
  updated_us              the plan's updated_at in microseconds since 1970 (UTC), an integer fast field: the
                          snapshot's `updated` column (ISO text again). As a string fast field, reading it for
                          every document (sorting by it) cost two thirds of a generation's columns: one term
                          dictionary lookup per document for values that are all different
  stored                  the compact stored form (title, text, sections) as UTF-8 JSON in the doc store:
                          read only for a document without a text record (see text_at)
  breaks                  the sentence and paragraph break offsets (plans.search.snapshot.encode_breaks) in the
                          doc store, likewise (added last, so an index written before it keeps every other
                          field's id; it then has no value)
  text_at                 the offset of the plan's record in the generation's text file (texts.py: text,
                          breaks and sections), an unsigned fast field: positions, contexts, snippets and
                          breaks are read from there (added after `breaks`; no value: the stored fields are read)
  theme_facet             one raw term per theme, a multi-valued fast field: the theme facet counted and
                          filtered inside Tantivy (reader.facet_counts / ranked_hits; added last: an index
                          written before it is answered from the snapshot's columns, as before)
"""

from __future__ import annotations

import json
import re
from array import array
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import tantivy

from plans.search.engines.tantivy import texts
from plans.search.normalize import normalise, variant_kinds
from plans.search.segment import words
from plans.search.snapshot import STORED_LAYOUT, encode_breaks

TITLE_BOOST = 3.0
WHITESPACE = re.compile(r"\s")  # every character any tokenizer could split on
WHITESPACE_MARK = "\u2423"  # what whitespace is indexed as, inside pairs (␣)
_WORD = re.compile(r"[^\W_]")  # a word worth ranking holds a letter or digit (str.isalnum, searched in C)
THEME_SEPARATOR = "\x1f"  # joins a plan's themes in one fast field (a theme name never holds it)

STRING_COLUMNS = {  # snapshot column -> fast field
    "regions": "region",
    "levels": "level",
    "themes": "themes",
    "issuers": "issuer",
    "doc_numbers": "doc_number",
}
INTEGER_COLUMNS = {
    "years": "year",
    "date_keys": "date_key",
    "titles_len": "title_len",
    "text_lengths": "text_len",
    "layouts": "layout",
}

# each facet column (registry.FACETS) and the field that counts and filters it inside Tantivy
FACET_FIELDS = {"regions": "region", "years": "year", "themes": "theme_facet", "levels": "level"}
INTEGER_FACETS = frozenset({"years"})  # filtered by a range of the integer fast field, not by a term


UPDATED_FIELD = "updated_us"
TEXT_FIELD = "text_at"
THEME_FACET_FIELD = FACET_FIELDS["themes"]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def updated_micros(updated_at: datetime | None) -> int:
    """updated_at as whole microseconds since 1970 UTC (exact: no float); 0 for none."""
    if updated_at is None:
        return 0
    if updated_at.tzinfo is None:
        updated_at = updated_at.replace(tzinfo=UTC)
    return (updated_at - _EPOCH) // _MICROSECOND


def updated_text(micros: int | None) -> str:
    """The ISO text of updated_micros() again, as the database's UTC value prints it ("" for none)."""
    return (_EPOCH + micros * _MICROSECOND).isoformat() if micros else ""


@lru_cache(maxsize=1)
def schema() -> tantivy.Schema:
    """The schema (one per process; equal schemas for every index folder)."""
    return build_schema()


def build_schema(theme_facet: bool = True) -> tantivy.Schema:
    """The schema's fields in FIELD_NAMES order; without the last one (theme_facet) for the tests of an index
    written before it."""
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("plan_id", stored=False, indexed=True, fast=True)
    builder.add_text_field("grams", tokenizer_name="whitespace", index_option="position")
    builder.add_text_field("title_words", tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("body_words", tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("themes_terms", tokenizer_name="raw", index_option="freq")
    for name in STRING_COLUMNS.values():
        builder.add_text_field(name, fast=True, tokenizer_name="raw", index_option="basic")
    for name in INTEGER_COLUMNS.values():
        builder.add_integer_field(name, stored=False, indexed=False, fast=True)
    builder.add_integer_field(UPDATED_FIELD, stored=False, indexed=False, fast=True)
    builder.add_bytes_field("stored", stored=True, indexed=False, fast=False)
    builder.add_bytes_field("breaks", stored=True, indexed=False, fast=False)
    builder.add_unsigned_field(TEXT_FIELD, stored=False, indexed=False, fast=True)
    if theme_facet:
        builder.add_text_field(THEME_FACET_FIELD, fast=True, tokenizer_name="raw", index_option="basic")
    return builder.build()


# The schema's fields in order: queries address a field by its number in *our* schema, so an index written
# with other fields (an older layout) must not be searched with it (engine.py checks, and it is rebuilt). A new
# field goes last, here and in schema(): an index without it then still has every other field's number.
FIELD_NAMES = (
    "plan_id",
    "grams",
    "title_words",
    "body_words",
    "themes_terms",
    *STRING_COLUMNS.values(),
    *INTEGER_COLUMNS.values(),
    UPDATED_FIELD,
    "stored",
    "breaks",
    TEXT_FIELD,
    THEME_FACET_FIELD,
)


def marked(text: str) -> str:
    """`text` with every whitespace character as WHITESPACE_MARK (the same length)."""
    return WHITESPACE.sub(WHITESPACE_MARK, text)


_SPACE = array("I", [ord(" ")])


def grams(text: str) -> str:
    """The overlapping character pairs of (marked) `text`, one per character, separated by spaces
    ("ab bc c  " for "abc": the pair at position p is text[p:p+2]).

    Built by interleaving code points in an array (C speed: several times a join over a comprehension)."""
    codes = array("I", text.encode("utf-32-le"))
    count = len(codes)
    out = _SPACE * (3 * count)
    out[0::3] = codes
    out[1 : 3 * (count - 1) : 3] = codes[1:]
    return out.tobytes().decode("utf-32-le")


def ranked_words(text: str) -> str:
    """The jieba words of normalised `text` that hold a letter or digit, joined by spaces."""
    holds_word = _WORD.search
    # str.isalnum answers most words (all letters) at half the cost of the regex, which decides the rest
    return " ".join([word for word in words(text) if word.isalnum() or holds_word(word)])


def date_key(published_on: date | None, year: int | None) -> int:
    """Sort key for 'date': published_on, else 1 July of the year, else 0 (oldest)."""
    if published_on:
        return published_on.toordinal()
    if year:
        return date(year, 7, 1).toordinal()
    return 0


def plan_fields(plan) -> dict:
    """Everything the document of a plan holds, as plain values (picklable: rebuild workers make documents)."""
    sections = [
        [s.heading, s.anchor, s.start, s.end, s.order]
        for s in sorted(plan.sections.all(), key=lambda s: s.order)
    ]
    stored = {"id": plan.pk, "title": plan.title, "text": plan.text, "sections": sections}
    return {
        "plan_id": plan.pk,
        "title": plan.title,
        "text": plan.text,
        "themes": sorted(theme.name for theme in plan.themes.all()),
        "region": plan.region.name if plan.region_id else "",
        "level": plan.level or "",
        "issuer": normalise(plan.issuer or ""),
        "doc_number": normalise(plan.doc_number or ""),
        "updated": updated_micros(plan.updated_at),
        "year": plan.year or 0,
        "date_key": date_key(plan.published_on, plan.year),
        "stored": json.dumps(stored, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
        "breaks": encode_breaks(f"{plan.title}\n{plan.text}"),
        "sections": sections,
    }


def analysed(title: str, text: str) -> dict[str, str]:
    """The analysed views of a plan (character pairs, jieba words): the Python part of indexing."""
    joined = normalise(f"{title}\n{text}")
    mark = marked(joined)
    return {
        "grams": grams(mark),
        "title_words": ranked_words(joined[: len(title)]),
        "body_words": ranked_words(joined[len(title) + 1 :]),
        "kinds": variant_kinds(f"{title}\n{text}"),  # for its text record
    }


def tokenised(fields: dict) -> dict:
    """`fields` of a plan with its analysed views added."""
    return {**fields, **analysed(fields["title"], fields["text"])}


def text_record(fields: dict) -> bytes:
    """The plan's record in the generation's text file (texts.py)."""
    return texts.record(
        fields["plan_id"],
        fields["title"],
        fields["text"],
        fields["breaks"],
        fields["sections"],
        fields["kinds"],
    )


def document(fields: dict, text_at: int = 0, theme_facet: bool = True) -> tantivy.Document:
    """The Tantivy document of tokenised plan fields; `text_at`, the offset of its text record (0: none);
    `theme_facet`, whether the index has that field (an index written before it does not)."""
    doc = tantivy.Document()
    doc.add_unsigned("plan_id", fields["plan_id"])
    doc.add_text("grams", fields["grams"])
    doc.add_text("title_words", fields["title_words"])
    doc.add_text("body_words", fields["body_words"])
    for theme in fields["themes"]:
        doc.add_text("themes_terms", theme)
    values = {
        "region": fields["region"],
        "level": fields["level"],
        "themes": THEME_SEPARATOR.join(fields["themes"]),
        "issuer": fields["issuer"],
        "doc_number": fields["doc_number"],
    }
    for name, value in values.items():
        if value:
            doc.add_text(name, value)
    doc.add_integer("year", int(fields["year"]))
    doc.add_integer("date_key", int(fields["date_key"]))
    doc.add_integer("title_len", len(fields["title"]))
    doc.add_integer("text_len", len(fields["text"]))
    doc.add_integer("layout", STORED_LAYOUT)
    doc.add_integer(UPDATED_FIELD, int(fields["updated"]))
    doc.add_bytes("stored", fields["stored"])
    doc.add_bytes("breaks", fields["breaks"])
    if text_at:
        doc.add_unsigned(TEXT_FIELD, text_at)
    if theme_facet:
        for theme in fields["themes"]:
            doc.add_text(THEME_FACET_FIELD, theme)
    return doc
