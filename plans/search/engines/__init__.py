"""Engine adapters behind the seam of plans/search/engines/base.py, and the one that settings select.

`configured_engine()` reads settings.HAYSTACK_CONNECTIONS["default"] (made from SEARCH_URL by
plans/search/config.py) and returns the adapter for its ENGINE. Adding an engine: an adapter package under
engines/ implementing base.Engine and base.EngineReader, a scheme in config.ENGINES, a branch here.
"""

from __future__ import annotations


def configured_engine():
    """The Engine adapter for the configured index (one instance per SnapshotHub)."""
    from django.conf import settings

    from plans.search.config import WHOOSH_ENGINE

    connection = settings.HAYSTACK_CONNECTIONS["default"]
    engine = connection.get("ENGINE")
    if engine == WHOOSH_ENGINE:
        from plans.search.engines.whoosh.engine import WhooshEngine

        return WhooshEngine(connection["PATH"])
    raise ValueError(f"no search engine adapter for ENGINE {engine!r} (see plans/search/config.py)")


def connections_changed(value) -> None:
    """Settings pointed the index elsewhere (tests do, per test): make haystack follow."""
    import threading

    from haystack import connections

    connections.connections_info = value
    connections.thread_local = threading.local()
