"""The public JSON and CSV: their own schema, no drafts, no formulas, a cap for anonymous CSV."""

import csv
import io
import json
import re
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from cases.exports import CSV_COLUMNS, FORMULA_PREFIXES, SCHEMA_VERSION, neutralise_cell
from cases.facets.index import current_index
from cases.models import Case
from tests.factories import CaseFactory, PlaceFactory

pytestmark = pytest.mark.django_db

BROWSE = reverse("cases:case_list")


def csv_rows(response):
    assert response.status_code == 200
    content = response.getvalue().decode("utf-8")  # streamed, or from the cache
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content.removeprefix("\ufeff"))))


def csv_row_of(client, slug, params=None):
    rows = csv_rows(client.get(BROWSE, {**(params or {}), "format": "csv"}))
    return next(row for row in rows[1:] if row[0] == slug)


def published_case(**fields):
    case = CaseFactory(**fields)
    case.refresh_index()  # gives it its facets, and the catalogue a new version
    return case


# The case JSON ------------------------------------------------------------------------------


def test_case_json_has_its_own_schema(client):
    data = client.get(reverse("cases:case_detail", args=["meets"]), {"format": "json"}).json()
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["url"] == "http://testserver/cases/meets/"
    assert data["type"] == "commons"
    assert data["type_label"] == "共同体（コモンズ）形成型"
    # The fixture record's editorial fields are not part of the API.
    assert "status" not in data
    citation = data["citations"][0]
    assert set(citation) == {
        "source",
        "section",
        "section_heading",
        "section_page",
        "page",
        "note",
        "origin_as_printed",
        "citation_line",
    }
    assert citation["citation_line"].startswith("国土審議会")
    actor = data["actors"][0]
    assert {"organization", "role", "role_label", "source", "section"} <= set(actor)
    for figure in data["figures"]:
        assert figure["as_printed"]
        assert figure["undated"] or figure["as_of_year"] or figure["as_of_label"]
    # fixtures/cases/meets.yaml: 厚真町's population, 約4千人 — the value as a plain decimal.
    atsuma = next(figure for figure in data["figures"] if figure["as_printed"] == "約4千人")
    assert (atsuma["qualifier"], atsuma["value"], atsuma["unit"]) == ("約", "4", "千人")


def test_case_json_query_budget(client, django_assert_max_num_queries):
    # The version token, the case, then one query per relation (themes, related, the 共通項
    # and the nine kinds of rows), whatever the case holds.
    for slug in ("meets", "sundred", "local-energy"):
        with django_assert_max_num_queries(14):
            response = client.get(reverse("cases:case_detail", args=[slug]), {"format": "json"})
        assert response.json()["slug"] == slug


def test_case_json_never_names_a_draft(client):
    """An editor's draft linked as 関連事例 must not appear in a published case's JSON."""
    meets = Case.objects.get(slug="meets")
    draft = CaseFactory(slug="zz-draft-secret", status=Case.Status.DRAFT)
    published = CaseFactory(slug="zz-published-link")
    meets.related.add(draft, published)
    data = client.get(reverse("cases:case_detail", args=["meets"]), {"format": "json"}).json()
    assert "zz-published-link" in data["related"]
    assert "zz-draft-secret" not in data["related"]
    assert "zz-draft-secret" not in json.dumps(data)


def test_case_json_of_a_draft_is_404(client):
    CaseFactory(slug="zz-draft-only", status=Case.Status.DRAFT)
    url = reverse("cases:case_detail", args=["zz-draft-only"])
    assert client.get(url, {"format": "json"}).status_code == 404


# The browse JSON ----------------------------------------------------------------------------


def test_browse_json_states_its_schema_and_the_csv_limit(client, settings):
    data = client.get(BROWSE, {"format": "json"}).json()
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["csv_row_limit"] == settings.CSV_ANONYMOUS_ROW_LIMIT
    assert set(data["results"][0]) == {
        "slug", "title", "url", "type", "type_label", "themes", "places", "summary",
    }  # fmt: skip


# CSV: formula injection ---------------------------------------------------------------------


# Names, not repr: see test_ordinary_cells_are_left_as_they_are.
PREFIX_NAMES = {"=": "equals", "+": "plus", "-": "minus", "@": "at", "\t": "tab", "\r": "cr"}


@pytest.mark.parametrize("prefix", FORMULA_PREFIXES, ids=PREFIX_NAMES.get)
def test_csv_cells_never_start_a_formula(client, prefix):
    case = published_case(slug="zz-formula", title="数式の試験")
    # Stored past the save-time rules (a saved "\r" becomes "\n"): the CSV guards whatever the
    # database holds, however it got there.
    Case.objects.filter(pk=case.pk).update(title=f"{prefix}1+2 事例")
    case.refresh_index()
    row = csv_row_of(client, case.slug)
    assert row[1] == f"'{prefix}1+2 事例"


