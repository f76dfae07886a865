"""Project-wide request guards: malformed requests, admin caching, the database being away."""

import logging
import re
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control

from cases.http_cache import mark_private

logger = logging.getLogger(__name__)

# C0 control characters other than tab, LF and CR. No URL of the site contains them, and NUL in
# particular makes the database drivers raise (PostgreSQL text cannot hold it) deep inside views
# and the admin, so they are refused once, here, before any of that code runs.
CONTROL_CHARACTERS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# How long a client should wait before trying again while the database is unreachable.
RETRY_AFTER_SECONDS = 30


def has_control_characters(request):
    # The percent-decoded path, and the query string decoded here as bytes: no QueryDict is
    # parsed for this, and keys are checked as well as values.
    path = request.path_info.encode("utf-8", "surrogateescape")
    query = unquote_to_bytes(request.META.get("QUERY_STRING", "").replace("+", " "))
    return bool(CONTROL_CHARACTERS.search(path) or CONTROL_CHARACTERS.search(query))


class RejectControlCharactersMiddleware:
    """Answer 400 with a page that says why to any URL holding control characters."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_control_characters(request):
            response = TemplateResponse(request, "400.html", status=400)
            response.render()
            return response
        return self.get_response(request)


class RequestBodyLimitMiddleware:
    """Answer 413 to a request whose body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE, unread.

    Django's own cap counts form fields only, not uploaded files, so a multipart body of any
    size would be parsed (and spooled to disk) even for an anonymous POST to the login page.
    The site's only upload is the admin's spreadsheet import of figures and actors
    (cases/spreadsheet.py), whose files are far smaller, so no larger body is legitimate. The
    proxy in front (deploy/nginx.conf) refuses such bodies before they reach gunicorn; this is
    the same cap for any other way in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body it cannot measure
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            response = TemplateResponse(request, "413.html", status=413)
            response.render()
            return response
        return self.get_response(request)


class AdminNoStoreMiddleware:
    """Keep every admin response (the login and lock-out pages too) out of shared caches.

    The admin's own views already send no-store; responses made elsewhere (the lock-out page,
    the admin's 404s) would not.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith("/admin/"):
            patch_cache_control(response, private=True, no_store=True)
        return response


class SharedCacheGuardMiddleware:
    """Keep shared caches (a proxy, a CDN) to the public pages anonymous readers share.

    Views mark such pages public (cases.http_cache). Whatever a view said, a response that sets
    a cookie (a session, the CSRF token, the replica router's pin), an error page, or a public
    page about to go to someone signed in is made `private, no-store` here. First in MIDDLEWARE,
    so that it sees the cookies every other middleware sets on the way out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.cookies
            or response.status_code >= 400
            or self.public_to_staff(request, response)
        ):
            mark_private(response)
        return response

    @staticmethod
    def public_to_staff(request, response):
        if "public" not in response.get("Cache-Control", ""):
            return False
        user = getattr(request, "user", None)  # absent for what whitenoise serves
        return user is not None and user.is_authenticated


def database_unavailable_response(request):
    """The maintenance page: 503 with Retry-After, rendered without touching the database."""
    response = TemplateResponse(request, "503.html", status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    patch_cache_control(response, no_store=True)
    response.render()
    return response


class DatabaseUnavailableMiddleware:
    """Serve the maintenance page, not the error page, while the database cannot be reached."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            logger.error("Database unavailable: %s", exception)
            return database_unavailable_response(request)
        return None


def client_ip_address(request):
    """The client's address for login throttling: nginx's X-Real-IP behind the proxy."""
    if settings.BEHIND_PROXY and request.META.get("HTTP_X_REAL_IP"):
        return request.META["HTTP_X_REAL_IP"]
    return request.META.get("REMOTE_ADDR")
