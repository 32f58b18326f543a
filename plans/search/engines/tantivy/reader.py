"""The Tantivy adapter's EngineReader: one searcher of one committed generation.

Docnums are plan ids. Tantivy's own document addresses (segment, doc) change when segments merge; a plan id
does not, and every hit carries it in a fast field, so a term's documents are read as plan ids straight from
the search (`order_by_field="plan_id"`) with no mapping in Python. The column lists are indexed by plan id
(None where no live document has that id), which the snapshot's Columns accept as they are.

Exact substring matching (`exact_query`): the normalised title + "\\n" + body is indexed as overlapping
character pairs with positions (`grams`: the pair at position p is text[p:p+2]). A string s of n >= 2
characters occurs at offset p exactly when the pairs s[0:2], s[2:4], ... stand at p, p+2, ... and, for an odd
n, s[n-2:n] at p+n-2: one phrase query with offsets. One character is any pair that starts with it. The result
equals the substring truth with no verification step (tests/plans/search compare it with str.find on generated
and real text).

Occurrence positions come from the text (Tantivy's Python API does not expose posting positions): in the
documents the phrase found, by numpy over the record's UTF-16 code units where the record holds no other form
of the term's characters and no character outside the BMP (texts.Needle), else with a regex of the term's
variants in the decoded text (normalize.variant_starts); overlapping occurrences included either way. Counts
(terms_counts) read the same records without positions. Texts, breaks and sections are read from the
generation's text file (texts.py: a slice of a memory map, tens of microseconds a plan) through each
document's `text_at` fast field; a document without one (an index written before the file) reads Tantivy's
stored form.
"""

from __future__ import annotations

import json
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Sequence
from operator import itemgetter

import numpy as np
import tantivy

from plans.search.engines.tantivy import schema as fields
from plans.search.engines.tantivy.texts import Needle, TextFile, outside_bmp
from plans.search.grammar import And, Node, Not, Or, Term
from plans.search.normalize import ALL_KINDS, normalise, term_variant_kinds, variant_forms, variant_starts
from plans.search.snapshot import COLUMN_NAMES, StoredDocument, StoredSection
from plans.search.types import Where

PAIR_BOOST = 0.3  # ranking weight of a term's character pairs, when it is not one jieba word
THEME_BOOST = 2.0  # related plans: a shared theme against a shared weighted word
# at most this many written documents have their columns read alone (one plan-id clause each); more, and
# every column of every document is read again
COLUMNS_REREAD_MAX = 2_000
DOCUMENT_CACHE = 256  # decoded stored forms a reader keeps (pages and their snippets read the same few)
FACET_TERMS_MAX = 65_536  # values a facet count asks for: all of them, so that every count is exact
# A phrase also holds the rarest pair between its covering pairs when fewer documents have it than this share
# of the rarest covering pair's: 生态旅游 is 生态@0 旅游@2 (99,888 and 98,275 of 100,000 plans), and with 态旅@1
# (23,720) Tantivy checks positions in a quarter of the documents: 15.5 ms -> 4.4 ms. A pair nearly as common
# as the cover only adds positions to read (战略性新兴产业: 16 ms -> 19 ms with every pair; a second rare pair
# narrows little after the first: 高新技术企业, 28 ms with the cover, 14 ms with 术企, 17 ms with every pair).
NARROWING_SHARE = 0.6

DocFrequency = Callable[[str], int]  # how many documents hold a character pair


def rust_regex_literal(text: str) -> str:
    """`text` as a literal in Tantivy's regex syntax (every character that is not a letter or digit as \\x{..})."""
    return "".join(ch if ch.isalnum() else f"\\x{{{ord(ch):X}}}" for ch in text)


def exact_query(term: str, doc_frequency: DocFrequency | None = None) -> tantivy.Query | None:
    """The query of the documents whose normalised title + "\\n" + body contains `term` (normalised).

    Exact, except that every whitespace character is indexed as the same mark (term_docs checks the stored
    text for a term holding whitespace). With `doc_frequency`, a rare pair between the covering ones joins the
    phrase (narrowing_pair): the same matches, found in fewer candidate documents."""
    if not term:
        return None
    term = fields.marked(term)
    schema = fields.schema()
    if len(term) == 1:
        return tantivy.Query.regex_query(schema, "grams", "(?s)" + rust_regex_literal(term) + ".?")
    if len(term) == 2:
        return tantivy.Query.term_query(schema, "grams", term)
    offsets = list(range(0, len(term) - 1, 2))
    if len(term) % 2:
        offsets.append(len(term) - 2)  # the last character: the pair ending the string, overlapping
    narrowing = narrowing_pair(term, offsets, doc_frequency) if doc_frequency is not None else None
    if narrowing is not None:
        offsets = sorted([*offsets, narrowing])
    return tantivy.Query.phrase_query(schema, "grams", [(at, term[at : at + 2]) for at in offsets])


