"""The Atom feed and the date it orders by: when a case was published or changed for readers."""

import importlib
import io
from datetime import timedelta
from types import SimpleNamespace

import feedparser
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from cases.browse import BrowseQuery
from cases.facets import dynamic_labels
from cases.feeds import CaseFeed
from cases.models import Case
from tests.cases import sql_reference
from tests.factories import CaseFactory, CitationFactory

pytestmark = pytest.mark.django_db

FEED = reverse("cases:feed")
SELECTION_FEED = f"{FEED}?theme=transport-redesign&region=chubu"


def parse(client, url=FEED):
    response = client.get(url)
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
    # The migration writes where it runs: it asks the schema editor only for its connection
    # (SQLite refuses a real schema editor inside the test's transaction).
    migration.fill_from_history(apps, SimpleNamespace(connection=connection))
    assert Case.objects.get(pk=case.pk).content_changed_at == last


@pytest.mark.parametrize("url", [FEED, SELECTION_FEED, f"{FEED}?q=交通&org=municipality"])
def test_feed_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries, url):
    for _ in range(3):
        CaseFactory()
    client.get(url)  # the process takes the new cases into its index
    # The catalogue's version, then the entries shown: the index has chosen them.
    with django_assert_max_num_queries(2):
        assert client.get(url).status_code == 200


def slugs(feed):
    return [entry.link.rsplit("/", 2)[-2] for entry in feed.entries]


@pytest.mark.parametrize(
    "query_string",
    [
        "theme=transport-redesign&region=chubu",
        "region=chubu&theme=transport-redesign&sort=title&page=3",
        "q=交通&org=municipality",
        "type=commons&type=local_firm",
        "q=まちづくり",
    ],
)
def test_a_selections_feed_lists_its_cases_newest_first(client, query_string):
    browse = BrowseQuery.parse(QueryDict(query_string), dynamic_labels())
    expected = list(
        sql_reference.newest_first(browse)
        .filter(content_changed_at__isnull=False)
        .values_list("slug", flat=True)[: CaseFeed.limit]
    )
    assert expected, "choose a selection that has cases"
    feed = parse(client, f"{FEED}?{query_string}")
    assert slugs(feed) == expected
    updated = [entry.updated_parsed for entry in feed.entries]
    assert updated == sorted(updated, reverse=True)


def test_a_selections_feed_says_the_selection_and_links_its_page(client):
    feed = parse(client, f"{FEED}?region=chubu&sort=title&theme=transport-redesign&format=json")
    assert feed.feed.title == "国土事例カタログ：テーマ: 地域交通 × 地方: 中部"
    assert feed.feed.subtitle.startswith("「テーマ: 地域交通 × 地方: 中部」に当てはまる事例")
    links = {link.rel: link.href for link in feed.feed.links}
    # The selection in the browse page's canonical order; its own order is always newest first.
    canonical = "theme=transport-redesign&region=chubu"
    assert links["alternate"] == f"http://testserver/cases/?{canonical}"
    assert links["self"] == f"http://testserver{FEED}?{canonical}"
    # One feed id per selection, stable however the query was written.
    again = parse(client, f"{FEED}?theme=transport-redesign&region=chubu")
    assert feed.feed.id == again.feed.id == links["alternate"]
    assert feed.feed.id != parse(client, f"{FEED}?region=chubu").feed.id


def test_entry_ids_are_the_same_in_every_feed(client):
    everything = {entry.link: entry.id for entry in parse(client).entries}
    selection = parse(client, SELECTION_FEED).entries
    assert selection
    assert any(entry.link in everything for entry in selection)
    for entry in selection:
        # The case page's URL, whichever feed lists the case: a reader subscribed to two
        # feeds sees one entry.
        assert entry.id == entry.link
        assert everything.get(entry.link, entry.id) == entry.id


def test_unknown_values_are_set_aside_with_a_notice(client):
    feed = parse(client, f"{FEED}?theme=no-such-theme&region=chubu&page=x&format=pdf")
    assert feed.feed.title == "国土事例カタログ：地方: 中部"
    assert "「テーマ」に no-such-theme という値はないため、無視しました。" in feed.feed.subtitle
    assert slugs(feed) == slugs(parse(client, f"{FEED}?region=chubu"))


def test_an_empty_selection_is_a_valid_empty_feed(client):
    feed = parse(client, f"{FEED}?q=該当する事例のない語句&region=hokkaido")
    assert feed.entries == []
    assert feed.feed.title == "国土事例カタログ：地方: 北海道 × キーワード: 該当する事例のない語句"


def test_a_change_puts_a_case_first_in_its_selections_feed(client):
    browse = BrowseQuery.parse(QueryDict("theme=transport-redesign&region=chubu"), dynamic_labels())
    last = sql_reference.newest_first(browse).last()
    assert slugs(parse(client, SELECTION_FEED))[0] != last.slug
    case = Case.objects.get(pk=last.pk)
    case.summary = "読者に見える要約の変更。"
    case.save()
    case.refresh_index()
    assert slugs(parse(client, SELECTION_FEED))[0] == last.slug


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
