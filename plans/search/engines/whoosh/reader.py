"""The Whoosh adapter's EngineReader: one searcher of one generation and what is read from it per segment.

Columns and field lengths are read per segment and handed on to the next generation's reader (a commit adds
a small segment: only it, and segments with new deletions, are read again; at 10,000 plans a full read
takes seconds, which a newly saved plan would otherwise wait for). They belong to the readers, not to
module-level caches: when the last reader holding a segment's lists goes, so do the lists.

Whoosh's segment readers share one file object per file (seek, then read), so two threads reading postings
or columns of one reader at once read each other's bytes (the 16-thread test saw UnpicklingError and zlib
errors). Every call into Whoosh therefore takes the reader's lock: one call at a time per generation. The
work is pure Python, which the GIL serialises anyway; answers the snapshot has memoised need no lock.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Sequence

from plans.search.engines.whoosh import exact, ranking
from plans.search.normalize import variant_starts
from plans.search.registry import FACETS
from plans.search.snapshot import COLUMN_NAMES, StoredDocument, StoredSection

STORED_FORM = "stored_form"  # the COLUMN field holding title, text and sections (indexes.py)
BREAKS = "breaks"  # the COLUMN field holding the break offsets (indexes.py)
RANKED_FIELDS = ("title", "text", "chars")  # the fields ranking.ranking_query scores


def _open_column(leaf, name: str):
    """The segment's column reader of `name`, opened now; None for a segment written before it existed."""
    if leaf.has_column(name):
        return leaf.column_reader(name, translate=False)
    segment = leaf.segment() if hasattr(leaf, "segment") else None
    if segment is not None and not leaf._storage.file_exists(segment.make_filename(".trm")):
        raise FileNotFoundError(f"segment {segment.segment_id()} was removed while it was being opened")
    return None


def segment_key(leaf) -> tuple | None:
    """What identifies a segment reader's documents: its id and how many of its documents are deleted
    (deletions only grow, so the count tells the state). None for a reader without segments."""
    segment = getattr(leaf, "segment", None)
    if segment is None:
        return None
    try:
        seg = segment()
        return (seg.segment_id(), leaf.doc_count_all(), seg.deleted_count())
    except Exception:  # another kind of reader: read it every time
        return None


def generation_key(reader) -> tuple:
    """What identifies the documents a reader sees: its segments (random ids) with their deletion counts."""
    parts = []
    for leaf, offset in reader.leaf_readers():
        leaf_key = segment_key(leaf)
        parts.append((offset, leaf_key if leaf_key is not None else id(leaf)))
    return reader.generation(), tuple(parts)


