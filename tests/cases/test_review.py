"""The review step (cases/review.py), the preview, and what never leaks before publishing."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from cases import review
from cases.models import Case, Municipality, Place
from tests.factories import ActorFactory, CaseFactory, KeyFigureFactory, PlaceFactory

pytestmark = pytest.mark.django_db

EDITORS = "編集者"


def make_editor(name):
    user = User.objects.create_user(name, password=f"pw-{name}-1234", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    return User.objects.get(pk=user.pk)  # a fresh object: permissions are cached per instance


@pytest.fixture
def alice():
    return make_editor("alice")


@pytest.fixture
def bob():
    return make_editor("bob")


def status_url(case):
    return reverse("admin:cases_case_status", args=[case.pk])


def edit_as(user, case, **changes):
    """A change to the case recorded in its history under `user`, as an admin save records it."""
    for field, value in changes.items():
        setattr(case, field, value)
    case._history_user = user
    case.save()


def test_editor_group_may_publish_but_not_manage_users(alice):
    assert alice.has_perm("cases.publish_case")
    assert alice.has_perm("cases.change_case")
    assert not alice.has_perm("auth.change_user")


def test_draft_to_review_to_published_by_a_second_editor(client, alice, bob):
    case = Case.objects.get(slug="meets")
    edit_as(alice, case, status=Case.Status.DRAFT, summary="アリスが直した要約。")

    client.force_login(alice)
    client.post(status_url(case), {"status": "review"})
    case.refresh_from_db()
    assert case.status == Case.Status.REVIEW

    # Alice edited it last: she may not publish it herself.
    response = client.post(status_url(case), {"status": "published"}, follow=True)
    case.refresh_from_db()
    assert case.status == Case.Status.REVIEW
    assert "最後に編集した人は公開できません" in response.content.decode()

    client.force_login(bob)
    client.post(status_url(case), {"status": "published"})
    case.refresh_from_db()
    assert case.status == Case.Status.PUBLISHED
    latest = case.history.first()
    assert latest.history_user == bob
    assert latest.history_change_reason == "status: published"
    assert latest.prev_record.history_user == alice  # her request for review


def test_the_second_editor_rule_can_be_turned_off(settings, alice):
    settings.KOKUDO_PUBLISH_NEEDS_SECOND_EDITOR = False
    case = Case.objects.get(slug="meets")
    edit_as(alice, case, status=Case.Status.REVIEW)
    review.change_status(case, alice, Case.Status.PUBLISHED)
    assert Case.objects.get(slug="meets").status == Case.Status.PUBLISHED


def test_a_draft_cannot_skip_review(alice, bob):
    case = Case.objects.get(slug="meets")
    edit_as(alice, case, status=Case.Status.DRAFT)
    with pytest.raises(review.ReviewError, match="移せません"):
        review.change_status(case, bob, Case.Status.PUBLISHED)
    assert Case.objects.get(slug="meets").status == Case.Status.DRAFT


def test_staff_without_the_permission_cannot_publish(alice):
    clerk = User.objects.create_user("clerk", password="pw-clerk-1234", is_staff=True)
    case = Case.objects.get(slug="meets")
    edit_as(alice, case, status=Case.Status.REVIEW)
    with pytest.raises(review.ReviewError, match="権限がありません"):
        review.change_status(case, clerk, Case.Status.PUBLISHED)


def test_an_audit_error_blocks_publishing_and_shows_on_the_form(client, alice, bob):
    case = CaseFactory(status=Case.Status.DRAFT)
    # 約4千人 printed, 5 recorded: the audit finds the figure not rebuilt from its parts.
    KeyFigureFactory(case=case, value="5")
    edit_as(alice, case, status=Case.Status.REVIEW)
    client.force_login(bob)
    page = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert "点検で問題が見つかりました" in page
    response = client.post(status_url(case), {"status": "published"}, follow=True)
    assert "点検で問題が見つかりました" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.REVIEW


def test_status_is_not_a_form_field(admin_client):
    case = Case.objects.get(slug="meets")
    page = admin_client.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert "status" not in page.context["adminform"].form.fields


def test_an_unknown_status_is_a_message_not_an_error(admin_client):
    case = Case.objects.get(slug="meets")
    response = admin_client.post(status_url(case), {"status": "gone"}, follow=True)
    assert response.status_code == 200
    assert "公開状態の値が正しくありません" in response.content.decode()
    assert admin_client.get(status_url(case)).status_code == 405


def test_bulk_publish_follows_the_same_rules(admin_client, alice):
    meets = Case.objects.get(slug="meets")
    edit_as(alice, meets, status=Case.Status.REVIEW)
    sundred = Case.objects.get(slug="sundred")
    edit_as(alice, sundred, status=Case.Status.DRAFT)
    admin_client.post(
        reverse("admin:cases_case_changelist"),
        {"action": "publish", "_selected_action": [meets.pk, sundred.pk]},
    )
    assert Case.objects.get(slug="meets").status == Case.Status.PUBLISHED
    assert Case.objects.get(slug="sundred").status == Case.Status.DRAFT  # must be reviewed first


# The preview ---------------------------------------------------------------------------------


def test_preview_shows_a_draft_to_staff_only(client, alice):
    case = CaseFactory(slug="zz-preview-draft", title="目印語プレビュー下書き", status="draft")
    url = reverse("cases:case_preview", args=[case.slug])

    response = client.get(url)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    assert client.get(reverse("cases:case_detail", args=[case.slug])).status_code == 404

    client.force_login(alice)
    response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "目印語プレビュー下書き" in page
    assert "preview-banner" in page
    assert "no-cache" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    # Still private to the public after the preview was seen (nothing cached under its slug).
    client.logout()
    assert client.get(reverse("cases:case_detail", args=[case.slug])).status_code == 404


def test_preview_of_a_published_case_matches_its_public_page(client, alice):
    public = client.get(reverse("cases:case_detail", args=["meets"])).content.decode()
    client.force_login(alice)
    preview_url = reverse("cases:case_preview", args=["meets"])
    preview = client.get(preview_url).content.decode()
    # The printed sheet names the page's own address.
    preview = preview.replace(preview_url, reverse("cases:case_detail", args=["meets"]))
    # The same page but for the banner (and the signed-in header).
    assert public.split('<article class="case"')[1] == preview.split('<article class="case"')[1]


def test_the_case_form_links_its_preview(admin_client):
    case = Case.objects.get(slug="meets")
    page = admin_client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert reverse("cases:case_preview", args=["meets"]) in page


# Never leaking -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Case.Status.DRAFT, Case.Status.REVIEW])
def test_an_unpublished_case_appears_nowhere_public(client, status):
    before = client.get(reverse("cases:case_list"), {"format": "json"}).json()["count"]
    named = Place.objects.filter(
        case__status=Case.Status.PUBLISHED, municipality__isnull=False
    ).values("municipality")
    lonely = Municipality.objects.exclude(pk__in=named).order_by("lg_code").first()
    secret = CaseFactory(slug="zz-secret", title="目印語ヒミツ事例", status=status)
    PlaceFactory(case=secret, municipality=lonely, name=lonely.name)
    actor = ActorFactory(case=secret, organization__name="目印語ヒミツ組織株式会社")
    meets = Case.objects.get(slug="meets")
    meets.related.add(secret)
    secret.refresh_index()

    def public(url, **params):
        response = client.get(url, params)
        return response.status_code, response.getvalue().decode("utf-8-sig")

    list_url = reverse("cases:case_list")
    assert client.get(list_url, {"format": "json"}).json()["count"] == before
    assert client.get(list_url, {"format": "json", "q": "目印語ヒミツ"}).json()["count"] == 0
    for url, params in [
        (list_url, {}),
        (list_url, {"q": "目印語ヒミツ"}),
        (list_url, {"format": "csv"}),
        (list_url, {"format": "json", "q": "目印語ヒミツ"}),
        (reverse("cases:case_detail", args=["meets"]), {}),
        (reverse("cases:case_detail", args=["meets"]), {"format": "json"}),
        (reverse("cases:home"), {}),
        (reverse("cases:feed"), {}),
        (reverse("cases:place_list"), {}),
    ]:
        status_code, body = public(url, **params)
        assert status_code == 200, url
        # The search echoes its words (目印語ヒミツ); the case's and its actor's names never.
        assert "ヒミツ事例" not in body, (url, params)
        assert "ヒミツ組織" not in body, (url, params)
        assert "zz-secret" not in body, (url, params)
    assert public(reverse("cases:case_detail", args=["zz-secret"]))[0] == 404
    assert public(reverse("cases:case_detail", args=["zz-secret"]), format="json")[0] == 404
    assert public(reverse("cases:place_detail", args=[lonely.lg_code]))[0] == 404
    assert public(actor.organization.get_absolute_url())[0] == 404


def test_a_history_revert_does_not_publish_past_review(admin_client, alice):
    from tests.cases.test_reindexing import resubmit

    case = Case.objects.get(slug="meets")
    published_version = case.history.order_by("-history_date", "-history_id").first()
    assert published_version.status == Case.Status.PUBLISHED
    edit_as(alice, case, status=Case.Status.DRAFT)
    revert_url = reverse(
        "admin:cases_case_simple_history", args=[case.pk, published_version.history_id]
    )
    resubmit(admin_client, revert_url)
    assert Case.objects.get(slug="meets").status == Case.Status.DRAFT
