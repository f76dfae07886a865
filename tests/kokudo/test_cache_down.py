"""With the cache server down, every kind of page still answers, production-like: never a 500.

The shared cache (REDIS_URL) is an optimisation (cases.cache); sessions and login throttling
(django-axes' database handler) live in the database. So while Redis is unreachable each page
is either built without the cache, the outage logged once, or — for what cannot be served
without it — a clear 503. Nothing listens on port 1: every connection is refused, as when Redis
is down. pytest-django runs the views with DEBUG off, and the client returns the 500 page
instead of raising, as a visitor would see it.
"""

import logging
import runpy
import socket
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.urls import reverse

import kokudo.settings
from cases import cache as page_cache
from cases.models import Case, Municipality, Organization
from tests.kokudo.test_limits import change_form_data

pytestmark = pytest.mark.django_db

PASSWORD = "pw-admin-1234"
SETTINGS = Path(kokudo.settings.__file__)
# Nothing listens on port 1: every connection is refused at once.
CLOSED_PORT = "redis://127.0.0.1:1/0"


def caches_for(monkeypatch, redis_url):
    """The CACHES the project's settings make of REDIS_URL (read afresh, as a process would)."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("DEBUG", "1")
    return runpy.run_path(str(SETTINGS))["CACHES"]


def break_the_cache(settings, monkeypatch, redis_url):
    page_cache.reset()
    settings.CACHES = caches_for(monkeypatch, redis_url)
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    monkeypatch.setattr(page_cache, "RETRY_AFTER", 0)  # ask the dead cache on every request
    with pytest.raises(page_cache.OUTAGE_ERRORS):  # the premise: this cache raises on use
        caches["default"].get("anything")
    page_cache.reset()


@pytest.fixture
def cache_down(settings, monkeypatch):
    """The production cache set-up (a shared Redis, each process's own copy of the responses
    in memory) with the Redis server gone."""
    break_the_cache(settings, monkeypatch, CLOSED_PORT)
    yield
    page_cache.reset()


@pytest.fixture
def hung_server():
    """A server that accepts connections (the kernel does, from the backlog) and never answers,
    as a Redis that is overloaded, stopped with SIGSTOP or behind a dropped route."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield f"redis://127.0.0.1:{sock.getsockname()[1]}/0"


@pytest.fixture(autouse=True)
def _quick_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def case():
    return Case.objects.get(slug="meets")


def municipality():
    return Municipality.objects.filter(places__case__status=Case.Status.PUBLISHED).first()


def organization():
    return Organization.objects.filter(roles__case__status=Case.Status.PUBLISHED).first()


def admin_change_data(client):
    data = change_form_data(client, case())
    data["summary"] = "キャッシュ停止中に管理画面で書き換えた要約。"
    return data


# (id, method, URL, whether signed in as a superuser, POST data or None). URLs and data are
# callables: they read the test database.
PAGES = [
    ("home", "get", lambda: "/", False, None),
    ("list", "get", lambda: "/cases/", False, None),
    (
        "list-filtered-search",
        "get",
        lambda: "/cases/?theme=transport-redesign&region=chubu&q=%E4%BA%A4%E9%80%9A&sort=title",
        False,
        None,
    ),
    ("list-htmx", "get", lambda: "/cases/?type=commons", False, None),
    ("list-near", "get", lambda: "/cases/?near=202096&km=50", False, None),
    ("list-page-2", "get", lambda: "/cases/?page=2", False, None),
    ("list-map", "get", lambda: "/cases/?view=map", False, None),
    ("list-json", "get", lambda: "/cases/?format=json&pref=20", False, None),
    ("list-csv", "get", lambda: "/cases/?format=csv", False, None),
    ("list-figures-csv", "get", lambda: "/cases/?format=figures.csv", False, None),
    ("list-geojson", "get", lambda: "/cases/?format=geojson", False, None),
    ("list-bibtex", "get", lambda: "/cases/?format=bibtex&type=commons", False, None),
    ("feed", "get", lambda: "/cases/feed/?region=chubu", False, None),
    ("overview", "get", lambda: "/cases/overview/?type=commons", False, None),
    ("overview-json", "get", lambda: "/cases/overview/?format=json", False, None),
    ("overview-csv", "get", lambda: "/cases/overview/?format=csv&chart=theme", False, None),
    ("case", "get", lambda: f"/cases/{case().slug}/", False, None),
    ("case-json", "get", lambda: f"/cases/{case().slug}/?format=json", False, None),
    ("case-citation", "get", lambda: f"/cases/{case().slug}/cite.bib", False, None),
    ("compare", "get", lambda: "/compare/?case=meets&case=sundred", False, None),
    ("places", "get", lambda: "/places/", False, None),
    ("place", "get", lambda: f"/places/{municipality().lg_code}/", False, None),
    ("place-geojson", "get", lambda: f"/places/{municipality().lg_code}/geojson/", False, None),
    ("place-autocomplete", "get", lambda: "/places/autocomplete/?q=%E4%BC%8A", False, None),
    ("organizations", "get", lambda: "/organizations/", False, None),
    ("organization", "get", lambda: f"/organizations/{organization().slug}/", False, None),
    ("common-factors", "get", lambda: "/common-factors/", False, None),
    ("terms", "get", lambda: "/terms/", False, None),
    ("catalog-jsonld", "get", lambda: "/catalog.jsonld", False, None),
    ("sitemap", "get", lambda: "/sitemap.xml", False, None),
    ("robots", "get", lambda: "/robots.txt", False, None),
    ("not-found", "get", lambda: "/cases/no-such-case/", False, None),
    ("admin-login-get", "get", lambda: "/admin/login/", False, None),
    (
        "admin-login-post",
        "post",
        lambda: "/admin/login/",
        False,
        lambda client: {"username": "admin", "password": PASSWORD, "next": "/admin/"},
    ),
    (
        "admin-login-post-wrong",
        "post",
        lambda: "/admin/login/",
        False,
        lambda client: {"username": "admin", "password": "wrong", "next": "/admin/"},
    ),
    ("admin-index", "get", lambda: "/admin/", True, None),
    ("admin-changelist", "get", lambda: "/admin/cases/case/?q=%E5%8E%9A%E7%9C%9F", True, None),
    ("admin-change-form", "get", lambda: f"/admin/cases/case/{case().pk}/change/", True, None),
    (
        "admin-change-save",
        "post",
        lambda: f"/admin/cases/case/{case().pk}/change/",
        True,
        admin_change_data,
    ),
    ("admin-history", "get", lambda: f"/admin/cases/case/{case().pk}/history/", True, None),
    ("case-preview", "get", lambda: f"/cases/{case().slug}/preview/", True, None),
]
# What each kind answers when all is well (and must still answer with the cache down).
EXPECTED = {
    "not-found": 404,
    "admin-login-post": 302,
    "admin-change-save": 302,
}


