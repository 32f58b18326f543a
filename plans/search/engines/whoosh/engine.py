"""The Whoosh adapter's Engine: the index folder haystack declares, its writers, readers and health.

Readers: every generation gets its own searcher (`ix.searcher()`), never `Searcher.refresh()`: in Whoosh 2.7.4
`Index.refresh` keys its reuse map by generation but looks entries up by segment id, so it closes every old
reader, including those a request in another thread is still reading. The old searcher is closed by the
snapshot that owns it when no request holds it any more (plans/search/snapshot.py). Work per segment
(columns, field lengths) is still reused: a new reader takes it from the previous one (reader.py).
"""

from __future__ import annotations

import logging
import pickle
import struct
import threading
import time
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError

from plans.search.engines.base import IndexCorrupt, IndexMissing

logger = logging.getLogger(__name__)

ALIAS = "default"
WRITER_TIMEOUT = 60.0  # seconds to wait for another process's writer (settings.SEARCH_WRITER_TIMEOUT)
WRITER_LIMITMB = 128
WRITER_COMPRESSION = 0  # zlib level for posting blocks (Whoosh's default is 3)
MP_BATCH_DOCS = 20  # documents per job file handed to a rebuild process
OPEN_ATTEMPTS = 3  # a commit in another process may delete the files of the generation we started to open

# What unreadable index files raise in Whoosh 2.7.4 (table of contents, segment and posting files).
_CORRUPTION = (
    whoosh_index.IndexError,  # IndexVersionError and "created on different architecture" (garbage TOC)
    pickle.UnpicklingError,
    EOFError,
    struct.error,
    zlib.error,
    ValueError,
    KeyError,
    AttributeError,
    TypeError,
    IndexError,
)


def _haystack_index():
    from haystack import connections

    from plans.models import Plan

    return connections[ALIAS].get_unified_index().get_index(Plan)


def haystack_backend():
    from haystack import connections

    return connections[ALIAS].get_backend()


def build_document(search_index, backend, plan) -> dict:
    """The Whoosh document of a plan: haystack's prepared fields, converted as haystack's backend does
    (bytes, the compact stored form, pass unchanged)."""
    doc = search_index.full_prepare(plan)
    doc.pop("boost", None)
    return {
        key: value if isinstance(value, bytes) else backend._from_python(value) for key, value in doc.items()
    }


def identifier(plan_id: int) -> str:
    return f"plans.plan.{int(plan_id)}"


def codec():
    """Whoosh's codec without zlib on posting blocks: compression cost ~12% of indexing time (profiled)."""
    from plans.search.engines.whoosh.formats import PolicyCodec

    return PolicyCodec(compression=WRITER_COMPRESSION)


def writer_timeout() -> float:
    from django.conf import settings

    return float(getattr(settings, "SEARCH_WRITER_TIMEOUT", WRITER_TIMEOUT))


