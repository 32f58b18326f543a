"""Turn the one SEARCH_URL setting into haystack's HAYSTACK_CONNECTIONS, accepting only engines that work.

Kept free of haystack imports so that settings can call it before apps load.

    whoosh:///abs/path/to/index       the embedded engine (plans/search/engines/whoosh)
    tantivy:///abs/path/to/index      the engine for large collections (plans/search/engines/tantivy)

Anything else stops start-up (settings raise ImproperlyConfigured, so `manage.py check` and gunicorn fail)
with a message naming the accepted forms. A new engine adds its scheme to ENGINES, with the function that
turns its URL into a connection, and its adapter to plans/search/engines/__init__.py (issue #12 adds
tantivy:// this way). The Elasticsearch/OpenSearch scale-out is a design, not an engine: docs/scale-out.md.
"""

from collections.abc import Callable
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

WHOOSH_ENGINE = (
    "plans.search.engines.whoosh.backend.PolicyWhooshEngine"  # haystack's Whoosh engine, tuned schema
)


TANTIVY_ENGINE = "plans.search.engines.tantivy.backend.PolicyTantivyEngine"


def _whoosh(url: str) -> dict:
    parts = urlsplit(url)
    path = (parts.netloc + parts.path) or "data/index"
    return {"ENGINE": WHOOSH_ENGINE, "PATH": path}


def _tantivy(url: str) -> dict:
    parts = urlsplit(url)
    path = (parts.netloc + parts.path) or "data/tantivy"
    return {"ENGINE": TANTIVY_ENGINE, "PATH": path}


# scheme -> (the form shown in messages, URL -> the "default" connection)
ENGINES: dict[str, tuple[str, Callable[[str], dict]]] = {
    "whoosh": ("whoosh:///absolute/path/to/index", _whoosh),
    "tantivy": ("tantivy:///absolute/path/to/index", _tantivy),
}


def accepted_forms() -> str:
    return ", ".join(form for form, _ in ENGINES.values())


def haystack_connections(url: str) -> dict:
    """Return HAYSTACK_CONNECTIONS for a search URL; raise ImproperlyConfigured for any engine that does not
    exist here (an unknown scheme, or one only designed, like elasticsearch://)."""
    scheme = urlsplit(url).scheme
    if scheme not in ENGINES:
        raise ImproperlyConfigured(
            f"SEARCH_URL={url!r} names no search engine this application has. Accepted: {accepted_forms()}."
            + (
                " Elasticsearch/OpenSearch is a design not yet built (docs/scale-out.md)."
                if scheme.startswith(("elasticsearch", "opensearch"))
                else ""
            )
        )
    return {"default": ENGINES[scheme][1](url)}
