"""Middleware for running in production: security headers, a request-size ceiling, and a plain 503 when the
database is unreachable.

Order in settings.MIDDLEWARE: the headers and size limit sit right after Django's SecurityMiddleware, so they apply
to every response, even one produced before a view ran; DatabaseUnavailableMiddleware sits last, so its
`process_exception` is the first to see an exception raised by a view. Errors raised outside views (another
middleware, a lazy template) reach `server_error`, installed as `handler500` in config/urls.py.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django import db
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.defaults import server_error as django_server_error

logger = logging.getLogger("policy_search.availability")

DATABASE_UNAVAILABLE_MESSAGE = (
    "数据库暂时不可用，请稍后再试。\nThe database is temporarily unavailable. Please try again in a moment.\n"
)
RETRY_AFTER_SECONDS = 30

# Errors that mean "cannot talk to the database right now" (refused, dropped, restarting, locked), as opposed to
# a bug in a query, which stays a 500.
DATABASE_UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (db.OperationalError, db.InterfaceError)


def build_csp(policy: dict[str, list[str]]) -> str:
    """Serialise a {directive: [sources]} mapping into a Content-Security-Policy header value."""
    return "; ".join(f"{name} {' '.join(sources)}".strip() for name, sources in policy.items())


class SecurityHeadersMiddleware:
    """Add Content-Security-Policy and Permissions-Policy (Django's SecurityMiddleware sends the others).

    A view may set its own Content-Security-Policy; it is left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.csp = build_csp(settings.CONTENT_SECURITY_POLICY)
        self.permissions_policy = settings.PERMISSIONS_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.csp:
            response.headers.setdefault("Content-Security-Policy", self.csp)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        return response


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body exceeds REQUEST_MAX_BODY_BYTES with 413, before anything reads it.

    Django limits the number of fields and files and the size of non-file data, but not the total size of file
    uploads; without this a single request could fill the disk with temporary files.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.limit = settings.REQUEST_MAX_BODY_BYTES

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django treats a malformed length as an empty body too
        if self.limit and length > self.limit:
            megabytes = self.limit // (1024 * 1024)
            return plain_response(
                f"请求过大：上传总量不能超过 {megabytes} MB。\nRequest too large: uploads are limited to {megabytes} MB.\n",
                status=413,
            )
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """Turn a view's database connection error into a 503 with a plain message instead of a traceback.

    Nothing is cached: the next request tries the database again (CONN_HEALTH_CHECKS replaces a broken persistent
    connection), so pages come back by themselves when the database does.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_UNAVAILABLE_ERRORS):
            return database_unavailable_response(request, exception)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a 503 for database connection errors raised outside a view, Django's 500 page otherwise."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_UNAVAILABLE_ERRORS):
        return database_unavailable_response(request, exception)
    return django_server_error(request)


def database_unavailable_response(request: HttpRequest, exception: BaseException) -> HttpResponse:
    """Log the cause for the operator and answer the visitor with a short, plain 503."""
    first_line = (
        str(exception).strip().splitlines()[0] if str(exception).strip() else type(exception).__name__
    )
    logger.error("database unavailable for %s %s: %s", request.method, request.path, first_line)
    response = plain_response(DATABASE_UNAVAILABLE_MESSAGE, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def plain_response(text: str, *, status: int) -> HttpResponse:
    """A text/plain response that no cache keeps."""
    response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response
