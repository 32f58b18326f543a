"""The Tantivy adapter's Engine: index generations under one root folder, one writer across processes.

Layout of `SEARCH_URL=tantivy:///root`:
  root/current      a symbolic link to the generation folder in use (replaced atomically: os.replace)
  root/g-<ns>/      a complete Tantivy index; a rebuild writes a new one and switches `current` to it only
                    when it is committed, so searches answer from the old one until then and a crash
                    half-way leaves it in use; the generation before the current one is kept for readers
                    of other processes still on it, older ones are removed
  root/writer.lock  an fcntl lock held by whoever writes (the queue's thread of any gunicorn worker, a
                    rebuild, check_index): others wait for it — a save never fails because the index is busy

A reader is the searcher of one committed generation; `is_newer` compares the folder and the identity of
its meta.json (Tantivy replaces it atomically on every commit), two system calls per request.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import tantivy

from plans.search.engines.base import IndexCorrupt, IndexMissing
from plans.search.engines.tantivy import schema as fields
from plans.search.engines.tantivy import texts
from plans.search.engines.tantivy.reader import TantivyReader

logger = logging.getLogger(__name__)

CURRENT = "current"
LOCK_FILE = "writer.lock"
WRITER_HEAP = 64_000_000  # bytes for the queue's small commits
# A rebuild's writer, split among its threads: fewer, larger segments (one thread on 2 cores gets all of it, the
# memory two threads had before, so a rebuild of 100,000 plans does not flush and merge twice as many segments)
REBUILD_HEAP = 384_000_000
WRITER_WAIT = 3600.0  # seconds to wait for another process's writer before the queue marks plans failed
WAIT_LOG_EVERY = 10.0
OPEN_ATTEMPTS = 3
REBUILD_CHUNK = 64  # plans per job handed to a rebuild worker process


def rebuild_split(procs: int) -> tuple[int, int]:
    """(Tantivy's writer threads, worker processes for the Python part) of a rebuild given `procs` cores.

    Half the cores index in Tantivy's threads, the rest run the Python part (normalising, jieba). Fewer
    than two worker processes are no better than this process doing that part itself between reads (no
    pickling of texts and views): on 2 cores, one writer thread and no worker processes used about 15 % less
    CPU than two threads fed by two worker processes, and rebuilt the 704 real reports faster (measured
    side by side, see docs/performance.md)."""
    procs = max(1, int(procs))
    threads = max(1, procs // 2)
    workers = procs - threads
    return threads, workers if workers >= 2 else 0


def writer_wait() -> float:
    from django.conf import settings

    return float(getattr(settings, "SEARCH_WRITER_TIMEOUT", WRITER_WAIT) or WRITER_WAIT)


class TantivyEngine:
    """The Tantivy index generations under one root folder (see the module docstring)."""

    name = "tantivy"

    def __init__(self, path):
        self.root = Path(path)
        self.write_lock = threading.Lock()  # one writer per process; the file lock orders processes
        self._lock = threading.RLock()
        self._indexes: dict[str, tantivy.Index] = {}

    # --- location -------------------------------------------------------------------------------------------

    @property
    def folder(self) -> Path | None:
        """The generation folder `current` points to, None before the first index exists."""
        try:
            return self.root / os.readlink(self.root / CURRENT)
        except OSError:
            return None

    def _new_folder(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        folder = self.root / f"g-{time.time_ns()}"
        folder.mkdir()
        return folder

    def _switch(self, folder: Path) -> None:
        """Point `current` at `folder` in one rename; keep the previous generation, remove older ones."""
        previous = self.folder
        link = self.root / f".{CURRENT}-{time.time_ns()}"
        os.symlink(folder.name, link)
        os.replace(link, self.root / CURRENT)
        keep = {folder.name} | ({previous.name} if previous is not None else set())
        for old in self.root.glob("g-*"):
            if old.name not in keep and old.is_dir():
                with self._lock:
                    self._indexes.pop(str(old), None)
                shutil.rmtree(old, ignore_errors=True)

    def _index(self, folder: Path, create: bool = False) -> tantivy.Index:
        key = str(folder)
        with self._lock:
            index = self._indexes.get(key)
            if index is None:
                if create:
                    index = tantivy.Index(fields.schema(), path=key, reuse=False)
                else:
                    if not (folder / "meta.json").exists():
                        raise IndexMissing(f"no Tantivy index in {folder}")
                    _check_layout(folder)
                    index = tantivy.Index.open(key)
                self._indexes[key] = index
            return index

    # --- readers --------------------------------------------------------------------------------------------

    def stamp(self):
        """(folder, identity of its meta.json); None when there is no index."""
        folder = self.folder
        if folder is None:
            return None
        try:
            stat = (folder / "meta.json").stat()
        except OSError:
            return None
        return str(folder), stat.st_ino, stat.st_mtime_ns, stat.st_size

    def is_newer(self, stamp) -> bool:
        current = self.stamp()
        return current is None or current != stamp

    def open_reader(self, previous=None):
        if self.folder is None:
            self.create_empty()  # the first start: an empty index, the core sees no documents yet
        for attempt in range(1, OPEN_ATTEMPTS + 1):
            before = self.stamp()
            folder = self.folder
            try:
                if before is None or folder is None:
                    raise IndexMissing(f"no Tantivy index under {self.root}")
                index = self._index(folder)
                index.reload()
                searcher = index.searcher()
            except IndexMissing:
                if attempt == OPEN_ATTEMPTS:
                    raise
            except (ValueError, OSError) as exc:
                # a commit or a switch meanwhile can remove files we started to open: try again; the same
                # failure three times over is a broken index
                with self._lock:
                    self._indexes.pop(str(folder), None)
                if attempt == OPEN_ATTEMPTS:
                    raise IndexCorrupt(f"{type(exc).__name__}: {exc}") from exc
            else:
                if self.stamp() == before:
                    # mapped after the searcher: every text record its documents refer to is in the file
                    text_file = texts.TextFile(folder)
                    reader = TantivyReader(
                        searcher, (self.name, *before), text_file, previous, ranks=_has_theme_facet(folder)
                    )
                    return reader, before
            time.sleep(0.02 * attempt)
        raise IndexMissing(f"no stable Tantivy index under {self.root}")

    # --- writing --------------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold this process's write lock and the root's file lock (waiting for other processes)."""
        with self.write_lock:
            self.root.mkdir(parents=True, exist_ok=True)
            with open(self.root / LOCK_FILE, "a+") as handle:
                deadline = time.monotonic() + writer_wait()
                next_log = time.monotonic() + WAIT_LOG_EVERY
                while True:
                    try:
                        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        now = time.monotonic()
                        if now >= deadline:
                            raise TimeoutError(f"the Tantivy writer of {self.root} stayed busy") from None
                        if now >= next_log:
                            logger.info("Tantivy writer busy in another process; waiting")
                            next_log = now + WAIT_LOG_EVERY
                        time.sleep(0.05)
                try:
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)

    def write(self, plans: Sequence, remove_ids: Iterable[int]) -> None:
        prepared = [fields.tokenised(fields.plan_fields(plan)) for plan in plans]  # outside the lock
        records = [fields.text_record(item) for item in prepared]
        replaced = [plan.pk for plan in plans]
        with self._writing():
            folder = self.folder
            if folder is None:
                folder = self._create_empty_locked()
            index = self._index(folder)
            # the texts go to disk before the commit that makes their documents visible (texts.py); an index
            # whose schema lacks the field would drop the offsets, so it gets no records
            offsets = texts.append(folder, records) if records and _has_texts(folder) else [0] * len(records)
            theme_facet = _has_theme_facet(folder)
            writer = index.writer(WRITER_HEAP, 1)
            try:
                for plan_id in [*remove_ids, *replaced]:
                    # by query: delete_documents_by_term converts a Python int to a signed term, which never
                    # equals the unsigned plan_id term
                    writer.delete_documents_by_query(
                        tantivy.Query.term_query(fields.schema(), "plan_id", int(plan_id))
                    )
                for item, text_at in zip(prepared, offsets, strict=True):
                    writer.add_document(fields.document(item, text_at, theme_facet))
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            finally:
                writer.wait_merging_threads()  # releases Tantivy's own lock on the folder

    def rebuild(self, plans: Iterable, procs: int = 1) -> int:
        """Write every plan into a new generation folder, then switch to it (see the module docstring)."""
        written = 0
        with self._writing():
            folder = self._new_folder()
            try:
                index = self._index(folder, create=True)
                threads, workers = rebuild_split(procs)
                writer = index.writer(max(REBUILD_HEAP, 64_000_000 * threads), threads)
                appender = texts.Appender(folder)
                try:
                    for item in _tokenised(plans, workers):
                        writer.add_document(fields.document(item, appender.add(fields.text_record(item))))
                        written += 1
                    appender.flush()  # before the commit (texts.py)
                    writer.commit()
                except BaseException:
                    writer.rollback()
                    raise
                finally:
                    appender.close()
                    writer.wait_merging_threads()
            except BaseException:
                with self._lock:
                    self._indexes.pop(str(folder), None)
                shutil.rmtree(folder, ignore_errors=True)
                raise
            self._switch(folder)
        return written

    def _create_empty_locked(self) -> Path:
        folder = self._new_folder()
        index = self._index(folder, create=True)
        writer = index.writer(WRITER_HEAP, 1)
        writer.commit()
        writer.wait_merging_threads()
        self._switch(folder)
        return folder

    def create_empty(self) -> None:
        with self._writing():
            self._create_empty_locked()

    def create_if_missing(self) -> None:
        with self._writing():
            if self.folder is None:  # checked again under the writer lock: keep an index just created
                self._create_empty_locked()

    # --- health ---------------------------------------------------------------------------------------------

    def health(self) -> tuple[bool, str]:
        folder = self.folder
        if folder is None:
            return False, f"index unavailable: no Tantivy index under {self.root}"
        try:
            index = tantivy.Index.open(str(folder))
            count = index.searcher().num_docs
        except Exception as exc:  # any failure to open means unhealthy
            return False, f"index unavailable: {type(exc).__name__}: {exc}"
        if not _has_theme_facet(folder):
            # still answers everything, from the snapshot's columns: slower at a large collection
            return (
                True,
                f"index ok (tantivy): {count} plans; written before theme_facet: rebuild_index to rank inside Tantivy",
            )
        return True, f"index ok (tantivy): {count} plans"

    def close(self) -> None:
        with self._lock:
            self._indexes.clear()


