"""`manage.py check` (and start-up) fail when the configured search connection has no working engine."""

from django.core import checks


@checks.register(checks.Tags.compatibility)
def search_engine_check(app_configs=None, **kwargs):
    from django.conf import settings

    from plans.search.config import accepted_forms
    from plans.search.engines import adapters

    engine = settings.HAYSTACK_CONNECTIONS.get("default", {}).get("ENGINE")
    if engine in adapters():
        return []
    return [
        checks.Error(
            f"The search connection's ENGINE {engine!r} is no engine this application has.",
            hint=f"Set SEARCH_URL to one of: {accepted_forms()}.",
            id="plans.search.E001",
        )
    ]
