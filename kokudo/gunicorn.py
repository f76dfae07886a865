"""Gunicorn settings for serving kokudo: `gunicorn kokudo.wsgi -c python:kokudo.gunicorn`.

Everything can be overridden on the command line or with GUNICORN_CMD_ARGS.
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


def when_ready(server):
    """Build the in-memory facet index before the workers are forked."""
    from django.db import connections

    from cases.facet_index import current_index

    current_index()
    # Forked workers must not share the master's database connection.
    connections.close_all()