def narrowing_pair(term: str, cover: list[int], doc_frequency: DocFrequency) -> int | None:
    """The offset of the pair of `term` outside its `cover` worth adding to its phrase: the rarest, when fewer
    documents hold it than NARROWING_SHARE of the rarest covering pair's; else None. A phrase of pairs at their
    offsets matches where the term stands however many of its pairs it holds, so the matches stay the same;
    Tantivy intersects the pairs' documents before it reads positions, so a rare pair spares it most of them."""
    outside = [at for at in range(len(term) - 1) if at not in cover]
    if not outside:
        return None
    frequency = {at: doc_frequency(term[at : at + 2]) for at in range(len(term) - 1)}
    rarest = min(outside, key=frequency.__getitem__)
    return rarest if frequency[rarest] < NARROWING_SHARE * min(frequency[at] for at in cover) else None


def ranking_clauses(terms: Sequence[str]) -> list[tantivy.Query]:
    """BM25 clauses of the query terms: whole jieba words in the title (boosted) and body, and the character
    pairs of a term that is not one word (a term inside longer words still ranks by how often it occurs)."""
    schema = fields.schema()
    clauses: list[tantivy.Query] = []
    for term in terms:
        compact = normalise(term).replace(" ", "")
        term_words = fields.ranked_words(compact).split()
        if len(compact) >= 2 and len(term_words) != 1:
            marked = fields.marked(compact)
            for gram in dict.fromkeys(marked[i : i + 2] for i in range(len(marked) - 1)):
                term_query = tantivy.Query.term_query(schema, "grams", gram, index_option="freq")
                clauses.append(tantivy.Query.boost_query(term_query, PAIR_BOOST))
        for word in dict.fromkeys(term_words):
            title = tantivy.Query.term_query(schema, "title_words", word, index_option="freq")
            clauses.append(tantivy.Query.boost_query(title, fields.TITLE_BOOST))
            clauses.append(tantivy.Query.term_query(schema, "body_words", word, index_option="freq"))
    return clauses


def match_query(node: Node, doc_frequency: DocFrequency | None = None) -> tantivy.Query | None:
    """The query of the documents satisfying the expression `node` (grammar.py), exactly as
    matching.evaluate decides it over term_docs; None for what only positions or stored text decide (a
    proximity clause, a scoped term, a term holding whitespace). `doc_frequency`: as for exact_query."""
    if isinstance(node, Term):
        text = normalise(node.text)
        if (
            node.scope is not None
            or not text
            or fields.WHITESPACE.search(text)
            or fields.WHITESPACE_MARK in text
        ):
            return None
        return exact_query(text, doc_frequency)
    if isinstance(node, Not):
        child = match_query(node.child, doc_frequency)
        return None if child is None else _all_but([child])
    if isinstance(node, And | Or):
        positive, negative = [], []
        for child in node.children:
            negated = isinstance(node, And) and isinstance(child, Not)
            compiled = match_query(child.child if negated else child, doc_frequency)
            if compiled is None:
                return None
            (negative if negated else positive).append(compiled)
        if isinstance(node, Or):
            return _should(positive)
        if not positive:
            return _all_but(negative)
        return tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, q) for q in positive] + [(tantivy.Occur.MustNot, q) for q in negative]
        )
    return None


def _all_but(excluded: list[tantivy.Query]) -> tantivy.Query:
    return tantivy.Query.boolean_query(
        [(tantivy.Occur.Must, tantivy.Query.all_query())] + [(tantivy.Occur.MustNot, q) for q in excluded]
    )


