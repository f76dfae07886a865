"""Every write path that changes what a case is indexed under keeps search and facets true.

Each test changes something through the admin, as an editor would, and then asks the public
browse view (JSON), which answers from the in-memory index built on the CaseFacet rows and
Case.search_text.
"""

import pytest
from django.urls import reverse

from cases.models import Case, Municipality, Organization, Prefecture, SourceDocument, Theme
from tests.cases.test_admin import form_data

pytestmark = pytest.mark.django_db


def browse(client, **params):
    response = client.get(reverse("cases:case_list"), {**params, "format": "json"})
    assert response.status_code == 200
    return response.json()


def found(client, query):
    return {case["slug"] for case in browse(client, q=query)["results"]}


def facet_counts(client, param, **params):
    return {
        option["value"]: option["count"] for option in browse(client, **params)["facets"][param]
    }


def resubmit(client, url, change=None, inlines=False):
    """Post a change form back as rendered, with `change` applied; expect the redirect."""
    page = client.get(url)
    forms = [page.context["adminform"].form]
    if inlines:
        for inline in page.context["inline_admin_formsets"]:
            forms += [inline.formset.management_form, *inline.formset.forms]
    data = {**form_data(*forms), **(change or {})}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    return page


def published_with(**lookup):
    return Case.objects.published().filter(**lookup).distinct().count()


def test_saving_a_case_with_a_new_theme(admin_client):
    case = Case.objects.get(slug="meets")
    tourism = Theme.objects.get(key="tourism")
    themes = [str(pk) for pk in case.themes.values_list("pk", flat=True)] + [str(tourism.pk)]
    resubmit(
        admin_client,
        reverse("admin:cases_case_change", args=[case.pk]),
        {"themes": themes},
        inlines=True,
    )
    assert "meets" in {
        c["slug"] for c in browse(admin_client, theme="tourism", q="ミーツ")["results"]
    }


def test_reverting_a_case_through_its_history_reindexes_it(admin_client):
    case = Case.objects.get(slug="meets")
    old_title = case.title
    change_url = reverse("admin:cases_case_change", args=[case.pk])
    tourism = Theme.objects.get(key="tourism")
    themes = [str(pk) for pk in case.themes.values_list("pk", flat=True)] + [str(tourism.pk)]
    resubmit(
        admin_client,
        change_url,
        {"title": "目印題名カワセミの事例", "themes": themes},
        inlines=True,
    )
    assert found(admin_client, "カワセミ") == {"meets"}
    before_edit = case.history.order_by("-history_date", "-history_id")[1]
    assert before_edit.title == old_title

    revert_url = reverse("admin:cases_case_simple_history", args=[case.pk, before_edit.history_id])
    page = resubmit(admin_client, revert_url)
    # The revert page says plainly what it does not restore.
    assert "テーマと関連事例は今の選択のまま" in page.content.decode()

    case.refresh_from_db()
    assert case.title == old_title
    assert "meets" not in found(admin_client, "カワセミ")
    assert "meets" in found(admin_client, "共助型困りごと解決")
    # The index follows the themes the case now has, whatever the revert did to them.
    has_tourism = case.themes.filter(key="tourism").exists()
    in_facet = "meets" in {
        c["slug"] for c in browse(admin_client, theme="tourism", q="ミーツ")["results"]
    }
    assert in_facet == has_tourism


def test_publishing_in_bulk_shows_the_case_under_its_facets(admin_client):
    case = Case.objects.get(slug="meets")
    # Awaiting review: publishing takes that step first (cases.review).
    Case.objects.filter(pk=case.pk).update(status=Case.Status.REVIEW)
    case.refresh_index()  # the version changes, so the browse index drops it
    assert "meets" not in found(admin_client, "ミーツ")
    admin_client.post(
        reverse("admin:cases_case_changelist"),
        {"action": "publish", "_selected_action": [case.pk]},
    )
    assert "meets" in {
        c["slug"] for c in browse(admin_client, theme="mutual-aid", q="ミーツ")["results"]
    }


