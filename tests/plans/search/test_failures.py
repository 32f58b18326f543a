"""A passing error never touches the index; rebuilds write aside and switch at the end (no empty window).

Real failures, provoked in real processes: a forked child runs out of file descriptors (RLIMIT_NOFILE), or
kills itself with SIGKILL half-way through a rebuild. The parent then checks every index file and searches.
"""

import hashlib
import os
import resource
import signal
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, connections

from plans.search import SearchParams, check_index, rebuild_index, search, wait_for_indexing
from plans.search import indexing as indexing_module
from plans.search import notices as notice
from plans.search.snapshot import hub
from tests.conftest import _build_plan
from tests.plans.search.indexfiles import current_folder, lose_everything

# Whoosh's own files and folder layout; the Tantivy engine's equivalents (a failed or killed rebuild, searching
# during a rebuild) are in test_tantivy.py.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.whoosh_only]


def index_state(root) -> dict[str, str]:
    """Every file under the index root with a hash of its bytes (locks excepted: they are empty)."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.name.endswith("LOCK")
    }


def in_child(work) -> tuple[int, bytes]:
    """Run work() in a forked child with its own database connection; (exit status, what it wrote)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 1
        try:
            os.close(read_end)
            for conn in connections.all():
                conn.connection = None  # the parent's socket or file stays the parent's; open our own
            message = work()
            os.write(write_end, str(message).encode())
            status = 0
        except BaseException as exc:  # reported to the parent through the pipe
            os.write(write_end, f"{type(exc).__name__}: {exc}".encode())
        finally:
            os._exit(status)
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    return status, b"".join(chunks)


def ids_for(q: str) -> set[int]:
    return {hit.plan_id for hit in search(SearchParams(q=q, page_size=100)).hits}


def test_running_out_of_file_descriptors_answers_with_a_notice_and_leaves_the_index_alone(search_index):
    plans = [_build_plan(title=f"甲{i}", text="科技金融政策") for i in range(3)]
    assert wait_for_indexing(60)  # the save signals queued them (committed: a transactional test)
    before = index_state(search_index)

    def starved():
        connection.ensure_connection()  # before the limit: the child needs its database
        hub.reset()  # the inherited snapshot's files are closed; opening the index needs new ones
        open_now = len(os.listdir("/proc/self/fd"))
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (open_now + 1, hard))
        result = search(SearchParams(q="科技金融"))
        report = check_index(fix=True)
        assert result.count == 0, result
        assert result.notices == [notice.index_unavailable()], result.notices
        assert report.error and not report.rebuilt and not report.ok, report
        assert not indexing_module._queue._pending, "no repair may be scheduled for a passing error"
        return "ok"

    status, said = in_child(starved)
    assert status == 0, said.decode()
    assert index_state(search_index) == before, "a passing error must leave every index file as it was"
    assert ids_for("科技金融") == {p.pk for p in plans}


def test_searches_answer_from_the_old_index_while_a_rebuild_runs(search_index):
    plans = [_build_plan(title=f"规划{i}", text=f"科技金融政策第{i}条。" * 40) for i in range(40)]
    assert wait_for_indexing(60)  # the save signals queued them (committed: a transactional test)
    old = current_folder(search_index)
    answers: list[tuple[int, tuple]] = []
    errors: list[BaseException] = []

    def rebuild():
        try:
            rebuild_index(procs=1)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    worker = threading.Thread(target=rebuild)
    worker.start()
    while worker.is_alive():
        result = search(SearchParams(q="科技金融", page_size=1))
        answers.append((result.count, tuple(result.notices)))
    worker.join()
    assert not errors, errors
    assert len(answers) > 3, "searches ran while the index was being rebuilt"
    assert set(answers) == {(40, ())}, "every answer is the full one: no empty or partial window"
    assert current_folder(search_index) != old
    assert (old / "RETIRED").exists() and any(old.iterdir()), "the old folder is kept for readers"
    assert ids_for("科技金融") == {p.pk for p in plans}


def test_a_rebuild_killed_half_way_leaves_the_old_index_in_use(search_index, settings):
    plans = [_build_plan(title=f"规划{i}", text="科技金融政策") for i in range(12)]
    assert wait_for_indexing(60)  # the save signals queued them (committed: a transactional test)
    old = current_folder(search_index)
    before = index_state(search_index)

    def crash_half_way():
        from plans.search.engines.whoosh import engine

        real, written = engine.build_document, []

        def build_then_die(*args):
            written.append(1)
            if len(written) == 6:
                os.kill(os.getpid(), signal.SIGKILL)  # a real crash: no cleanup, no exception handler
            return real(*args)

        engine.build_document = build_then_die
        rebuild_index(procs=1)
        return "the rebuild was not killed"

    status, said = in_child(crash_half_way)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (status, said)
    leftovers = [p for p in search_index.glob("ix-*") if p != old]
    assert leftovers, "the killed rebuild had started its own folder"
    assert current_folder(search_index) == old
    unfinished = tuple(p.name for p in leftovers)
    assert {k: v for k, v in index_state(search_index).items() if not k.startswith(unfinished)} == before
    assert ids_for("科技金融") == {p.pk for p in plans}
    assert check_index().ok
    # the next rebuild removes the unfinished folder and switches
    settings.SEARCH_RETIRED_GRACE = 3600
    rebuild_index(procs=1)
    assert not any(p.exists() for p in leftovers)
    assert current_folder(search_index) not in (old, *leftovers)
    assert old.exists(), "a retired folder is kept for the grace period"
    assert ids_for("科技金融") == {p.pk for p in plans}


def test_a_rebuild_that_fails_half_way_changes_nothing(search_index, monkeypatch):
    plans = [_build_plan(title=f"规划{i}", text="科技金融政策") for i in range(8)]
    assert wait_for_indexing(60)  # the save signals queued them (committed: a transactional test)
    before = index_state(search_index)
    from plans.search.engines.whoosh import engine

    real, written = engine.build_document, []

    def build_then_fail(*args):
        written.append(1)
        if len(written) == 4:
            raise OSError(28, "No space left on device")
        return real(*args)

    monkeypatch.setattr(engine, "build_document", build_then_fail)
    with pytest.raises(OSError):
        rebuild_index(procs=1)
    assert index_state(search_index) == before, "the failed rebuild's folder is gone, the index untouched"
    assert ids_for("科技金融") == {p.pk for p in plans}


def test_haystack_rebuild_command_and_check_index_fix_write_a_new_folder(search_index, settings):
    settings.SEARCH_RETIRED_GRACE = 0
    plan = _build_plan(title="甲", text="科技金融")
    assert wait_for_indexing(60)
    first = current_folder(search_index)
    call_command("rebuild_index", interactive=False, verbosity=0)
    second = current_folder(search_index)
    assert second != first and (first / "RETIRED").exists()
    assert ids_for("科技金融") == {plan.pk}
    lose_everything(search_index)
    hub.reset()
    assert "index" in (check_index().error or "")
    report = check_index(fix=True)
    assert report.ok and report.rebuilt
    assert current_folder(search_index).name.startswith("ix-")
    assert ids_for("科技金融") == {plan.pk}
    call_command("rebuild_index", interactive=False, verbosity=0)  # with no grace, retired folders go
    assert [p.name for p in search_index.glob("ix-*")] != []
    time.sleep(0.01)
    call_command("rebuild_index", interactive=False, verbosity=0)
    assert len(list(search_index.glob("ix-*"))) <= 2  # the current one and the one retired just now
