"""Uploads and searches at the same time, from several clients, against gunicorn on 127.0.0.1.

GIVEN a production-like instance (entrypoint, gunicorn with 3 sync workers, or 2 gthread workers x 8 threads so
      that searches run in several threads of one process, its own database and index)
WHEN several staff members upload plans through the admin upload page (preview, then confirm) while several
     clients keep searching
THEN no request fails, and afterwards every uploaded plan is in the database and in the index (found by a token
     no other plan contains), and check_index finds nothing to repair.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest

from tests.production.plandocs import PlanDoc, make_docs
from tests.production.uploads import create_staff_user, upload

UPLOADERS = 3
PLANS_PER_UPLOADER = 5
SEARCHERS = 3
QUERIES = ["科技", "科技成果转化", "创新平台 科技金融", '"高新技术企业"', "鑫", "任务3", "湖北"]
INDEX_WAIT = 180  # seconds for the index to catch up after the last upload


def search_json(server, query: str) -> dict:
    response = server.get(f"/search/?q={quote(query)}&format=json&page_size=100", timeout=60)
    assert response.status == 200, f"search {query!r}: {response.status} {response.text[:300]}"
    return json.loads(response.body)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("workers", "threads", "searchers"),
    [("3", "1", SEARCHERS), ("2", "8", 12)],
    ids=["sync-3-workers", "gthread-2x8"],
)
def test_uploads_and_searches_at_the_same_time(make_server, server_database, workers, threads, searchers):
    server = make_server(
        server_database, WEB_CONCURRENCY=workers, GUNICORN_THREADS=threads, SEED_ON_FIRST_START="false"
    ).start()
    if threads != "1":
        assert "Using worker: gthread" in server.log(), server.log()[-2000:]
    assert server.log().count("search warmed in worker") >= int(workers), (
        "each worker opens the index at start"
    )
    create_staff_user(server)
    batches = [make_docs(PLANS_PER_UPLOADER, seed=uploader) for uploader in range(UPLOADERS)]
    uploaded: list[PlanDoc] = [doc for batch in batches for doc in batch]

    stop = threading.Event()
    failures: list[str] = []
    searches = [0] * searchers

    def keep_searching(client: int) -> None:
        turn = client
        while not stop.is_set():
            query = QUERIES[turn % len(QUERIES)]
            turn += 1
            try:
                response = server.get(f"/search/?q={quote(query)}&format=json", timeout=60)
            except OSError as error:
                failures.append(f"search {query!r}: {error}")
                continue
            if response.status != 200:
                failures.append(f"search {query!r}: {response.status} {response.text[:200]}")
            searches[client] += 1

    clients = [threading.Thread(target=keep_searching, args=(n,), daemon=True) for n in range(searchers)]
    for thread in clients:
        thread.start()
    try:
        with ThreadPoolExecutor(UPLOADERS) as pool:
            reports = list(pool.map(lambda batch: upload(server, batch), batches))
        # Keep searching a little while the index catches up, then stop.
        time.sleep(1)
    finally:
        stop.set()
        for thread in clients:
            thread.join(timeout=90)
    assert not any(thread.is_alive() for thread in clients), "a search client hung"
    assert not failures, f"{len(failures)} failed request(s) during uploads, e.g. {failures[:5]}"
    assert all(count > 0 for count in searches), searches
    for batch, report in zip(batches, reports, strict=True):
        assert report == {doc.filename: "saved" for doc in batch}, report

    # Every uploaded plan is in the index (exactly one hit for its token) and in the database (its page).
    deadline = time.monotonic() + INDEX_WAIT
    missing = list(uploaded)
    while missing:
        missing = [doc for doc in missing if search_json(server, doc.token)["count"] != 1]
        if missing:
            assert time.monotonic() < deadline, (
                f"{len(missing)} uploaded plan(s) not searchable after {INDEX_WAIT} s: "
                f"{[doc.title for doc in missing[:5]]}\n{server.log()[-3000:]}"
            )
            time.sleep(1)
    for doc in uploaded:
        (hit,) = search_json(server, doc.token)["results"]
        page = server.get(f"/plans/{hit['id']}/")
        assert page.status == 200 and doc.token in page.text, doc.title

    total = search_json(server, "")
    assert total["count"] == len(uploaded), "no duplicates, nothing else in the index"
    from tests.production.servers import run_manage

    check = run_manage(server.env, "check_index")
    assert f"database: {len(uploaded)} plans, index: {len(uploaded)} documents" in check.stdout
    assert "Traceback" not in server.log()