def narrowed_query(
    node: Node | None, where: Where, doc_frequency: DocFrequency | None = None
) -> tantivy.Query | None:
    """match_query(node) (every document for None) within the facet selections and year range of `where`;
    None when the expression or a selected facet cannot be answered inside Tantivy."""
    match = tantivy.Query.all_query() if node is None else match_query(node, doc_frequency)
    if match is None:
        return None
    schema = fields.schema()
    clauses = [(tantivy.Occur.Must, match)]
    for column, values in where.values:
        field = fields.FACET_FIELDS.get(column)
        if field is None:
            return None
        if column in fields.INTEGER_FACETS:
            options = [_integer_range(field, int(value), int(value)) for value in sorted(values)]
        else:
            options = [tantivy.Query.term_query(schema, field, value) for value in sorted(values)]
        clauses.append((tantivy.Occur.Must, _should(options)))
    if where.years is not None:
        low, high = where.years
        clauses.append((tantivy.Occur.Must, _integer_range("year", low, high)))
        clauses.append((tantivy.Occur.MustNot, _integer_range("year", 0, 0)))  # unknown: in no range
    return tantivy.Query.boolean_query(clauses) if len(clauses) > 1 else match


def _integer_range(field: str, low: int, high: int) -> tantivy.Query:
    return tantivy.Query.range_query(fields.schema(), field, tantivy.FieldType.Integer, low, high)


_FIRST, _SECOND = itemgetter(0), itemgetter(1)
TOTAL_KEY = "__total"  # the aggregation counting the documents, beside the facets' (no column has this name)

# what a column holds for a plan id with no live document
_EMPTY = {name: "" for name in COLUMN_NAMES} | {"plan_ids": None, "themes": ()}
_EMPTY |= {column: 0 for column in fields.INTEGER_COLUMNS}


def _resized(values: list, size: int, empty) -> list:
    """A copy of `values` cut or padded to `size` (an earlier snapshot may still be reading the original)."""
    copy = values[:size]
    copy += [empty] * (size - len(copy))
    return copy


def _should(clauses: list[tantivy.Query]) -> tantivy.Query:
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, clause) for clause in clauses])


