"""Settings for policy-search, read from the environment (see README: Configuration)."""

import datetime
from pathlib import Path

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_path, env_str
from plans.search.config import haystack_connections

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = env_path("DATA_DIR", BASE_DIR / "data")
DATA_DIR.mkdir(parents=True, exist_ok=True)  # the SQLite default and the index live here

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "plans",  # before haystack: its rebuild_index command (no empty window) replaces haystack's
    "haystack",
    "searchui",
    "axes",
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.accounts",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env_path("STATIC_ROOT", BASE_DIR / "staticfiles")
MEDIA_URL = "/media/"
MEDIA_ROOT = env_path("MEDIA_ROOT", DATA_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Search engine: one URL picks the engine (whoosh:///path; plans/search/config.py lists the accepted forms).
SEARCH_INDEX_DIR = env_path("SEARCH_INDEX_DIR", DATA_DIR / "index")
SEARCH_URL = env_str("SEARCH_URL") or f"whoosh://{SEARCH_INDEX_DIR}"
HAYSTACK_CONNECTIONS = haystack_connections(SEARCH_URL)
# Processes for a full index rebuild; 0 = one per core (up to 4) when there are 200 plans or more.
SEARCH_REBUILD_PROCS = env_int("SEARCH_REBUILD_PROCS", 0)
# While saves keep arriving, the index queue commits at most once in this many milliseconds (one commit for
# the plans saved meanwhile); a save on an idle queue is indexed at once.
SEARCH_QUEUE_GATHER_MS = env_int("SEARCH_QUEUE_GATHER_MS", 1000)
# jieba caches its parsed dictionary; it must be a writable folder (not /tmp in a read-only container).
JIEBA_CACHE_DIR = env_path("JIEBA_CACHE_DIR", DATA_DIR / "jieba-cache")

# Ingest limits.
PLAN_MAX_FILE_BYTES = env_int("PLAN_MAX_FILE_MB", 20) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("UPLOAD_MAX_MEMORY_MB", 25) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"jieba": {"level": "WARNING"}},
}

# --- searchui: pages in Chinese unless the reader picks English with the language switch (cookie); the
# browser's Accept-Language is ignored so that one URL always gives the same page.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.locale.LocaleMiddleware"),
    "searchui.middleware.ChineseByDefaultMiddleware",
)

# --- Admin upload (issue 5: plans/upload) ---
# Files per upload batch, counted after zip archives are expanded.
UPLOAD_MAX_FILES = env_int("UPLOAD_MAX_FILES", 50)
DATA_UPLOAD_MAX_NUMBER_FILES = UPLOAD_MAX_FILES
# All files of one batch together, as sent (before zip expansion).
UPLOAD_MAX_BATCH_BYTES = env_int("UPLOAD_MAX_BATCH_MB", 100) * 1024 * 1024
# Zip archives: members per archive, their total uncompressed size, and the largest compression ratio of a member
# (a plan compresses about 3:1; a zip bomb compresses 1000:1). Each member is also held to PLAN_MAX_FILE_BYTES.
UPLOAD_ZIP_MAX_MEMBERS = env_int("UPLOAD_ZIP_MAX_MEMBERS", 200)
UPLOAD_ZIP_MAX_TOTAL_BYTES = env_int("UPLOAD_ZIP_MAX_TOTAL_MB", 200) * 1024 * 1024
UPLOAD_ZIP_MAX_RATIO = env_int("UPLOAD_ZIP_MAX_RATIO", 100)
# Where uploaded files wait between the preview and the confirmation (staff-only, never served).
UPLOAD_STAGING_DIR = env_path("UPLOAD_STAGING_DIR", DATA_DIR / "upload-staging")
UPLOAD_STAGING_MAX_AGE = env_int("UPLOAD_STAGING_MAX_AGE_MINUTES", 120) * 60
# How long the upload page waits for the new plans to be indexed before it reports them as pending.
UPLOAD_INDEX_WAIT_SECONDS = env_int("UPLOAD_INDEX_WAIT_SECONDS", 30)
# SQLite (the embedded default): uploads write plans while the search package's background thread reads them to
# index. Deferred transactions that later write fail at once with "database is locked" when they collide;
# IMMEDIATE transactions take the write lock up front and wait for it, up to the timeout.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 30, "transaction_mode": "IMMEDIATE"})

