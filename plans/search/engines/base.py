"""The engine seam: what an index engine must do for plans/search's engine-neutral core.

An engine (Whoosh today: engines/whoosh; Tantivy next: engines/tantivy) implements two protocols:

- `Engine`: one per process and index location. Opens readers of the newest generation, writes (index,
  delete, commit in one call), rebuilds into a new location and switches to it atomically, reports health.
- `EngineReader`: one index generation, immutable. The core wraps it in a `plans.search.snapshot.Snapshot`,
  which adds the memo, reference counting and the derived columns; everything above the seam
  (query parsing, facet counting over columns, ranking policy, highlighting, loading hits) only calls
  Snapshot primitives, so nothing outside plans/search/engines changes when the engine does.

Two methods are optional, for a reader that finds positions by reading the text: `terms_positions(wanted,
arrays=False)` (several terms, each document read once; with `arrays`, starts may come as int arrays) and `terms_counts(wanted)` (occurrences counted without
positions, leaving out the documents it cannot count alone); Snapshot falls back when they are absent.

Two more are optional, for a reader that can rank and count inside its engine (plans/search/ranked.py):
`ranked_hits(tree, where, ranking, limit)` -> (how many documents satisfy the expression `tree` within the
facet selections `where`, the docnums of the best `limit` by the score all_scores gives, those scores),
and `facet_counts(tree, where, columns, with_total=False)` -> {facet column: {value: documents}} (with_total:
(how many documents satisfy it, those counts)). Either returns None for a
query it cannot decide alone; search() then works from term_docs, all_scores and the columns, which stay
the definition.

Offsets are in the normalised `title + "\\n" + text` of a document (see plans.search.snapshot).
Exceptions: `IndexMissing` / `IndexCorrupt` mean the index really is gone or broken (confirmed by the
engine, for example by reopening it): the core then rebuilds it from the database. Any other exception is
a passing error: the request answers with a notice and every index file stays as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

from plans.search.snapshot import StoredDocument


class IndexUnavailable(Exception):
    """The index cannot be read at all; see the subclasses for the two confirmed cases."""


class IndexMissing(IndexUnavailable):
    """There is no index at the configured location."""


class IndexCorrupt(IndexUnavailable):
    """The index files exist but cannot be read, and reopening them fails the same way."""


@runtime_checkable
class EngineReader(Protocol):
    """One immutable index generation."""

    generation: Any  # hashable: equal for readers of the same documents

    def column_lists(self) -> dict[str, list]:
        """Per-docnum lists named by plans.search.snapshot.COLUMN_NAMES (deleted documents: plan id None)."""

    def term_docs(self, term: str) -> Iterable[int]:
        """Live docnums whose normalised title + "\\n" + text contains the normalised `term`."""

    def term_positions(self, term: str, docnums: frozenset[int]) -> dict[int, list[int]]:
        """For each of `docnums` (which all hold the term): sorted start offsets of every occurrence."""

    def all_scores(self, terms: Sequence[str]) -> dict[int, float]:
        """BM25F score (title boosted) of every live document any ranking clause of `terms` matches."""

    def documents(self, docnums: Sequence[int]) -> dict[int, StoredDocument]:
        """The stored form of live documents."""

    def breaks(self, docnums: Sequence[int]) -> dict[int, bytes]:
        """The break column (plans.search.snapshot.encode_breaks) of those live `docnums` written with it;
        documents written before the column are left out (the snapshot reads their stored form instead)."""

    def doc_count(self) -> int:
        """Live documents."""

    def word_doc_frequency(self, word: str) -> int:
        """In how many documents the body holds the (segmented) word: related plans' idf."""

    def similar(
        self, weighted_words: Sequence[tuple[str, float]], themes: Sequence[str], limit: int
    ) -> list[int]:
        """Docnums best matching the weighted body words and themes (OR), best first."""

    def close(self) -> None:
        """Free the generation's files; called once, when no request holds the snapshot."""


@runtime_checkable
class Engine(Protocol):
    """The index at one location, for one process."""

    name: str

    def open_reader(self, previous: EngineReader | None = None) -> tuple[EngineReader, Any]:
        """A reader of the newest generation and its stamp; `previous` lets it reuse unchanged segments.

        Raises IndexMissing / IndexCorrupt when confirmed, anything else for a passing error.
        """

    def is_newer(self, stamp: Any) -> bool:
        """True when a generation newer than `stamp` (or another location) is committed."""

    def write(self, plans: Sequence, remove_ids: Iterable[int]) -> None:
        """Index (replace) these plans and delete these plan ids, then commit: one new generation."""

    def rebuild(self, plans: Iterable, procs: int = 1) -> int:
        """Write every plan into a new location and switch to it only when complete (the old index answers
        until then; a failure half-way leaves it in use). Returns the number written."""

    def create_empty(self) -> None:
        """Start a new, empty index at a new location and switch to it (haystack's clear_index)."""

    def create_if_missing(self) -> None:
        """Create an empty index only when there is none (checked again under the engine's creation lock, so
        an index another thread or process has just created and written is kept)."""

    def health(self) -> tuple[bool, str]:
        """(ok, message) without side effects."""

    def close(self) -> None:
        """Forget open handles (settings changed)."""
