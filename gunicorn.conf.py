"""Gunicorn settings, read from the environment (README: Deployment). Used by docker/entrypoint.sh and scripts/serve:

    gunicorn --config gunicorn.conf.py config.wsgi:application

The application is loaded once in the master before the workers fork (`preload_app`), so jieba's dictionary, which
plans.apps loads at start-up, is read once and its memory shared by every worker.
"""

import gc
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, not {raw!r}") from exc


def _default_workers() -> int:
    # Searches are CPU-bound; two per core, at most 8 (each worker holds its own index searcher and DB connection).
    return max(2, min(2 * (os.cpu_count() or 1), 8))


# Where to listen: BIND wins (e.g. 0.0.0.0:8000 in the container); otherwise 127.0.0.1 on PORT.
bind = [os.environ.get("BIND", "").strip() or f"127.0.0.1:{_int('PORT', 8000)}"]
workers = _int("WEB_CONCURRENCY", _default_workers())
threads = _int("GUNICORN_THREADS", 1)  # above 1 gunicorn switches to the gthread worker
preload_app = True

# An upload of a large PDF is extracted inside the request; give it time, but do not let a stuck worker live forever.
timeout = _int("GUNICORN_TIMEOUT", 120)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then (cheap with preload: they fork from the warm master).
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10

# gunicorn's runtime control socket (for `gunicornc`) defaults to one path per user, which two instances on one
# machine would share, and to $HOME, which is read-only in the container: off unless a path is given.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip() or "gunicorn.ctl"
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip()

# Logs: access and errors on stdout/stderr, which Docker and systemd collect.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").strip().lower() or "info"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# Proxies whose X-Forwarded-* headers are believed (the TLS proxy in front); comma-separated, "*" for any.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1").strip()
# Worker heartbeat files on a RAM disk when there is one (a container's /tmp may be a slow overlay).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def when_ready(server):
    """After the preloaded app is imported, before any worker forks."""
    from django.db import connections

    # A connection opened while loading must not be shared by forked workers: each opens its own.
    connections.close_all()
    # Move everything loaded so far (Django, jieba's dictionary) out of the garbage collector's reach, so that
    # collections in the workers do not touch, and thereby copy, the pages they share with the master.
    gc.freeze()
    server.log.info("policy-search ready: %s worker(s) on %s", workers, ", ".join(bind))


def post_worker_init(worker):
    """Each worker sets the serving collector thresholds (config.startup.GC_THRESHOLDS), starts without
    inherited database connections, re-queues index writes that a killed worker left unfinished (plans saved
    in the database but still marked pending), and opens the search index in its own process (never in the
    master: forked workers would share its file offsets), with one search run, so that its first real search
    costs about what a warm one does."""
    from django.db import connections

    from config.startup import requeue_unindexed_plans, tune_gc, warm_search

    tune_gc()
    connections.close_all()
    requeue_unindexed_plans()
    warm_search()
    connections.close_all()  # the queue's thread opens its own connection
