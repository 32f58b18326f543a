#!/bin/sh
# Start policy-search: prepare the database and the index, then hand the process over to gunicorn.
#   no arguments         prepare, then serve with gunicorn (gunicorn.conf.py reads BIND, WEB_CONCURRENCY, ...)
#   gunicorn ARGS...     prepare, then run that gunicorn command
#   anything else        run it as is, e.g. `docker compose run --rm web python manage.py rebuild_index`
# Preparing (python -m config.startup) migrates the database, ingests the seed plans when the database has none
# (SEED_ON_FIRST_START=false to skip) and rebuilds or repairs the search index from the database.
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"
if [ "$#" -eq 0 ]; then
    set -- gunicorn --config gunicorn.conf.py config.wsgi:application
fi
if [ "$1" = "gunicorn" ]; then
    "$PYTHON" -m config.startup
    shift
    exec "$PYTHON" -m gunicorn "$@"
fi
exec "$@"
