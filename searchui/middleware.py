"""Chinese unless the reader chose English: the browser's Accept-Language is not consulted.

Django's LocaleMiddleware would otherwise answer an English-language browser in English, so the same URL
would give different pages (and JSON notices) depending on request headers. The reader's own choice (the
language switch sets the django_language cookie) still applies.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class ChineseByDefaultMiddleware:
    """Runs before LocaleMiddleware and hides Accept-Language from it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