# --- Production: security, request limits, database resilience (owned by the production issue) ---------------
# One switch says the site is reached over HTTPS (usually a TLS-terminating proxy in front of gunicorn); each
# setting it implies can still be overridden by its own variable. Off by default so that the quick start and the
# test client work over plain HTTP.
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # container health checks call plain HTTP inside the network
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS)
# HSTS (only sent over HTTPS). includeSubDomains covers subdomains of this host only; `preload` merely allows a
# later submission to the browsers' preload list, which is a separate, manual step.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
# Trust X-Forwarded-Proto only when a proxy that sets it (and strips it from clients) stands in front.
_proxy_ssl_header = env_str("SECURE_PROXY_SSL_HEADER")  # e.g. X-Forwarded-Proto
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")
USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = env_str("SECURE_REFERRER_POLICY", "same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy sent by config.middleware.SecurityHeadersMiddleware: no inline scripts, no eval, nothing
# loaded from other origins. Templates put scripts in static files and pass data through data-* attributes.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# Upload limits: the whole request body (413 above it, before Django reads it) and the number of form fields.
# Files per batch and batch size are the admin upload's (UPLOAD_MAX_FILES, UPLOAD_MAX_BATCH_MB above); the
# per-file limit of ingest is PLAN_MAX_FILE_MB.
REQUEST_MAX_BODY_BYTES = env_int("REQUEST_MAX_BODY_MB", 200) * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("UPLOAD_MAX_FIELDS", 2000)
FILE_UPLOAD_PERMISSIONS = 0o640

MIDDLEWARE.insert(1, "config.middleware.SecurityHeadersMiddleware")
MIDDLEWARE.insert(2, "config.middleware.RequestSizeLimitMiddleware")
MIDDLEWARE.append("config.middleware.DatabaseUnavailableMiddleware")

# A connection broken by a database restart is noticed at the start of the next request and replaced, so pages
# recover on their own; PostgreSQL gives up connecting after a few seconds instead of hanging a worker.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5)
    )
# LOG_LEVEL is shared with gunicorn, which takes it in lower case; the logging module wants upper case.
LOGGING["root"]["level"] = LOGGING["root"]["level"].upper()
# SQLite with several gunicorn workers (and their index threads) writing at once: WAL lets searches read while a
# plan is saved, IMMEDIATE transactions take the write lock up front (a deferred one that upgrades fails at once
# with "database is locked" instead of waiting), and a writer waits up to SQLITE_BUSY_TIMEOUT seconds for another.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": env_int("SQLITE_BUSY_TIMEOUT", 30),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# --- Accounts (issue 15: accounts/): log in, saved searches, feeds, alerts, collections ---------------------------
# Staff create accounts in the admin; ALLOW_SIGNUP=true opens a public sign-up page.
ALLOW_SIGNUP = env_bool("ALLOW_SIGNUP", False)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "accounts:searches"
LOGOUT_REDIRECT_URL = "searchui:home"
# django-axes throttles repeated failed logins (the admin's login too): after AXES_FAILURE_LIMIT failures for one
# user name from one address, that pair is locked out for AXES_COOLOFF_MINUTES.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no start-up banner in every management command
LOGGING["loggers"]["axes"] = {"level": "WARNING"}  # one line per log-in otherwise
AXES_LOCKOUT_TEMPLATE = "accounts/auth/locked.html"
# Mail (alert digests, password reset) from one URL: smtp://user:pass@host:587/?tls=True, console:, dummy:.
EMAIL_URL = env_str("EMAIL_URL", "console:")
vars().update(dj_email_url.parse(EMAIL_URL))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "policy-search <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The site's public address, for the links in e-mails sent outside a request (send_alerts).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