class WhooshEngine:
    """The Whoosh index in one folder (settings.HAYSTACK_CONNECTIONS["default"]["PATH"])."""

    name = "whoosh"

    def __init__(self, path):
        self.root = Path(path)
        self.write_lock = threading.Lock()  # one writer at a time in this process
        self._lock = threading.RLock()
        self._schema = None

    # --- location and schema ---------------------------------------------------------------------------------

    @property
    def folder(self) -> Path:
        """Where the current index files are."""
        return self.root

    @property
    def schema(self):
        if self._schema is None:
            from haystack import connections

            fields = connections[ALIAS].get_unified_index().all_searchfields()
            self._schema = haystack_backend().build_schema(fields)[1]
        return self._schema

    def index(self, create: bool = True):
        """The FileIndex of the current folder, created empty when the folder has none."""
        folder = self.folder
        folder.mkdir(parents=True, exist_ok=True)
        storage = FileStorage(str(folder))
        try:
            return storage.open_index(schema=self.schema)
        except whoosh_index.EmptyIndexError:
            if not create:
                raise
            with self._lock:
                try:
                    return storage.open_index(schema=self.schema)
                except whoosh_index.EmptyIndexError:
                    return storage.create_index(self.schema)

    def create_empty(self) -> None:
        with self.write_lock:
            folder = self.folder
            folder.mkdir(parents=True, exist_ok=True)
            FileStorage(str(folder)).create_index(self.schema)

    # --- readers ----------------------------------------------------------------------------------------------

    def stamp(self):
        """(folder, generation, identity of its table of contents); None when it cannot be read."""
        folder = self.folder
        try:
            generation = whoosh_index.TOC._latest_generation(FileStorage(str(folder)), "MAIN")
            stat = (folder / f"_MAIN_{generation}.toc").stat()
            return str(folder), generation, stat.st_ino, stat.st_mtime_ns
        except (OSError, ValueError):
            return None

    def is_newer(self, stamp) -> bool:
        current = self.stamp()
        return current is None or current != stamp

    def open_reader(self, previous=None):
        from plans.search.engines.whoosh.reader import WhooshReader

        if not self.folder.exists():
            self.index()  # an empty index; the core sees no documents while the database has some
        for attempt in range(1, OPEN_ATTEMPTS + 1):
            try:
                ix = self.index()
                searcher = ix.searcher()
            except FileNotFoundError:
                if attempt == OPEN_ATTEMPTS:
                    raise
                time.sleep(0.02 * attempt)  # files of a generation replaced meanwhile: read the new one
                continue
            except whoosh_index.EmptyIndexError as exc:
                raise IndexMissing(str(exc)) from exc
            except _CORRUPTION as exc:
                if attempt == OPEN_ATTEMPTS:
                    raise IndexCorrupt(f"{type(exc).__name__}: {exc}") from exc
                time.sleep(0.02 * attempt)  # confirm: a half-written file reads the same twice only if broken
                continue
            stamp = (
                str(self.folder),
                searcher.reader().generation(),
                *(self.stamp() or (None, None, None, None))[2:],
            )
            try:
                return WhooshReader(searcher, self, previous), stamp
            except _CORRUPTION as exc:
                searcher.close()
                if attempt == OPEN_ATTEMPTS:
                    raise IndexCorrupt(f"{type(exc).__name__}: {exc}") from exc
        raise AssertionError("unreachable")

    # --- writing ----------------------------------------------------------------------------------------------

    def _open_writer(self, ix):
        """A writer, waiting (not failing) while another process holds Whoosh's write lock."""
        deadline = time.monotonic() + writer_timeout()
        while True:
            try:
                wait = max(0.05, min(5.0, deadline - time.monotonic()))
                return ix.writer(
                    timeout=wait, delay=0.05, limitmb=WRITER_LIMITMB, codec=codec(), compound=False
                )
            except LockError:
                if time.monotonic() >= deadline:
                    raise
                logger.info("index writer busy in another process; waiting")

    def write(self, plans: Sequence, remove_ids: Iterable[int]) -> None:
        backend, search_index = haystack_backend(), _haystack_index()
        docs = [build_document(search_index, backend, plan) for plan in plans]  # tokenised outside the lock
        with self.write_lock:
            writer = self._open_writer(self.index())
            try:
                for plan_id in remove_ids:
                    writer.delete_by_term("id", identifier(plan_id))
                for doc in docs:
                    writer.update_document(**doc)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()

    def _open_rebuild_writer(self, ix, procs: int):
        """The rebuild's writer: Whoosh's multi-process writer when procs > 1 (each process its own segment)."""
        if procs <= 1:
            return self._open_writer(ix)
        from whoosh.multiproc import MpWriter

        # multisegment: each process finishes its own segment; merging them again would cost as much as
        # the single-process rebuild saved. The searcher reads several segments as one.
        return MpWriter(
            ix,
            procs=procs,
            batchsize=MP_BATCH_DOCS,
            multisegment=True,
            limitmb=max(32, WRITER_LIMITMB // procs),
            codec=codec(),
            compound=False,
        )

    def rebuild(self, plans: Iterable, procs: int = 1) -> int:
        """Write every plan of `plans` into an emptied index, one writer and one commit."""
        backend, search_index = haystack_backend(), _haystack_index()
        written = 0
        with self.write_lock:
            folder = self.folder
            folder.mkdir(parents=True, exist_ok=True)
            ix = FileStorage(str(folder)).create_index(self.schema)
            writer = self._open_rebuild_writer(ix, procs)
            try:
                for plan in plans:
                    writer.add_document(**build_document(search_index, backend, plan))
                    written += 1
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        return written

    # --- health -----------------------------------------------------------------------------------------------

    def health(self) -> tuple[bool, str]:
        try:
            ix = self.index(create=False)
            with ix.searcher() as searcher:
                return True, f"index ok: {searcher.doc_count()} plans"
        except Exception as exc:  # any failure to open means unhealthy
            return False, f"index unavailable: {type(exc).__name__}: {exc}"

    def close(self) -> None:
        self._schema = None
