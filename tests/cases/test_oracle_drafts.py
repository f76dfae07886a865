"""A case set back to draft disappears from every public surface, at once."""

import csv
import io

import pytest
from django.urls import reverse

from cases.models import Case, Organization
from tests import oracles

pytestmark = pytest.mark.django_db

# meets: the only case of ミーツ株式会社 and the only one 厚真 finds; co-shiga: one of sundred's
# hand-made links.
DRAFTS = ["meets", "co-shiga"]


@pytest.fixture
def drafts(client):
    """Cache the drafts' pages first, then unpublish them as the admin does (save())."""
    for slug in DRAFTS:
        assert client.get(reverse("cases:case_detail", args=[slug])).status_code == 200
    oracles.browse(client)  # the process's index as it was
    for case in Case.objects.filter(slug__in=DRAFTS):
        case.status = Case.Status.DRAFT
        case.save()
    return DRAFTS


def test_pages_cached_before_unpublishing_are_gone(client, drafts):
    for slug in drafts:
        assert client.get(reverse("cases:case_detail", args=[slug])).status_code == 404
        assert (
            client.get(reverse("cases:case_detail", args=[slug]), {"format": "json"}).status_code
            == 404
        )


def test_counts_lists_and_search_leave_drafts_out(client, drafts):
    published = len(oracles.published_yaml_cases()) - len(drafts)
    home = client.get(reverse("cases:home")).content.decode()
    assert f"事例 {published} 件" in home
    first, slugs = oracles.browse_all(client)
    assert first.count == published
    assert not set(drafts) & set(slugs)
    # Every option's count as the base tables give it, drafts left out.
    memberships = oracles.table_facets()
    assert not set(drafts) & set(memberships)
    assert {p: o for p, o in first.counts.items() if o} == oracles.expected_counts(memberships, [])
    assert oracles.browse(client, [("q", "厚真")]).count == 0
    assert (
        oracles.browse(client, [("q", "co.shiga")]).slugs == ["sundred"]
        or "co-shiga" not in (oracles.browse_all(client, [("q", "co.shiga")])[1])
    )


def test_csv_leaves_drafts_out(client, drafts):
    response = client.get(reverse("cases:case_list"), {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8").lstrip("\ufeff"))))
    assert len(rows) == len(oracles.published_yaml_cases()) - len(drafts)
    assert not set(drafts) & {row["スラッグ"] for row in rows}


def test_related_cases_and_compare_leave_drafts_out(client, drafts):
    sundred = client.get(reverse("cases:case_detail", args=["sundred"])).content.decode()
    assert "/cases/co-shiga/" not in sundred
    assert "/cases/nasucon-valley/" in sundred  # the other hand-made link stays
    compare = client.get(reverse("cases:compare"), {"case": ["meets", "sundred"]})
    body = compare.content.decode()
    assert "「meets」という公開中の事例はないため、除きました。" in body
    candidates = client.get(reverse("cases:compare"), {"case": "sundred", "q": "厚真"})
    assert "case=meets" not in candidates.content.decode()


def test_organisation_pages_leave_drafts_out(client, drafts):
    coop = Organization.objects.get(name="生活協同組合コープさっぽろ")
    body = client.get(coop.get_absolute_url()).content.decode()
    assert "/cases/meets/" not in body


def test_an_organisation_of_drafts_only_is_not_public(client, drafts):
    meets = Organization.objects.get(name="ミーツ株式会社")
    assert not meets.roles.filter(case__status=Case.Status.PUBLISHED).exists()
    assert client.get(meets.get_absolute_url()).status_code == 404


def test_a_source_of_drafts_only_is_not_public(client):
    citing = [
        slug
        for slug, record in oracles.published_yaml_cases().items()
        if "2019-press-release" in {row["source"] for row in record.get("citations") or []}
    ]
    assert citing
    for case in Case.objects.filter(slug__in=citing):
        case.status = Case.Status.DRAFT
        case.save()
    home = client.get(reverse("cases:home")).content.decode()
    assert "?source=2019-press-release" not in home
