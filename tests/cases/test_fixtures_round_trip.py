"""Edits made in the admin survive export → load into an empty database → export, byte for byte.

Each edit goes through the real change forms (the test client posting them as a superuser), so
what is tested is what a browser sends: CRLF line breaks, places with only a prefecture, odd
characters pasted into a label, aliases typed as JSON.
"""

import io
import json

import pytest
from django.core.management import call_command
from django.forms import CheckboxInput
from django.urls import reverse

from cases.models import (
    Case,
    CatalogueVersion,
    CommonFactor,
    KeyFigure,
    Organization,
    Place,
    Prefecture,
    SourceDocument,
    Theme,
)

pytestmark = pytest.mark.django_db


def change_form_data(response):
    """The change form's current values, as the browser would post them back unchanged."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for bound in form:
            value = bound.field.prepare_value(bound.value())
            if isinstance(bound.field.widget, CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
                continue
            data[bound.html_name] = "" if value is None else value
    return data


def inline_prefix(response, model):
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.model is model:
            return inline.formset.prefix
    raise AssertionError(f"no inline for {model.__name__}")


def post_change(client, model, pk, edit):
    url = reverse(f"admin:cases_{model._meta.model_name}_change", args=[pk])
    response = client.get(url)
    assert response.status_code == 200
    data = change_form_data(response)
    edit(data, response)
    return client.post(url, data)


def export(directory):
    call_command("export_catalogue", "--fixtures", str(directory), stdout=io.StringIO())
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*.yaml"))
    }


def empty_the_catalogue():
    Case.objects.all().delete()
    Organization.objects.all().delete()
    Theme.objects.all().delete()
    CommonFactor.objects.all().delete()  # cites a source document
    SourceDocument.objects.all().delete()
    CatalogueVersion.bump()


def test_admin_edits_round_trip_byte_for_byte(admin_client, tmp_path):
    meets = Case.objects.get(slug="meets")
    osaka = Prefecture.objects.get(name="大阪府")
    figure = KeyFigure.objects.filter(case=meets).order_by("position", "id").first()

    def edit_case(data, response):
        # Browsers post multi-line text with CRLF.
        data["description"] = "一段落目。\r\n二段落目。\r\n"
        data["summary"] = "要約の一行目。\r\n二行目。"
        places = inline_prefix(response, Place)
        index = int(data[f"{places}-TOTAL_FORMS"])
        data[f"{places}-TOTAL_FORMS"] = index + 1
        data.update(
            {
                f"{places}-{index}-position": index,
                f"{places}-{index}-kind": Place.Kind.DISTRICT,
                f"{places}-{index}-name": "試験地区",
                f"{places}-{index}-prefecture": osaka.pk,
                f"{places}-{index}-case": meets.pk,
            }
        )
        figures = inline_prefix(response, KeyFigure)
        position = next(
            key.removesuffix("-id")
            for key, value in data.items()
            if key.startswith(f"{figures}-") and key.endswith("-id") and value == figure.pk
        )
        # NEL (U+0085), as pasted from some PDFs; PyYAML used to write it so that it read back
        # as a space.
        data[f"{position}-label"] = "人口\x85（試験）"

    response = post_change(admin_client, Case, meets.pk, edit_case)
    assert response.status_code == 302, response.context and response.context["errors"]

    first = export(tmp_path / "first")
    empty_the_catalogue()
    call_command("load_catalogue", "--fixtures", str(tmp_path / "first"), stdout=io.StringIO())
    second = export(tmp_path / "second")

    assert first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], name

    meets_file = first["cases/meets.yaml"].decode()
    assert "\r" not in meets_file
    # (The form strips the text's final line break.)
    assert "description: |-\n  一段落目。\n  二段落目。\n" in meets_file
    assert "- kind: district\n  name: 試験地区\n  prefecture: 大阪府\n" in meets_file
    district = Place.objects.get(case__slug="meets", name="試験地区")
    assert district.prefecture == osaka
    assert KeyFigure.objects.get(case__slug="meets", label="人口\n（試験）")


@pytest.mark.parametrize(
    "typed",
    ['"コープさっぽろ"', "[1, 2]", '["", "x"]', '{"a": 1}'],
    ids=["json-string", "numbers", "empty-name", "object"],
)
def test_aliases_that_are_not_a_list_of_names_are_a_form_error(admin_client, typed):
    organization = Organization.objects.get(name="生活協同組合コープさっぽろ")
    before = list(organization.aliases)

    def edit(data, response):
        data["aliases"] = typed

    response = post_change(admin_client, Organization, organization.pk, edit)
    assert response.status_code == 200  # the form again, not a 500
    assert "別表記は名称のリストで入力してください" in response.content.decode()
    organization.refresh_from_db()
    assert organization.aliases == before


def test_aliases_typed_as_a_list_are_saved(admin_client):
    organization = Organization.objects.get(name="生活協同組合コープさっぽろ")

    def edit(data, response):
        data["aliases"] = json.dumps([*organization.aliases, "試験コープ"], ensure_ascii=False)

    response = post_change(admin_client, Organization, organization.pk, edit)
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.aliases[-1] == "試験コープ"
