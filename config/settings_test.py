"""Settings for the test suite: the real database from DATABASE_URL (SQLite by default), a temporary index."""

import os
import tempfile

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
# Each test session gets its own index folder; tests that need a clean index point it at tmp_path.
os.environ.setdefault("SEARCH_INDEX_DIR", tempfile.mkdtemp(prefix="policy-search-test-index-"))
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="policy-search-test-data-"))

from config.settings import *  # noqa: E402,F403

SEARCH_QUEUE_GATHER_MS = 0  # tests save and wait for the index back to back (tests/plans/search sets it)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