def test_renaming_a_theme_key(admin_client):
    theme = Theme.objects.get(key="mutual-aid")
    expected = published_with(themes=theme)
    assert expected > 0
    resubmit(admin_client, reverse("admin:cases_theme_change", args=[theme.pk]), {"key": "kyojo"})
    counts = facet_counts(admin_client, "theme", theme="kyojo")
    assert counts.get("kyojo") == expected
    assert "mutual-aid" not in counts


def test_reverting_a_theme_key_through_its_history(admin_client):
    theme = Theme.objects.get(key="mutual-aid")
    expected = published_with(themes=theme)
    url = reverse("admin:cases_theme_change", args=[theme.pk])
    resubmit(admin_client, url, {"key": "kyojo"})
    before = theme.history.order_by("-history_date", "-history_id")[1]
    assert before.key == "mutual-aid"
    resubmit(
        admin_client,
        reverse("admin:cases_theme_simple_history", args=[theme.pk, before.history_id]),
    )
    counts = facet_counts(admin_client, "theme", theme="mutual-aid")
    assert counts.get("mutual-aid") == expected
    assert "kyojo" not in counts


def test_deleting_a_theme_takes_it_out_of_the_index(admin_client):
    theme = Theme.objects.get(key="mutual-aid")
    assert published_with(themes=theme) > 0
    response = admin_client.post(
        reverse("admin:cases_theme_delete", args=[theme.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert "mutual-aid" not in facet_counts(admin_client, "theme")
    assert not Case.objects.filter(facet_values__facet="theme", facet_values__value="mutual-aid")


def test_renaming_a_source_key(admin_client):
    source = SourceDocument.objects.get(key="2022-slides")
    expected = published_with(citations__source=source)
    resubmit(
        admin_client,
        reverse("admin:cases_sourcedocument_change", args=[source.pk]),
        {"key": "slides-2022"},
        inlines=True,  # the document's sections are edited on its form
    )
    counts = facet_counts(admin_client, "source", source="slides-2022")
    assert counts.get("slides-2022") == expected
    assert "2022-slides" not in counts


def test_changing_an_organisations_kind(admin_client):
    organization = Organization.objects.get(name="ミーツ株式会社")
    assert organization.kind == Organization.Kind.COMPANY
    resubmit(
        admin_client,
        reverse("admin:cases_organization_change", args=[organization.pk]),
        {"kind": Organization.Kind.COOPERATIVE},
    )
    assert "meets" in {
        c["slug"] for c in browse(admin_client, org="cooperative", q="ミーツ")["results"]
    }


def test_renaming_an_organisation(admin_client):
    organization = Organization.objects.get(name="ミーツ株式会社")
    resubmit(
        admin_client,
        reverse("admin:cases_organization_change", args=[organization.pk]),
        {"name": "目印商会ヤンバルクイナ株式会社"},
    )
    assert found(admin_client, "ヤンバルクイナ") == {"meets"}


def test_renaming_a_municipality(admin_client):
    city = Municipality.objects.get(lg_code="015814")  # 厚真町, where ミーツ works
    expected = set(
        Case.objects.published().filter(places__municipality=city).values_list("slug", flat=True)
    )
    assert "meets" in expected
    resubmit(
        admin_client,
        reverse("admin:cases_municipality_change", args=[city.pk]),
        {"name": "目印町オオワシ"},
    )
    assert found(admin_client, "オオワシ") == expected


def test_moving_a_prefecture_to_another_region(admin_client):
    nagano = Prefecture.objects.get(name="長野県")
    assert nagano.region == "chubu"
    resubmit(
        admin_client,
        reverse("admin:cases_prefecture_change", args=[nagano.pk]),
        {"region": "kanto"},
    )
    assert "ina-city" in {
        c["slug"] for c in browse(admin_client, region="kanto", q="伊那市")["results"]
    }
