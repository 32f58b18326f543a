"""One immutable snapshot per index generation, shared by the requests that read it.

A `Snapshot` wraps an engine reader (plans/search/engines/base.py: `EngineReader`) of one generation and
holds everything derived from it: the per-document columns, and a memo for term sets, scores, sentence
breaks or anything else a caller computes from this generation. Nothing derived from an index lives in a
module-level cache: a new generation gets a new snapshot, and the old one is dropped with all it computed.

`current_snapshot()` is the only way in:

    with current_snapshot() as snapshot:
        docs = snapshot.term_docs("科技")
        ...

The block holds the snapshot (a reference count): a commit meanwhile publishes a new snapshot for the
requests that start after it, and the old one is closed when the last block holding it ends.

Coordinates: every offset is in the normalised `title + "\\n" + text` of a plan (normalize.py keeps lengths,
so it is also the original string): the title starts at 0, the body at `columns.titles_len[d] + 1`.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np

logger = logging.getLogger(__name__)

# What ends a sentence (full-width forms of ！？； fold to ASCII in normalised text, both are listed) and
# what ends a paragraph.
SENTENCE_ENDS = "。！？；!?;"
LINE_BREAKS = "\n\r\u2028\u2029"
_SENTENCE_BREAK = re.compile(f"[{re.escape(SENTENCE_ENDS + LINE_BREAKS)}]")
_PARAGRAPH_BREAK = re.compile(f"[{re.escape(LINE_BREAKS)}]")

MEMO_ENTRIES = 2048  # values a snapshot remembers (least recently used dropped first)
MEMO_WEIGHT = (
    2_000_000  # summed len() of remembered values (docnums in term sets, scores): ~100-200 MB at most
)


# The per-document columns an engine provides, in this order (lists indexed by docnum). The facets' columns
# (regions, years, themes, levels) are those of plans.search.registry.FACETS; a test checks they agree.
COLUMN_NAMES = (
    "plan_ids",  # int, None where the document is deleted
    "regions",  # region name or ""
    "years",  # int, 0 when unknown
    "levels",  # Level value or ""
    "themes",  # tuple of theme names
    "date_keys",  # ordinal of published_on (else 1 July of the year, else 0)
    "updated",  # the plan's updated_at (ISO) when indexed: check_index compares it
    "titles_len",  # len(title)
    "text_lengths",  # len(text)
    "issuers",  # normalised issuer
    "doc_numbers",  # normalised document number (文号)
    "layouts",  # the layout the document was written with (STORED_LAYOUT)
)

# The layout of what a document is written with: 2, the compact stored form; 3, with the break column too.
# check_index counts a document of another layout as stale and re-indexes it (layout 0: before either).
STORED_LAYOUT = 3


@dataclass
class Columns:
    """Per-docnum values of one snapshot (see COLUMN_NAMES), with the plan id map and the date order."""

    plan_ids: list[int | None]
    regions: list[str]
    years: list[int]
    levels: list[str]
    themes: list[tuple[str, ...]]
    date_keys: list[int]
    updated: list[str]
    titles_len: list[int]
    text_lengths: list[int]
    issuers: list[str]
    doc_numbers: list[str]
    layouts: list[int]
    docnum_of: dict[int, int] = field(default_factory=dict)  # plan id -> docnum
    date_rank: list[int] = field(default_factory=list)  # docnum -> place in newest-first order (then by id)

    @property
    def live(self) -> list[int]:
        """The docnums of live documents (a new list: callers may change it)."""
        return list(self.docnum_of.values())

    # Array views of the columns, built once per snapshot on first use (cached on this object, so they live
    # and die with the columns). Filters, facet counts and ranking work on whole result sets at once with
    # them: at 100,000 plans a result set of tens of thousands of documents is one numpy pass, not a Python
    # loop per document.

    @cached_property
    def date_rank_array(self) -> np.ndarray:
        """date_rank as an int64 array (docnum -> place in newest-first order)."""
        return np.asarray(self.date_rank, dtype=np.int64)

    @cached_property
    def _coded(self) -> dict[str, tuple[np.ndarray, list]]:
        return {}

    def codes(self, column: str) -> tuple[np.ndarray, list]:
        """(code of each docnum, the values by code) of a column of one value per document (e.g. regions)."""
        coded = self._coded.get(column)
        if coded is None:
            values = getattr(self, column)
            vocabulary = list(dict.fromkeys(values))
            code_of = {value: code for code, value in enumerate(vocabulary)}
            coded = (np.fromiter(map(code_of.__getitem__, values), np.int32, len(values)), vocabulary)
            self._coded[column] = coded
        return coded

    def membership(self, column: str) -> tuple[np.ndarray, list]:
        """(boolean docnum x value matrix, the values by column) of a column of several values per document
        (themes): row d says which values document d has."""
        key = ("membership", column)
        coded = self._coded.get(key)
        if coded is None:
            values = getattr(self, column)
            vocabulary = sorted({value for row in values for value in row})
            code_of = {value: code for code, value in enumerate(vocabulary)}
            matrix = np.zeros((len(values), len(vocabulary)), dtype=bool)
            rows = [docnum for docnum, row in enumerate(values) for _ in row]
            cols = [code_of[value] for row in values for value in row]
            matrix[rows, cols] = True
            coded = (matrix, vocabulary)
            self._coded[key] = coded
        return coded

    @classmethod
    def from_lists(cls, lists: dict[str, list]) -> Columns:
        """Columns from the engine's lists, with docnum_of and date_rank derived."""
        plan_ids, date_keys = lists["plan_ids"], lists["date_keys"]
        total = len(plan_ids)
        docnum_of = {plan_id: docnum for docnum, plan_id in enumerate(plan_ids) if plan_id is not None}
        newest_first = sorted(docnum_of.values(), key=lambda d: (-date_keys[d], -(plan_ids[d] or 0)))
        date_rank = [total] * total
        for place, docnum in enumerate(newest_first):
            date_rank[docnum] = place
        return cls(**{name: lists[name] for name in COLUMN_NAMES}, docnum_of=docnum_of, date_rank=date_rank)


