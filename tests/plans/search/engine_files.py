"""What the contract suite does to an engine's files the way a crash or another process would: the one
place that knows where each engine keeps them (tests/plans/search/test_indexing.py calls these)."""

from __future__ import annotations

import contextlib
import fcntl
from pathlib import Path


def index_files(search_index: Path, engine: str) -> list[Path]:
    """The files of the index in use (Tantivy: the generation folder `current` points to)."""
    if engine == "tantivy":
        folder = search_index / "current"
        return [path for path in folder.resolve().iterdir() if path.is_file()]
    from tests.plans.search.indexfiles import current_files

    return current_files(search_index)


def corrupt(search_index: Path, engine: str) -> None:
    """Overwrite every file of the index in use with garbage."""
    for path in index_files(search_index, engine):
        path.write_bytes(b"garbage")


@contextlib.contextmanager
def writer_held_elsewhere(engine: str):
    """Hold the index's cross-process writer lock as another process's writer would; yields the exception
    type a writer gives up with once SEARCH_WRITER_TIMEOUT has passed."""
    from plans.search.snapshot import hub

    if engine == "tantivy":
        hub.engine.root.mkdir(parents=True, exist_ok=True)
        with open(hub.engine.root / "writer.lock", "a+") as handle:  # another open file: flock conflicts
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield TimeoutError
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    from whoosh.index import LockError

    lock = hub.engine.index().lock("WRITELOCK")
    assert lock.acquire()
    try:
        yield LockError
    finally:
        lock.release()


def segment_count(snapshot, engine: str) -> int:
    """How many segments the snapshot's generation reads."""
    if engine == "tantivy":
        return snapshot.reader.searcher.num_segments
    return len(snapshot.reader.reader.leaf_readers())
