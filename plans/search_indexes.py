"""Re-export for haystack autodiscovery; the index lives in plans/search/engines/whoosh/indexes.py."""

from plans.search.engines.whoosh.indexes import PlanIndex  # noqa: F401
