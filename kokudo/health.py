"""Probes for a load balancer: /healthz (the process answers) and /readyz (it can serve pages).

Neither touches the session or the cache. /readyz builds the facet index if this process has
none yet, which is how a site started while the database was away gets it once the database
is back (see kokudo.gunicorn.when_ready).
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from cases.facets.index import current_index

from .middleware import RETRY_AFTER_SECONDS

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    try:
        index = current_index()
    except (OperationalError, InterfaceError) as error:
        logger.warning("Not ready, database unavailable: %s", error)
        response = JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return JsonResponse(
        {"status": "ok", "database": "ok", "index_version": index.version, "cases": len(index.ids)}
    )