@pytest.mark.parametrize(
    ("method", "url", "signed_in", "data"),
    [pytest.param(*page[1:], id=page[0]) for page in PAGES],
)
def test_every_kind_of_page_answers_without_the_cache(
    client, cache_down, caplog, request, method, url, signed_in, data
):
    User.objects.create_superuser("admin", "admin@example.com", PASSWORD)
    if signed_in:
        client.force_login(User.objects.get(username="admin"))
    client.raise_request_exception = False  # a visitor sees the 500 page, not a traceback
    caplog.set_level(logging.WARNING)
    payload = data(client) if data else None
    page_cache.reset()  # what the page set-up above read, if anything, counts no outage
    caplog.clear()
    target = url()
    headers = {"HTTP_HX_REQUEST": "true"} if request.node.callspec.id == "list-htmx" else {}
    if method == "post":
        response = client.post(target, payload, **headers)
    else:
        response = client.get(target, **headers)

    expected = EXPECTED.get(request.node.callspec.id, 200)
    assert response.status_code == expected, (target, response.status_code)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)  # the body is where a streamed export fails
    outages = [r for r in caplog.records if r.name == "cases.cache" and r.levelno >= logging.ERROR]
    assert len(outages) <= 1, [r.getMessage() for r in outages]  # logged once, not per use
    errors = [
        r for r in caplog.records if r.name == "django.request" and r.levelno >= logging.ERROR
    ]
    assert errors == [], [r.getMessage() for r in errors]


def test_a_page_the_shared_cache_would_keep_is_built_and_the_outage_logged_once(
    client, cache_down, caplog
):
    caplog.set_level(logging.WARNING, logger="cases.cache")
    for _ in range(3):
        caches["responses"].clear()  # so that each request asks the shared cache again
        response = client.get(reverse("cases:case_detail", args=["meets"]))
        assert response.status_code == 200
        assert "引用表記" in response.content.decode()
    outages = [r for r in caplog.records if r.name == "cases.cache"]
    assert [r.levelno for r in outages] == [logging.ERROR]


# How long one request may wait on a cache that does not answer: the settings' socket_timeout
# (1 s) with room for a slow machine; redis-py's own default would be 5 s, or forever before 6.
HUNG_CACHE_BOUND = 2.5


def test_a_cache_server_that_never_answers_costs_a_page_at_most_a_moment(
    client, settings, monkeypatch, hung_server
):
    break_the_cache(settings, monkeypatch, hung_server)
    monkeypatch.setattr(page_cache, "RETRY_AFTER", 30)  # as in production
    waits = []
    original_get = RedisCache.get

    def timed_get(*args, **kwargs):
        started = time.monotonic()
        try:
            return original_get(*args, **kwargs)
        finally:
            waits.append(time.monotonic() - started)

    monkeypatch.setattr(RedisCache, "get", timed_get)
    for slug in ("meets", "sundred"):  # the first meets the outage, the second skips the cache
        response = client.get(reverse("cases:case_detail", args=[slug]))
        assert response.status_code == 200
        assert "引用表記" in response.content.decode()
    assert len(waits) == 1  # asked once, then left alone for RETRY_AFTER
    assert waits[0] < HUNG_CACHE_BOUND, f"waited {waits[0]:.1f} s on the cache"
