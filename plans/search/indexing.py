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

from plans.search.engines.base import IndexUnavailable
from plans.search.snapshot import current_snapshot, hub
from plans.search.types import IndexReport

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
PARALLEL_REBUILD_MIN_PLANS = 200
MAX_REBUILD_PROCS = 4


def _indexable_plans():
    """Plans with what a document needs (region, themes, section spans), from the engine's declaration."""
    from haystack import connections

    from plans.models import Plan

    return connections["default"].get_unified_index().get_index(Plan).index_queryset()


def _write(plans: list, remove_ids: Iterable[int]) -> None:
    hub.engine.write(plans, list(remove_ids))


def index_plans(plan_ids: Iterable[int]) -> int:
    """Index (or re-index) these plans now; plans no longer in the database are removed. Returns the count."""
    from plans.models import Plan

    ids = sorted({int(i) for i in plan_ids})
    done = 0
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        plans = list(_indexable_plans().filter(pk__in=batch))
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


MARK_CHUNK = 100  # plans per UPDATE when recording index status


def _mark_indexed(snapshot: dict) -> None:
    """Set index_status=indexed; a plan edited again meanwhile stays pending (its own job is queued).

    One UPDATE per MARK_CHUNK plans, each plan matched on its id and the updated_at it was indexed with (an
    OR of pairs): a query per plan was 704 UPDATEs for the real corpus, the largest database cost of a
    rebuild. The index is already written: a busy database only delays the status, retried a few times.
    """
    from django.db.models import Q

    from plans.models import Plan

    now = timezone.now()
    items = list(snapshot.items())
    for attempt in range(5):
        try:
            with transaction.atomic():
                for start in range(0, len(items), MARK_CHUNK):
                    chunk = items[start : start + MARK_CHUNK]
                    same = Q()
                    for plan_id, updated_at in chunk:
                        same |= Q(pk=plan_id, updated_at=updated_at)
                    Plan.objects.filter(same).update(index_status=Plan.IndexStatus.INDEXED, indexed_at=now)
            return
        except OperationalError:
            if attempt == 4:
                logger.exception("could not record index status for plans %s", list(snapshot)[:50])
                return
            time.sleep(0.1 * (attempt + 1))


def remove_plan(plan_id: int) -> None:
    """Remove one plan from the index now."""
    remove_plans([plan_id])


def remove_plans(plan_ids: Iterable[int]) -> None:
    """Remove these plans from the index now (one commit)."""
    _write([], plan_ids)


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


def rebuild_index(batch_size: int = BATCH_SIZE, procs: int | None = None) -> int:
    """Index every plan of the database into a new index, then switch searches to it; returns the number
    indexed.

    Searches answer from the old index until the new one is complete (no empty window); a failure or a
    crash half-way leaves the old index in use. One writer for the whole rebuild and one commit at the
    end: committing per batch made Whoosh merge the growing segment again and again. `procs` processes
    tokenize and write in parallel (default: rebuild_procs()).
    """
    from plans.models import Plan

    ids = list(Plan.objects.order_by("pk").values_list("pk", flat=True))
    procs = rebuild_procs(len(ids)) if procs is None else max(1, int(procs))
    Plan.objects.update(index_status=Plan.IndexStatus.PENDING)
    snapshot: dict = {}

    def every_plan():
        for start in range(0, len(ids), batch_size):
            for plan in _indexable_plans().filter(pk__in=ids[start : start + batch_size]):
                snapshot[plan.pk] = plan.updated_at
                yield plan

    hub.engine.rebuild(every_plan(), procs=procs)
    _mark_indexed(snapshot)
    _catch_up(snapshot)
    return len(snapshot)


