"""The Whoosh index that haystack manages, opened once per process, with one shared, refreshed searcher.

We also keep plain per-document columns (plan id, region, year, level, themes, date key), read from the small
stored fields once per segment and joined per index generation: facet counts, filters and date sorting are loops over these lists
instead of Whoosh's `groupedby`, and a page's plan ids come without touching stored fields again.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

logger = logging.getLogger(__name__)

ALIAS = "default"


@dataclass
class Columns:
    """Per-docnum values of one searcher generation (None where a document is deleted)."""

    plan_ids: list[int | None]
    regions: list[str]
    years: list[int]
    levels: list[str]
    themes: list[tuple[str, ...]]
    date_keys: list[int]
    updated: list[str]
    docnum_of: dict[int, int] = field(default_factory=dict)  # plan id -> docnum
    date_rank: list[int] = field(default_factory=list)  # docnum -> place in newest-first order (then by id)

    @property
    def live(self) -> list[int]:
        return list(self.docnum_of.values())


class IndexStore:
    """Process-wide access to the index: schema, FileIndex, the shared searcher and its columns."""

    def __init__(self):
        self._lock = threading.RLock()
        self.write_lock = threading.Lock()  # one writer at a time in this process
        self._reset()

    def _reset(self):
        self._ix = None
        self._schema = None
        self._searcher = None
        self._searcher_stamp = None
        self._columns = None
        self._columns_key = None

    def reset(self) -> None:
        """Forget the open index (after a settings change or a rebuild elsewhere)."""
        with self._lock:
            if self._searcher is not None:
                with contextlib.suppress(Exception):  # already closed by a concurrent refresh
                    self._searcher.close()
            self._reset()

    @property
    def path(self) -> Path:
        return Path(settings.HAYSTACK_CONNECTIONS[ALIAS]["PATH"])

    @property
    def schema(self):
        if self._schema is None:
            from haystack import connections

            backend = connections[ALIAS].get_backend()
            fields = connections[ALIAS].get_unified_index().all_searchfields()
            self._schema = backend.build_schema(fields)[1]
        return self._schema

    def haystack_backend(self):
        from haystack import connections

        return connections[ALIAS].get_backend()

    def index(self, create: bool = True):
        """The FileIndex, created empty when the folder has none."""
        with self._lock:
            if self._ix is None:
                path = self.path
                path.mkdir(parents=True, exist_ok=True)
                storage = FileStorage(str(path))
                try:
                    self._ix = storage.open_index(schema=self.schema)
                except whoosh_index.EmptyIndexError:
                    if not create:
                        raise
                    self._ix = storage.create_index(self.schema)
            return self._ix

    def create_empty(self):
        """Replace whatever is in the folder by an empty index (rebuild, or repair of a corrupt one)."""
        with self._lock:
            self.reset()
            path = self.path
            path.mkdir(parents=True, exist_ok=True)
            storage = FileStorage(str(path))
            self._ix = storage.create_index(self.schema)
            return self._ix

    def _stamp(self):
        """Identity of the folder's current table of contents: a folder deleted and re-created by haystack's
        rebuild_index can reach the same generation number as the index we have open."""
        try:
            ix = self._ix
            toc = self.path / f"_{ix.indexname}_{ix.latest_generation()}.toc"
            stat = toc.stat()
            return stat.st_ino, stat.st_mtime_ns
        except (OSError, AttributeError):
            return None

    def searcher(self):
        """The shared searcher, refreshed when a writer committed a new generation."""
        with self._lock:
            if self._searcher is None:
                self._searcher = self.index().searcher()
                self._searcher_stamp = self._stamp()
            else:
                # Old searchers are left to the garbage collector: a request may still be using one.
                if not self._searcher.up_to_date():
                    self._searcher = self._searcher.refresh()  # reuses the unchanged segments
                    self._searcher_stamp = self._stamp()
                elif self._stamp() != self._searcher_stamp:
                    self._ix = None
                    self._searcher = self.index().searcher()
                    self._searcher_stamp = self._stamp()
            return self._searcher

    def columns(self, searcher) -> Columns:
        """The per-document columns for this searcher's generation (built once per generation)."""
        reader = searcher.reader()
        key = (id(reader), reader.generation(), reader.doc_count_all())
        with self._lock:
            if self._columns_key == key and self._columns is not None:
                return self._columns
        columns = _read_columns(reader)
        with self._lock:
            self._columns, self._columns_key = columns, key
        return columns


