"""Real servers for the production tests: gunicorn started through docker/entrypoint.sh, and a throwaway PostgreSQL
cluster that a test may stop and start without touching the shared database server.

Every wait is bounded and fails with the server's log; every server is stopped by its context manager.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url

REPO = Path(__file__).resolve().parents[2]
ENTRYPOINT = REPO / "docker" / "entrypoint.sh"
# Ports for servers started by tests; override where this range is taken (e.g. PROD_TEST_PORTS=20000-20999).
PORT_RANGE = os.environ.get("PROD_TEST_PORTS", "8300-8399")
START_TIMEOUT = float(os.environ.get("PROD_TEST_START_TIMEOUT", "180"))  # migrations on a busy machine
TEST_SECRET_KEY = "production-tests-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def free_port() -> int:
    """A port of PORT_RANGE on 127.0.0.1 that nothing listens on right now."""
    low, high = (int(part) for part in PORT_RANGE.split("-"))
    candidates = list(range(low, high + 1))
    random.shuffle(candidates)
    for port in candidates:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORT_RANGE}")


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def http_request(
    url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 30
) -> Response:
    """One HTTP request without raising on 4xx/5xx (urllib does), following no redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    url = urllib.parse.quote(url, safe=":/?&=%#+,;@[]!$'()*~")  # percent-encode non-ASCII, keep the syntax
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(request, timeout=timeout) as reply:
            return Response(reply.status, dict(reply.headers.items()), reply.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, dict(error.headers.items()), error.read())


