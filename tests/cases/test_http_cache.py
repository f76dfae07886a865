"""Whole responses shared by anonymous readers (cases.http_cache), and kept from everyone else."""

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from cases.http_cache import MAX_AGE
from cases.models import Case, CatalogueVersion
from kokudo.middleware import SharedCacheGuardMiddleware

pytestmark = pytest.mark.django_db

BROWSE = reverse("cases:case_list")
BASE = {"theme": "transport-redesign", "q": "交通"}
# Each changes what the page shows: a new facet value, another search, order, page, format.
CHANGES = [
    {"type": "commons"},
    {"hub": "coworking"},
    {"region": "chubu"},
    {"pref": "20"},
    {"pop": "lt10k"},
    {"org": "municipality"},
    {"funding": "subsidy"},
    {"infra": "transport"},
    {"source": "2025-report"},
    {"scope": "domestic"},
    {"q": "医療"},
    {"sort": "title"},
    {"page": "2"},
    {"format": "json"},
]


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_user("editor", is_staff=True))
    return client


def etag(client, params, **headers):
    response = client.get(BROWSE, params, headers=headers)
    assert response.status_code == 200
    assert "public" in response["Cache-Control"], response["Cache-Control"]
    return response["ETag"]


def test_a_browse_page_is_public_for_a_short_while(client):
    response = client.get(BROWSE, BASE)
    cache_control = response["Cache-Control"]
    assert "public" in cache_control
    assert f"max-age={MAX_AGE}" in cache_control
    assert "stale-while-revalidate=" in cache_control
    assert response["ETag"].startswith('"')
    # A proxy must keep the fragment apart from the page, and staff's (cookie) from visitors'.
    for header in ("HX-Request", "HX-History-Restore-Request", "Cookie"):
        assert header in response["Vary"]


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: next(iter(change)))
def test_every_parameter_that_changes_the_page_changes_the_key(client, change):
    assert etag(client, BASE) != etag(client, {**BASE, **change})


def test_the_htmx_fragment_and_the_page_have_their_own_keys(client):
    page = etag(client, BASE)
    fragment = etag(client, BASE, HX_Request="true")
    restored = etag(client, BASE, HX_Request="true", HX_History_Restore_Request="true")
    assert page != fragment
    assert restored == page  # history restore gets the whole page


def test_equivalent_urls_share_one_key(client):
    """Order of parameters, repeats, the page's default and foreign parameters change nothing."""
    same = etag(client, [("q", "交通"), ("theme", "transport-redesign")])
    assert same == etag(client, {**BASE, "utm_source": "mail"})
    assert same == etag(client, [*BASE.items(), ("theme", "transport-redesign")])
    assert etag(client, {}) == etag(client, {"page": "1"})


def test_a_new_catalogue_version_changes_the_key_and_the_page(client):
    case = Case.objects.published().order_by("title").first()
    before = client.get(BROWSE)
    # First in the 「事例名」 (五十音) order, so that it is on the first page.
    case.title, case.title_kana = "0000再編集された事例名", "ああ"
    case.save()
    case.refresh_index()
    after = client.get(BROWSE)
    assert before["ETag"] != after["ETag"]
    assert "0000再編集された事例名" not in before.content.decode()
    assert "0000再編集された事例名" in after.content.decode()


def test_a_cached_page_is_served_without_rebuilding_it(client, django_assert_num_queries):
    first = client.get(BROWSE, BASE)
    with django_assert_num_queries(1):  # the catalogue's version, nothing else
        second = client.get(BROWSE, BASE)
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_json_is_cached_as_json(client):
    first = client.get(BROWSE, {**BASE, "format": "json"})
    second = client.get(BROWSE, {**BASE, "format": "json"})
    assert second["Content-Type"] == "application/json"
    assert second.json() == first.json()


@pytest.mark.parametrize(
    "url",
    [f"{BROWSE}?theme=transport-redesign", f"{BROWSE}?format=json", "/cases/ina-city/"],
)
def test_a_matching_if_none_match_gets_304(client, url):
    tag = client.get(url)["ETag"]
    response = client.get(url, headers={"If-None-Match": tag})
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == tag
    assert "public" in response["Cache-Control"]
    other = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


def test_case_pages_are_public_and_keyed_by_version(client):
    url = reverse("cases:case_detail", args=["ina-city"])
    first = client.get(url)
    assert "public" in first["Cache-Control"]
    CatalogueVersion.bump()
    assert client.get(url)["ETag"] != first["ETag"]


def test_urls_with_set_aside_values_are_not_shared(client):
    """Their notices quote what the visitor typed: not a canonical page, not worth an entry."""
    for params in ({"type": "zzz"}, {"sort": "zzz"}, {"page": "x"}, {"page": "01"}):
        response = client.get(BROWSE, params)
        assert response.status_code == 200
        assert "public" not in response.get("Cache-Control", ""), params
        assert not response.has_header("ETag")


@pytest.mark.parametrize("url", [f"{BROWSE}?theme=transport-redesign", "/cases/ina-city/"])
def test_staff_pages_are_private_and_not_stored(staff_client, url):
    response = staff_client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert not response.has_header("ETag")


def test_staff_do_not_get_the_visitors_cached_page(client):
    """The anonymous CSV limit notice is a visitor's; a signed-in reader gets every row."""
    visitor = client.get(BROWSE, {"format": "json"}).json()
    client.force_login(User.objects.create_user("editor", is_staff=True))
    staff = client.get(BROWSE, {"format": "json"}).json()
    assert visitor["csv_row_limit"] is not None
    assert staff["csv_row_limit"] is None


@pytest.mark.parametrize(
    "url",
    ["/cases/no-such-case/", "/no-such-page/", "/cases/?q=%01", "/places/999999/"],
)
def test_error_pages_are_not_stored(client, url):
    response = client.get(url)
    assert response.status_code >= 400
    assert response["Cache-Control"] == "private, no-store"


def guarded(response, user=None):
    request = RequestFactory().get("/")
    if user is not None:
        request.user = user
    return SharedCacheGuardMiddleware(lambda request: response)(request)


def public_response():
    response = HttpResponse("page")
    response["Cache-Control"] = "public, max-age=60"
    return response


def test_a_response_that_sets_a_cookie_is_never_public():
    response = public_response()
    response.set_cookie("kokudo_primary", "y")
    assert guarded(response)["Cache-Control"] == "private, no-store"


def test_a_public_response_to_someone_signed_in_is_made_private():
    staff = User(username="editor", is_staff=True)
    assert guarded(public_response(), staff)["Cache-Control"] == "private, no-store"
    # Anonymous readers, and what whitenoise serves (no user at all), keep it public.
    assert guarded(public_response())["Cache-Control"] == "public, max-age=60"
