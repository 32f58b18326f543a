"""16 threads search one process's index while another thread saves and commits plans.

GIVEN a real index and 16 searching threads
WHEN a writer thread saves plans and commits them one generation at a time, for a bounded time
THEN no search raises (no reader closed under a request), and every answer is consistent with one generation:
     within a held snapshot, the exact term set equals the brute-force substring set over that snapshot's own
     stored texts, and through search() the count equals the facet counts' sum and never goes backwards.
"""

import threading
import time

import pytest
from django.db import connection

from plans.search import SearchParams, current_snapshot, index_plans, search
from plans.search.normalize import normalise
from tests.conftest import _build_plan

SEARCHERS = 16
WRITE_SECONDS = 6.0
TOKEN = "并发标记"


def check_snapshot_against_its_own_texts() -> int:
    """One generation, checked against itself; returns how many plans hold the token in it."""
    with current_snapshot() as snapshot:
        live = snapshot.columns.live
        documents = snapshot.documents(live)
        truth = {d for d, doc in documents.items() if TOKEN in normalise(doc.title_and_body)}
        found = snapshot.term_docs(TOKEN)
        assert found == frozenset(truth), (snapshot.generation, sorted(found ^ truth))
        positions = snapshot.term_positions(TOKEN)
        for docnum, starts in positions.items():
            text = normalise(documents[docnum].title_and_body)
            assert all(text.startswith(TOKEN, start) for start in starts)
        return len(found)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sixteen_threads_search_while_another_commits():
    first = [_build_plan(title=f"初始{i}", text=f"{TOKEN}初始文本{i}。", year=2010 + i % 5) for i in range(5)]
    index_plans([p.pk for p in first])
    errors: list[str] = []
    stop = threading.Event()
    committed = [len(first)]
    searches = [0] * SEARCHERS

    def searcher(n: int) -> None:
        last_count = 0
        try:
            while not stop.is_set():
                if n % 2:
                    held = check_snapshot_against_its_own_texts()
                    assert held >= last_count, "a later snapshot must not lose plans"
                    last_count = held
                else:
                    result = search(SearchParams(q=TOKEN, page_size=5))
                    assert not result.notices, result.notices
                    assert result.count == sum(v.count for v in result.facets["year"]), result
                    assert result.count >= last_count, "a later answer must not lose plans"
                    assert result.count >= len(first)
                    assert all(
                        TOKEN in hit.snippet.replace("<mark>", "").replace("</mark>", "")
                        for hit in result.hits
                    )
                    last_count = result.count
                searches[n] += 1
        except BaseException as exc:  # reported below
            errors.append(f"thread {n}: {type(exc).__name__}: {exc}")
        finally:
            connection.close()

    def writer() -> None:
        deadline = time.monotonic() + WRITE_SECONDS
        i = 0
        try:
            while time.monotonic() < deadline:
                plan = _build_plan(title=f"新增{i}", text=f"第{i}篇：{TOKEN}与其他文字。", year=2015 + i % 5)
                index_plans([plan.pk])  # one commit, one new generation
                committed[0] += 1
                i += 1
        except BaseException as exc:
            errors.append(f"writer: {type(exc).__name__}: {exc}")
        finally:
            stop.set()
            connection.close()

    threads = [threading.Thread(target=searcher, args=(n,)) for n in range(SEARCHERS)]
    for thread in threads:
        thread.start()
    writing = threading.Thread(target=writer)
    writing.start()
    writing.join(WRITE_SECONDS + 120)
    stop.set()
    for thread in threads:
        thread.join(60)
    assert not errors, errors[:5]
    assert committed[0] > len(first) + 3, "the writer committed several generations"
    assert all(count > 0 for count in searches), searches
    assert search(SearchParams(q=TOKEN)).count == committed[0]
    assert check_snapshot_against_its_own_texts() == committed[0]
