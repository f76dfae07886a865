import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.urls import reverse

from cases.models import Case, CaseFacet, CommonFactor, Organization, Theme
from tests import oracles

pytestmark = pytest.mark.django_db

REGISTERED_MODELS = [
    model for model in apps.get_app_config("cases").get_models() if model in admin.site._registry
]


@pytest.fixture
def editor_client(client):
    user = User.objects.create_user("editor", password="pw-editor-1234", is_staff=True)
    user.groups.add(Group.objects.get(name="編集者"))
    client.force_login(user)
    return client


def admin_urls(model):
    opts = model._meta
    instance = model.objects.first()
    urls = [reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")]
    if instance is not None:
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk]))
        urls.append(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[instance.pk])
        )
    return urls


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda model: model.__name__)
def test_every_registered_model_renders_for_a_superuser(admin_client, model):
    for url in admin_urls(model):
        assert admin_client.get(url).status_code == 200, url


def test_case_changelist_filters_and_japanese_search(admin_client):
    url = reverse("admin:cases_case_changelist")
    response = admin_client.get(url, {"q": "厚真", "type_2025__exact": "commons"})
    assert response.status_code == 200
    assert "ミーツ" in response.content.decode()


def test_case_add_form_renders(admin_client):
    assert admin_client.get(reverse("admin:cases_case_add")).status_code == 200


def test_bulk_publish_action(admin_client):
    # Publishing takes a case awaiting review (cases.review).
    Case.objects.filter(slug="meets").update(status=Case.Status.REVIEW)
    response = admin_client.post(
        reverse("admin:cases_case_changelist"),
        {"action": "publish", "_selected_action": [Case.objects.get(slug="meets").pk]},
        follow=True,
    )
    assert response.status_code == 200
    case = Case.objects.get(slug="meets")
    assert case.status == Case.Status.PUBLISHED
    assert case.history.first().history_change_reason == "status: published"


def form_data(*forms):
    """Return POST data that resubmits forms exactly as rendered."""
    data = {}
    for form in forms:
        for bound in form:
            value = bound.value()
            if value is None:
                continue
            if isinstance(value, list | tuple):
                data[bound.html_name] = [str(getattr(v, "pk", v)) for v in value]
            else:
                data[bound.html_name] = value
    return data


def test_editing_a_case_records_history_and_reindexes(admin_client):
    case = Case.objects.get(slug="meets")
    page = admin_client.get(reverse("admin:cases_case_change", args=[case.pk]))
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = form_data(*forms)
    data["summary"] = "管理画面で書き換えた要約。目印語ゾウガメ。"
    response = admin_client.post(reverse("admin:cases_case_change", args=[case.pk]), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    case.refresh_from_db()
    assert case.summary.endswith("ゾウガメ。")
    assert "ゾウガメ" in case.search_text
    assert case.history.count() >= 2
    assert case.history.first().history_user.username == "admin"


def test_editor_can_edit_content(editor_client):
    """An editor's change is saved, recorded as theirs, and reaches the public page (even one
    cached before), the search and the facet counts."""
    case = Case.objects.get(slug="meets")
    page_url = reverse("cases:case_detail", args=["meets"])
    assert "目印語オオサンショウウオ" not in editor_client.get(page_url).content.decode()  # cached
    tourism_before = oracles.browse(editor_client, [("theme", "tourism")])
    assert "meets" not in tourism_before.slugs

    change_url = reverse("admin:cases_case_change", args=[case.pk])
    page = editor_client.get(change_url)
    assert page.status_code == 200
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = form_data(*forms)
    data["summary"] = "編集者が書き換えた要約。目印語オオサンショウウオ。"
    data["themes"] = [*data["themes"], str(Theme.objects.get(key="tourism").pk)]
    infrastructure = next(key for key in data if re.fullmatch(r"infrastructure-\d+-name", key))
    data[infrastructure] = "目印基盤カモノハシ"
    response = editor_client.post(change_url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""

    case.refresh_from_db()
    assert case.summary == "編集者が書き換えた要約。目印語オオサンショウウオ。"
    assert case.themes.filter(key="tourism").exists()
    assert case.infrastructure.filter(name="目印基盤カモノハシ").exists()
    assert case.history.first().history_user.username == "editor"
    assert "目印語オオサンショウウオ" in editor_client.get(page_url).content.decode()
    for word in ("オオサンショウウオ", "カモノハシ"):
        assert oracles.browse(editor_client, [("q", word)]).slugs == ["meets"], word
    tourism = oracles.browse(editor_client, [("theme", "tourism")])
    assert "meets" in tourism.slugs
    assert tourism.count == tourism_before.count + 1
    assert oracles.browse(editor_client).counts["theme"]["tourism"] == tourism.count

    assert editor_client.get(reverse("admin:cases_organization_changelist")).status_code == 200
    assert editor_client.get(reverse("admin:cases_municipality_changelist")).status_code == 200


def test_editor_cannot_manage_users_or_groups(editor_client):
    assert editor_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert editor_client.get(reverse("admin:auth_group_changelist")).status_code == 403
    assert editor_client.get(reverse("admin:cases_municipality_add")).status_code == 403


def test_non_staff_are_kept_out(client):
    user = User.objects.create_user("visitor", password="pw-visitor-1234")
    client.force_login(user)
    response = client.get(reverse("admin:cases_case_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302


def test_renaming_an_organisation_reindexes_its_cases(admin_client):
    organization = Organization.objects.get(name="ミーツ株式会社")
    page = admin_client.get(reverse("admin:cases_organization_change", args=[organization.pk]))
    data = form_data(page.context["adminform"].form)
    data["aliases"] = '["ミーツ", "目印社ハシビロコウ"]'
    response = admin_client.post(
        reverse("admin:cases_organization_change", args=[organization.pk]), data
    )
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    found = admin_client.get(reverse("cases:case_list"), {"q": "ハシビロコウ", "format": "json"})
    assert [case["slug"] for case in found.json()["results"]] == ["meets"]


def test_common_factor_admin_lists_and_edits_reindex_the_cases(admin_client):
    changelist = admin_client.get(reverse("admin:cases_commonfactor_changelist"))
    assert changelist.status_code == 200
    assert "①住民・地域コミュニティの積極的な参画" in changelist.content.decode()
    factor = CommonFactor.objects.get(number=6)
    url = reverse("admin:cases_commonfactor_change", args=[factor.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    kddi = factor.cases.get(slug="kddi").pk
    data["cases"] = [pk for pk in data["cases"] if int(pk) != kddi]
    data = {k: v for k, v in data.items() if v is not None}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not CaseFacet.objects.filter(case__slug="kddi", facet="factor", value="6").exists()
    assert CaseFacet.objects.filter(case__slug="kddi", facet="factor", value="5").exists()