class StoredSection(NamedTuple):
    """A section of a stored document; start and end are offsets in the body text (end None: to the end)."""

    heading: str
    anchor: str
    start: int
    end: int | None
    order: int


@dataclass(frozen=True)
class StoredDocument:
    """What hits and snippets need of a plan, from the index's compact stored form (not the ORM)."""

    plan_id: int
    title: str
    text: str
    sections: tuple[StoredSection, ...] = ()

    @property
    def title_and_body(self) -> str:
        """The string every offset of a snapshot refers to."""
        return f"{self.title}\n{self.text}"


def sentence_and_paragraph_breaks(joined: str) -> tuple[list[int], list[int]]:
    """Offsets of sentence breaks (。！？；!?; and line breaks) and of paragraph breaks (line breaks).

    The same on the original and on the normalised text: a character is a break exactly when its normalised
    form is one (full-width ！？； fold to !?;, both listed; nothing else folds to or from a break; a test
    checks this against normalize's table), so indexing may cut the original string."""
    sentences = [m.start() for m in _SENTENCE_BREAK.finditer(joined)]
    paragraphs = [m.start() for m in _PARAGRAPH_BREAK.finditer(joined)]
    return sentences, paragraphs


# The break column: a document's sentence and paragraph breaks written at index time, so that a proximity
# query reads a few kilobytes per document instead of its whole stored form (and does not scan it). Layout:
# little-endian uint32 values, the number of sentence breaks, the sentence breaks, then the paragraph breaks
# (offsets in title + "\n" + text). About 2.7 KB for a 16,000-character report, before the engine compresses.
_BREAK_ITEM = "I"
if array(_BREAK_ITEM).itemsize != 4:  # every platform Python supports has a 4-byte unsigned int
    raise ImportError("the break column needs array('I') of 4 bytes")


def encode_breaks(joined: str) -> bytes:
    """The break column value of a document whose title + "\n" + text is `joined`."""
    sentences, paragraphs = sentence_and_paragraph_breaks(joined)
    values = array(_BREAK_ITEM, [len(sentences)])
    values.extend(sentences)
    values.extend(paragraphs)
    if sys.byteorder == "big":
        values.byteswap()
    return values.tobytes()


def decode_breaks(raw: bytes) -> tuple[array, array] | None:
    """(sentence breaks, paragraph breaks) of a break column value; None for a value that is not one (a
    document written before the column: the caller reads the stored form instead)."""
    if not raw or len(raw) % 4:
        return None
    values = array(_BREAK_ITEM)
    values.frombytes(raw)
    if sys.byteorder == "big":
        values.byteswap()
    count = values[0]
    if count > len(values) - 1:
        return None
    return values[1 : 1 + count], values[1 + count :]