class TantivyReader:
    """EngineReader over one Tantivy searcher (see plans/search/engines/base.py for the contract)."""

    def __init__(
        self,
        searcher: tantivy.Searcher,
        generation,
        text_file: TextFile | None = None,
        previous=None,
        ranks: bool = False,
    ):
        self.searcher = searcher
        self._ranks = ranks  # the index has every facet's field: ranked_hits and facet_counts answer
        self.generation = generation
        self._count = searcher.num_docs
        self._addresses: dict[int, tantivy.DocAddress] = {}
        self._text_file = text_file
        self._text_at: array | None = None  # plan id -> offset of its text record (0: none), read once
        self._documents: OrderedDict[int, StoredDocument] = OrderedDict()
        self._lock = threading.Lock()
        self._lists: dict[str, list] | None = None  # the columns read, for the next reader of this folder
        # (columns, text offsets) of the previous reader of the same folder, until the columns are read
        self._earlier = None
        same_folder = isinstance(previous, TantivyReader) and previous.generation[1] == generation[1]
        if same_folder and previous._lists is not None and previous._text_at is not None:
            self._earlier = (previous._lists, previous._text_at)

    # --- searching --------------------------------------------------------------------------------------------

    def _pair_frequency(self, pair: str) -> int:
        """How many documents hold a character pair (a term dictionary lookup: microseconds)."""
        return self.searcher.doc_freq("grams", pair)

    def _plan_ids(self, query: tantivy.Query) -> list[int]:
        if self._count == 0:
            return []
        result = self.searcher.search(query, limit=self._count, count=False, order_by_field="plan_id")
        # map() and itemgetter iterate in C: a common term's 100,000 hits are no Python loop
        return list(map(_FIRST, result.hits))

    def _scored(self, query: tantivy.Query, limit: int) -> tuple[list[float], list[int]]:
        """(scores, plan ids) of the best `limit` documents, best first."""
        if self._count == 0 or limit <= 0:
            return [], []
        hits = self.searcher.search(query, limit=limit, count=False).hits
        return list(map(_FIRST, hits)), self.searcher.fast_field_values("plan_id", list(map(_SECOND, hits)))

    # --- EngineReader -----------------------------------------------------------------------------------------

    def column_lists(self) -> dict[str, list]:
        """The snapshot's columns. After a write into the same generation folder, only the documents written
        since the previous reader are read: an unchanged document keeps its text record, so a plan whose
        `text_at` equals the previous reader's keeps that reader's values (a written plan always gets a new
        record). Reading every column of every document is one ordered search per string column: about 3 s at
        100,000 plans, which a saved plan would otherwise wait for before it is searchable."""
        earlier, self._earlier = self._earlier, None
        if self._count == 0:
            return {name: [] for name in COLUMN_NAMES}
        every = tantivy.Query.all_query()
        hits = self.searcher.search(every, limit=self._count, count=False, order_by_field="plan_id").hits
        size = max(map(_FIRST, hits)) + 1
        self._addresses.update(hits)  # (plan id, address) pairs
        self._text_at = self._text_offsets(hits, size)
        changed = self._changed_since(earlier, hits)
        if changed is None:
            lists = {name: [_EMPTY[name]] * size for name in COLUMN_NAMES}
            self._read_columns(lists, hits, everything=True)
        else:
            earlier_lists = earlier[0]
            lists = {name: _resized(earlier_lists[name], size, _EMPTY[name]) for name in COLUMN_NAMES}
            live = {plan_id for plan_id, _address in hits}
            for plan_id, known in enumerate(earlier_lists["plan_ids"][:size]):
                if known is not None and plan_id not in live:  # deleted since: empty again
                    for name in COLUMN_NAMES:
                        lists[name][plan_id] = _EMPTY[name]
            self._read_columns(lists, changed, everything=False)
        self._lists = lists
        return lists

    def _changed_since(self, earlier, hits) -> list | None:
        """The (plan id, address) `hits` written since the `earlier` reader's columns of this folder; None
        when they cannot be reused (none kept, another folder, or too many documents changed)."""
        if earlier is None or self._text_file is None:
            return None
        earlier_at = earlier[1]
        now_at = self._text_at
        changed = [
            (plan_id, address)
            for plan_id, address in hits
            if not (now_at[plan_id] and plan_id < len(earlier_at) and earlier_at[plan_id] == now_at[plan_id])
        ]
        return changed if len(changed) <= COLUMNS_REREAD_MAX and len(changed) * 2 < len(hits) else None

    def _read_columns(self, lists: dict[str, list], hits, everything: bool) -> None:
        """Fill `lists` with the columns of the (plan id, address) `hits` (`everything`: all live documents)."""
        if not hits:
            return
        addresses = [address for _plan_id, address in hits]
        for plan_id, _address in hits:
            lists["plan_ids"][plan_id] = plan_id
        updated = lists["updated"]
        for (plan_id, _address), micros in zip(
            hits, self.searcher.fast_field_values(fields.UPDATED_FIELD, addresses), strict=True
        ):
            updated[plan_id] = fields.updated_text(micros)
        for column, field in fields.INTEGER_COLUMNS.items():
            values = lists[column]
            for (plan_id, _address), value in zip(
                hits, self.searcher.fast_field_values(field, addresses), strict=True
            ):
                values[plan_id] = value or 0
        # string fast fields are read as the sort key of a search ordered by them (the Python API reads
        # numeric fast fields only): over every document, or over the changed ones by their plan ids
        schema = fields.schema()
        query = (
            tantivy.Query.all_query()
            if everything
            else _should([tantivy.Query.term_query(schema, "plan_id", plan_id) for plan_id, _ in hits])
        )
        for column, field in fields.STRING_COLUMNS.items():
            ordered = self.searcher.search(query, limit=len(hits), count=False, order_by_field=field).hits
            ids = self.searcher.fast_field_values("plan_id", [address for _value, address in ordered])
            values = lists[column]
            for (value, _address), plan_id in zip(ordered, ids, strict=True):
                if column == "themes":
                    values[plan_id] = tuple(value.split(fields.THEME_SEPARATOR)) if value else ()
                else:
                    values[plan_id] = value or ""

    # --- the text file ---------------------------------------------------------------------------------------

    def _text_offsets(self, hits, size: int) -> array:
        """plan id -> text record offset of the (plan id, address) `hits` (zeros without a text file)."""
        offsets = array("Q", bytes(8 * size))
        if self._text_file is None or not hits:
            return offsets
        try:
            values = self.searcher.fast_field_values(fields.TEXT_FIELD, [address for _id, address in hits])
        except ValueError:  # an index written before the field: every document reads its stored form
            return offsets
        for (plan_id, _address), value in zip(hits, values, strict=True):
            if value:
                offsets[plan_id] = value
        return offsets

    def _offset(self, plan_id: int) -> int:
        offsets = self._text_at
        if offsets is None:  # read before the columns (they read it along): once, the same way
            hits = []
            if self._count:
                every = tantivy.Query.all_query()
                hits = self.searcher.search(
                    every, limit=self._count, count=False, order_by_field="plan_id"
                ).hits
            offsets = self._text_offsets(hits, max((plan_id for plan_id, _ in hits), default=-1) + 1)
            self._text_at = offsets
        return offsets[plan_id] if 0 <= plan_id < len(offsets) else 0

    def _joined(self, plan_id: int) -> str | None:
        """The plan's title + "\n" + text: from the text file, else from its stored form (None: no such
        live document)."""
        at = self._offset(plan_id)
        found = self._text_file.joined(plan_id, at) if at else None
        if found is not None:
            return found[0]
        document = self.documents([plan_id]).get(plan_id)
        return document.title_and_body if document is not None else None

    def term_docs(self, term: str) -> list[int]:
        query = exact_query(term, self._pair_frequency)
        if query is None:
            return []
        found = self._plan_ids(query)
        if fields.WHITESPACE.search(term) or fields.WHITESPACE_MARK in term:
            # whitespace characters share one mark in the index: the stored text decides
            return list(self.term_positions(term, frozenset(found)))
        return found

    def term_positions(self, term: str, docnums: frozenset[int]) -> dict[int, list[int]]:
        return self.terms_positions({term: docnums})[term]

    def terms_counts(self, wanted: dict[str, frozenset[int]]) -> dict[str, dict[int, int]]:
        """Non-overlapping occurrences (as str.count counts them) of several (normalised) terms in their
        `docnums`, without positions. A plan whose text record holds none of the kinds of characters a term
        has other forms of (traditional, full-width, capitals: normalize.term_variant_kinds; a term with no
        other forms needs none) holds no other form of it: the term is counted in the text file's map as it
        stands (no decoding: a few microseconds a plan). The others by str.count in the decoded text, each plan
        decoded once for all of them, when it holds no other form of the term's characters. Plans that do, or
        have no record, are left out."""
        out: dict[str, dict[int, int]] = {term: {} for term in wanted}
        forms = {term: variant_forms(term) for term in wanted}
        decoded: dict[str, set[int]] = {}
        text_file = self._text_file
        for term, docnums in wanted.items():
            normal, others = forms[term]
            kinds = term_variant_kinds(others)
            needle = Needle(normal)
            for docnum in docnums:
                at = self._offset(docnum)
                if self._may_hold_other_forms(docnum, at, kinds):
                    decoded.setdefault(term, set()).add(docnum)  # read it decoded
                    continue
                found = text_file.count(docnum, at, needle) if at else None
                if found is not None:
                    out[term][docnum] = found
        for docnum in frozenset().union(*decoded.values()):
            text = self._joined(docnum)
            if text is None:
                continue
            for term, docnums in decoded.items():
                normal, others = forms[term]
                if docnum in docnums and not any(other in text for other in others):
                    out[term][docnum] = text.count(normal)
        return out

    def terms_positions(
        self, wanted: dict[str, frozenset[int]], arrays: bool = False
    ) -> dict[str, dict[int, Sequence[int]]]:
        """term_positions of several (normalised) terms (with `arrays`, a plan's starts may come as the int
        array they were found in, for a caller that goes on with whole-array operations). Where a plan's record holds none of the kinds of
        characters a term has other forms of and no character outside the BMP, the term is found by numpy
        in the record's code units (their offsets are then character offsets); the rest are decoded, each
        document once for all of the terms, and searched by a regex of the term's variants (normalising a
        whole plan first cost ~100 x more; normalise keeps lengths, so the offsets are the same)."""
        out: dict[str, dict[int, list[int]]] = {term: {} for term in wanted}
        decoded: dict[str, set[int]] = {}
        for term, docnums in wanted.items():
            normal, others = variant_forms(term)
            kinds = term_variant_kinds(others)
            needle = Needle(normal)
            found = out[term]
            for docnum in sorted(docnums):
                units = self._bmp_units(docnum, kinds)
                if units is None:
                    decoded.setdefault(term, set()).add(docnum)
                    continue
                starts = needle.starts_in(units)
                if len(starts):
                    found[docnum] = starts if arrays else starts.tolist()
        for docnum in sorted(frozenset().union(*decoded.values())):
            text = self._joined(docnum)
            if text is None:
                continue
            for term, docnums in decoded.items():
                if docnum in docnums:
                    starts = variant_starts(text, term)
                    if starts:
                        out[term][docnum] = starts
        for term in decoded:  # in docnum order, as callers met it before
            out[term] = dict(sorted(out[term].items()))
        return out

    def _bmp_units(self, plan_id: int, kinds: int) -> np.ndarray | None:
        """The plan's record as code units when they can be searched as they are for a term whose other
        forms are of `kinds`; None when there is no record, it may hold another form, or a character outside
        the BMP (a unit offset is not a character offset there)."""
        at = self._offset(plan_id)
        if not at or self._may_hold_other_forms(plan_id, at, kinds):
            return None
        units = self._text_file.units(plan_id, at)
        if units is None or self._outside_bmp(plan_id, units):
            return None
        return units

    def _may_hold_other_forms(self, plan_id: int, at: int, kinds: int) -> bool:
        """Whether the plan's record at `at` may hold another form of a term whose other forms are of `kinds`
        (normalize.term_variant_kinds): it holds a character of one of those kinds, or its kinds are not
        known (no record)."""
        if not kinds:
            return False
        held = self._text_file.kinds(plan_id, at) if at else None
        return bool((ALL_KINDS if held is None else held) & kinds)

    def _outside_bmp(self, plan_id: int, units: np.ndarray) -> bool:
        """Whether the plan's record holds a character outside the BMP (two code units): told by its columns'
        lengths in characters when they are read (no pass over the text), else by looking for surrogates."""
        lists = self._lists
        if lists is not None and plan_id < len(lists["plan_ids"]) and lists["plan_ids"][plan_id] == plan_id:
            return len(units) != lists["titles_len"][plan_id] + 1 + lists["text_lengths"][plan_id]
        return outside_bmp(units)

    def ranked_hits(
        self, tree: Node | None, where: Where, ranking: Sequence[str], limit: int
    ) -> tuple[int, list[int], list[float]] | None:
        """(how many documents satisfy `tree` within `where`, the docnums of the best `limit` of them by the
        BM25F score of the `ranking` terms as all_scores gives it, those scores): best first, equal scores in
        no defined order. A document no ranking clause matches scores 0. With no ranking terms, only the
        count is meant. None when this index cannot answer it (see narrowed_query; no theme_facet field)."""
        query = narrowed_query(tree, where, self._pair_frequency) if self._ranks else None
        if query is None:
            return None
        if self._count == 0:
            return 0, [], []
        query = tantivy.Query.const_score_query(query, 0.0)
        clauses = ranking_clauses(ranking)
        if clauses:
            # the Should part is all_scores' query: the same score, plus the filter's 0.0
            query = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, query), (tantivy.Occur.Should, _should(clauses))]
            )
        result = self.searcher.search(query, limit=max(1, limit), count=True)
        hits = result.hits
        plan_ids = self.searcher.fast_field_values("plan_id", list(map(_SECOND, hits))) if hits else []
        return result.count, plan_ids, list(map(_FIRST, hits))

    def facet_counts(
        self, tree: Node | None, where: Where, columns: Sequence[str], with_total: bool = False
    ) -> dict[str, dict[object, int]] | tuple[int, dict[str, dict[object, int]]] | None:
        """For each facet column of `columns`: {value: how many documents satisfying `tree` within `where`
        have it}, counted by Tantivy's terms aggregation; `with_total`: (how many documents satisfy it, the
        counts), counted in the same pass. None when this index cannot answer it."""
        names = {column: fields.FACET_FIELDS.get(column) for column in columns}
        usable = self._ranks and None not in names.values()
        query = narrowed_query(tree, where, self._pair_frequency) if usable else None
        if query is None:
            return None
        if self._count == 0:
            empty: dict[str, dict[object, int]] = {column: {} for column in columns}
            return (0, empty) if with_total else empty
        request: dict[str, dict] = {
            column: {"terms": {"field": name, "size": FACET_TERMS_MAX}} for column, name in names.items()
        }
        if with_total:  # every document has one plan_id: its values are the documents
            request[TOTAL_KEY] = {"value_count": {"field": "plan_id"}}
        answer = self.searcher.aggregate(query, request)
        counts: dict[str, dict[object, int]] = {}
        for column in columns:
            found = answer.get(column) or {}
            if found.get("sum_other_doc_count") or found.get("doc_count_error_upper_bound"):
                return None  # not every value came back: the columns count it
            counts[column] = {bucket["key"]: bucket["doc_count"] for bucket in found.get("buckets", ())}
        if with_total:
            return int((answer.get(TOTAL_KEY) or {}).get("value") or 0), counts
        return counts

    def all_scores(self, terms: Sequence[str]) -> dict[int, float]:
        clauses = ranking_clauses(terms)
        if not clauses:
            return {}
        scores, plan_ids = self._scored(_should(clauses), self._count)
        return dict(zip(plan_ids, scores, strict=True))

    def documents(self, docnums: Sequence[int]) -> dict[int, StoredDocument]:
        found: dict[int, StoredDocument] = {}
        for docnum in docnums:
            with self._lock:
                cached = self._documents.get(docnum)
                if cached is not None:
                    self._documents.move_to_end(docnum)
            if cached is None:
                cached = self._read_document(docnum)
                if cached is None:
                    continue
                with self._lock:
                    self._documents[docnum] = cached
                    while len(self._documents) > DOCUMENT_CACHE:
                        self._documents.popitem(last=False)
            found[docnum] = cached
        return found

    def _address(self, plan_id: int) -> tantivy.DocAddress | None:
        address = self._addresses.get(plan_id)
        if address is None:
            query = tantivy.Query.term_query(fields.schema(), "plan_id", plan_id)
            hits = self.searcher.search(query, limit=1, count=False).hits
            address = hits[0][1] if hits else None
        return address

    def breaks(self, docnums: Sequence[int]) -> dict[int, bytes]:
        found: dict[int, bytes] = {}
        for docnum in docnums:
            at = self._offset(docnum)
            raw = self._text_file.breaks(docnum, at) if at else None
            if raw is None:  # no text record: the stored break column
                address = self._address(docnum)
                raw = self.searcher.doc(address).get_first("breaks") if address is not None else None
            if raw:
                found[docnum] = bytes(raw)
        return found

    def _read_document(self, plan_id: int) -> StoredDocument | None:
        at = self._offset(plan_id)
        if at:
            found = self._text_file.joined(plan_id, at)
            sections = self._text_file.sections(plan_id, at) if found is not None else None
            if sections is not None:
                joined, title_len = found
                return StoredDocument(
                    plan_id=plan_id, title=joined[:title_len], text=joined[title_len + 1 :], sections=sections
                )
        address = self._address(plan_id)
        if address is None:
            return None
        raw = self.searcher.doc(address).get_first("stored")
        if not raw:
            return None
        data = json.loads(bytes(raw).decode("utf-8"))
        sections = tuple(StoredSection(*section) for section in data.get("sections", ()))
        return StoredDocument(plan_id=data["id"], title=data["title"], text=data["text"], sections=sections)

    def doc_count(self) -> int:
        return self._count

    def word_doc_frequency(self, word: str) -> int:
        return self.searcher.doc_freq("body_words", word)

    def similar(self, weighted_words, themes, limit: int) -> list[int]:
        schema = fields.schema()
        clauses = [
            tantivy.Query.boost_query(
                tantivy.Query.term_query(schema, "body_words", word, index_option="freq"), float(weight)
            )
            for word, weight in weighted_words
        ]
        clauses += [
            tantivy.Query.boost_query(
                tantivy.Query.term_query(schema, "themes_terms", theme, index_option="freq"), THEME_BOOST
            )
            for theme in themes
        ]
        if not clauses:
            return []
        return self._scored(_should(clauses), limit)[1]

    def forget(self) -> None:
        """Drop the decoded documents kept (Snapshot.forget: benchmarks measuring first-time queries)."""
        with self._lock:
            self._documents.clear()

    def close(self) -> None:
        """Nothing to free by hand: the searcher's files are released when the last reference goes."""
        with self._lock:
            self._documents.clear()
