"""Malformed requests get a clear 4xx page, never a 500; admin responses are never stored."""

from urllib.parse import quote

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.models import Case

pytestmark = pytest.mark.django_db

CONTROL = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r")


@pytest.fixture
def editor_client(client):
    user = User.objects.create_user("editor", password="pw-editor-1234", is_staff=True)
    user.groups.add(Group.objects.get(name="編集者"))
    client.force_login(user)
    return client


def assert_bad_request_page(response):
    assert response.status_code == 400
    body = response.content.decode()
    assert "制御文字" in body
    assert "国土事例カタログ" in body  # the site's header, not a bare error
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_nul_in_a_public_path_is_a_bad_request(client):
    assert_bad_request_page(client.get("/organizations/%00/"))


@pytest.mark.parametrize(
    "url",
    [
        "/admin/cases/case/?status__exact=%00",
        "/admin/autocomplete/?app_label=cases&model_name=case&field_name=related&term=%00",
        "/cases/?q=%00",
        "/cases/?theme%00=x",
    ],
)
def test_nul_in_a_query_is_a_bad_request(editor_client, url):
    assert_bad_request_page(editor_client.get(url))


@pytest.mark.parametrize("ids", ["{pk}/history/abc", "abc/history/1", "{pk}/history/%00"])
def test_history_version_urls_with_bad_ids_are_not_found(editor_client, ids):
    pk = Case.objects.get(slug="meets").pk
    response = editor_client.get(f"/admin/cases/case/{ids.format(pk=pk)}/")
    assert response.status_code in (400, 404)


def test_history_version_url_with_a_real_version_still_works(editor_client):
    case = Case.objects.get(slug="meets")
    version = case.history.first().history_id
    url = reverse("admin:cases_case_simple_history", args=[case.pk, version])
    assert editor_client.get(url).status_code == 200


def test_tab_and_newline_in_a_query_are_allowed(client):
    assert client.get("/cases/", {"q": "交通\t医療\n"}).status_code == 200


# The client keeps no state between requests that matters here: no login, no cookies read.
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    before=st.text(max_size=8),
    control=st.sampled_from(CONTROL),
    after=st.text(max_size=8),
    where=st.sampled_from(["q", "theme", "page", "path"]),
)
def test_any_control_character_anywhere_is_a_bad_request(client, before, control, after, where):
    text = before + control + after
    if where == "path":
        response = client.get(f"/cases/{quote(text, safe='')}/")
    else:
        response = client.get("/cases/", {where: text})
    assert_bad_request_page(response)


@pytest.mark.parametrize(
    "url",
    ["/admin/", "/admin/login/", "/admin/cases/case/", "/admin/no-such-page/"],
)
def test_admin_responses_are_private_and_not_stored(editor_client, url):
    cache_control = editor_client.get(url)["Cache-Control"]
    assert "private" in cache_control
    assert "no-store" in cache_control