class Snapshot:
    """Everything one index generation answers, and everything computed from it (see the module docstring)."""

    def __init__(self, reader, stamp: Any):
        self.reader = reader  # the engine's EngineReader for this generation
        self.stamp = stamp  # what the engine compares to tell whether a newer generation exists
        self._refs = 0
        self._closed = False
        self._lock = threading.Lock()
        self._memo: OrderedDict[Any, Any] = OrderedDict()
        self._memo_weight = 0
        self._weights: dict[Any, int] = {}
        self._computing: dict[Any, threading.Lock] = {}

    # --- identity and memo ---------------------------------------------------------------------------------

    @property
    def generation(self):
        """Hashable identity of this generation (equal for two snapshots of the same documents)."""
        return self.reader.generation

    @property
    def closed(self) -> bool:
        return self._closed

    def memo(self, key, compute: Callable[[], Any], weight: Callable[[Any], int] | None = None):
        """compute() once for this snapshot and remember the value (LRU, bounded); dropped with the snapshot.

        A value weighs its len() (1 without one) against MEMO_WEIGHT unless `weight(value)` says otherwise.
        Threads asking for the same key at once wait for the first one's result instead of computing it too.
        """
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                if key in self._memo:
                    return self._memo[key]
            try:
                value = compute()
            finally:
                with self._lock:
                    self._computing.pop(key, None)
            with self._lock:
                if not self._closed:
                    self._remember(key, value, weight(value) if weight else None)
            return value

    def _remember(self, key, value, weight: int | None = None) -> None:
        if weight is None:
            weight = len(value) if hasattr(value, "__len__") else 1
        self._memo_weight -= self._weights.get(key, 0)  # a value remembered again replaces the old one
        self._memo[key] = value
        self._weights[key] = weight
        self._memo_weight += weight
        while len(self._memo) > 1 and (len(self._memo) > MEMO_ENTRIES or self._memo_weight > MEMO_WEIGHT):
            dropped, _value = self._memo.popitem(last=False)
            self._memo_weight -= self._weights.pop(dropped, 1)

    def forget(self) -> None:
        """Drop every memoised value (benchmarks measuring first-time queries); columns stay."""
        with self._lock:
            columns = self._memo.get("columns")
            self._memo.clear()
            self._weights.clear()
            self._memo_weight = 0
            if columns is not None:
                self._remember("columns", columns)
        forget = getattr(self.reader, "forget", None)
        if forget is not None:  # a reader's own cache of stored documents: a fresh generation has none either
            forget()

    # --- the primitives ------------------------------------------------------------------------------------

    @property
    def columns(self) -> Columns:
        """Per-docnum columns (COLUMN_NAMES), docnum_of, date_rank and live."""
        return self.memo("columns", lambda: Columns.from_lists(self.reader.column_lists()))

    def term_docs(self, term: str) -> frozenset[int]:
        """Docnums whose normalised title + "\\n" + text contains the normalised `term` (exact substring)."""
        from plans.search.normalize import normalise

        term = normalise(term)
        if not term:
            return frozenset()
        return self.memo(("term_docs", term), lambda: frozenset(self.reader.term_docs(term)))

    def term_positions(self, term: str, docnums: Iterable[int] | None = None) -> dict[int, list[int]]:
        """For each docnum holding `term` (within `docnums` when given): the sorted start offsets of every
        occurrence, overlapping ones included, in the normalised title + "\\n" + text."""
        from plans.search.normalize import normalise

        term = normalise(term)
        holding = self.term_docs(term)
        wanted = holding if docnums is None else holding & frozenset(docnums)
        if not wanted:
            return {}
        return self.reader.term_positions(term, wanted)

    def terms_positions(
        self, terms: Sequence[str], docnums: Iterable[int] | None = None, arrays: bool = False
    ) -> dict[str, dict[int, Sequence[int]]]:
        """term_positions(term, docnums) of several terms at once, keyed by the terms as given. A reader that
        finds positions in the stored text (`terms_positions` of its own) reads each document once for all
        of them instead of once per term; with `arrays`, it may give a document's starts as an int array."""
        from plans.search.normalize import normalise

        normal = {term: normalise(term) for term in dict.fromkeys(terms)}
        holding = {term: self.term_docs(folded) for term, folded in normal.items()}
        if docnums is not None:
            within = frozenset(docnums)
            holding = {term: found & within for term, found in holding.items()}
        together = getattr(self.reader, "terms_positions", None)
        if together is None:
            return {term: self.term_positions(term, docnums) for term in normal}
        wanted: dict[str, frozenset[int]] = {}
        for term, docnums in holding.items():
            if docnums:
                wanted[normal[term]] = wanted.get(normal[term], frozenset()) | docnums
        found = together(wanted, arrays=arrays) if wanted else {}
        return {term: found.get(normal[term], {}) if holding[term] else {} for term in normal}

    @property
    def counts_alone(self) -> bool:
        """Whether the reader counts occurrences without working out their positions (`terms_counts` of its
        own); without it, counts are best derived from positions worked out once for kwic and trends."""
        return hasattr(self.reader, "terms_counts")

    def terms_counts(self, terms: Sequence[str]) -> dict[str, dict[int, int]]:
        """For each of `terms` (keyed as given) and each docnum holding it: its non-overlapping occurrences in
        the normalised title + "\\n" + text, as str.count counts them. The reader counts what it can alone,
        several terms together; positions decide the rest."""
        from plans.search.normalize import non_overlapping, normalise

        normal = {term: normalise(term) for term in dict.fromkeys(terms)}
        holding = {folded: self.term_docs(folded) for folded in set(normal.values()) if folded}
        counted = self.reader.terms_counts(holding) if self.counts_alone and holding else {}
        found: dict[str, dict[int, int]] = {}
        for folded, docnums in holding.items():
            counts = dict(counted.get(folded, {}))
            rest = docnums - counts.keys()
            if rest:
                for docnum, starts in self.reader.term_positions(folded, rest).items():
                    counts[docnum] = len(non_overlapping(starts, len(folded)))
            found[folded] = {docnum: n for docnum, n in counts.items() if n}
        return {term: found.get(folded, {}) for term, folded in normal.items()}

    def remembers(self, key) -> bool:
        """Whether the memo holds `key` now (it may be dropped at any time after)."""
        with self._lock:
            return key in self._memo

    def breaks(self, docnum: int) -> tuple[Sequence[int], Sequence[int]]:
        """(sentence breaks, paragraph breaks): sorted offsets of 。！？；!?; and line breaks, and of line
        breaks, in the document's title + "\\n" + text (the title's end is a break of both kinds); two empty
        sequences for a document that is not live."""
        return self.breaks_of([docnum]).get(docnum, ((), ()))

    def breaks_of(self, docnums: Iterable[int]) -> dict[int, tuple[Sequence[int], Sequence[int]]]:
        """breaks() of each live document of `docnums`, read from the break column in one call.

        A document indexed before the column existed has none: its breaks come from its stored form (read
        and scanned, milliseconds for a long report) and are memoised; check_index re-indexes such documents
        (their layout is older than STORED_LAYOUT). Column values are not memoised: reading one costs about
        as much as a memo entry would, and thousands of candidates would push term sets out of the memo.
        """
        wanted = self._live(docnums)
        if not wanted:
            return {}
        found: dict[int, tuple[Sequence[int], Sequence[int]]] = {}
        for docnum, raw in self.reader.breaks(wanted).items():
            decoded = decode_breaks(raw)
            if decoded is not None:
                found[docnum] = decoded
        for docnum in wanted:
            if docnum not in found:
                found[docnum] = self.memo(("breaks", docnum), lambda d=docnum: self._breaks_from_text(d))
        return found

    def _breaks_from_text(self, docnum: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        document = self.reader.documents([docnum]).get(docnum)
        if document is None:
            return (), ()
        sentences, paragraphs = sentence_and_paragraph_breaks(document.title_and_body)
        return tuple(sentences), tuple(paragraphs)

    def _live(self, docnums: Iterable[int]) -> list[int]:
        """`docnums` without repeats, deleted or unknown docnums left out."""
        plan_ids = self.columns.plan_ids
        return [d for d in dict.fromkeys(docnums) if 0 <= d < len(plan_ids) and plan_ids[d] is not None]

    def documents(self, docnums: Iterable[int]) -> dict[int, StoredDocument]:
        """The stored title, text and sections of live documents (from the index, not the ORM)."""
        wanted = self._live(docnums)
        return self.reader.documents(wanted) if wanted else {}

    def score_array(self, terms: Sequence[str]) -> np.ndarray:
        """The scores of snapshot.scores as a float array indexed by docnum, NaN where a document has none."""

        def compute():
            every = self.memo(("scores", tuple(terms)), lambda: self.reader.all_scores(list(terms)))
            vector = np.full(len(self.columns.plan_ids), np.nan)
            if every:
                docnums = np.fromiter(every.keys(), np.int64, len(every))
                vector[docnums] = np.fromiter(every.values(), np.float64, len(every))
            return vector

        return self.memo(("score_array", tuple(terms)), compute)

    def scores(self, terms: Sequence[str], docnums: Iterable[int]) -> dict[int, float]:
        """BM25F scores (title boosted) of the documents of `docnums` that the ranking terms match.

        The scores of every document matching `terms` are computed once per snapshot (memo): refining a
        search by a facet or turning its pages does not rank again.
        """
        key = ("scores", tuple(terms))
        every = self.memo(key, lambda: self.reader.all_scores(list(terms)))
        wanted = docnums if isinstance(docnums, set | frozenset) else set(docnums)
        if len(wanted) < len(every):
            return {d: every[d] for d in wanted if d in every}
        return {d: s for d, s in every.items() if d in wanted}

    # --- life cycle ------------------------------------------------------------------------------------------

    def _acquire(self) -> None:
        with self._lock:
            self._refs += 1

    def _release(self) -> bool:
        """Drop one reference; True when none is left."""
        with self._lock:
            self._refs -= 1
            return self._refs <= 0

    def close(self) -> None:
        """Close the engine reader and drop the memo (only when nothing holds the snapshot)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._memo.clear()
            self._weights.clear()
        try:
            self.reader.close()
        except Exception:  # a reader already closed by its engine: nothing left to free
            logger.debug("closing a snapshot reader failed", exc_info=True)


class SnapshotHub:
    """The process's current snapshot: published on a new generation, closed when its last holder leaves.

    The hub itself holds one reference to the current snapshot; every `current()` block holds another.
    """

    def __init__(self, engine_factory: Callable[[], Any]):
        self._engine_factory = engine_factory
        self._lock = threading.RLock()
        self._current: Snapshot | None = None
        self._engine = None

    @property
    def engine(self):
        with self._lock:
            if self._engine is None:
                self._engine = self._engine_factory()
            return self._engine

    def _fresh(self) -> Snapshot:
        """The current snapshot, replaced first when the engine has a newer generation."""
        engine = self.engine
        current = self._current
        if current is not None and not engine.is_newer(current.stamp):
            return current
        reader, stamp = engine.open_reader(previous=current.reader if current is not None else None)
        fresh = Snapshot(reader, stamp)
        fresh._acquire()  # the hub's own reference
        self._current = fresh
        if current is not None:
            self._let_go(current)
        return fresh

    @contextlib.contextmanager
    def current(self) -> Iterator[Snapshot]:
        """Hold the current snapshot for the block (see current_snapshot())."""
        with self._lock:
            snapshot = self._fresh()
            snapshot._acquire()
        try:
            yield snapshot
        finally:
            self._let_go(snapshot)

    def _let_go(self, snapshot: Snapshot) -> None:
        if snapshot._release():
            snapshot.close()

    def reset(self) -> None:
        """Forget the engine and the current snapshot (settings changed, or the index folder was replaced);
        a snapshot still held by a request is closed when that request ends."""
        with self._lock:
            current, self._current = self._current, None
            engine, self._engine = self._engine, None
        if current is not None:
            self._let_go(current)
        if engine is not None:
            engine.close()

    def peek(self) -> Snapshot | None:
        """The published snapshot without checking for a newer generation (tests and diagnostics)."""
        return self._current


def _default_engine():
    from plans.search.engines import configured_engine

    return configured_engine()


hub = SnapshotHub(_default_engine)


def current_snapshot():
    """Context manager: the current Snapshot, held (ref-counted) until the block ends."""
    return hub.current()


def _on_setting_changed(setting, value, **kwargs):
    """Tests point the index at a temporary folder: the engine and the snapshot follow."""
    if setting != "HAYSTACK_CONNECTIONS":
        return
    from plans.search.engines import connections_changed

    connections_changed(value)
    hub.reset()


def _connect_setting_changed() -> None:
    from django.core.signals import setting_changed

    setting_changed.connect(_on_setting_changed, dispatch_uid="search-snapshot-settings")


_connect_setting_changed()
