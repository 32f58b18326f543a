"""Indexing never blocks or loses: signals + on_commit + one writer, status kept, check_index repairs."""

import threading
import time

import pytest
from django.core.management import call_command

from plans.models import Plan
from plans.search import (
    SearchParams,
    check_index,
    index_health,
    index_plans,
    rebuild_index,
    remove_plan,
    search,
    wait_for_indexing,
)
from tests.conftest import _build_plan
from tests.plans.search.engine_files import corrupt, segment_count, writer_held_elsewhere

pytestmark = pytest.mark.both_engines


def ids_for(q):
    return {hit.plan_id for hit in search(SearchParams(q=q, page_size=100)).hits}


@pytest.mark.django_db
def test_index_plans_sets_status_and_remove_plan_removes(make_plan):
    plan = make_plan(title="甲", text="科技创新", index=False)
    assert plan.index_status == Plan.IndexStatus.PENDING
    index_plans([plan.pk])
    plan.refresh_from_db()
    assert plan.index_status == Plan.IndexStatus.INDEXED and plan.indexed_at is not None
    assert ids_for("科技创新") == {plan.pk}
    remove_plan(plan.pk)
    assert ids_for("科技创新") == set()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_saving_editing_and_deleting_plans_updates_the_index_through_the_queue():
    """GIVEN committed saves WHEN the queue drains THEN the index follows the database."""
    plan = _build_plan(title="甲", text="科技金融")
    assert wait_for_indexing(30)
    assert ids_for("科技金融") == {plan.pk}
    plan.refresh_from_db()
    assert plan.index_status == Plan.IndexStatus.INDEXED

    plan.text = "众创空间"
    plan.save()
    assert Plan.objects.get(pk=plan.pk).index_status == Plan.IndexStatus.PENDING
    assert wait_for_indexing(30)
    assert ids_for("科技金融") == set() and ids_for("众创空间") == {plan.pk}

    plan.delete()
    assert wait_for_indexing(30)
    assert ids_for("众创空间") == set()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_saves_arriving_while_the_queue_gathers_are_written_together_and_none_is_lost(settings):
    """GIVEN the queue gathering for 1.5 s after a commit WHEN plans keep arriving THEN the ones saved during
    that time go in one batch (one commit, one indexed_at), and every plan is searchable and marked indexed."""
    settings.SEARCH_QUEUE_GATHER_MS = 1500
    first = _build_plan(title="甲", text="众创空间第一")
    assert wait_for_indexing(30)
    later = [_build_plan(title=f"乙{i}", text=f"众创空间第{i}号") for i in range(5)]
    assert wait_for_indexing(30)
    assert ids_for("众创空间") == {first.pk, *(plan.pk for plan in later)}
    rows = dict(Plan.objects.values_list("pk", "indexed_at"))
    assert len({rows[plan.pk] for plan in later}) == 1  # one batch, written after the gathering time
    assert set(Plan.objects.values_list("index_status", flat=True)) == {Plan.IndexStatus.INDEXED}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_plans_saved_from_several_threads_while_searching_are_all_found():
    """GIVEN 4 threads saving 10 plans each while a fifth searches WHEN the queue drains
    THEN every plan is found, none failed, and the searches never raised."""
    from django.db import connection

    errors: list[BaseException] = []
    created: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(n):
        try:
            for i in range(10):
                plan = _build_plan(title=f"线程{n}规划{i}", text=f"并发索引测试 标记{n}x{i}y")
                with lock:
                    created.append(plan.pk)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    def reader():
        try:
            while not stop.is_set():
                search(SearchParams(q="并发索引"))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    searcher_thread = threading.Thread(target=reader)
    searcher_thread.start()
    writers = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    assert wait_for_indexing(60)
    stop.set()
    searcher_thread.join()
    assert errors == []
    assert len(created) == 40
    assert ids_for("并发索引测试") == set(created)
    assert search(SearchParams(q="并发索引测试")).count == 40
    assert set(Plan.objects.values_list("index_status", flat=True)) == {Plan.IndexStatus.INDEXED}
    for n, i in [(0, 0), (3, 9), (2, 5)]:
        assert len(ids_for(f"标记{n}x{i}y")) == 1


