"""gunicorn.conf.py and docker/entrypoint.sh, run outside Docker exactly as the image runs them."""

import json
import re
import runpy
import shutil
import subprocess
import sys

import pytest

from tests.production.servers import ENTRYPOINT, REPO, server_env

GUNICORN_CONF = REPO / "gunicorn.conf.py"
CONFIG_VARIABLES = ["BIND", "PORT", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT", "LOG_LEVEL"]


def load_gunicorn_conf(monkeypatch, **env) -> dict:
    for name in CONFIG_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(GUNICORN_CONF))


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    conf = load_gunicorn_conf(monkeypatch, BIND="0.0.0.0:8000", WEB_CONCURRENCY="5", GUNICORN_TIMEOUT="90")
    assert conf["bind"] == ["0.0.0.0:8000"]
    assert conf["workers"] == 5
    assert conf["timeout"] == 90
    assert conf["preload_app"] is True, "jieba's dictionary must be loaded once, in the master"
    assert conf["accesslog"] == "-" and conf["errorlog"] == "-"
    assert conf["control_socket_disable"] is True


def test_gunicorn_defaults_listen_on_loopback(monkeypatch):
    conf = load_gunicorn_conf(monkeypatch)
    assert conf["bind"] == ["127.0.0.1:8000"]
    assert 2 <= conf["workers"] <= 8
    assert load_gunicorn_conf(monkeypatch, PORT="8123")["bind"] == ["127.0.0.1:8123"]
    assert load_gunicorn_conf(monkeypatch, LOG_LEVEL="WARNING")["loglevel"] == "warning"


def test_a_malformed_number_is_a_clear_error(monkeypatch):
    with pytest.raises(ValueError, match="WEB_CONCURRENCY must be an integer"):
        load_gunicorn_conf(monkeypatch, WEB_CONCURRENCY="four")


@pytest.mark.slow
def test_entrypoint_prepares_the_database_and_serves_with_gunicorn(make_server, server_database):
    server = make_server(server_database).start()
    health = server.get("/healthz")
    assert health.status == 200, health.text
    assert health.headers["Content-Type"] == "application/json"
    assert json.loads(health.body) == {
        "status": "ok",
        "checks": {"database": "ok", "index": "ok"},
        "engine": "whoosh",
    }

    # First start: migrated, the three seed plans ingested and indexed.
    log = server.log()
    assert "database migrated" in log
    assert "first start: 3 seed plan(s) ingested" in log, log[-3000:]
    results = server.get("/search/?q=科技&format=json")
    assert results.status == 200, results.text[:2000]
    assert json.loads(results.body)["count"] == 3

    home = server.get("/")
    assert home.status == 200, home.text[:2000]
    assert "script-src 'self'" in home.headers["Content-Security-Policy"]
    assert home.headers["X-Content-Type-Options"] == "nosniff"
    assert "2017年全省科技工作要点" in home.text

    # Static files come from whitenoise, under hashed names, cached for ever.
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', home.text)
    assert stylesheet, home.text[:2000]
    css = server.get(stylesheet.group(1))
    assert css.status == 200
    assert "immutable" in css.headers["Cache-Control"]

    assert len(server.worker_pids()) == 2, server.log()[-3000:]  # WEB_CONCURRENCY
    assert "policy-search ready: 2 worker(s)" in server.log()
    assert re.search(r'"GET /healthz HTTP/1\.[01]" 200', server.log()), "access log on stdout"
    assert server.stop() == 0, "SIGTERM stops gunicorn gracefully"

    # A restart after the index volume was lost: no second seeding, the index is rebuilt from the database.
    shutil.rmtree(server.env["SEARCH_INDEX_DIR"])
    again = make_server(server_database, SEARCH_INDEX_DIR=server.env["SEARCH_INDEX_DIR"]).start()
    log = again.log()
    assert "seed" not in log and "database holds 3 plan(s)" in log
    assert re.search(r"index: 3 document\(s\) for 3 plan\(s\), (rebuilt from the database|repaired)", log), (
        log
    )
    assert json.loads(again.get("/search/?q=科技&format=json").body)["count"] == 3


def test_entrypoint_runs_any_other_command_as_is(tmp_path):
    env = server_env(tmp_path, f"sqlite:///{tmp_path / 'untouched.sqlite3'}")
    result = subprocess.run(
        [str(ENTRYPOINT), sys.executable, "-c", "print('hello from the container')"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello from the container\n"
    assert not (tmp_path / "untouched.sqlite3").exists(), "no preparation for a one-off command"


def test_entrypoint_does_not_serve_when_preparation_fails(tmp_path):
    # Nothing listens on port 9 (discard): the database cannot be reached, migrate fails, gunicorn never starts.
    env = server_env(tmp_path, "postgres://nobody@127.0.0.1:9/nothing", PYTHON=sys.executable)
    result = subprocess.run([str(ENTRYPOINT)], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "start-up preparation failed" in result.stderr
    assert "Starting gunicorn" not in result.stdout + result.stderr
