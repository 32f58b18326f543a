# policy-search web image: gunicorn serving Django, static files through whitenoise, data on volumes.
# Build: docker build -t policy-search .      Run with PostgreSQL: docker compose up -d  (see README: Deployment)
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# A system user without a login shell runs the app; only /data and the jieba cache are writable by it.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app

# Dependencies first (a layer that survives code changes): exactly the pinned list of pyproject.toml.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install --requirement /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# Runtime layout: the database-independent state lives under /data (index and uploads on their own volumes).
ENV DJANGO_SETTINGS_MODULE=config.settings \
    DEBUG=false \
    DATA_DIR=/data \
    SEARCH_INDEX_DIR=/data/index \
    MEDIA_ROOT=/data/media \
    STATIC_ROOT=/app/staticfiles \
    JIEBA_CACHE_DIR=/var/cache/jieba \
    BIND=0.0.0.0:8000

# Static files are collected (hashed and compressed for whitenoise) at build time; the throwaway key only lets
# the settings load here and is never used at run time. jieba (the fallback segmenter when rjieba is switched off
# with SEARCH_SEGMENTER=jieba) writes its dictionary cache to JIEBA_CACHE_DIR, which the app user owns.
RUN mkdir -p /data/index /data/media /var/cache/jieba \
    && SECRET_KEY=collectstatic-only-build-key DATA_DIR=/tmp/build-data \
        python manage.py collectstatic --noinput --verbosity 0 \
    && rm -rf /tmp/build-data \
    && chown -R app:app /data /var/cache/jieba \
    && chmod +x docker/entrypoint.sh

USER app
VOLUME ["/data/index", "/data/media"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "config.wsgi:application"]
