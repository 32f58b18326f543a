"""Fixtures for the production tests: gunicorn instances with their own database, data and index folders."""

import os
from pathlib import Path

import pytest

from tests.production.servers import GunicornServer, collectstatic, fresh_database, server_env


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory) -> Path:
    """Static files collected once, as the Docker build does, for every server of the session."""
    static_root = tmp_path_factory.mktemp("static")
    env = server_env(tmp_path_factory.mktemp("collect"), "sqlite://", STATIC_ROOT=str(static_root))
    collectstatic(env)
    return static_root


@pytest.fixture
def server_database(tmp_path) -> str:
    """A new, empty database for a server: SQLite, or PostgreSQL when the test run uses PostgreSQL."""
    with fresh_database(os.environ.get("DATABASE_URL", ""), tmp_path) as url:
        yield url


@pytest.fixture
def make_server(tmp_path, collected_static):
    """Build (not start) gunicorn servers; every one of them is stopped after the test."""
    servers: list[GunicornServer] = []

    def make(database_url: str, *, args: list[str] | None = None, **env_overrides: str) -> GunicornServer:
        workdir = tmp_path / f"server{len(servers)}"
        workdir.mkdir()
        env = server_env(workdir, database_url, STATIC_ROOT=str(collected_static), **env_overrides)
        server = GunicornServer(env=env, workdir=workdir, args=args or [])
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()
