"""The admin's spreadsheet round trip of figures and actors (cases/spreadsheet.py).

Oracles: the fixture files (what a row's fields are and hold), the database rows as they were
before an import, and the public pages and JSON as any reader sees them.
"""

import difflib
import io
import json
import shutil
from pathlib import Path

import pytest
import tablib
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from cases import spreadsheet
from cases.fixtures import read_yaml
from cases.models import Actor, Case, KeyFigure, Organization, SourceDocument

pytestmark = pytest.mark.django_db

FIXTURES = Path(settings.CATALOGUE_FIXTURES_DIR)
CASE = "meets"
# The formats the admins offer, in their order: the import form's `format` is an index.
CSV, XLSX = 0, 1


def fixture_case(slug=CASE):
    return read_yaml(FIXTURES / "cases" / f"{slug}.yaml")


@pytest.fixture
def editor(db):
    user = User.objects.create_user("editor", password="pw-editor-1234", is_staff=True)
    user.groups.add(Group.objects.get(name="編集者"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def url(model, view):
    return reverse(f"admin:cases_{model._meta.model_name}_{view}")


def exported(model, queryset=None):
    resource = spreadsheet.resource_for(model)()
    return resource.export(queryset if queryset is not None else model.objects.all())


def as_file(dataset, file_format):
    if file_format == CSV:
        return SimpleUploadedFile("rows.csv", dataset.export("csv").encode("utf-8-sig"))
    return SimpleUploadedFile("rows.xlsx", dataset.export("xlsx"))


def preview(client, model, dataset, file_format=CSV):
    return client.post(
        url(model, "import"),
        {"format": str(file_format), "import_file": as_file(dataset, file_format)},
    )


def confirm(client, model, response):
    form = response.context["confirm_form"]
    data = {name: form.initial[name] for name in form.fields if name in form.initial}
    return client.post(url(model, "process_import"), data)


def rows_as_dicts(dataset):
    return [dict(zip(dataset.headers, row, strict=True)) for row in dataset]


def database_state():
    """Every figure and actor row as stored: what a bad file must leave alone."""
    return (
        sorted(KeyFigure.objects.values_list()),
        sorted(Actor.objects.values_list()),
    )


def new_organization_for(case):
    """An organisation the case does not name, of a kind none of its actors has (so the org
    facet and the search show whether the case's index follows the import)."""
    kinds = set(case.actors.values_list("organization__kind", flat=True))
    names = set(case.actors.values_list("organization__name", flat=True))
    return (
        Organization.objects.exclude(kind__in=kinds)
        .exclude(name__in=names)
        .order_by("name")
        .first()
    )


def browse(client, **params):
    response = client.get(reverse("cases:case_list"), {**params, "format": "json"})
    return {item["slug"] for item in json.loads(response.content)["results"]}


# Columns ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("model", "kind"), [(KeyFigure, "figures"), (Actor, "actors")])
def test_export_columns_are_the_fixture_fields_and_the_import_takes_the_same(
    admin_client, model, kind
):
    headers = exported(model).headers
    assert headers[:2] == ["id", "case"]
    # Every field the fixture files use for these rows is a column, and nothing else is.
    used = {
        key
        for path in (FIXTURES / "cases").glob("*.yaml")
        for row in (read_yaml(path).get(kind) or [])
        for key in row
    }
    assert used <= set(headers[2:])
    assert set(headers[2:]) - used <= {
        "note",
        "qualifier",
        "place",
        "unit",
        "as_of_label",
        "as_of_month",
        "text_only",
        "undated",
        "as_of_year",
    }
    # The import page lists the columns it reads: the same, in the same order.
    page = admin_client.get(url(model, "import"))
    assert page.context["fields_list"][0][1] == headers


@pytest.mark.parametrize(("model", "kind"), [(KeyFigure, "figures"), (Actor, "actors")])
def test_exported_rows_hold_what_the_fixture_files_hold(model, kind):
    record = fixture_case()
    case = Case.objects.get(slug=CASE)
    rows = rows_as_dicts(exported(model, model.objects.filter(case=case).order_by("position")))
    assert len(rows) == len(record[kind])
    for row, expected in zip(rows, record[kind], strict=True):
        assert row["case"] == CASE
        filled = {key: value for key, value in row.items() if value not in ("", None, False)}
        filled.pop("id"), filled.pop("case")
        assert filled == expected


def test_the_admin_export_is_a_utf8_csv_with_bom_of_the_filtered_rows(editor_client):
    source = "2022-slides"
    pk = SourceDocument.objects.get(key=source).pk
    response = editor_client.post(
        url(KeyFigure, "export") + f"?source__id__exact={pk}",
        {
            "format": str(CSV),
            "resource": "0",
            **{
                f"keyfigureresource_{column}": "on"
                for column in spreadsheet.KeyFigureResource.columns()
            },
        },
    )
    assert response.status_code == 200, response.content[:500]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    data = tablib.Dataset().load(body.decode("utf-8-sig"), format="csv")
    assert data.headers == spreadsheet.KeyFigureResource.columns()
    assert {row["source"] for row in rows_as_dicts(data)} == {source}
    assert len(data) == KeyFigure.objects.filter(source__key=source).count()


# A good file -----------------------------------------------------------------------------------


def edited_figures_and_new_rows(case):
    """The case's figures with one label changed and one figure added; one actor added."""
    figures = exported(KeyFigure, KeyFigure.objects.filter(case=case).order_by("position"))
    first = rows_as_dicts(figures)[0]
    changed_label = first["label"] + "（取込試験）"
    figures[0] = tuple(
        changed_label if h == "label" else v
        for h, v in zip(figures.headers, figures[0], strict=True)
    )
    source = first["source"]
    new_figure = {
        "id": "",
        "case": case.slug,
        "kind": "other",
        "label": "取込試験の件数",
        "value": "383.0",
        "unit": "件",
        "as_printed": "383.0件",
        "as_of_year": "2024",
        "source": source,
        "section": first["section"],
    }
    figures.append([new_figure.get(h, "") for h in figures.headers])

    organization = new_organization_for(case)
    actors = tablib.Dataset(headers=spreadsheet.ActorResource.columns())
    new_actor = {
        "id": "",
        "case": case.slug,
        "organization": organization.name,
        "role": "partner",
        "source": source,
        "section": first["section"],
    }
    actors.append([new_actor.get(h, "") for h in actors.headers])
    return figures, actors, first, changed_label, organization


@pytest.mark.parametrize("file_format", [CSV, XLSX], ids=["csv", "xlsx"])
def test_a_good_file_previews_then_imports_and_the_public_pages_follow(
    editor_client, client, file_format
):
    case = Case.objects.get(slug=CASE)
    figures, actors, first, changed_label, organization = edited_figures_and_new_rows(case)
    before = database_state()
    assert CASE not in browse(client, org=organization.kind)
    assert CASE not in browse(client, q=organization.name)

    response = preview(editor_client, KeyFigure, figures, file_format)
    assert response.status_code == 200
    result = response.context["result"]
    assert not result.has_errors()
    assert not result.has_validation_errors()
    kinds = [row.import_type for row in result.valid_rows()]
    assert kinds.count("new") == 1
    assert kinds.count("update") == 1
    assert kinds.count("skip") == len(figures) - 2
    assert database_state() == before  # the preview changes nothing

    response = confirm(editor_client, KeyFigure, response)
    assert response.status_code == 302
    response = preview(editor_client, Actor, actors, file_format)
    assert response.context["result"].totals["new"] == 1
    assert confirm(editor_client, Actor, response).status_code == 302

    figure = KeyFigure.objects.get(case=case, label="取込試験の件数")
    assert (figure.printed_value, figure.as_of_year, figure.unit) == ("383.0", 2024, "件")
    assert (
        figure.position
        == max(case.figures.exclude(pk=figure.pk).values_list("position", flat=True)) + 1
    )
    assert KeyFigure.objects.get(pk=first["id"]).label == changed_label
    actor = Actor.objects.get(case=case, organization=organization)
    assert actor.history.first().history_user.username == "editor"

    page = client.get(case.get_absolute_url()).content.decode()
    assert "383.0件" in page
    assert changed_label in page
    assert organization.name in page
    assert CASE in browse(client, org=organization.kind)
    assert CASE in browse(client, q=organization.name)


def test_an_import_then_export_catalogue_writes_the_change_as_a_reviewable_diff(
    editor_client, tmp_path
):
    case = Case.objects.get(slug=CASE)
    figures, actors, first, changed_label, organization = edited_figures_and_new_rows(case)
    confirm(editor_client, KeyFigure, preview(editor_client, KeyFigure, figures))
    confirm(editor_client, Actor, preview(editor_client, Actor, actors))

    copy = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, copy)
    out = io.StringIO()
    call_command("export_catalogue", "--fixtures", str(copy), stdout=out)
    assert f"wrote {copy / 'cases' / f'{CASE}.yaml'}" in out.getvalue()
    assert "1 file(s) changed" in out.getvalue()

    before = (FIXTURES / "cases" / f"{CASE}.yaml").read_text("utf-8").splitlines()
    after = (copy / "cases" / f"{CASE}.yaml").read_text("utf-8").splitlines()
    changes = [
        line
        for line in difflib.unified_diff(before, after, lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    section = first["section"]
    # In file order: the actors come before the figures.
    assert changes == [
        f"+- organization: {organization.name}",
        "+  role: partner",
        f"+  source: {first['source']}",
        f"+  section: {section}",
        f"-  label: {first['label']}",
        f"+  label: {changed_label}",
        "+- kind: other",
        "+  label: 取込試験の件数",
        "+  value: '383.0'",
        "+  unit: 件",
        "+  as_printed: 383.0件",
        "+  as_of_year: 2024",
        f"+  source: {first['source']}",
        f"+  section: {section}",
    ]


# A bad file ------------------------------------------------------------------------------------


def test_a_file_with_one_bad_row_changes_nothing_and_names_its_row_and_column(editor_client):
    case = Case.objects.get(slug=CASE)
    figures, _, _first, _, _ = edited_figures_and_new_rows(case)
    # The third data row (the sheet's fourth) names a document that does not exist.
    bad = list(figures[2])
    bad[figures.headers.index("source")] = "no-such-report"
    figures[2] = tuple(bad)
    before = database_state()

    response = preview(editor_client, KeyFigure, figures)
    result = response.context["result"]
    assert result.has_validation_errors()
    assert "confirm_form" not in response.context
    assert database_state() == before
    page = response.content.decode()
    assert "4行目 列「source」" in page
    assert "no-such-report" in page
    assert "何も変更していません" in page
    [invalid] = result.invalid_rows
    assert invalid.number + 1 == 4
    assert set(invalid.field_specific_errors) == {"source"}


@pytest.mark.parametrize(
    ("column", "value", "columns_named"),
    [
        ("case", "no-such-case", {"case"}),
        ("kind", "height", {"kind"}),
        ("value", "約4", {"value"}),
        ("place", "どこでもない町", {"place"}),
        ("text_only", "たぶん", {"text_only"}),
        ("as_of_month", "13", {"as_of_month"}),
        ("section", "", {"section"}),
        ("id", "99999999", {"id"}),
        # Neither dated nor undated: a constraint of two columns, both named.
        ("as_of_year", "", {"undated・as_of_year"}),
    ],
)
def test_each_rule_of_the_loader_and_the_model_names_the_column(
    editor_client, column, value, columns_named
):
    case = Case.objects.get(slug=CASE)
    figures = exported(KeyFigure, KeyFigure.objects.filter(case=case, undated=False))
    assert len(figures) >= 1
    row = dict(zip(figures.headers, figures[0], strict=True))
    row[column] = value
    data = tablib.Dataset(headers=figures.headers)
    data.append([row[h] for h in figures.headers])
    before = database_state()

    result = preview(editor_client, KeyFigure, data).context["result"]
    [invalid] = result.invalid_rows
    assert invalid.number == 1
    assert set(invalid.field_specific_errors) == columns_named
    assert database_state() == before


@pytest.mark.parametrize("number", [383.0, 14.5, 383])
@pytest.mark.parametrize("column", ["value", "label"])
def test_a_number_cell_in_xlsx_is_refused_for_a_text_column(editor_client, number, column):
    # Excel keeps 383.0 typed as a number as 383: the printed form would be lost silently.
    figures = exported(KeyFigure, KeyFigure.objects.filter(case__slug=CASE))
    row = list(figures[0])
    row[figures.headers.index(column)] = number
    data = tablib.Dataset(row, headers=figures.headers)
    result = preview(editor_client, KeyFigure, data, XLSX).context["result"]
    [invalid] = result.invalid_rows
    assert set(invalid.field_specific_errors) == {column}


def test_a_file_whose_headers_differ_is_refused_whole(editor_client):
    data = tablib.Dataset(headers=[*spreadsheet.KeyFigureResource.columns()[:-1], "extra"])
    data.append(["" for _ in data.headers])
    before = database_state()
    response = preview(editor_client, KeyFigure, data)
    page = response.content.decode()
    assert "ない列: section" in page
    assert "知らない列: extra" in page
    assert "Traceback" not in page
    assert database_state() == before


# Permissions -----------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [KeyFigure, Actor])
def test_editors_may_import_and_export(editor_client, model):
    for view in ("changelist", "import", "export"):
        assert editor_client.get(url(model, view)).status_code == 200, view
    page = editor_client.get(url(model, "changelist")).content.decode()
    assert url(model, "import") in page
    assert url(model, "export") in page


@pytest.mark.parametrize("model", [KeyFigure, Actor])
def test_import_needs_the_add_and_change_permissions_and_export_the_view_one(client, model):
    user = User.objects.create_user("viewer", password="pw-viewer-1234", is_staff=True)
    name = model._meta.model_name
    user.user_permissions.add(Permission.objects.get(codename=f"view_{name}"))
    client.force_login(user)
    assert client.get(url(model, "export")).status_code == 200
    assert client.get(url(model, "import")).status_code == 403
    assert client.post(url(model, "process_import"), {}).status_code == 403

    user.user_permissions.add(Permission.objects.get(codename=f"change_{name}"))
    user = User.objects.get(pk=user.pk)  # permissions are cached on the instance
    client.force_login(user)
    assert client.get(url(model, "import")).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename=f"add_{name}"))
    client.force_login(User.objects.get(pk=user.pk))
    assert client.get(url(model, "import")).status_code == 200


def test_staff_without_permissions_can_neither_import_nor_export(client):
    user = User.objects.create_user("nobody", password="pw-nobody-1234", is_staff=True)
    client.force_login(user)
    for model in (KeyFigure, Actor):
        assert client.get(url(model, "import")).status_code == 403
        assert client.get(url(model, "export")).status_code == 403


def test_a_row_that_went_bad_between_preview_and_confirm_still_changes_nothing(editor_client):
    case = Case.objects.get(slug=CASE)
    _, actors, _, _, _organization = edited_figures_and_new_rows(case)
    other = Organization.objects.create(name="取込試験株式会社", slug="import-test", kind="company")
    row = dict(zip(actors.headers, actors[0], strict=True))
    actors.append([{**row, "organization": other.name}[h] for h in actors.headers])
    response = preview(editor_client, Actor, actors)
    assert response.context["result"].totals["new"] == 2
    before = database_state()
    other.delete()  # meanwhile, in another tab

    response = confirm(editor_client, Actor, response)
    assert database_state() == before