@pytest.mark.django_db
def test_check_index_reports_missing_stale_and_orphans_and_fix_repairs(make_plan):
    indexed = make_plan(title="甲", text="科技金融")
    missing = make_plan(title="乙", text="众创空间", index=False)
    stale = make_plan(title="丙", text="旧文本")
    orphan = make_plan(title="丁", text="孵化器")
    Plan.objects.filter(pk=stale.pk).update(text="新文本", updated_at=stale.updated_at.replace(year=2030))
    Plan.objects.filter(pk=orphan.pk).delete()  # on_commit never runs inside this test's transaction

    report = check_index()
    assert (report.missing, report.stale, report.orphans) == ([missing.pk], [stale.pk], [orphan.pk])
    assert not report.ok

    with pytest.raises(SystemExit) as exit_info:
        call_command("check_index")
    assert exit_info.value.code == 1

    call_command("check_index", "--fix")
    assert check_index().ok
    assert ids_for("众创空间") == {missing.pk}
    assert ids_for("新文本") == {stale.pk} and ids_for("旧文本") == set()
    assert ids_for("孵化器") == set()
    assert ids_for("科技金融") == {indexed.pk}


@pytest.mark.django_db
def test_a_corrupt_index_is_rebuilt_from_the_database(make_plan, search_index, search_engine):
    plan = make_plan(title="甲", text="科技金融")
    corrupt(search_index, search_engine)
    from plans.search.snapshot import hub

    hub.reset()
    ok, message = index_health()
    assert not ok and message
    assert not check_index().ok
    report = check_index(fix=True)
    assert report.ok and report.rebuilt
    assert ids_for("科技金融") == {plan.pk}
    assert index_health()[0]


@pytest.mark.django_db
def test_a_missing_index_folder_is_recreated(make_plan, search_index):
    import shutil

    plan = make_plan(title="甲", text="科技金融")
    shutil.rmtree(search_index)
    from plans.search.snapshot import hub

    hub.reset()
    report = check_index(fix=True)
    assert report.ok
    assert ids_for("科技金融") == {plan.pk}


@pytest.mark.django_db
def test_rebuild_index(make_plan):
    a = make_plan(title="甲", text="科技金融", index=False)
    b = make_plan(title="乙", text="科技金融", index=False)
    assert rebuild_index() == 2
    assert ids_for("科技金融") == {a.pk, b.pk}


@pytest.mark.django_db
def test_haystack_rebuild_index_and_update_index_commands_work(make_plan):
    a = make_plan(title="甲", text="科技金融", index=False)
    call_command("rebuild_index", interactive=False, verbosity=0)
    assert ids_for("科技金融") == {a.pk}
    assert ids_for("金") == {a.pk}
    b = make_plan(title="乙", text="科技金融", index=False)
    call_command("update_index", verbosity=0)
    assert ids_for("科技金融") == {a.pk, b.pk}
    assert check_index().ok


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_search_on_a_corrupt_index_answers_with_a_notice_and_repairs_it(search_index, search_engine):
    """GIVEN an indexed plan and then a corrupted index WHEN searching THEN no exception but a notice,
    and a background repair rebuilds the index from the database."""
    from plans.search.engine import INDEX_REBUILDING_NOTICE
    from plans.search.snapshot import hub

    plan = _build_plan(title="甲", text="科技金融")
    assert wait_for_indexing(30)
    assert ids_for("科技金融") == {plan.pk}
    corrupt(search_index, search_engine)
    hub.reset()
    result = search(SearchParams(q="科技金融"))
    assert result.count == 0 and INDEX_REBUILDING_NOTICE in result.notices
    assert wait_for_indexing(30)
    assert ids_for("科技金融") == {plan.pk}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_warm_rebuilds_a_lost_index_folder_in_the_background(search_index):
    import shutil

    from plans.search import warm
    from plans.search.snapshot import hub

    plan = _build_plan(title="甲", text="科技金融")
    assert wait_for_indexing(30)
    shutil.rmtree(search_index)
    hub.reset()
    warm()
    assert wait_for_indexing(30)
    assert ids_for("科技金融") == {plan.pk}


@pytest.mark.django_db
def test_a_plan_whose_indexing_fails_is_marked_failed_and_check_index_fix_repairs_it(
    make_plan, settings, search_engine
):
    """GIVEN another writer holding the index lock past the timeout WHEN indexing THEN the plan stays saved,
    marked failed; once the lock is free, check_index --fix indexes it."""
    settings.SEARCH_WRITER_TIMEOUT = 0.3
    plan = make_plan(title="甲", text="科技金融", index=False)
    with writer_held_elsewhere(search_engine) as gives_up_with, pytest.raises(gives_up_with):
        index_plans([plan.pk])
    plan.refresh_from_db()
    assert plan.index_status == Plan.IndexStatus.FAILED
    assert check_index().missing == [plan.pk]
    call_command("check_index", "--fix")
    plan.refresh_from_db()
    assert plan.index_status == Plan.IndexStatus.INDEXED
    assert ids_for("科技金融") == {plan.pk}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_save_whose_background_indexing_fails_is_tried_again_and_lands_once_the_writer_is_free(
    settings, search_engine
):
    """GIVEN another process holding the index writer past SEARCH_WRITER_TIMEOUT (a loaded machine) WHEN a
    plan is saved THEN the queue's write fails and the plan is marked failed, but the queue tries again: once
    the writer is free the plan is searchable and marked indexed, with no check_index --fix."""
    settings.SEARCH_WRITER_TIMEOUT = 0.3
    with writer_held_elsewhere(search_engine):
        plan = _build_plan(title="甲", text="科技金融重试")
        deadline = time.monotonic() + 30
        while Plan.objects.get(pk=plan.pk).index_status != Plan.IndexStatus.FAILED:
            assert time.monotonic() < deadline, "the queue's first attempt fails while the writer is held"
            time.sleep(0.05)
        assert not wait_for_indexing(0.1), "the failed work waits to be tried again"
    assert wait_for_indexing(30)
    assert Plan.objects.get(pk=plan.pk).index_status == Plan.IndexStatus.INDEXED
    assert ids_for("科技金融重试") == {plan.pk}