@dataclass
class GunicornServer:
    """gunicorn on 127.0.0.1, started the way the container starts it: docker/entrypoint.sh with no arguments.

    The entrypoint migrates, seeds and prepares the index first, so `start()` waits until /healthz answers.
    Output (startup lines, gunicorn's access and error logs) goes to `log_path`.
    """

    env: dict[str, str]
    workdir: Path
    args: list[str] = field(default_factory=list)
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "server.log"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def start(self) -> GunicornServer:
        for _attempt in range(3):  # a port may be taken between the probe and gunicorn's bind
            self.port = free_port()
            env = {**self.env, "BIND": f"127.0.0.1:{self.port}", "PYTHON": sys.executable}
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(
                    [str(ENTRYPOINT), *self.args],
                    cwd=REPO,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group, so stop() reaches every worker
                )
            if self._wait_until_listening():
                return self
            if "Address already in use" not in self.log():
                break
        self.stop()
        raise AssertionError(
            f"gunicorn did not start within {START_TIMEOUT:.0f} s; log:\n{self.log()[-5000:]}"
        )

    def _wait_until_listening(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            with contextlib.suppress(OSError):
                http_request(self.url + "/healthz", timeout=5)
                return True
            time.sleep(0.2)
        return False

    def get(self, path: str, **kwargs) -> Response:
        return http_request(self.url + path, **kwargs)

    def worker_pids(self) -> list[int]:
        """Process ids of the gunicorn workers (children of the master, which the entrypoint exec'd into)."""
        master = self.process.pid
        children = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == master:
                children.append(int(entry.name))
        return sorted(children)

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM (gunicorn's graceful stop), then SIGKILL to the whole group if it takes too long."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait(timeout=10)

    def __enter__(self) -> GunicornServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def server_env(workdir: Path, database_url: str, **overrides: str) -> dict[str, str]:
    """The environment of a production-like instance with its own data, index and static folders under workdir."""
    static_root = workdir / "static"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(workdir),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": TEST_SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "DATA_DIR": str(workdir / "data"),
        "SEARCH_INDEX_DIR": str(workdir / "data" / "index"),
        "MEDIA_ROOT": str(workdir / "data" / "media"),
        "STATIC_ROOT": str(static_root),
        "JIEBA_CACHE_DIR": str(workdir / "jieba-cache"),
        "WEB_CONCURRENCY": "2",
        "GUNICORN_TIMEOUT": "60",
        "LOG_LEVEL": "info",
    }
    env.update(overrides)
    return env


def collectstatic(env: dict[str, str]) -> None:
    """What the Docker build does: collect hashed, compressed static files into STATIC_ROOT."""
    run_manage(env, "collectstatic", "--noinput", "--verbosity", "0")


def run_manage(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run manage.py with this environment; fail with its output when it fails."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


# --- databases for servers -------------------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_database(test_database_url: str, workdir: Path) -> Iterator[str]:
    """A new, empty database of the kind the test run uses: a SQLite file, or a PostgreSQL database created
    beside the test database (named <test db>_srv_<random>) and dropped afterwards."""
    config = dj_database_url.parse(test_database_url) if test_database_url else {"ENGINE": "sqlite"}
    if "postgresql" not in config["ENGINE"]:
        yield f"sqlite:///{workdir / 'server.sqlite3'}"
        return
    import psycopg2

    name = f"{config['NAME']}_srv_{random.randrange(16**8):08x}"
    admin = psycopg2.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
    )
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield test_database_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def postgres_bindir() -> Path | None:
    """Where initdb and pg_ctl are: PG_BINDIR, else the newest /usr/lib/postgresql/<version>/bin."""
    configured = os.environ.get("PG_BINDIR")
    if configured:
        return Path(configured)
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


class ThrowawayPostgres:
    """A PostgreSQL cluster of our own on 127.0.0.1:<free port>, which a test may stop and start at will.

    Runs as the `postgres` system user when the tests run as root (PostgreSQL refuses root), as the current
    user otherwise. Durability is switched off: it only lives for one test.
    """

    def __init__(self) -> None:
        self.bindir = postgres_bindir()
        self.port = 0
        self.root: Path | None = None
        self.run_as: list[str] = []

    @staticmethod
    def unavailable_reason() -> str | None:
        """Why a throwaway cluster cannot run here, or None."""
        bindir = postgres_bindir()
        if bindir is None or not (bindir / "initdb").exists():
            return "PostgreSQL server binaries (initdb, pg_ctl) not found; set PG_BINDIR"
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root without a `postgres` user to own the throwaway cluster"
            if shutil.which("runuser") is None:
                return "running as root without `runuser`"
        return None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/policy_search"

    def _run(self, *args: str, timeout: float = 120) -> None:
        result = subprocess.run(
            [*self.run_as, *args], capture_output=True, text=True, timeout=timeout, cwd=self.root
        )
        assert result.returncode == 0, f"{args[0]} failed:\n{result.stdout}\n{result.stderr}\n{self.log()}"

    def log(self) -> str:
        log = self.root / "postgres.log" if self.root else None
        return log.read_text(errors="replace")[-3000:] if log and log.exists() else ""

    def create(self) -> ThrowawayPostgres:
        self.root = Path(tempfile.mkdtemp(prefix="policy-search-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            self.run_as = ["runuser", "-u", "postgres", "--"]
        self._run(
            str(self.bindir / "initdb"),
            "--pgdata",
            str(self.data_dir),
            "--username",
            "postgres",
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C.UTF-8",
            "--no-sync",
        )
        self.port = free_port()
        self.start()
        self._run(
            str(self.bindir / "createdb"),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--username",
            "postgres",
            "policy_search",
        )
        return self

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "--pgdata",
            str(self.data_dir),
            "--log",
            str(self.root / "postgres.log"),
            "--options",
            options,
            "--wait",
            "--timeout",
            "60",
            "start",
        )

    def stop(self) -> None:
        """A fast shutdown, as in a server restart: open connections are terminated."""
        self._run(
            str(self.bindir / "pg_ctl"), "--pgdata", str(self.data_dir), "--mode", "fast", "--wait", "stop"
        )

    def destroy(self) -> None:
        if self.root is None:
            return
        if (self.data_dir / "postmaster.pid").exists():
            subprocess.run(
                [
                    *self.run_as,
                    str(self.bindir / "pg_ctl"),
                    "--pgdata",
                    str(self.data_dir),
                    "-m",
                    "immediate",
                    "stop",
                ],
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def __enter__(self) -> ThrowawayPostgres:
        try:
            return self.create()
        except BaseException:
            self.destroy()
            raise

    def __exit__(self, *exc_info) -> None:
        self.destroy()