def _field_names(folder: Path) -> tuple[str, ...] | None:
    """The names of the fields the index in `folder` was written with, None when meta.json is unreadable."""
    try:
        return tuple(item["name"] for item in json.loads((folder / "meta.json").read_text())["schema"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _has_texts(folder: Path) -> bool:
    """Whether the index in `folder` has the text_at field (written before it: no text file)."""
    return fields.TEXT_FIELD in (_field_names(folder) or ())


def _has_theme_facet(folder: Path) -> bool:
    """Whether the index in `folder` has the theme_facet field (written before it: the core ranks and counts
    facets from the snapshot's columns; a rebuild adds it)."""
    return fields.THEME_FACET_FIELD in (_field_names(folder) or ())


def _check_layout(folder: Path) -> None:
    """Raise IndexCorrupt when the index in `folder` was written with other fields than ours (an older
    layout, e.g. the pairs from offsets 0 and 1) and not just fewer of them at the end: searching it would
    read the wrong fields. The search and
    the queue then schedule the repair, which rebuilds it."""
    names = _field_names(folder)
    if names is None:
        return  # unreadable now (a commit replacing it): Tantivy's own open decides
    if names != fields.FIELD_NAMES[: len(names)] or not names:
        # a prefix is fine: fields added last keep every earlier field's number (they then have no value)
        raise IndexCorrupt(f"Tantivy index of an older layout in {folder} (fields {', '.join(names)})")


def _tokenised(plans: Iterable, workers: int) -> Iterator[dict]:
    """Tokenised fields (schema.tokenised) of `plans`; with `workers` > 0 the Python part (normalising, jieba) runs in that
    many worker processes while this one reads the database and feeds Tantivy's writer threads.

    `plans` is read in this thread only (a queryset belongs to its thread's database connection), a few
    chunks ahead of the documents handed on, in order."""
    if workers <= 0:
        for plan in plans:
            yield fields.tokenised(fields.plan_fields(plan))
        return
    import multiprocessing
    from collections import deque

    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        pending: deque = deque()

        def finished():
            chunk, job = pending.popleft()
            for plan_fields, views in zip(chunk, job.get(), strict=True):
                yield {**plan_fields, **views}

        for chunk in _chunks(plans):
            # only title and text travel to a worker, only the analysed views come back
            job = pool.apply_async(_analysed_chunk, ([(item["title"], item["text"]) for item in chunk],))
            pending.append((chunk, job))
            while len(pending) > 2 * workers:
                yield from finished()
        while pending:
            yield from finished()


def _chunks(plans: Iterable) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for plan in plans:
        chunk.append(fields.plan_fields(plan))
        if len(chunk) >= REBUILD_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _analysed_chunk(chunk: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [fields.analysed(title, text) for title, text in chunk]
