"""Keeping the index in step with the database, which stays the source of truth.

- index_plans / remove_plan write now, in the calling thread: one writer at a time per process (a lock),
  and across processes Whoosh's own file lock, waited for (never a LockError for the caller).
- enqueue_index / enqueue_remove hand the work to one background thread per process; the signal handlers
  (plans/search/signals.py) call them after the transaction commits, so a web request never waits on Whoosh.
- Plan.index_status goes pending -> indexed (or failed, the plan still saved; check_index --fix retries).
- check_index compares ids and updated_at between database and index; a missing or corrupt index is
  rebuilt from the database.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable

from django.db import OperationalError, close_old_connections, connection, transaction
from django.utils import timezone
from whoosh.index import LockError

from plans.search.store import store
from plans.search.types import IndexReport

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
WRITER_TIMEOUT = 60.0  # seconds to wait for another process's writer (settings.SEARCH_WRITER_TIMEOUT)
WRITER_LIMITMB = 128
WRITER_COMPRESSION = 0  # zlib level for posting blocks (Whoosh's default is 3)
PARALLEL_REBUILD_MIN_PLANS = 200
MAX_REBUILD_PROCS = 4
MP_BATCH_DOCS = 20  # documents per job file handed to a rebuild process


def _haystack_index():
    from haystack import connections

    from plans.models import Plan

    return connections["default"].get_unified_index().get_index(Plan)


def _document(search_index, backend, plan) -> dict:
    doc = search_index.full_prepare(plan)
    doc.pop("boost", None)
    return {key: backend._from_python(value) for key, value in doc.items()}


def _identifier(plan_id: int) -> str:
    return f"plans.plan.{int(plan_id)}"


def _codec():
    """Whoosh's codec without zlib on posting blocks: compression cost ~12% of indexing time (profiled)."""
    from plans.search.formats import PolicyCodec

    return PolicyCodec(compression=WRITER_COMPRESSION)


def _writer_timeout() -> float:
    from django.conf import settings

    return float(getattr(settings, "SEARCH_WRITER_TIMEOUT", WRITER_TIMEOUT))


def _open_writer(ix):
    """A writer, waiting (not failing) while another process holds Whoosh's write lock."""
    deadline = time.monotonic() + _writer_timeout()
    while True:
        try:
            wait = max(0.05, min(5.0, deadline - time.monotonic()))
            return ix.writer(timeout=wait, delay=0.05, limitmb=WRITER_LIMITMB, codec=_codec(), compound=False)
        except LockError:
            if time.monotonic() >= deadline:
                raise
            logger.info("index writer busy in another process; waiting")


def _write(plans: list, remove_ids: Iterable[int]) -> None:
    backend = store.haystack_backend()
    search_index = _haystack_index()
    docs = [_document(search_index, backend, plan) for plan in plans]  # tokenised outside the lock
    with store.write_lock:
        ix = store.index()
        writer = _open_writer(ix)
        try:
            for plan_id in remove_ids:
                writer.delete_by_term("id", _identifier(plan_id))
            for doc in docs:
                writer.update_document(**doc)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()


def index_plans(plan_ids: Iterable[int]) -> int:
    """Index (or re-index) these plans now; plans no longer in the database are removed. Returns the count."""
    from plans.models import Plan

    ids = sorted({int(i) for i in plan_ids})
    done = 0
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        plans = list(_haystack_index().index_queryset().filter(pk__in=batch))
        gone = set(batch) - {p.pk for p in plans}
        snapshot = {p.pk: p.updated_at for p in plans}
        try:
            _write(plans, gone)
        except Exception:
            logger.exception("indexing plans %s failed", batch)
            Plan.objects.filter(pk__in=snapshot).update(index_status=Plan.IndexStatus.FAILED)
            raise
        _mark_indexed(snapshot)
        done += len(plans)
    return done


def _mark_indexed(snapshot: dict) -> None:
    """Set index_status=indexed; a plan edited again meanwhile stays pending (its own job is queued).

    The index is already written: a busy database only delays the status, retried a few times.
    """
    from plans.models import Plan

    now = timezone.now()
    for attempt in range(5):
        try:
            with transaction.atomic():
                for plan_id, updated_at in snapshot.items():
                    Plan.objects.filter(pk=plan_id, updated_at=updated_at).update(
                        index_status=Plan.IndexStatus.INDEXED, indexed_at=now
                    )
            return
        except OperationalError:
            if attempt == 4:
                logger.exception("could not record index status for plans %s", list(snapshot))
                return
            time.sleep(0.1 * (attempt + 1))


def remove_plan(plan_id: int) -> None:
    """Remove one plan from the index now."""
    _write([], [plan_id])


def rebuild_procs(plan_count: int) -> int:
    """How many processes tokenize and write during a rebuild: one per core for big rebuilds.

    settings.SEARCH_REBUILD_PROCS overrides; below PARALLEL_REBUILD_MIN_PLANS plans forking costs more than
    it saves. Measured on 2 cores, 150 real reports: see docs/performance.md.
    """
    from django.conf import settings

    configured = getattr(settings, "SEARCH_REBUILD_PROCS", None)
    if configured:
        return max(1, int(configured))
    if plan_count < PARALLEL_REBUILD_MIN_PLANS:
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_REBUILD_PROCS))


