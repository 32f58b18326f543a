"""The database goes away and comes back: pages answer a plain 503 meanwhile and recover by themselves.

The database is a throwaway PostgreSQL cluster of the test's own (the shared server is never touched); the app is
the real gunicorn started through the container's entrypoint.
"""

import time

import pytest
from django import db
from django.test import RequestFactory

from config.middleware import DATABASE_UNAVAILABLE_MESSAGE, DatabaseUnavailableMiddleware, server_error
from tests.production.servers import ThrowawayPostgres

# Pages that read the database, with their status while it is up (the seeds are plans 1-3).
PAGES = {"/": 200, "/search/?q=科技": 200, "/plans/1/": 200, "/plans/99/": 404}


def assert_plain_503(response, path):
    assert response.status == 503, f"{path}: expected 503, got {response.status}: {response.text[:500]}"
    assert response.headers["Content-Type"].startswith("text/plain"), response.headers
    assert response.text == DATABASE_UNAVAILABLE_MESSAGE
    assert response.headers.get("Retry-After") == "30"
    assert "Traceback" not in response.text and "psycopg" not in response.text


@pytest.mark.slow
@pytest.mark.skipif(
    ThrowawayPostgres.unavailable_reason() is not None, reason=str(ThrowawayPostgres.unavailable_reason())
)
def test_pages_answer_503_while_the_database_is_down_and_recover(make_server):
    with ThrowawayPostgres() as postgres:
        server = make_server(postgres.url).start()

        # GIVEN a running site
        for path, status in PAGES.items():
            response = server.get(path)
            assert response.status == status, f"{path}: {response.status}\n{response.text[:2000]}"
        assert server.get("/healthz").status == 200

        # WHEN the database server stops (its open connections are cut, new ones refused)
        postgres.stop()

        # THEN every page, asked several times so that each worker's broken connection is hit, is a plain 503
        for _round in range(3):
            for path in PAGES:
                assert_plain_503(server.get(path), path)
        health = server.get("/healthz")
        assert health.status == 503
        assert health.headers["Content-Type"] == "application/json"
        assert "database" in health.text and '"status": "unavailable"' in health.text
        # ... static files do not need the database
        assert server.get("/static/css/site.css").status == 200

        # WHEN the database comes back, THEN the pages do too, without restarting gunicorn
        postgres.start()
        deadline = time.monotonic() + 30
        while server.get("/healthz").status != 200:
            assert time.monotonic() < deadline, f"no recovery within 30 s:\n{server.log()[-3000:]}"
            time.sleep(0.5)
        for _round in range(3):
            for path, status in PAGES.items():
                response = server.get(path)
                assert response.status == status, (
                    f"{path} after recovery: {response.status} {response.text[:500]}"
                )
        # The operator finds the cause in the log, the visitor never saw it.
        assert "database unavailable for GET /" in server.log()


@pytest.mark.parametrize("error", [db.OperationalError("connection refused"), db.InterfaceError("closed")])
def test_view_database_errors_become_a_plain_503(error):
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    response = middleware.process_exception(RequestFactory().get("/search/"), error)
    assert response.status_code == 503
    assert response.content.decode() == DATABASE_UNAVAILABLE_MESSAGE
    assert response["Cache-Control"] == "no-store"


def test_other_errors_are_left_to_django():
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    assert middleware.process_exception(RequestFactory().get("/"), db.IntegrityError("duplicate")) is None
    assert middleware.process_exception(RequestFactory().get("/"), ValueError("bug")) is None


def test_handler500_answers_503_for_a_database_error_outside_a_view():
    request = RequestFactory().get("/")
    try:
        raise db.OperationalError("server closed the connection unexpectedly")
    except db.OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(request)
    assert response.status_code == 500