def _catch_up(written: dict) -> None:
    """After the switch: plans saved, edited or deleted while the rebuild ran went to the old folder (or
    were queued); bring the new one up to date with the database."""
    from plans.models import Plan

    now = dict(Plan.objects.values_list("pk", "updated_at"))
    changed = [pk for pk, updated in now.items() if written.get(pk) != updated]
    gone = [pk for pk in written if pk not in now]
    if gone:
        _write([], gone)
    if changed:
        index_plans(changed)


# --- the background queue -------------------------------------------------------------------------------


def queue_gather_seconds() -> float:
    """How long after its last commit the queue gathers further work before committing again
    (settings.SEARCH_QUEUE_GATHER_MS)."""
    from django.conf import settings

    return max(0, int(getattr(settings, "SEARCH_QUEUE_GATHER_MS", 0) or 0)) / 1000


RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)  # seconds before each new attempt of work that failed


class _IndexQueue:
    """One worker thread per process; later operations on a plan replace earlier queued ones.

    A commit costs about the same for one plan as for twenty (Tantivy: ~55 ms of CPU and ~170 ms of wall
    time for one plan, ~250 ms of CPU for twenty, on 2 cores): while plans keep arriving (an ingest of a
    collection), the queue commits at most once per queue_gather_seconds(), taking everything that arrived
    meanwhile. A save on an idle queue is written at once.

    Work that fails (another process held the writer past SEARCH_WRITER_TIMEOUT on a loaded machine, the
    database went away for a moment) is tried again after each of RETRY_DELAYS, unless a newer operation on
    the same plan arrived meanwhile; only then is it left to check_index --fix (the plan stays marked
    failed), so a passing error never loses a saved plan from the index."""

    def __init__(self):
        self._pending: OrderedDict[int, str] = OrderedDict()
        self._retrying: dict[int, str] = {}  # failed work waiting for its next attempt
        self._attempts: dict[int, int] = {}  # failed attempts so far, by plan id
        self._retry_at = float("inf")  # monotonic time of the next attempt
        self._cond = threading.Condition()
        self._busy = False
        self._last_done = float("-inf")  # monotonic time the last batch ended
        self._thread: threading.Thread | None = None
        self._atexit_registered = False

    def put(self, plan_ids: Iterable[int], op: str) -> None:
        with self._cond:
            for plan_id in plan_ids:
                plan_id = int(plan_id)
                self._pending.pop(plan_id, None)
                self._pending[plan_id] = op
                self._retrying.pop(plan_id, None)  # the newer operation replaces the one to retry
                self._attempts.pop(plan_id, None)
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
                self._wait_for_work()
                gather_until = self._last_done + queue_gather_seconds()
                while (left := gather_until - time.monotonic()) > 0:
                    self._cond.wait(left)  # put() wakes this early: keep gathering until the time is up
                work = dict(self._pending)
                self._pending.clear()
                self._busy = True
            failed: dict[int, str] = {}
            try:
                failed = self._process(work)
            finally:
                with self._cond:
                    self._busy = False
                    self._last_done = time.monotonic()
                    self._schedule_retry(failed, work)
                    self._cond.notify_all()

    def _wait_for_work(self) -> None:
        """Wait (holding the condition) until work is pending, moving failed work back when its time comes."""
        while not self._pending:
            left = self._retry_at - time.monotonic()
            if self._retrying and left <= 0:
                for plan_id, op in self._retrying.items():
                    self._pending.setdefault(plan_id, op)
                self._retrying.clear()
                self._retry_at = float("inf")
            else:
                self._cond.wait(left if self._retrying else None)

    def _schedule_retry(self, failed: dict[int, str], work: dict[int, str]) -> None:
        """Keep failed work for its next attempt (counting attempts per plan); forget the attempts of work done."""
        for plan_id in work:
            if plan_id not in failed:
                self._attempts.pop(plan_id, None)
        delay = None
        for plan_id, op in failed.items():
            if plan_id in self._pending:
                continue  # a newer operation on this plan is already queued
            attempts = self._attempts.get(plan_id, 0)
            if attempts >= len(RETRY_DELAYS):
                logger.error(
                    "indexing plan %s failed %s times; check_index --fix retries it", plan_id, attempts + 1
                )
                self._attempts.pop(plan_id, None)
                continue
            self._attempts[plan_id] = attempts + 1
            self._retrying[plan_id] = op
            delay = RETRY_DELAYS[attempts] if delay is None else min(delay, RETRY_DELAYS[attempts])
        if delay is not None:
            self._retry_at = min(self._retry_at, time.monotonic() + delay)

    def _process(self, work: dict[int, str]) -> dict[int, str]:
        """Do the work; returns what failed (to be tried again)."""
        close_old_connections()
        failed: dict[int, str] = {}
        try:
            if work.pop(_REPAIR, None) == "repair":
                try:
                    hub.reset()
                    check_index(fix=True)
                except Exception:
                    logger.exception("index repair failed")
                    failed[_REPAIR] = "repair"
            for op, write in (("remove", remove_plans), ("index", index_plans)):
                ids = [i for i, queued in work.items() if queued == op]
                if not ids:
                    continue
                try:
                    write(ids)
                except Exception:  # index_plans marked them failed; tried again after a delay
                    logger.exception(
                        "background indexing failed (%s of %s plans); will try again", op, len(ids)
                    )
                    failed.update(dict.fromkeys(ids, op))
        finally:
            connection.close()
        return failed

    def wait(self, timeout: float) -> bool:
        """Block until the queued work, failed work waiting to be tried again included, is done."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending or self._busy or self._retrying:
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


def engine_name() -> str:
    """The engine the configured SEARCH_URL selects (whoosh, tantivy)."""
    return hub.engine.name


def index_health() -> tuple[bool, str]:
    """(ok, message) for /healthz: the index opens and can be searched."""
    from plans.models import Plan
    from plans.search.engines.base import IndexMissing

    try:
        try:
            with current_snapshot() as snapshot:
                return True, f"index ok ({hub.engine.name}): {snapshot.reader.doc_count()} plans"
        except IndexMissing:
            if Plan.objects.exists():
                raise
            hub.engine.create_if_missing()  # nothing to index yet: the empty index is the right one
            with current_snapshot() as snapshot:
                return True, f"index ok ({hub.engine.name}): {snapshot.reader.doc_count()} plans"
    except Exception as exc:  # any failure to open means unhealthy
        return False, f"index unavailable: {type(exc).__name__}: {exc}"


def _index_state() -> dict[int, str]:
    """plan id -> updated_at as indexed; a document of an older stored layout counts as stale."""
    from plans.search.snapshot import STORED_LAYOUT

    with current_snapshot() as snapshot:
        columns = snapshot.columns
        return {
            plan_id: columns.updated[docnum] if columns.layouts[docnum] == STORED_LAYOUT else "(old layout)"
            for plan_id, docnum in columns.docnum_of.items()
        }


def check_index(fix: bool = False) -> IndexReport:
    """Compare the index with the database; with fix=True repair it (rebuild when unreadable) and re-check."""
    from plans.models import Plan

    report = IndexReport(engine=engine_name())
    try:
        indexed = _index_state()
    except IndexUnavailable as exc:  # confirmed missing or corrupt: only then is the index rebuilt
        logger.warning("index missing or corrupt (%s)", exc)
        if not fix:
            report.error = f"索引无法读取：{type(exc).__name__}: {exc}"
            report.plans_in_db = Plan.objects.count()
            return report
        hub.reset()
        rebuild_index()
        fixed = check_index(fix=False)
        fixed.rebuilt = fixed.fixed = True
        return fixed
    except Exception as exc:  # a passing error (no file descriptor, permissions, disk): files left alone
        logger.warning("index not readable now (%s); nothing repaired", exc)
        report.error = f"索引暂时无法读取：{type(exc).__name__}: {exc}"
        report.plans_in_db = Plan.objects.count()
        return report
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
