"""Staff sessions last a working day at most, and admin pages are never stored by a cache."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.sessions.backends import db as session_db
from django.urls import reverse
from django.utils import timezone

from cases.models import Case

pytestmark = pytest.mark.django_db

PASSWORD = "pw-editor-1234"
WORKING_DAY = timedelta(hours=9)  # README, "Admin login"


@pytest.fixture(autouse=True)
def _quick_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def editor(db):
    user = User.objects.create_user("editor", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="編集者"))
    return user


def log_in(client):
    response = client.post(
        reverse("admin:login"), {"username": "editor", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    return response


def at(monkeypatch, moment):
    """Sessions are read as if it were `moment` (the database backend's idea of now)."""
    monkeypatch.setattr(session_db, "timezone", SimpleNamespace(now=lambda: moment))


def test_a_staff_session_ends_a_working_day_after_logging_in(client, editor, monkeypatch):
    logged_in_at = timezone.now()
    response = log_in(client)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["expires"]  # it ends when the browser closes, too
    assert not cookie["max-age"]
    admin_index = reverse("admin:index")

    at(monkeypatch, logged_in_at + WORKING_DAY - timedelta(minutes=5))
    assert client.get(admin_index).status_code == 200
    at(monkeypatch, logged_in_at + WORKING_DAY + timedelta(minutes=5))
    response = client.get(admin_index)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def admin_pages():
    case = Case.objects.get(slug="meets")
    return {
        "index": reverse("admin:index"),
        "changelist": reverse("admin:cases_case_changelist"),
        "change-form": reverse("admin:cases_case_change", args=[case.pk]),
        "history": reverse("admin:cases_case_history", args=[case.pk]),
    }


@pytest.mark.parametrize("page", ["index", "changelist", "change-form", "history"])
def test_admin_pages_for_staff_are_private_and_not_stored(client, editor, page):
    log_in(client)
    response = client.get(admin_pages()[page])
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives
    assert "public" not in directives


def test_the_login_page_is_private_and_not_stored(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives
