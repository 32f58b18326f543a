"""The Dockerfile, docker-compose.yml and the example .env agree with each other and with the settings.

Docker cannot run in CI: these tests read the files. The settings are then loaded for real, in a subprocess, with
exactly the environment compose would give the web service, and `check --deploy` must pass with it.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import pytest

from tests.production import deployfiles as df

REPO = df.REPO
# Variables the Python image and pip read, not our code.
TOOLING_VARIABLES = {
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONUNBUFFERED",
    "PIP_NO_CACHE_DIR",
    "PIP_DISABLE_PIP_VERSION_CHECK",
}


def production_environment(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The web service's environment from compose and the example .env, folders moved under tmp_path."""
    compose_env = df.service_environment("web", {**df.example_env(), **overrides})
    env = {**df.dockerfile_env(), **compose_env}
    env = df.remap_paths(env, tmp_path)
    return {
        "PATH": os.environ.get("PATH", ""),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **env,
    }


def run_python(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


# --- Dockerfile ------------------------------------------------------------------------------------------------


def test_image_is_slim_python_of_the_supported_version():
    (base,) = df.dockerfile_all("FROM")
    image = base.args.split()[0]
    assert image.startswith("python:3.11-slim"), image
    assert 'requires-python = ">=3.11,<3.12"' in (REPO / "pyproject.toml").read_text()


def test_image_runs_as_a_non_root_user_that_owns_only_its_data():
    instructions = df.dockerfile()
    users = [item for item in instructions if item.keyword == "USER"]
    assert users and users[-1].args not in {"root", "0"}, "the image must end with a non-root USER"
    last_user = instructions.index(users[-1])
    assert all(item.keyword != "RUN" for item in instructions[last_user:]), (
        "RUN after USER would run unprivileged"
    )
    env = df.dockerfile_env()
    chown = next(item.args for item in df.dockerfile_all("RUN") if "chown" in item.args)
    for folder in (env["DATA_DIR"], env["JIEBA_CACHE_DIR"]):
        assert folder in chown, f"{folder} must be writable by the app user"


def test_dependencies_are_installed_from_the_pinned_list_in_pyproject():
    run = " ".join(item.args for item in df.dockerfile_all("RUN"))
    assert "tomllib" in run and "['project']['dependencies']" in run and "pip install --requirement" in run


def test_static_files_are_collected_at_build_time():
    runs = [item.args for item in df.dockerfile_all("RUN")]
    assert any("manage.py collectstatic --noinput" in run for run in runs)
    assert df.dockerfile_env()["STATIC_ROOT"] == "/app/staticfiles"
    (workdir,) = {item.args for item in df.dockerfile_all("WORKDIR")}
    assert workdir == "/app"


def test_entrypoint_and_command_are_the_tested_ones():
    (entrypoint,) = df.dockerfile_all("ENTRYPOINT")
    (cmd,) = df.dockerfile_all("CMD")
    assert entrypoint.exec_form() == ["/app/docker/entrypoint.sh"]
    script = REPO / "docker" / "entrypoint.sh"
    assert script.read_text().startswith("#!/bin/sh") and os.access(script, os.X_OK)
    # The default command is the one the entrypoint also falls back to, and tests/production run.
    assert cmd.exec_form() == ["gunicorn", "--config", "gunicorn.conf.py", "config.wsgi:application"]
    assert "set -- gunicorn --config gunicorn.conf.py config.wsgi:application" in script.read_text()
    assert (REPO / "gunicorn.conf.py").exists()
    assert "\napplication = get_wsgi_application()" in (REPO / "config" / "wsgi.py").read_text()
    web = df.compose()["services"]["web"]
    assert "command" not in web and "entrypoint" not in web, "compose must run the image's tested command"


def test_ports_agree_everywhere():
    env = df.dockerfile_env()
    (expose,) = df.dockerfile_all("EXPOSE")
    port = expose.args.split("/")[0]
    assert env["BIND"] == f"0.0.0.0:{port}"
    (healthcheck,) = df.dockerfile_all("HEALTHCHECK")
    assert f"http://127.0.0.1:{port}/healthz" in " ".join(healthcheck.exec_form())
    web = df.compose()["services"]["web"]
    assert web["environment"]["BIND"] == f"0.0.0.0:{port}"
    published = [df.interpolate(entry, {}) for entry in web["ports"]]
    assert [entry.rsplit(":", 1)[1] for entry in published] == [port]
    assert published == ["127.0.0.1:8000:8000"], "by default only the host's loopback reaches gunicorn"


def test_every_variable_set_for_the_container_is_read_by_the_code():
    read = df.names_read_by_code()
    dockerfile_names = set(df.dockerfile_env()) - TOOLING_VARIABLES
    compose_names = set(df.compose()["services"]["web"]["environment"])
    assert not dockerfile_names - read, f"Dockerfile sets variables nothing reads: {dockerfile_names - read}"
    assert not compose_names - read, f"compose sets variables nothing reads: {compose_names - read}"
    # ... and the example .env feeds only variables that compose uses.
    used = df.interpolation_names(df.COMPOSE_FILE.read_text())
    assert not set(df.example_env()) - used, f"example .env sets unused {set(df.example_env()) - used}"


def test_index_and_media_live_on_volumes_where_the_settings_put_them():
    env = df.dockerfile_env()
    compose = df.compose()
    web_env = compose["services"]["web"]["environment"]
    mounts = dict(entry.split(":", 1)[::-1] for entry in compose["services"]["web"]["volumes"])
    assert mounts == {web_env["SEARCH_INDEX_DIR"]: "index", web_env["MEDIA_ROOT"]: "media"}
    assert (web_env["SEARCH_INDEX_DIR"], web_env["MEDIA_ROOT"]) == (
        env["SEARCH_INDEX_DIR"],
        env["MEDIA_ROOT"],
    )
    assert web_env["DATA_DIR"] == env["DATA_DIR"] and env["SEARCH_INDEX_DIR"].startswith(
        env["DATA_DIR"] + "/"
    )
    (volume,) = df.dockerfile_all("VOLUME")
    assert sorted(json.loads(volume.args)) == sorted(mounts)
    assert set(compose["volumes"]) == {"pgdata", "index", "media"}
    create = next(item.args for item in df.dockerfile_all("RUN") if "mkdir -p" in item.args)
    for folder in (*mounts, env["JIEBA_CACHE_DIR"]):
        assert folder in create, f"{folder} must exist in the image so a named volume inherits its owner"


def test_web_waits_for_a_healthy_postgresql_with_a_persistent_volume():
    compose = df.compose()
    db = compose["services"]["db"]
    assert db["image"].startswith("postgres:")
    assert "pgdata:/var/lib/postgresql/data" in db["volumes"]
    check = " ".join(db["healthcheck"]["test"])
    assert "pg_isready" in check
    assert f"--username={db['environment']['POSTGRES_USER']}" in check
    assert compose["services"]["web"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    for service in compose["services"].values():
        assert service["restart"] == "unless-stopped"


def test_database_url_points_at_the_compose_database():
    env = df.example_env()
    db_env = {
        key: df.interpolate(str(value), env)
        for key, value in df.compose()["services"]["db"]["environment"].items()
    }
    url = df.service_environment("web", env)["DATABASE_URL"]
    parsed = dj_database_url.parse(url)
    assert parsed["ENGINE"] == "django.db.backends.postgresql"
    assert (parsed["HOST"], parsed["PORT"]) == ("db", 5432)
    assert parsed["NAME"] == db_env["POSTGRES_DB"]
    assert parsed["USER"] == db_env["POSTGRES_USER"]
    assert parsed["PASSWORD"] == db_env["POSTGRES_PASSWORD"] == env["POSTGRES_PASSWORD"]
    assert urlsplit(url).password == env["POSTGRES_PASSWORD"], "the password must be URL-safe"


def test_secrets_must_be_given_and_have_no_defaults():
    text = df.COMPOSE_FILE.read_text()
    assert {"SECRET_KEY", "POSTGRES_PASSWORD"} <= df.required_interpolations(text)
    env = df.example_env()
    for secret in ("SECRET_KEY", "POSTGRES_PASSWORD"):
        without = {key: value for key, value in env.items() if key != secret}
        with pytest.raises(df.MissingVariable, match=secret):
            for service in ("db", "web"):  # compose substitutes the whole file before starting anything
                df.service_environment(service, without)
    # The container's own health check reaches it as 127.0.0.1, whatever host names are configured.
    hosts = df.service_environment("web", env)["ALLOWED_HOSTS"].split(",")
    assert "127.0.0.1" in hosts and "search.example.org" in hosts


def test_dockerignore_keeps_local_state_and_secrets_out_but_not_the_app():
    ignored = {
        line.strip() for line in (REPO / ".dockerignore").read_text().splitlines() if line and line[0] != "#"
    }
    assert {".git", ".venv", ".env", "data", "media", "staticfiles"} <= ignored
    needed = {
        "manage.py",
        "config",
        "plans",
        "searchui",
        "accounts",
        "templates",
        "static",
        "seeds",
        "docker",
        "gunicorn.conf.py",
    }
    assert not needed & ignored
    for name in needed | {"pyproject.toml"}:
        assert (REPO / name).exists(), name


# --- the settings compose gives the container --------------------------------------------------------------------


def test_settings_load_with_the_compose_environment(tmp_path):
    env = production_environment(tmp_path)
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "db = s.DATABASES['default']; print(json.dumps({'engine': db['ENGINE'], 'host': db['HOST'], "
        "'health': db['CONN_HEALTH_CHECKS'], 'timeout': db['OPTIONS'].get('connect_timeout'), "
        "'index': str(s.SEARCH_INDEX_DIR), 'media': str(s.MEDIA_ROOT), 'hosts': s.ALLOWED_HOSTS, "
        "'ssl_redirect': s.SECURE_SSL_REDIRECT, 'cookies': [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE], "
        "'hsts': s.SECURE_HSTS_SECONDS, 'proxy': list(s.SECURE_PROXY_SSL_HEADER), 'debug': s.DEBUG}))"
    )
    result = run_python(env, "-c", script)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == {
        "engine": "django.db.backends.postgresql",
        "host": "db",
        "health": True,
        "timeout": 5,
        "index": env["SEARCH_INDEX_DIR"],
        "media": env["MEDIA_ROOT"],
        "hosts": ["search.example.org", "127.0.0.1"],
        "ssl_redirect": True,
        "cookies": [True, True],
        "hsts": 31_536_000,
        "proxy": ["HTTP_X_FORWARDED_PROTO", "https"],
        "debug": False,
    }


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = run_python(
        production_environment(tmp_path), "manage.py", "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_plain_http(tmp_path):
    result = run_python(
        production_environment(tmp_path, HTTPS="false"),
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr, warning


def test_secret_key_is_required_when_debug_is_off(tmp_path):
    env = production_environment(tmp_path)
    del env["SECRET_KEY"]
    result = run_python(env, "manage.py", "check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


# --- the README describes these files -------------------------------------------------------------------------


def readme_section(title: str) -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_readme_deployment_section_matches_the_files():
    section = readme_section("Deployment")
    compose = df.compose()
    assert "cp docker/production.env.example .env" in section and df.EXAMPLE_ENV.exists()
    for secret in df.required_interpolations(df.COMPOSE_FILE.read_text()):
        assert f"`{secret}`" in section, secret
    web = compose["services"]["web"]
    for volume in web["volumes"]:
        name, target = volume.split(":")
        assert f"`{name}` volume (`{target}`)" in section, volume
    assert "`pgdata` volume" in section
    assert web["ports"] == ["${WEB_HOST:-127.0.0.1}:${WEB_PORT:-8000}:8000"]
    assert "`127.0.0.1:${WEB_PORT:-8000}`" in section and "`WEB_HOST=0.0.0.0`" in section
    assert df.dockerfile_all("FROM")[0].args in section
    # Every variable of the settings table is one the code reads.
    documented = {
        name
        for line in section.splitlines()
        if line.startswith("| `")
        for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1])
    }
    assert documented - df.names_read_by_code() == set()
    assert {"BIND", "WEB_CONCURRENCY", "HTTPS", "REQUEST_MAX_BODY_MB", "SEED_ON_FIRST_START"} <= documented
    # The proxy example lets through what the app accepts, and waits longer than gunicorn does.
    web_env = df.service_environment("web", df.example_env())
    body_mb = int(re.search(r"client_max_body_size (\d+)m;", section).group(1))
    assert body_mb == int(web_env["REQUEST_MAX_BODY_MB"])
    assert int(re.search(r"proxy_read_timeout (\d+)s;", section).group(1)) > int(web_env["GUNICORN_TIMEOUT"])


def test_readme_operations_commands_name_real_things():
    section = readme_section("Operations")
    compose = df.compose()
    db_env = compose["services"]["db"]["environment"]
    assert f"--username={db_env['POSTGRES_USER']}" in section and f" {db_env['POSTGRES_DB']} >" in section
    assert f"{compose['name']}_media:" in section
    from django.core.management import get_commands

    commands = get_commands()
    for command in re.findall(r"manage\.py (\w+)", section):
        assert command in commands, command


def test_build_time_python_steps_work(tmp_path):
    """The Dockerfile's build step that makes the data folders and collects static files, run here with the
    image's environment (its folders moved under tmp_path)."""
    (step,) = [item.args for item in df.dockerfile_all("RUN") if "collectstatic" in item.args]
    env = production_environment(tmp_path)
    for command in step.split(" && "):
        command = command.strip()
        if command.startswith("chown"):
            continue  # the image's app user does not exist here
        remapped = command
        for folder in ("/tmp/build-data", "/app/staticfiles", "/var/cache/jieba", "/data"):
            remapped = remapped.replace(folder, str(tmp_path / folder.lstrip("/")))
        remapped = remapped.replace("python ", f"{sys.executable} ", 1)
        result = subprocess.run(
            ["bash", "-c", remapped], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    static_root = Path(env["STATIC_ROOT"])
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    assert "css/site.css" in manifest["paths"] and (static_root / "css/site.css.gz").exists()
    for folder in ("SEARCH_INDEX_DIR", "MEDIA_ROOT", "JIEBA_CACHE_DIR"):
        assert Path(env[folder]).is_dir(), folder


def test_the_alerts_service_runs_send_alerts_on_a_schedule_with_the_web_services_database_and_index():
    compose = df.compose()
    alerts, web = compose["services"]["alerts"], compose["services"]["web"]
    assert alerts["image"] == web["image"] and alerts["restart"] == "unless-stopped"
    assert alerts["depends_on"] == {"web": {"condition": "service_healthy"}}
    command = " ".join(alerts["command"])
    assert "python manage.py send_alerts" in command and "while true" in command
    assert '"$$ALERTS_INTERVAL_SECONDS"' in command  # $$: left for the container's shell, not compose
    env = df.example_env()
    alerts_env = df.service_environment("alerts", env)
    web_env = df.service_environment("web", env)
    for name in (
        "DATABASE_URL",
        "SECRET_KEY",
        "SEARCH_INDEX_DIR",
        "EMAIL_URL",
        "SITE_URL",
        "DEFAULT_FROM_EMAIL",
    ):
        assert alerts_env[name] == web_env[name], name
    assert int(alerts_env["ALERTS_INTERVAL_SECONDS"]) == 86400
    assert "index:/data/index" in alerts["volumes"]
    read = df.names_read_by_code() | {"ALERTS_INTERVAL_SECONDS"}
    assert not set(alerts["environment"]) - read
