"""Settings for the test suite: the real database from DATABASE_URL (SQLite by default), a temporary index."""

import os
import tempfile

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
# Each test session gets its own index folder; tests that need a clean index point it at tmp_path.
os.environ.setdefault("SEARCH_INDEX_DIR", tempfile.mkdtemp(prefix="policy-search-test-index-"))
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="policy-search-test-data-"))

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405

# --- Admin tests (issue 5): SQLite test database in a file, not in shared-cache memory ---
# (config/settings.py sets SQLite's busy timeout and IMMEDIATE transactions for the same reason.)
# The search package indexes in a background thread with its own connection. In Django's default in-memory
# SQLite test database (shared cache) a reader and a writer in two threads fail at once with "database table is
# locked"; a file database waits on the normal SQLite lock instead, as the SQLite default in production does.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-db.sqlite3")}  # noqa: F405
