import os
import sys

from django.apps import AppConfig


class PlansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "plans"
    verbose_name = "政策文件"

    def ready(self):
        from plans.search import checks, signals  # noqa: F401  (checks registers itself)

        signals.connect()
        # Load jieba's dictionary once per process, at start-up, not inside the first search request.
        # Skipped for commands that never search (migrations, collectstatic) to keep them quick.
        command = sys.argv[1] if len(sys.argv) > 1 else ""
        if os.environ.get("SEARCH_WARM", "1") != "0" and command not in {
            "migrate",
            "makemigrations",
            "collectstatic",
        }:
            from plans.search.segment import warm

            warm()
