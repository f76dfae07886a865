"""The Atom feed and the date it orders by: when a case was published or changed for readers."""

import importlib
import io
from datetime import timedelta

import feedparser
import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cases.feeds import CaseFeed
from cases.models import Case
from tests.factories import CaseFactory, CitationFactory

pytestmark = pytest.mark.django_db

FEED = reverse("cases:feed")


def parse(client):
    response = client.get(FEED)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_feed_is_valid_atom_newest_first(client):
    feed = parse(client)
    assert feed.feed.title == "国土事例カタログ：新着・更新された事例"
    assert feed.feed.language == "ja"
    expected = list(
        Case.objects.published()
        .order_by("-content_changed_at", "-pk")
        .values_list("slug", flat=True)[: CaseFeed.limit]
    )
    assert [entry.link.rsplit("/", 2)[-2] for entry in feed.entries] == expected
    updated = [entry.updated_parsed for entry in feed.entries]
    assert updated == sorted(updated, reverse=True)
    assert all(entry.title and entry.summary for entry in feed.entries)


def test_entry_ids_are_stable_page_urls(client):
    first = [entry.id for entry in parse(client).entries]
    second = [entry.id for entry in parse(client).entries]
    assert first == second
    assert all(entry_id.startswith("http://testserver/cases/") for entry_id in first)


def test_drafts_are_not_in_the_feed(client):
    draft = CaseFactory(status=Case.Status.DRAFT, title="下書きの事例")
    assert draft.content_changed_at is None
    assert "下書きの事例" not in {entry.title for entry in parse(client).entries}


def test_publishing_puts_a_case_first(client):
    case = CaseFactory(status=Case.Status.DRAFT, title="新しく公開する事例")
    case = Case.objects.get(pk=case.pk)
    case.status = Case.Status.PUBLISHED
    case.save()
    assert parse(client).entries[0].title == "新しく公開する事例"


def test_a_change_readers_see_moves_the_date_a_save_without_one_does_not():
    case = CaseFactory()
    CitationFactory(case=case)
    case.refresh_index()  # the first digest is the baseline
    case = Case.objects.get(pk=case.pk)
    earlier = timezone.now() - timedelta(days=30)
    Case.objects.filter(pk=case.pk).update(content_changed_at=earlier)

    case = Case.objects.get(pk=case.pk)
    case.save()
    case.refresh_index()
    assert Case.objects.get(pk=case.pk).content_changed_at == earlier

    case.summary = "読者に見える要約の変更。"
    case.save()
    case.refresh_index()
    assert Case.objects.get(pk=case.pk).content_changed_at > earlier


def test_reloading_the_fixtures_changes_no_date():
    before = dict(Case.objects.values_list("slug", "content_changed_at"))
    call_command("load_catalogue", stdout=io.StringIO())
    assert dict(Case.objects.values_list("slug", "content_changed_at")) == before


def test_migration_dates_published_cases_by_their_last_recorded_change():
    migration = importlib.import_module("cases.migrations.0009_case_content_changed_at")
    case = Case.objects.get(slug="ina-city")
    last = case.history.order_by("-history_date").first().history_date
    Case.objects.filter(pk=case.pk).update(content_changed_at=None)
    migration.fill_from_history(apps, None)
    assert Case.objects.get(pk=case.pk).content_changed_at == last


def test_feed_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for _ in range(3):
        CaseFactory()
    with django_assert_max_num_queries(1):
        client.get(FEED)


def test_publishing_is_dated_once():
    case = CaseFactory(status=Case.Status.DRAFT)
    case.refresh_index()
    case = Case.objects.get(pk=case.pk)
    case.status = Case.Status.PUBLISHED
    case.save()
    published = Case.objects.get(pk=case.pk).content_changed_at
    assert published is not None
    case.refresh_index()  # the status alone is not a change of what the page shows
    assert Case.objects.get(pk=case.pk).content_changed_at == published