def generation_key(reader) -> tuple:
    """What identifies the documents a reader sees: its segments (random ids) with their deletion counts.

    Safer than id(reader) for cache keys: a closed reader's id can be reused by another index's reader.
    """
    parts = []
    for leaf, offset in reader.leaf_readers():
        leaf_key = segment_key(leaf)
        parts.append((offset, leaf_key if leaf_key is not None else id(leaf)))
    return reader.generation(), tuple(parts)


_FIELDS = ("plan_ids", "regions", "years", "levels", "themes", "date_keys", "updated")
_segment_columns: dict[tuple, dict[str, list]] = {}  # (segment id, deleted count) -> that segment's lists
_segment_lock = threading.Lock()


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


def _read_leaf(leaf) -> dict[str, list]:
    total = leaf.doc_count_all()
    lists: dict[str, list] = {
        "plan_ids": [None] * total,
        "regions": [""] * total,
        "years": [0] * total,
        "levels": [""] * total,
        "themes": [()] * total,
        "date_keys": [0] * total,
        "updated": [""] * total,
    }
    plan_ids, regions, years, levels = lists["plan_ids"], lists["regions"], lists["years"], lists["levels"]
    themes, date_keys, updated = lists["themes"], lists["date_keys"], lists["updated"]
    for docnum, stored in leaf.iter_docs():
        try:
            plan_id = int(stored.get("django_id"))
        except (TypeError, ValueError):
            continue
        plan_ids[docnum] = plan_id
        regions[docnum] = stored.get("region") or ""
        years[docnum] = int(stored.get("year") or 0)
        levels[docnum] = stored.get("level") or ""
        raw_themes = stored.get("themes") or ""
        themes[docnum] = tuple(t for t in raw_themes.split(",") if t) if isinstance(raw_themes, str) else ()
        date_keys[docnum] = int(stored.get("date_key") or 0)
        updated[docnum] = stored.get("updated") or ""
    return lists


def _read_columns(reader) -> Columns:
    """The columns of a reader, reusing the lists of segments already read (a commit adds a small segment:
    only that one, and segments with new deletions, are read again; at 10,000 plans a full read takes
    seconds, which a newly saved plan would otherwise wait for)."""
    merged: dict[str, list] = {name: [] for name in _FIELDS}
    seen = set()
    for leaf, _offset in reader.leaf_readers():
        key = segment_key(leaf)
        with _segment_lock:
            lists = _segment_columns.get(key) if key is not None else None
        if lists is None:
            lists = _read_leaf(leaf)
            if key is not None:
                with _segment_lock:
                    _segment_columns[key] = lists
        seen.add(key)
        for name in _FIELDS:
            merged[name] += lists[name]
    with _segment_lock:
        for key in [k for k in _segment_columns if k not in seen]:
            del _segment_columns[key]
    plan_ids, date_keys = merged["plan_ids"], merged["date_keys"]
    total = len(plan_ids)
    docnum_of = {plan_id: docnum for docnum, plan_id in enumerate(plan_ids) if plan_id is not None}
    newest_first = sorted(docnum_of.values(), key=lambda d: (-date_keys[d], -(plan_ids[d] or 0)))
    date_rank = [total] * total
    for place, docnum in enumerate(newest_first):
        date_rank[docnum] = place
    return Columns(**{name: merged[name] for name in _FIELDS}, docnum_of=docnum_of, date_rank=date_rank)


store = IndexStore()


@receiver(setting_changed)
def _on_setting_changed(setting, value, **kwargs):
    """Tests point the index at a temporary folder: make haystack and our cache follow."""
    if setting != "HAYSTACK_CONNECTIONS":
        return
    import threading as _threading

    from haystack import connections

    connections.connections_info = value
    connections.thread_local = _threading.local()
    store.reset()
