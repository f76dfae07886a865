"""The case history page: who changed what, in the case and in its rows (cases/history.py)."""

import pytest
from django.urls import reverse

from cases.models import Case
from tests.cases.test_admin import form_data

pytestmark = pytest.mark.django_db


def post_case_form(client, case, change):
    """Submit the admin's case form as rendered, after `change(data, formsets)` edits it."""
    url = reverse("admin:cases_case_change", args=[case.pk])
    page = client.get(url)
    forms = [page.context["adminform"].form]
    formsets = {}
    for inline in page.context["inline_admin_formsets"]:
        formsets[inline.formset.prefix] = inline.formset
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = form_data(*forms)
    change(data, formsets)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""


def test_history_shows_row_changes_with_the_case_change(admin_client):
    case = Case.objects.get(slug="meets")
    actor = case.actors.order_by("position", "id").first()
    citation = case.citations.order_by("position", "id").last()

    def change(data, formsets):
        data["summary"] = "履歴の試験で書き換えた要約。"
        at = [form.instance.pk for form in formsets["actors"].forms].index(actor.pk)
        data[f"actors-{at}-note"] = "履歴の試験で足した注記"
        at = [form.instance.pk for form in formsets["citations"].forms].index(citation.pk)
        data[f"citations-{at}-DELETE"] = "on"

    post_case_form(admin_client, case, change)
    page = admin_client.get(reverse("admin:cases_case_history", args=[case.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "履歴の試験で書き換えた要約。" in text  # the case's own field
    assert "関係主体を変更" in text
    assert "履歴の試験で足した注記" in text
    assert "出典を削除" in text
    # The restore's limits are said on the page.
    assert "行は戻りません" in text
    # The rows saved with the case's change are listed in its entry, by the same person.
    latest = page.context["page_obj"].object_list[0]
    assert latest.history_user.username == "admin"
    assert {(row.kind, row.action) for row in latest.row_changes} == {
        ("関係主体", "変更"),
        ("出典", "削除"),
    }
    changed = next(row for row in latest.row_changes if row.action == "変更")
    assert [(c.field, c.new) for c in changed.changes] == [("補足", "履歴の試験で足した注記")]
