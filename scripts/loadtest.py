#!/usr/bin/env python
"""Load test of the HTML results page: 16 concurrent clients against gunicorn on 127.0.0.1, bounded in time.

    .venv/bin/python scripts/loadtest.py                       start gunicorn (2 workers, port 8402) itself
    .venv/bin/python scripts/loadtest.py --url http://127.0.0.1:8000   test a server already running here

When it starts gunicorn, the server uses this shell's environment (DATABASE_URL, SEARCH_INDEX_DIR, SECRET_KEY...),
so point it at a benchmark database, e.g. one kept by `manage.py bench --keep`. It stops after --requests requests
or --seconds seconds, whichever comes first, and prints requests/s, p50/p95 latency and the errors.
Only 127.0.0.1/localhost URLs are accepted.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from plans.benchmark.http import Gunicorn, load_test, require_local  # noqa: E402
from plans.benchmark.queries import QUERY_MIX  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a server on 127.0.0.1 to test instead of starting gunicorn")
    parser.add_argument("--port", type=int, default=8402, help="port for the gunicorn this script starts")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=800, help="stop after this many requests")
    parser.add_argument("--seconds", type=float, default=60.0, help="stop after this many seconds")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()

    def run(url: str) -> dict:
        return load_test(
            url, QUERY_MIX, clients=args.clients, max_requests=args.requests, max_seconds=args.seconds
        )

    if args.url:
        try:
            result = run(require_local(args.url))
        except ValueError as error:
            parser.error(str(error))
        result["server"] = args.url
    else:
        with Gunicorn(args.port, workers=args.workers, cwd=ROOT) as server:
            result = run(server.url)
        result["server"] = f"gunicorn, {args.workers} workers, 127.0.0.1:{args.port}"

    latency = result["latency_ms"]
    print(
        f"{result['server']}: {result['requests']} requests from {result['clients']} clients in"
        f" {result['seconds']:.1f} s = {result['requests_per_s']:.1f} requests/s;"
        f" p50 {latency.get('p50', float('nan')):.0f} ms, p95 {latency.get('p95', float('nan')):.0f} ms;"
        f" errors {result['error_count']}"
    )
    for error in result["errors"]:
        print(f"  error: {error}")
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return 1 if result["error_count"] else 0


if __name__ == "__main__":
    sys.exit(main())
