"""Gunicorn settings for serving kokudo: `gunicorn kokudo.wsgi -c python:kokudo.gunicorn`.

Everything can be overridden on the command line or with GUNICORN_CMD_ARGS. Run it behind the
reverse proxy of deploy/nginx.conf, bound to the loopback address (the default here).
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "gthread"
threads = 4
accesslog = None
# Load Django once in the master and build the facet index there (see when_ready), so that
# every worker starts with it instead of each building its own under the first requests.
preload_app = True
# Request lines and headers keep gunicorn's limits (4,094 bytes, 100 fields); bodies are capped
# by nginx (deploy/nginx.conf) and by Django (RequestBodyLimitMiddleware).


def when_ready(server):
    """Build the in-memory facet index before the workers are forked, if the database allows.

    Without the database the site must still start: pages answer 503 (the maintenance page,
    kokudo.middleware) and /healthz 200 until it is back; each worker then builds the index
    on its first request that needs it, or on /readyz.
    """
    from django.db import InterfaceError, OperationalError, connections

    from cases.facets.index import current_index

    try:
        current_index()
    except (OperationalError, InterfaceError) as error:
        server.log.error("Database unavailable at start, serving without the index: %s", error)
    finally:
        # Forked workers must not share the master's database connection.
        connections.close_all()