def test_csv_neutralises_title_summary_and_place(client):
    case = published_case(
        slug="zz-hyperlink",
        title='=HYPERLINK("http://127.0.0.1:1/x","F01")',
        summary="+81 の電話番号で申し込む",
    )
    PlaceFactory(case=case, name="-1+2")
    case.refresh_index()
    row = csv_row_of(client, case.slug)
    assert row[1] == '\'=HYPERLINK("http://127.0.0.1:1/x","F01")'
    assert row[CSV_COLUMNS.index("場所")] == "'-1+2"
    assert row[CSV_COLUMNS.index("要約")] == "'+81 の電話番号で申し込む"


@pytest.mark.parametrize(
    "text",
    ["交通", "1+2", "a=b", "'quoted", " =leading space", "", "(株)ミーツ"],
    # Not repr: mutmut passes test ids to pytest, which found no test by the repr ids of
    # "'quoted", "\t" or "\r" (exit 4); mutmut counted that as a timeout, a killed mutant.
    ids=["kanji", "plus", "equals", "apostrophe", "space-equals", "empty", "kabu"],
)
def test_ordinary_cells_are_left_as_they_are(text):
    assert neutralise_cell(text) == text


# CSV: streaming, cache, cap -----------------------------------------------------------------


def test_csv_query_budget(client, django_assert_max_num_queries):
    current_index()  # built once per process and catalogue version, not per export
    published = Case.objects.published().count()
    # The version token, then one batch: cases, themes, places, figures (with their places and
    # sources), citations and their sources.
    with django_assert_max_num_queries(7):
        rows = csv_rows(client.get(BROWSE, {"format": "csv"}))
    assert len(rows) - 1 == published


def test_csv_is_cached_per_catalogue_version(client, django_assert_num_queries):
    first = client.get(BROWSE, {"format": "csv", "type": "commons"})
    assert first.streaming
    content = first.getvalue()
    with django_assert_num_queries(1):  # the version token; the file comes from the cache
        again = client.get(BROWSE, {"format": "csv", "type": "commons"})
        assert again.getvalue() == content
    # Served from the cache, still a CSV file as the first was (type, name).
    for header in ("Content-Type", "Content-Disposition"):
        assert again[header] == first[header]
    assert first["Content-Type"] == "text/csv; charset=utf-8"
    other = client.get(BROWSE, {"format": "csv", "type": "local_firm"}).getvalue()
    assert other != content
    case = Case.objects.get(slug="meets")
    case.title = "ミーツ（題名変更の試験）"
    case.save()
    changed = client.get(BROWSE, {"format": "csv", "type": "commons"}).getvalue()
    assert "ミーツ（題名変更の試験）" in changed.decode()


@override_settings(CSV_ANONYMOUS_ROW_LIMIT=5)
def test_anonymous_csv_is_capped_with_a_notice(client, admin_client):
    published = Case.objects.published().count()
    assert len(csv_rows(client.get(BROWSE, {"format": "csv"}))) - 1 == 5
    body = client.get(BROWSE).content.decode()
    assert "CSVには先頭の5件だけを書き出します" in body
    data = client.get(BROWSE, {"format": "json"}).json()
    assert data["csv_row_limit"] == 5
    assert any("CSVには先頭の5件" in notice for notice in data["notices"])
    # A selection within the cap needs no notice.
    small = client.get(BROWSE, {"format": "json", "type": "finance"}).json()
    assert small["count"] <= 5
    assert not any("CSV" in notice for notice in small["notices"])
    # Signed in, every matching case.
    assert len(csv_rows(admin_client.get(BROWSE, {"format": "csv"}))) - 1 == published
    assert admin_client.get(BROWSE, {"format": "json"}).json()["csv_row_limit"] is None


def test_browse_json_has_the_fields_the_readme_lists(client):
    """The browse JSON's fields, results' fields and options' fields are the ones the README's
    table of formats lists for `/cases/?format=json`, no more and no fewer."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `/cases/?format=json`"))
    documented = set(re.findall(r"`([a-z_]+)`", row)) - {"null"}
    data = client.get(BROWSE, {"format": "json", "type": "commons"}).json()
    options = [option for facet in data["facets"].values() for option in facet]
    found = set(data) | set(data["results"][0]) | {key for option in options for key in option}
    assert found == documented
    assert data["page"] == 1
    assert any(option["selected"] for option in data["facets"]["type"])
    assert all(option["label"] for option in options)
