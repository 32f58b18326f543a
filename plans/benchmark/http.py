"""gunicorn on 127.0.0.1 for the benchmark: start and stop it, read a warmed worker's memory, load-test it."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from plans.benchmark.queries import BenchQuery
from plans.benchmark.stats import summarize

LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def require_local(url: str) -> str:
    """Refuse any URL that is not on this machine's loopback: the load test never leaves 127.0.0.1."""
    host = urlsplit(url).hostname
    if host not in LOCAL_HOSTS:
        raise ValueError(f"only 127.0.0.1 may be load-tested, not {host!r}")
    return url.rstrip("/")


def page_path(query: BenchQuery) -> str:
    return "/search/?" + urlencode(query.url_params())


class Gunicorn:
    """`with Gunicorn(port, workers=2, env=...) as server:` runs config.wsgi on 127.0.0.1:port, then stops it."""

    def __init__(
        self, port: int, *, workers: int = 1, env: dict | None = None, cwd: Path | None = None
    ) -> None:
        self.port = port
        self.workers = workers
        self.env = env or dict(os.environ)
        self.cwd = cwd or Path(__file__).resolve().parents[2]
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Gunicorn:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "gunicorn.conf.py",  # the product's hooks: each worker warms its search engine at start
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ]
        self.process = subprocess.Popen(command, cwd=self.cwd, env=self.env)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=5).read()  # what a deployment probes
                return self
            except urllib.error.HTTPError:
                return self  # it answers; the status is the app's business
            except OSError:
                time.sleep(0.3)
        self.__exit__(None, None, None)
        raise RuntimeError("gunicorn did not answer within 90 s")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def worker_pids(self) -> list[int]:
        """The worker processes forked by this gunicorn's master."""
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            return [int(pid) for pid in children.read_text().split()]
        return []


def rss_mb(pid: int) -> float:
    """Resident memory of a process (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def fetch(url: str, timeout: float = 60) -> int:
    """GET a URL and read the whole body; return the status (HTTP errors are statuses, not exceptions)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def load_test(
    base_url: str,
    queries: Sequence[BenchQuery],
    *,
    clients: int = 16,
    max_requests: int = 800,
    max_seconds: float = 60.0,
) -> dict:
    """`clients` threads GET the results page for the query mix in turn, until either bound is reached."""
    base_url = require_local(base_url)
    paths = [page_path(query) for query in queries]
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.monotonic() + max_seconds

    def client() -> None:
        while time.monotonic() < deadline:
            with lock:
                n = next(counter)
            if n >= max_requests:
                return
            start = time.perf_counter()
            try:
                status = fetch(base_url + paths[n % len(paths)])
            except OSError as exc:
                status = f"{type(exc).__name__}: {exc}"
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                if status == 200:
                    latencies.append(elapsed)
                else:
                    errors.append(f"{paths[n % len(paths)]}: {status}")

    started = time.perf_counter()
    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max_seconds + 120)
    wall = time.perf_counter() - started
    done = len(latencies) + len(errors)
    return {
        "clients": clients,
        "requests": done,
        "seconds": wall,
        "requests_per_s": done / wall if wall else 0.0,
        "latency_ms": summarize(latencies),
        "error_count": len(errors),
        "errors": errors[:20],
    }
