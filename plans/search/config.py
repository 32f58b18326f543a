"""Turn the one SEARCH_URL setting into haystack's HAYSTACK_CONNECTIONS.

Kept free of haystack imports so that settings can call it before apps load.
  whoosh:///abs/path/to/index       the embedded default
  elasticsearch://host:9200/index   haystack's Elasticsearch 7 backend (the scale-out path)
"""

from urllib.parse import urlsplit

WHOOSH_ENGINE = (
    "plans.search.engines.whoosh.backend.PolicyWhooshEngine"  # haystack's Whoosh engine, tuned schema
)
ELASTICSEARCH_ENGINE = "haystack.backends.elasticsearch7_backend.Elasticsearch7SearchEngine"


def haystack_connections(url: str) -> dict:
    """Return HAYSTACK_CONNECTIONS for a search URL; raise ValueError for an unknown scheme."""
    parts = urlsplit(url)
    if parts.scheme == "whoosh":
        path = (parts.netloc + parts.path) or "data/index"
        return {"default": {"ENGINE": WHOOSH_ENGINE, "PATH": path}}
    if parts.scheme in {"elasticsearch", "elasticsearchs"}:
        scheme = "https" if parts.scheme.endswith("s") else "http"
        index_name = parts.path.strip("/") or "policy_search"
        return {
            "default": {
                "ENGINE": ELASTICSEARCH_ENGINE,
                "URL": f"{scheme}://{parts.netloc}/",
                "INDEX_NAME": index_name,
            }
        }
    raise ValueError(
        f"SEARCH_URL has an unknown scheme: {url!r} (use whoosh:///path or elasticsearch://host:port/index)"
    )
