"""Login throttling (django-axes): per account and per address, with a Japanese lock-out page."""

import io

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "pw-editor-1234"


@pytest.fixture(autouse=True)
def _quick_hashing(settings):
    # Each attempt hashes a password; the default hasher would make 40 attempts take seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def editor(db):
    return User.objects.create_user("editor", password=PASSWORD, is_staff=True)


def log_in(client, username, password, address="203.0.113.1", **extra):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
        **extra,
    )


def logged_in(client):
    return "_auth_user_id" in client.session


def fail_until_locked(client, username, address="203.0.113.1", **extra):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, username, "wrong", address, **extra)


def test_after_the_failure_limit_even_the_right_password_is_refused(client, editor):
    fail_until_locked(client, "editor")
    response = log_in(client, "editor", PASSWORD)
    assert response.status_code == 429
    body = response.content.decode()
    assert "ログインできません" in body
    assert f"{settings.AXES_FAILURE_LIMIT}回" in body
    assert not logged_in(client)


def test_failures_below_the_limit_do_not_lock(client, editor):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "editor", "wrong").status_code == 200
    assert log_in(client, "editor", PASSWORD).status_code == 302
    assert logged_in(client)


def test_an_account_is_locked_whatever_address_the_attempts_come_from(client, editor):
    for number in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "editor", "wrong", address=f"198.51.100.{number + 1}")
    assert log_in(client, "editor", PASSWORD, address="192.0.2.99").status_code == 429


def test_an_address_is_locked_whatever_accounts_it_tries(client, editor):
    for number in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"guess{number}", "wrong")
    assert log_in(client, "editor", PASSWORD).status_code == 429
    # Another address still gets in.
    assert log_in(client, "editor", PASSWORD, address="192.0.2.99").status_code == 302


def test_behind_the_proxy_the_address_is_nginx_x_real_ip(client, editor, settings):
    settings.BEHIND_PROXY = True
    for number in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"guess{number}", "wrong", address="127.0.0.1", HTTP_X_REAL_IP="192.0.2.7")
    locked = log_in(client, "editor", PASSWORD, address="127.0.0.1", HTTP_X_REAL_IP="192.0.2.7")
    assert locked.status_code == 429
    other = log_in(client, "editor", PASSWORD, address="127.0.0.1", HTTP_X_REAL_IP="192.0.2.8")
    assert other.status_code == 302


def test_an_admin_unlocks_an_account_with_axes_reset_username(client, editor):
    fail_until_locked(client, "editor", address="198.51.100.1")
    assert log_in(client, "editor", PASSWORD, address="192.0.2.99").status_code == 429
    call_command("axes_reset_username", "editor", stdout=io.StringIO())
    assert log_in(client, "editor", PASSWORD, address="192.0.2.99").status_code == 302


def test_the_lockout_page_is_not_stored(client, editor):
    fail_until_locked(client, "editor")
    response = log_in(client, "editor", PASSWORD)
    assert "no-store" in response["Cache-Control"]


def test_a_staff_session_lasts_a_working_day_and_ends_with_the_browser(client, editor):
    response = log_in(client, "editor", PASSWORD)
    assert response.status_code == 302
    assert client.session.get_expire_at_browser_close()
    assert 8 * 3600 <= client.session.get_expiry_age() <= 10 * 3600
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["expires"]
    assert not cookie["max-age"]


def test_a_nul_in_the_username_is_a_form_error_not_a_500(client, editor):
    # Failed logins are recorded by username; PostgreSQL text cannot hold NUL.
    response = log_in(client, "edi\x00tor", "wrong")
    assert response.status_code == 200
    assert not logged_in(client)
