"""Whole responses for anonymous readers: kept in the shared cache, and cacheable over HTTP.

A browse page (the full page, its htmx fragment or its JSON) and a case page show nothing but
catalogue content and what the URL asks for, so while the catalogue keeps its version
(CatalogueVersion) the response is the same for every anonymous reader. It is rendered once per
version and kept in the shared cache, keyed by the version, the URL's canonical form
(BrowseQuery.querydict() for the browse page), the variant (page, fragment, JSON) and the site's
own address (the pages hold absolute URLs); each process keeps the ones it serves most in its
own memory too (the "responses" cache). A reader whose browser already holds it gets 304.

Over HTTP such a response is `public` with a short max-age and stale-while-revalidate, so that a
caching proxy in front (deploy/nginx.conf) or a CDN can hold it; its ETag is the same digest
as the server-side key, so a proxy revalidates with If-None-Match and gets a 304 for the price
of one query. Staff get `private, no-store` (they may see what visitors do not); so do error
pages and any response that sets a cookie (kokudo.middleware.SharedCacheGuardMiddleware).
"""

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control

from .cache import cache_get, cache_set

# Seconds a browser or proxy may serve the response without asking. Short: an editor's change
# should reach readers within a minute even through a cache that cannot be purged.
MAX_AGE = 60
# Seconds past that a proxy may still serve it while it asks the site again in the background.
STALE_WHILE_REVALIDATE = 300
# Seconds the shared cache keeps a rendered response. Keys carry the catalogue version, so an
# entry never goes stale; this only lets past versions' entries go.
SERVER_TIMEOUT = 60 * 60 * 24
LOCAL = "responses"


def local_cache():
    """This process's copy, if configured (settings without it, as the bench's uncached runs)."""
    return caches[LOCAL] if LOCAL in settings.CACHES else None


def mark_public(response, etag):
    response["ETag"] = etag
    patch_cache_control(
        response, public=True, max_age=MAX_AGE, stale_while_revalidate=STALE_WHILE_REVALIDATE
    )
    return response


def mark_private(response):
    """For staff, errors and cookies: no shared cache keeps it, no browser stores it."""
    response["Cache-Control"] = "private, no-store"
    return response


class SharedResponse:
    """One response that every anonymous reader shares, within one catalogue version.

    parts are what, besides the version and the site's address, changes the response; callers
    pass only canonical forms, so that equivalent URLs share one entry.
    """

    def __init__(self, request, kind, version, *parts):
        self.request = request
        digest = hashlib.sha256(
            "\n".join([request.scheme, request.get_host(), kind, version, *parts]).encode()
        ).hexdigest()
        self.key = f"response:{kind}:{version}:{digest}"
        self.etag = f'"{digest[:32]}"'

    def cached(self):
        """Return 304 if the reader holds this version, the cached response, or None."""
        # Only If-None-Match is answered here; other preconditions make no sense on these pages.
        conditional = get_conditional_response(self.request, etag=self.etag)
        if conditional is not None and conditional.status_code == 304:
            return mark_public(conditional, self.etag)
        local = local_cache()
        entry = local.get(self.key) if local else None
        if entry is None:
            entry = cache_get(self.key)
            if entry is None:
                return None
            if local:
                local.set(self.key, entry, SERVER_TIMEOUT)
        content, content_type = entry
        return mark_public(HttpResponse(content, content_type=content_type), self.etag)

    def store(self, response):
        """Render the response, keep it for the next reader, and mark it public."""
        if hasattr(response, "render"):
            response.render()
        if response.status_code == 200:
            entry = (response.content, response["Content-Type"])
            if local := local_cache():
                local.set(self.key, entry, SERVER_TIMEOUT)
            cache_set(self.key, entry, SERVER_TIMEOUT)
            mark_public(response, self.etag)
        return response
