"""How the production tests add plans to a running instance."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.production.plandocs import PlanDoc
from tests.production.servers import REPO, GunicornServer

# Runs in a separate process on the server's database and index: the public ingest API, then the index queue.
_INGEST_SCRIPT = """
import json, sys
import django
django.setup()
from plans.ingest import ingest_bytes
from plans.search import wait_for_indexing
report = {}
for doc in json.load(sys.stdin):
    outcome = ingest_bytes(doc["text"].encode("utf-8"), doc["filename"])
    report[doc["filename"]] = "saved" if outcome.status == "ingested" else f"{outcome.status}: {outcome.reason}"
if not wait_for_indexing(timeout=300):
    raise SystemExit("indexing did not finish")
print(json.dumps(report, ensure_ascii=False))
"""


def upload(server: GunicornServer, docs: list[PlanDoc]) -> dict[str, str]:
    """Add the documents to the server's database and index; returns {filename: "saved" or the reason}."""
    payload = json.dumps([{"filename": d.filename, "text": d.text} for d in docs], ensure_ascii=False)
    result = subprocess.run(
        [sys.executable, "-c", _INGEST_SCRIPT],
        input=payload,
        cwd=REPO,
        env={**server.env, "SEARCH_WARM": "0"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"ingest process failed:\n{result.stderr[-3000:]}"
    return json.loads(result.stdout.strip().splitlines()[-1])
