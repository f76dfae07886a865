"""A cache outage degrades to pages built without the cache, logged once, never a 500."""

import logging

import pytest
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.test import override_settings
from django.urls import reverse

from cases import cache as page_cache

pytestmark = pytest.mark.django_db

# Nothing listens on port 1: every connection is refused, as when Redis is down.
UNREACHABLE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


@pytest.fixture
def outage_state():
    page_cache.reset()
    yield
    page_cache.reset()


@override_settings(CACHES=UNREACHABLE)
def test_pages_render_when_the_cache_server_is_down(client, caplog, monkeypatch, outage_state):
    with pytest.raises(page_cache.OUTAGE_ERRORS):  # the premise: this cache raises on use
        cache.get("anything")
    monkeypatch.setattr(page_cache, "RETRY_AFTER", 0)  # ask the cache on every request
    caplog.set_level(logging.WARNING, logger="cases.cache")
    for slug in ("meets", "sundred", "meets"):
        response = client.get(reverse("cases:case_detail", args=[slug]))
        assert response.status_code == 200, slug
        assert "引用表記" in response.content.decode()
    csv = client.get(reverse("cases:case_list"), {"format": "csv"})
    assert csv.status_code == 200
    assert csv.getvalue().startswith("\ufeff".encode())
    errors = [record for record in caplog.records if record.name == "cases.cache"]
    assert len(errors) == 1, [record.getMessage() for record in errors]
    assert errors[0].levelno == logging.ERROR


@override_settings(CACHES=UNREACHABLE)
def test_while_down_the_cache_is_not_asked_again_at_once(client, monkeypatch, outage_state):
    client.get(reverse("cases:case_detail", args=["meets"]))
    asked = []
    monkeypatch.setattr(RedisCache, "get", lambda *args, **kwargs: asked.append(args))
    assert client.get(reverse("cases:case_detail", args=["sundred"])).status_code == 200
    assert asked == []
    page_cache._state["retry_at"] = 0.0  # the retry time has come
    client.get(reverse("cases:case_detail", args=["sundred"]))
    assert len(asked) == 1


def test_recovery_is_logged_and_the_cache_used_again(
    client, caplog, outage_state, django_assert_num_queries
):
    url = reverse("cases:case_detail", args=["meets"])
    with override_settings(CACHES=UNREACHABLE):
        client.get(url)
    page_cache._state["retry_at"] = 0.0  # the retry time has come
    caplog.set_level(logging.WARNING, logger="cases.cache")
    first = client.get(url).content
    assert any("reachable again" in record.getMessage() for record in caplog.records)
    with django_assert_num_queries(1):  # the version token; the page is cached again
        assert client.get(url).content == first
