"""Re-export for haystack autodiscovery; the index lives in plans/search/indexes.py."""

from plans.search.indexes import PlanIndex  # noqa: F401