def _open_rebuild_writer(ix, procs: int):
    """The rebuild's writer: Whoosh's multi-process writer when procs > 1 (each process its own segment)."""
    if procs <= 1:
        return _open_writer(ix)
    from whoosh.multiproc import MpWriter

    # multisegment: each process finishes its own segment; merging them again would cost as much as
    # the single-process rebuild saved. The searcher reads several segments as one.
    return MpWriter(
        ix,
        procs=procs,
        batchsize=MP_BATCH_DOCS,
        multisegment=True,
        limitmb=max(32, WRITER_LIMITMB // procs),
        codec=_codec(),
        compound=False,
    )


def rebuild_index(batch_size: int = BATCH_SIZE, procs: int | None = None) -> int:
    """Empty the index and index every plan of the database; returns the number indexed.

    One writer for the whole rebuild and one commit at the end: committing per batch made Whoosh merge
    the growing segment again and again. Searches meanwhile see the empty index (the folder is replaced).
    `procs` processes tokenize and write in parallel (default: rebuild_procs()).
    """
    from plans.models import Plan

    ids = list(Plan.objects.order_by("pk").values_list("pk", flat=True))
    procs = rebuild_procs(len(ids)) if procs is None else max(1, int(procs))
    Plan.objects.update(index_status=Plan.IndexStatus.PENDING)
    backend = store.haystack_backend()
    search_index = _haystack_index()
    snapshot: dict = {}
    with store.write_lock:
        ix = store.create_empty()
        writer = _open_rebuild_writer(ix, procs)
        try:
            for start in range(0, len(ids), batch_size):
                batch = ids[start : start + batch_size]
                for plan in search_index.index_queryset().filter(pk__in=batch):
                    writer.add_document(**_document(search_index, backend, plan))
                    snapshot[plan.pk] = plan.updated_at
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
    _mark_indexed(snapshot)
    return len(snapshot)


# --- the background queue -------------------------------------------------------------------------------


class _IndexQueue:
    """One worker thread per process; later operations on a plan replace earlier queued ones."""

    def __init__(self):
        self._pending: OrderedDict[int, str] = OrderedDict()
        self._cond = threading.Condition()
        self._busy = False
        self._thread: threading.Thread | None = None
        self._atexit_registered = False

    def put(self, plan_ids: Iterable[int], op: str) -> None:
        with self._cond:
            for plan_id in plan_ids:
                self._pending.pop(int(plan_id), None)
                self._pending[int(plan_id)] = op
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="search-indexer", daemon=True)
                self._thread.start()
                if not self._atexit_registered:
                    # A command that saved plans must not exit (killing the daemon thread) before they are indexed.
                    atexit.register(self.wait, 60.0)
                    self._atexit_registered = True
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
                work = dict(self._pending)
                self._pending.clear()
                self._busy = True
            try:
                self._process(work)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _process(self, work: dict[int, str]) -> None:
        close_old_connections()
        try:
            if work.pop(_REPAIR, None) == "repair":
                store.reset()
                check_index(fix=True)
            to_index = [i for i, op in work.items() if op == "index"]
            to_remove = [i for i, op in work.items() if op == "remove"]
            if to_remove:
                _write([], to_remove)
            if to_index:
                index_plans(to_index)
        except Exception:  # logged and marked failed in index_plans; check_index --fix retries
            logger.exception("background indexing failed")
        finally:
            connection.close()

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True


_queue = _IndexQueue()
_REPAIR = -1  # queue key of the "check and repair the whole index" job


def schedule_repair() -> None:
    """Check the index against the database and repair it (rebuild if unreadable), in the background."""
    _queue.put([_REPAIR], "repair")


def enqueue_index(plan_ids: Iterable[int]) -> None:
    """Index these plans soon, in the background (after the current request)."""
    _queue.put(plan_ids, "index")


def enqueue_remove(plan_ids: Iterable[int]) -> None:
    """Remove these plans from the index soon, in the background."""
    _queue.put(plan_ids, "remove")


def wait_for_indexing(timeout: float = 30) -> bool:
    """Block until this process's queued index work is done; False on timeout."""
    return _queue.wait(timeout)


# --- checks ---------------------------------------------------------------------------------------------


def index_health() -> tuple[bool, str]:
    """(ok, message) for /healthz: the index opens and can be searched."""
    try:
        searcher = store.searcher()
        return True, f"index ok: {searcher.doc_count()} plans"
    except Exception as exc:  # any failure to open means unhealthy
        return False, f"index unavailable: {type(exc).__name__}: {exc}"


def _index_state() -> dict[int, str]:
    searcher = store.searcher()
    columns = store.columns(searcher)
    return {plan_id: columns.updated[docnum] for plan_id, docnum in columns.docnum_of.items()}


def check_index(fix: bool = False) -> IndexReport:
    """Compare the index with the database; with fix=True repair it (rebuild when unreadable) and re-check."""
    from plans.models import Plan

    report = IndexReport()
    try:
        indexed = _index_state()
    except Exception as exc:
        logger.warning("index unreadable (%s)", exc)
        if not fix:
            report.error = f"索引无法读取：{type(exc).__name__}: {exc}"
            report.plans_in_db = Plan.objects.count()
            return report
        store.reset()
        rebuild_index()
        fixed = check_index(fix=False)
        fixed.rebuilt = fixed.fixed = True
        return fixed
    in_db = {
        pk: updated.isoformat() if updated else ""
        for pk, updated in Plan.objects.values_list("pk", "updated_at")
    }
    report.plans_in_db = len(in_db)
    report.docs_in_index = len(indexed)
    report.missing = sorted(set(in_db) - set(indexed))
    report.stale = sorted(pk for pk in set(in_db) & set(indexed) if in_db[pk] != indexed[pk])
    report.orphans = sorted(set(indexed) - set(in_db))
    if fix and not report.ok:
        if report.orphans:
            _write([], report.orphans)
        repair = report.missing + report.stale
        if repair:
            try:
                index_plans(repair)
            except Exception as exc:
                logger.exception("repair failed")
                report.error = f"修复失败：{exc}"
        after = check_index(fix=False)
        after.fixed = True
        after.error = after.error or report.error
        return after
    return report