def _answers(queries):
    answers = []
    for q in queries:
        result = search(SearchParams(q=q, page_size=50))
        facets = {name: [(v.value, v.count) for v in values] for name, values in result.facets.items()}
        answers.append((result.count, [(h.plan_id, round(h.score, 6)) for h in result.hits], facets))
    return answers


@pytest.mark.django_db
def test_parallel_rebuild_answers_exactly_like_the_single_process_one(make_plans, monkeypatch, search_engine):
    """GIVEN plans with tied scores WHEN rebuilt by 2 processes (several segments) THEN every answer is the same."""
    from plans.search.engines.tantivy import engine as tantivy_engine
    from plans.search.engines.whoosh import engine as whoosh_engine
    from plans.search.snapshot import current_snapshot

    regions = ["湖北", "天津", "广东"]
    make_plans(
        [
            {
                "title": f"第{i}号工作要点",
                "text": ("推进科技金融和孵化器建设。" * (1 + i % 3))
                + ("发展数字经济，" if i % 2 else "建设众创空间。"),
                "region": regions[i % 3],
                "year": 2015 + i % 5,
            }
            for i in range(30)
        ],
        index=False,
    )
    queries = ["科技金融", "科技金融 孵化器", "数字经济", "众创空间", "金", '"孵化器建设"', ""]
    assert rebuild_index(procs=1) == 30
    single = _answers(queries)
    monkeypatch.setattr(whoosh_engine, "MP_BATCH_DOCS", 4)  # several job files per process
    monkeypatch.setattr(tantivy_engine, "REBUILD_CHUNK", 4)  # several jobs per worker process
    assert rebuild_index(procs=4) == 30  # Tantivy: two writer threads fed by two worker processes
    if search_engine == "whoosh":
        with current_snapshot() as snapshot:  # really written by more than one process
            assert segment_count(snapshot, search_engine) >= 2
    assert _answers(queries) == single
    assert all(
        status == Plan.IndexStatus.INDEXED for status in Plan.objects.values_list("index_status", flat=True)
    )


def test_rebuild_uses_one_process_for_small_databases_and_the_setting_when_given(settings):
    from plans.search.indexing import PARALLEL_REBUILD_MIN_PLANS, rebuild_procs

    settings.SEARCH_REBUILD_PROCS = None
    assert rebuild_procs(PARALLEL_REBUILD_MIN_PLANS - 1) == 1
    assert rebuild_procs(PARALLEL_REBUILD_MIN_PLANS) >= 1
    settings.SEARCH_REBUILD_PROCS = 3
    assert rebuild_procs(5) == 3


@pytest.mark.django_db
def test_check_index_and_healthz_say_which_engine_answers(make_plan, search_engine, client):
    from io import StringIO

    make_plan(title="甲", text="科技金融")
    out = StringIO()
    call_command("check_index", stdout=out)
    assert f"engine: {search_engine};" in out.getvalue()
    assert check_index().engine == search_engine
    ok, message = index_health()
    assert ok and f"({search_engine})" in message
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["engine"] == search_engine


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_writer_waits_for_another_process_to_finish_instead_of_failing(search_engine):
    """GIVEN another process's writer holding the lock for a while WHEN a plan is saved THEN its indexing
    waits and succeeds once the lock is free (a save never fails because the index is busy)."""
    from plans.search.snapshot import hub

    hub.engine  # noqa: B018 (the engine of this test's index, before another thread uses the hub)
    with writer_held_elsewhere(search_engine):
        plan = _build_plan(title="甲", text="等待写锁的文件")
        assert not wait_for_indexing(0.5)  # the queue's writer is waiting for the lock
    assert wait_for_indexing(30)
    plan.refresh_from_db()
    assert plan.index_status == Plan.IndexStatus.INDEXED
    assert ids_for("等待写锁") == {plan.pk}
