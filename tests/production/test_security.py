"""Security headers, HTTPS behaviour and the request-size ceiling, through Django's test client."""

import pytest
from django.test import Client, override_settings

from config.middleware import build_csp

pytestmark = pytest.mark.django_db


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


@pytest.mark.parametrize("path", ["/", "/admin/login/", "/healthz", "/plans/999999/"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    assert response.status_code in {200, 404}
    csp = csp_directives(response["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"], "no inline scripts, no eval, no other origin"
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["default-src"] == ["'self'"] and csp["base-uri"] == ["'self'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_csp_is_built_from_the_setting(settings):
    assert build_csp({"default-src": ["'self'"], "upgrade-insecure-requests": []}) == (
        "default-src 'self'; upgrade-insecure-requests"
    )
    assert "'unsafe-inline'" not in settings.CONTENT_SECURITY_POLICY["script-src"]
    assert "'unsafe-eval'" not in settings.CONTENT_SECURITY_POLICY["script-src"]


@override_settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=3600)
def test_https_redirect_spares_only_the_health_check():
    client = Client()
    response = client.get("/search/?q=科技")
    assert response.status_code == 301
    assert response["Location"].startswith("https://testserver/search/?q=")
    assert client.get("/healthz").status_code == 200, (
        "the container's plain-HTTP health check must not redirect"
    )
    secure = client.get("/", secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=3600"


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"), SECURE_SSL_REDIRECT=True)
def test_a_request_forwarded_by_the_tls_proxy_counts_as_https():
    response = Client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200


@override_settings(REQUEST_MAX_BODY_BYTES=1024)
def test_an_oversized_request_is_refused_before_it_is_read():
    response = Client().post("/search/", data=b"x" * 2048, content_type="application/octet-stream")
    assert response.status_code == 413
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "uploads are limited" in response.content.decode()
    small = Client().post("/search/", data=b"x" * 100, content_type="application/octet-stream")
    assert small.status_code != 413


def test_upload_limits_are_set(settings):
    assert settings.REQUEST_MAX_BODY_BYTES == 200 * 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == settings.UPLOAD_MAX_FILES == 50
    assert settings.UPLOAD_MAX_BATCH_BYTES <= settings.REQUEST_MAX_BODY_BYTES, "a full batch must get through"
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= settings.REQUEST_MAX_BODY_BYTES
    assert settings.PLAN_MAX_FILE_BYTES <= settings.REQUEST_MAX_BODY_BYTES
