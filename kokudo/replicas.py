"""Reads from a PostgreSQL replica for readers, from the primary for writers.

django-multidb-router's PinningReplicaRouter sends reads to the replica unless the thread is
pinned; its middleware pins a request that writes (any method but GET/HEAD/OPTIONS/TRACE) and, by
a short-lived cookie, that browser's next requests, so an editor sees their own save at once.
This adds one rule: everything under the admin reads from the primary, even a GET, because an
editor must never see a form filled from data older than what they just saved.
"""

from django.urls import reverse
from multidb.middleware import PinningRouterMiddleware
from multidb.pinning import pin_this_thread


class PrimaryForWritersMiddleware(PinningRouterMiddleware):
    def process_request(self, request):
        super().process_request(request)
        if request.path.startswith(reverse("admin:index")):
            pin_this_thread()
