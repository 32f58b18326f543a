"""The Whoosh adapter's Engine: the index folder haystack declares, its writers, readers and health.

Layout of the configured folder (settings.HAYSTACK_CONNECTIONS["default"]["PATH"], from SEARCH_URL):

    CURRENT          the name of the folder searches read (replaced atomically with os.replace)
    ix-<time>-<id>/  one complete Whoosh index; a rebuild writes a new one and switches CURRENT when it is done
    REBUILD_LOCK     held (flock) while a rebuild or the first creation runs, by one process at a time

Searches answer from the old folder until the switch, so a rebuild has no empty window, and a rebuild that
crashes half-way leaves CURRENT as it was (its unfinished folder is removed by the next rebuild). A folder
switched away from gets a RETIRED marker and is removed RETIRED_GRACE seconds later, by the next rebuild:
a request in another process may still be reading it. An index written before this layout (Whoosh files
in the folder itself, no CURRENT) is read where it is until the first rebuild moves it into the layout.

Readers: every generation gets its own searcher (`ix.searcher()`), never `Searcher.refresh()`: in Whoosh 2.7.4
`Index.refresh` keys its reuse map by generation but looks entries up by segment id, so it closes every old
reader, including those a request in another thread is still reading. The old searcher is closed by the
snapshot that owns it when no request holds it any more (plans/search/snapshot.py). Work per segment
(columns, field lengths) is still reused: a new reader takes it from the previous one (reader.py).
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import secrets
import shutil
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
CURRENT = "CURRENT"
RETIRED = "RETIRED"
REBUILD_LOCK = "REBUILD_LOCK"
RETIRED_GRACE = 600.0  # seconds a retired folder is kept for requests still reading it (SEARCH_RETIRED_GRACE)
FOLDER_PREFIX = "ix-"

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
    def folder(self) -> Path | None:
        """Where the current index files are: the folder CURRENT names, else the root itself when it holds an
        index of the layout before (no CURRENT); None when there is no index."""
        try:
            name = (self.root / CURRENT).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            if any(self.root.glob("_MAIN_*.toc")):
                return self.root
            return None
        if not name or "/" in name or name.startswith("."):
            raise IndexCorrupt(f"{self.root / CURRENT} names no index folder: {name!r}")
        return self.root / name

    def _existing_folder(self) -> Path:
        folder = self.folder
        if folder is None or not folder.is_dir():
            raise IndexMissing(f"no search index at {self.root}")
        return folder

    @property
    def schema(self):
        if self._schema is None:
            from haystack import connections

            fields = connections[ALIAS].get_unified_index().all_searchfields()
            self._schema = haystack_backend().build_schema(fields)[1]
        return self._schema

    def index(self, create: bool = True):
        """The FileIndex of the current folder; with create=True a missing index is first created empty."""
        try:
            folder = self._existing_folder()
        except IndexMissing:
            if not create:
                raise
            folder = self._create_if_missing()
        try:
            return FileStorage(str(folder)).open_index(schema=self.schema)
        except whoosh_index.EmptyIndexError as exc:
            raise IndexMissing(f"no search index in {folder}") from exc

    def _create_if_missing(self) -> Path:
        with self._rebuild_lock():
            folder = self.folder
            if folder is not None and folder.is_dir():
                return folder  # another process created it meanwhile
            return self._switch(self._new_index_folder())

    def create_if_missing(self) -> None:
        self._create_if_missing()

    def create_empty(self) -> None:
        with self.write_lock, self._rebuild_lock():
            self._switch(self._new_index_folder())

    def _new_index_folder(self) -> Path:
        """A new folder holding an empty index, not yet current."""
        name = f"{FOLDER_PREFIX}{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{secrets.token_hex(4)}"
        folder = self.root / name
        folder.mkdir(parents=True)
        FileStorage(str(folder)).create_index(self.schema)
        return folder

    def _switch(self, folder: Path) -> Path:
        """Make `folder` current, atomically for every process; the old one is marked retired.

        The old folder's write lock is taken first (waited for), so that no writer commits into it after the
        switch; a writer that was waiting sees the switch and writes into the new folder (write()).
        """
        old = None
        with contextlib.suppress(IndexCorrupt):
            old = self.folder
        lock = None
        if old is not None and old.is_dir() and any(old.glob("_MAIN_*.toc")):
            lock = FileStorage(str(old)).lock("MAIN_WRITELOCK")
            deadline = time.monotonic() + writer_timeout()
            while not lock.acquire(blocking=False):
                if time.monotonic() >= deadline:
                    logger.warning("switching index folders while a writer still holds %s", old)
                    lock = None
                    break
                time.sleep(0.05)
        try:
            pointer = self.root / f"{CURRENT}.{os.getpid()}.tmp"
            pointer.write_text(folder.name + "\n", encoding="utf-8")
            with pointer.open("rb") as handle:
                os.fsync(handle.fileno())
            os.replace(pointer, self.root / CURRENT)
            _fsync_dir(self.root)
            if old is not None and old != folder and old.is_dir():
                (old / RETIRED).write_text(f"{time.time()}\n", encoding="utf-8")
        finally:
            if lock is not None:
                lock.release()
        return folder

    class _Lock:
        def __init__(self, lock):
            self.lock = lock

        def __enter__(self):
            self.lock.acquire(blocking=True)
            return self

        def __exit__(self, *exc):
            self.lock.release()

    def _rebuild_lock(self):
        """One rebuild (or first creation) at a time, across processes."""
        self.root.mkdir(parents=True, exist_ok=True)
        return self._Lock(FileStorage(str(self.root)).lock(REBUILD_LOCK))

    def remove_leftovers(self) -> list[str]:
        """Remove unfinished folders of crashed rebuilds and folders retired more than the grace period ago
        (call with the rebuild lock held). Returns the names removed."""
        from django.conf import settings

        grace = float(getattr(settings, "SEARCH_RETIRED_GRACE", RETIRED_GRACE))
        current = self.folder
        removed = []
        for path in sorted(self.root.glob(f"{FOLDER_PREFIX}*")):
            if not path.is_dir() or path == current:
                continue
            retired = path / RETIRED
            if retired.exists() and time.time() - retired.stat().st_mtime < grace:
                continue
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
        legacy_retired = self.root / RETIRED
        legacy_expired = legacy_retired.exists() and time.time() - legacy_retired.stat().st_mtime >= grace
        if current != self.root and legacy_expired:
            for path in self.root.iterdir():
                if path.is_file() and (path.name.startswith(("MAIN_", "_MAIN_")) or path == legacy_retired):
                    path.unlink(missing_ok=True)
            removed.append("(files of the old layout)")
        return removed

    # --- readers ----------------------------------------------------------------------------------------------

    def stamp(self):
        """(folder, generation, identity of its table of contents); None when it cannot be read."""
        try:
            folder = self._existing_folder()
            generation = whoosh_index.TOC._latest_generation(FileStorage(str(folder)), "MAIN")
            stat = (folder / f"_MAIN_{generation}.toc").stat()
            return str(folder), generation, stat.st_ino, stat.st_mtime_ns
        except (OSError, ValueError, IndexMissing, IndexCorrupt):
            return None

    def is_newer(self, stamp) -> bool:
        current = self.stamp()
        return current is None or current != stamp

    def open_reader(self, previous=None):
        """A reader of the newest generation (see base.Engine.open_reader for what it raises)."""
        last_error: BaseException | None = None
        for attempt in range(1, OPEN_ATTEMPTS + 1):
            try:
                return self._open_reader_once(previous)
            except FileNotFoundError as exc:  # a commit elsewhere removed the files of the generation we read
                last_error = exc
            except whoosh_index.EmptyIndexError as exc:
                raise IndexMissing(str(exc)) from exc
            except _CORRUPTION as exc:  # confirmed only when every attempt reads it the same way
                last_error = IndexCorrupt(f"{type(exc).__name__}: {exc}")
                last_error.__cause__ = exc
            time.sleep(0.02 * attempt)
        raise last_error

    def _open_reader_once(self, previous):
        from plans.search.engines.whoosh.reader import WhooshReader

        folder = self._existing_folder()
        searcher = FileStorage(str(folder)).open_index(schema=self.schema).searcher()
        try:
            latest = self.stamp() or (None, None, None, None)
            stamp = (str(folder), searcher.reader().generation(), *latest[2:])
            return WhooshReader(searcher, self, folder, previous), stamp
        except BaseException:
            searcher.close()
            raise

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
        remove_ids = list(remove_ids)
        with self.write_lock:
            while True:
                ix = self.index()
                writer = self._open_writer(ix)
                if Path(ix.storage.folder) == self.folder:
                    break
                writer.cancel()  # a rebuild switched folders while we waited for the lock: write the new one
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
        """Write every plan into a new folder, one writer and one commit, then switch to it (module docstring).

        Anything raised half-way (or a crash) leaves the current folder in use and untouched.
        """
        backend, search_index = haystack_backend(), _haystack_index()
        written = 0
        with self._rebuild_lock():
            removed = self.remove_leftovers()
            if removed:
                logger.info("removed old index folders: %s", ", ".join(removed))
            folder = self._new_index_folder()
            try:
                ix = FileStorage(str(folder)).open_index(schema=self.schema)
                writer = self._open_rebuild_writer(ix, procs)
                try:
                    for plan in plans:
                        writer.add_document(**build_document(search_index, backend, plan))
                        written += 1
                except BaseException:
                    writer.cancel()
                    raise
                writer.commit()
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            self._switch(folder)
        return written

    # --- health -----------------------------------------------------------------------------------------------

    def health(self) -> tuple[bool, str]:
        try:
            ix = FileStorage(str(self._existing_folder())).open_index(schema=self.schema)
            with ix.searcher() as searcher:
                return True, f"index ok: {searcher.doc_count()} plans"
        except Exception as exc:  # any failure to open means unhealthy
            return False, f"index unavailable: {type(exc).__name__}: {exc}"

    def close(self) -> None:
        self._schema = None


def _fsync_dir(path: Path) -> None:
    """Make a rename in `path` durable (a crash right after the switch keeps it)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