def _int(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _facet_value(facet, raw):
    if facet.kind == "number":
        return _int(raw)
    if facet.kind == "list":
        return tuple(t for t in raw.split(",") if t) if isinstance(raw, str) else ()
    return raw or ""


def read_leaf_columns(leaf) -> dict[str, list]:
    """A segment's column lists (COLUMN_NAMES) from its small stored fields; the facets' columns as the
    registry declares them (plans/search/registry.py)."""
    total = leaf.doc_count_all()
    lists: dict[str, list] = {
        "plan_ids": [None] * total,
        "date_keys": [0] * total,
        "updated": [""] * total,
        "titles_len": [0] * total,
        "text_lengths": [0] * total,
        "issuers": [""] * total,
        "doc_numbers": [""] * total,
        "layouts": [0] * total,
    }
    for facet in FACETS:
        lists[facet.column] = [facet.empty] * total
    facet_lists = [(facet, facet.index_field, lists[facet.column]) for facet in FACETS]
    plan_ids, date_keys, updated = lists["plan_ids"], lists["date_keys"], lists["updated"]
    titles_len, text_lengths, issuers = lists["titles_len"], lists["text_lengths"], lists["issuers"]
    doc_numbers, layouts = lists["doc_numbers"], lists["layouts"]
    for docnum, stored in leaf.iter_docs():
        try:
            plan_id = int(stored.get("django_id"))
        except (TypeError, ValueError):
            continue
        plan_ids[docnum] = plan_id
        for facet, index_field, values in facet_lists:
            values[docnum] = _facet_value(facet, stored.get(index_field))
        date_keys[docnum] = _int(stored.get("date_key"))
        updated[docnum] = stored.get("updated") or ""
        titles_len[docnum] = _int(stored.get("title_len"))
        text_lengths[docnum] = _int(stored.get("text_len"))
        issuers[docnum] = stored.get("issuer") or ""
        doc_numbers[docnum] = stored.get("doc_number") or ""
        layouts[docnum] = _int(stored.get("layout"))
    return lists


def decode_stored_form(raw: bytes) -> StoredDocument | None:
    """The StoredDocument of a stored-form value (indexes.stored_form); None for an empty (old) value."""
    if not raw:
        return None
    data = json.loads(raw.decode("utf-8"))
    sections = tuple(StoredSection(*section) for section in data.get("sections", ()))
    return StoredDocument(plan_id=data["id"], title=data["title"], text=data["text"], sections=sections)


def _locked(method):
    """Run the method holding the reader's lock (see the module docstring)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._io_lock:
            return method(self, *args, **kwargs)

    return wrapper


class WhooshReader:
    """EngineReader over one Whoosh searcher (see plans/search/engines/base.py for the contract)."""

    def __init__(self, searcher, engine, folder, previous: WhooshReader | None = None):
        self._io_lock = threading.RLock()
        self.searcher = searcher
        self.reader = searcher.reader()
        self.engine = engine
        self.folder = folder
        self.generation = (engine.name, str(folder), generation_key(self.reader))
        inherited = previous if isinstance(previous, WhooshReader) else None
        self._column_parts: dict = self._read_parts(
            inherited._column_parts if inherited else {}, read_leaf_columns
        )
        self._length_parts: dict = dict(inherited._length_parts) if inherited else {}
        self._keep_live_length_parts()
        # Whoosh opens column files on first use; a later commit may have merged this generation's segments
        # away and deleted their files by then. Open (and read) now what later calls need.
        self._stored_forms = [_open_column(leaf, STORED_FORM) for leaf, _offset in self._leaves()]
        self._breaks = [_open_column(leaf, BREAKS) for leaf, _offset in self._leaves()]
        for fieldname in RANKED_FIELDS:
            self.field_lengths(fieldname)

    def _leaves(self):
        return self.reader.leaf_readers()

    def _read_parts(self, known: dict, read) -> dict:
        parts = {}
        for leaf, _offset in self._leaves():
            key = segment_key(leaf)
            part = known.get(key) if key is not None else None
            parts[key if key is not None else id(leaf)] = part if part is not None else read(leaf)
        return parts

    def _keep_live_length_parts(self) -> None:
        live = {segment_key(leaf) for leaf, _ in self._leaves()}
        self._length_parts = {k: v for k, v in self._length_parts.items() if k[0] in live}

    # --- EngineReader --------------------------------------------------------------------------------------

    @_locked
    def column_lists(self) -> dict[str, list]:
        merged: dict[str, list] = {name: [] for name in COLUMN_NAMES}
        for leaf, _offset in self._leaves():
            key = segment_key(leaf)
            part = self._column_parts[key if key is not None else id(leaf)]
            for name in COLUMN_NAMES:
                merged[name] += part[name]
        return merged

    @_locked
    def field_lengths(self, fieldname: str) -> list[float]:
        """Every document's length of `fieldname` by global docnum, as Whoosh's BM25F sees it."""
        lengths: list[float] = []
        for leaf, _offset in self._leaves():
            key = (segment_key(leaf), fieldname)
            part = self._length_parts.get(key) if key[0] is not None else None
            if part is None:
                part = ranking.leaf_lengths(leaf, fieldname)
                if key[0] is not None:
                    self._length_parts[key] = part
            lengths += part
        return lengths

    @_locked
    def term_docs(self, term: str) -> frozenset[int]:
        pieces = term.split()
        if len(pieces) == 1 and pieces[0] == term:
            return exact.substring_docs(self.reader, term)
        # Whitespace never takes part in a bigram: candidates hold every piece, the stored text decides.
        candidates: frozenset[int] | None = None
        if not pieces:  # whitespace only: every live document is a candidate
            candidates = frozenset(d for d, plan_id in enumerate(self._plan_ids()) if plan_id is not None)
        for piece in sorted(pieces, key=len, reverse=True):
            piece_docs = exact.substring_docs(self.reader, piece)
            candidates = piece_docs if candidates is None else candidates & piece_docs
            if not candidates:
                return frozenset()
        if not candidates:
            return frozenset()
        return frozenset(self.term_positions(term, candidates))

    @_locked
    def term_positions(self, term: str, docnums: frozenset[int]) -> dict[int, list[int]]:
        if len(term) >= 2 and not any(ch.isspace() for ch in term):
            return exact.substring_positions(self.reader, term, docnums)
        # One character (the unigram view has no positions) or whitespace inside: scan the stored text.
        out: dict[int, list[int]] = {}
        for docnum, document in self.documents(sorted(docnums)).items():
            found = variant_starts(document.title_and_body, term)  # the original text, offsets as normalised
            if found:
                out[docnum] = found
        return out

    @_locked
    def all_scores(self, terms: Sequence[str]) -> dict[int, float]:
        query = ranking.ranking_query(list(terms))
        if query is None:
            return {}
        return ranking.all_scores(self.searcher, self.reader, ranking.clauses(query), self.field_lengths)

    @_locked
    def documents(self, docnums: Sequence[int]) -> dict[int, StoredDocument]:
        """Stored forms by docnum; documents written before the stored form came from the database."""
        found: dict[int, StoredDocument] = {}
        missing: list[int] = []
        for docnum, raw in self._column_values(self._stored_forms, docnums):
            document = decode_stored_form(raw) if raw else None
            if document is None:
                missing.append(docnum)
            else:
                found[docnum] = document
        if missing:
            plan_ids = self._plan_ids()
            found.update(_documents_from_database({d: plan_ids[d] for d in missing}))
        return found

    @_locked
    def breaks(self, docnums: Sequence[int]) -> dict[int, bytes]:
        return {docnum: raw for docnum, raw in self._column_values(self._breaks, docnums) if raw}

    def _column_values(self, columns: list, docnums: Sequence[int]):
        """(docnum, raw value or None) of each docnum in one of the per-segment `columns` (None: the segment
        has no such column)."""
        leaves = self._leaves()
        for docnum in docnums:
            index = self.reader._segment_and_docnum(docnum)[0] if len(leaves) > 1 else 0
            column = columns[index]
            yield docnum, (column[docnum - leaves[index][1]] if column is not None else None)

    def _plan_ids(self) -> list[int | None]:
        plan_ids: list[int | None] = []
        for leaf, _offset in self._leaves():
            key = segment_key(leaf)
            plan_ids += self._column_parts[key if key is not None else id(leaf)]["plan_ids"]
        return plan_ids

    @_locked
    def doc_count(self) -> int:
        return self.searcher.doc_count()

    @_locked
    def word_doc_frequency(self, word: str) -> int:
        return self.searcher.doc_frequency("text", word)

    @_locked
    def similar(self, weighted_words, themes, limit: int) -> list[int]:
        from plans.search.engines.whoosh.similar import similar_docnums

        return similar_docnums(self.searcher, weighted_words, themes, limit)

    @_locked
    def close(self) -> None:
        self.searcher.close()


def _documents_from_database(plan_ids_by_docnum: dict[int, int]) -> dict[int, StoredDocument]:
    """Documents indexed before the stored form existed (check_index re-indexes them): from the database."""
    from plans.models import Plan, Section

    plans = Plan.objects.only("id", "title", "text").in_bulk(list(plan_ids_by_docnum.values()))
    sections: dict[int, list[StoredSection]] = {}
    rows = Section.objects.filter(plan_id__in=list(plans)).values_list(
        "plan_id", "heading", "anchor", "start", "end", "order"
    )
    for plan_id, *span in rows.order_by("plan_id", "order"):
        sections.setdefault(plan_id, []).append(StoredSection(*span))
    out = {}
    for docnum, plan_id in plan_ids_by_docnum.items():
        plan = plans.get(plan_id)
        if plan is not None:
            out[docnum] = StoredDocument(plan_id, plan.title, plan.text, tuple(sections.get(plan_id, ())))
    return out
