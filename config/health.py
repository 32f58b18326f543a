"""`/healthz`: is this instance able to serve searches? Used by Docker's HEALTHCHECK and by monitoring.

200 when the database answers a query and the search index opens; 503 otherwise, with the reason of each failed
check. The answer is small JSON and never cached.
"""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def check_database() -> str | None:
    """Run a trivial query on the default database; return None when it answers, else the reason."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return _first_line(exc)
    return None


def check_index() -> str | None:
    """Open the search index and read its size; return None when it works, else the reason."""
    from plans.search import index_health

    ok, message = index_health()
    return None if ok else message


CHECKS = {"database": check_database, "index": check_index}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Run every check; answer 200 {"status": "ok", ...} or 503 {"status": "unavailable", ...} with reasons."""
    results = {name: check() for name, check in CHECKS.items()}
    healthy = all(reason is None for reason in results.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": {name: ("ok" if reason is None else reason) for name, reason in results.items()},
        "engine": _engine_name(),
    }
    return JsonResponse(body, status=200 if healthy else 503, json_dumps_params={"ensure_ascii": False})


def _engine_name() -> str:
    """Which search engine answers (SEARCH_URL); "" when it cannot even be configured."""
    from plans.search import engine_name

    try:
        return engine_name()
    except Exception:  # a broken configuration is reported by the index check
        return ""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__
