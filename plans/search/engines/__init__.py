"""Engine adapters behind the seam of plans/search/engines/base.py, and the one that settings select.

`configured_engine()` reads settings.HAYSTACK_CONNECTIONS["default"] (made from SEARCH_URL by
plans/search/config.py) and returns the adapter for its ENGINE. Adding an engine: an adapter package under
engines/ implementing base.Engine and base.EngineReader, a scheme in config.ENGINES, a branch here.
"""

from __future__ import annotations


def _whoosh(connection: dict):
    from plans.search.engines.whoosh.engine import WhooshEngine

    return WhooshEngine(connection["PATH"])


def _tantivy(connection: dict):
    from plans.search.engines.tantivy.engine import TantivyEngine

    return TantivyEngine(connection["PATH"])


def adapters() -> dict:
    """haystack ENGINE of a connection -> the function that builds our adapter for it."""
    from plans.search.config import TANTIVY_ENGINE, WHOOSH_ENGINE

    return {WHOOSH_ENGINE: _whoosh, TANTIVY_ENGINE: _tantivy}


def configured_engine():
    """The Engine adapter for the configured index (one instance per SnapshotHub)."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from plans.search.config import accepted_forms

    connection = settings.HAYSTACK_CONNECTIONS["default"]
    build = adapters().get(connection.get("ENGINE"))
    if build is None:
        raise ImproperlyConfigured(
            f"no search engine adapter for ENGINE {connection.get('ENGINE')!r}; SEARCH_URL accepts {accepted_forms()}"
        )
    return build(connection)


def connections_changed(value) -> None:
    """Settings pointed the index elsewhere (tests do, per test): make haystack follow."""
    import threading

    from haystack import connections

    connections.connections_info = value
    connections.thread_local = threading.local()
