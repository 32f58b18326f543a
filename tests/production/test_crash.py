"""A gunicorn worker is killed with SIGKILL while it writes the search index.

GIVEN a running instance with some indexed plans
WHEN staff upload a large batch and the worker holding the index's write lock is killed with SIGKILL
     (or the whole server is, and then started again through the entrypoint)
THEN the index still opens, every plan the database holds ends up in the index (re-queued by the new worker, or
     repaired at start), the plans indexed before are still there, and check_index finds nothing to repair.

The moment of the kill is not guessed: the test watches /proc/locks for the flock on the index's WRITELOCK file
and kills exactly the process that holds it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.production.plandocs import make_docs
from tests.production.servers import GunicornServer, run_manage
from tests.production.uploads import StaffClient, create_staff_user, upload

LOCK_WAIT = 120  # seconds to see the index being written after the upload starts
REPAIR_WAIT = 120  # seconds for every saved plan to be searchable again

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs Linux /proc/locks to find the writer"),
]


def index_writer_pid(index_dir: Path) -> int | None:
    """The process holding the flock on the index's WRITELOCK file, if any."""
    locks = {}
    for lock_file in index_dir.glob("**/*WRITELOCK"):  # the current index folder's lock
        try:
            info = lock_file.stat()
        except FileNotFoundError:
            continue
        locks[(os.major(info.st_dev), os.minor(info.st_dev), info.st_ino)] = lock_file
    if not locks:
        return None
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if len(fields) < 6 or fields[1] != "FLOCK" or fields[4] == "->":
            continue
        major, minor, inode = fields[5].split(":")
        if (int(major, 16), int(minor, 16), int(inode)) in locks:
            return int(fields[4])
    return None


def upload_in_background(server: GunicornServer, docs) -> threading.Thread:
    """Start a staff upload of `docs` whose confirm request may die with its worker."""

    def run():
        client = StaffClient(server, timeout=120)
        client.log_in()
        # When the worker serving it is killed the request fails: staff see an error and check the plan list.
        with contextlib.suppress(OSError):
            client.confirm(client.upload([(doc.filename, doc.data) for doc in docs]))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def kill_the_index_writer(server: GunicornServer, upload: threading.Thread, *, whole_server: bool) -> int:
    """Wait until a process holds the index write lock, then SIGKILL it (or the whole server); returns its pid."""
    index_dir = Path(server.env["SEARCH_INDEX_DIR"])
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        pid = index_writer_pid(index_dir)
        if pid is not None and pid in server.worker_pids():
            if whole_server:
                os.killpg(server.process.pid, signal.SIGKILL)
                server.process.wait(timeout=30)
            else:
                os.kill(pid, signal.SIGKILL)
            return pid
        assert upload.is_alive(), "the upload finished before any worker was seen writing the index"
        assert time.monotonic() < deadline, f"no worker wrote the index within {LOCK_WAIT} s"
        time.sleep(0.001)


def plans_in_database(server: GunicornServer) -> list[str]:
    script = "import json; from plans.models import Plan; print(json.dumps(list(Plan.objects.values_list('title', flat=True)), ensure_ascii=False))"
    result = run_manage({**server.env, "SEARCH_WARM": "0"}, "shell", "-c", script)
    return json.loads(result.stdout.strip().splitlines()[-1])


def count_hits(server: GunicornServer, query: str) -> int:
    response = server.get(f"/search/?q={quote(query)}&format=json", timeout=60)
    assert response.status == 200, f"search {query!r}: {response.status} {response.text[:500]}"
    return json.loads(response.body)["count"]


def assert_every_saved_plan_is_searchable(server: GunicornServer, docs) -> list[str]:
    """Wait (bounded) until each document whose plan the database holds is found by its token; return them."""
    by_title = {doc.title: doc for doc in docs}
    saved = [by_title[title] for title in plans_in_database(server)]
    deadline = time.monotonic() + REPAIR_WAIT
    missing = saved
    while missing:
        missing = [doc for doc in missing if count_hits(server, doc.token) != 1]
        if missing:
            assert time.monotonic() < deadline, (
                f"{len(missing)} of {len(saved)} saved plans not searchable after {REPAIR_WAIT} s: "
                f"{[doc.title for doc in missing[:5]]}\n{server.log()[-4000:]}"
            )
            time.sleep(0.5)
    check = run_manage({**server.env, "SEARCH_WARM": "0"}, "check_index")
    assert f"database: {len(saved)} plans, index: {len(saved)} documents" in check.stdout, check.stdout
    return [doc.title for doc in saved]


@pytest.mark.parametrize("whole_server", [False, True], ids=["worker-killed", "server-killed-and-restarted"])
def test_killing_the_index_writer_loses_no_plan(make_server, server_database, whole_server):
    server = make_server(server_database, WEB_CONCURRENCY="2", SEED_ON_FIRST_START="false").start()
    create_staff_user(server)
    before = make_docs(3, seed=100)
    assert set(upload(server, before).values()) == {"saved"}
    assert all(count_hits(server, doc.token) == 1 for doc in before)

    # A large batch keeps the index busy long enough to catch its writer in the act.
    batch = make_docs(30, seed=200, sections=60)
    uploading = upload_in_background(server, batch)
    killed = kill_the_index_writer(server, uploading, whole_server=whole_server)

    if whole_server:
        server = make_server(
            server_database, SEED_ON_FIRST_START="false", SEARCH_INDEX_DIR=server.env["SEARCH_INDEX_DIR"]
        )
        server.start()
        assert "index: " in server.log() and "database holds" in server.log()
    else:
        # The master replaces the worker; the other worker and the new one keep serving.
        deadline = time.monotonic() + 60
        while len(server.worker_pids()) != 2 or killed in server.worker_pids():
            assert time.monotonic() < deadline, f"the killed worker was not replaced:\n{server.log()[-3000:]}"
            time.sleep(0.2)
    uploading.join(timeout=180)
    assert not uploading.is_alive(), "the upload request hung"

    health = server.get("/healthz")
    assert health.status == 200, f"the index must still open: {health.text}"
    saved = assert_every_saved_plan_is_searchable(server, before + batch)
    assert {doc.title for doc in before} <= set(saved), "plans indexed before the crash are kept"
    assert len(saved) > len(before), "the kill came after some of the batch was saved"
